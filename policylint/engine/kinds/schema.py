"""Declared schemas for rule files.

A schema is a frozen dataclass whose fields are the keys a rule file may
hold, each declared with ``option()``: the YAML key (the field name in
kebab-case), the function that reads and checks its value, and its default
(none: the key is required). ``Options.parse`` reads a mapping with it, so a
mistake in a rule file is a ``RuleError`` naming the file and the field at
load time (unknown keys included), never a surprise at check time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from policylint.engine.patterns import PatternError, check_syntax
from policylint.engine.rules import KINDS, RuleError
from policylint.findings import SEVERITIES


@dataclass(frozen=True)
class Where:
    """A place in a rule file: the file, and the field as an error names it
    (``patterns[2].match``)."""

    path: str
    field: str = ""

    def at(self, key: str | int) -> Where:
        """The place of a key of this mapping, or an item of this list."""
        if isinstance(key, int):
            return Where(self.path, f"{self.field}[{key}]")
        return Where(self.path, f"{self.field}.{key}" if self.field else key)

    def error(self, problem: str) -> RuleError:
        return RuleError(self.path, self.field, problem)


Parser = Callable[[Any, Where], Any]
_REQUIRED = dataclasses.MISSING


def option(parse: Parser, default: Any = _REQUIRED, key: str | None = None) -> Any:
    """A field of a schema: how its value is read (``parse(value, where)``),
    its default (none given: the key must be present) and its YAML key when
    that is not the field name in kebab-case."""
    metadata = {"parse": parse, "key": key}
    if default is _REQUIRED:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True, kw_only=True)
class Options:
    """Base of every schema: the generic reading of a mapping by its fields."""

    @classmethod
    def keys(cls) -> frozenset[str]:
        """The YAML keys this schema knows."""
        return frozenset(_key(f) for f in dataclasses.fields(cls))

    @classmethod
    def parse(cls, data: Any, where: Where) -> Self:
        """The options in ``data`` (a mapping), each read by its field's parser;
        an unknown or missing key, or a wrong value, is a ``RuleError``."""
        if not isinstance(data, Mapping):
            raise where.error("must be a mapping")
        unknown = set(data) - cls.keys()
        if unknown:
            raise where.at(min(map(str, unknown))).error("is not a known key here")
        values = {}
        for f in dataclasses.fields(cls):
            key = _key(f)
            if key in data:
                values[f.name] = f.metadata["parse"](data[key], where.at(key))
            elif f.default is _REQUIRED and f.default_factory is _REQUIRED:
                raise where.at(key).error("is missing")
        made = cls(**values)
        made.validate(where)
        return made

    def validate(self, where: Where) -> None:
        """Checks between fields, after each field is read (none by default)."""


def _key(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("key") or f.name.replace("_", "-")


# -- parsers: (value, where) -> the checked value ---------------------------------


def text(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise where.error(f"must be a string, not {type(value).__name__}")
    return value


def strings(value: Any, where: Where) -> tuple[str, ...]:
    """A string or a list of non-empty strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error("must be a string or a list of non-empty strings")
    return tuple(value)


def some_strings(value: Any, where: Where) -> tuple[str, ...]:
    """Like ``strings``, but at least one."""
    found = strings(value, where)
    if not found:
        raise where.error("must name at least one")
    return found


def phrases(value: Any, where: Where) -> tuple[str, ...]:
    """Phrases in the phrase syntax (``policylint/engine/patterns.py``),
    checked now so that a malformed one names its field."""
    found = strings(value, where)
    for i, phrase in enumerate(found):
        try:
            check_syntax(phrase)
        except PatternError as exc:
            raise (where.at(i) if isinstance(value, list) else where).error(str(exc)) from None
    return found


def severity(value: Any, where: Where) -> str:
    if value not in SEVERITIES:
        raise where.error(f"must be one of {', '.join(SEVERITIES)}")
    return str(value)


def flag(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.error("must be true or false")
    return value


def count(value: Any, where: Where) -> int:
    """A whole number, one or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise where.error("must be a whole number, 1 or more")
    return value


def document_kinds(value: Any, where: Where) -> tuple[str, ...]:
    """Document kinds (the KINDS table)."""
    found = strings(value, where)
    for k in found:
        if k not in KINDS:
            raise where.error(f"unknown document kind {k!r}")
    return found


def one_of(*choices: str) -> Parser:
    """A parser accepting exactly one of ``choices``."""
    def parse(value: Any, where: Where) -> str:
        if value not in choices:
            raise where.error(f"must be one of {', '.join(choices)}")
        return str(value)
    return parse


def severity_by_kind(value: Any, where: Where) -> tuple[tuple[str, str], ...]:
    """A mapping of document kinds to severities, as (kind, severity) pairs."""
    if not isinstance(value, Mapping) or any(k not in KINDS for k in value):
        raise where.error("must map document kinds to severities")
    return tuple((k, severity(v, where.at(k))) for k, v in value.items())


def list_of(schema: type[Options]) -> Parser:
    """A parser for a list of mappings, each read with ``schema`` (null: none)."""
    def parse(value: Any, where: Where) -> tuple[Options, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise where.error("must be a list")
        return tuple(schema.parse(item, where.at(i)) for i, item in enumerate(value))
    return parse


# -- phrase groups ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PhraseGroup(Options):
    """Phrases with what to say when one of them is found."""

    match: tuple[str, ...] = option(phrases)
    suggest: tuple[str, ...] = option(strings, ())
    severity: str | None = option(severity, None)
    message: str | None = option(text, None)
    label: str = option(text, "")  # names the group (and what is missing, in a require-all group)
    unless_document: tuple[str, ...] = option(phrases, ())  # the group does not fire if the document has one


@dataclass(frozen=True, kw_only=True)
class QualifiedGroup(PhraseGroup):
    """A group whose matches count only under an "essential" or "desirable"
    qualifier, when it names one."""

    qualifier: str | None = option(one_of("essential", "desirable"), None)


def groups(value: Any, where: Where, schema: type[PhraseGroup] = PhraseGroup) -> tuple[PhraseGroup, ...]:
    """A list of phrases (one group), or a list of groups, where a phrase on
    its own is a group of one. None: no groups."""
    if value is None:
        return ()
    if isinstance(value, str) or isinstance(value, list) and all(isinstance(v, str) for v in value):
        return (schema(match=phrases(value, where)),)
    if not isinstance(value, list):
        raise where.error("must be a list")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.append(schema(match=phrases(item, where.at(i))))
        elif isinstance(item, Mapping) and "match" in item:
            out.append(schema.parse(item, where.at(i)))
        else:
            raise where.at(i).error("must be a phrase or a mapping with 'match'")
    return tuple(out)


def qualified_groups(value: Any, where: Where) -> tuple[PhraseGroup, ...]:
    """Groups that may each name a qualifier."""
    return groups(value, where, QualifiedGroup)
