"""``set``: a requirement on a policy set (a folder) as a whole: some
document of the ``set-kinds`` must match ``require`` (a senior Lived
Experience role named somewhere). ``only-if-set-has`` limits the rule to
sets that hold a document of those kinds.

``SetPart`` is that requirement compiled; a ``require`` rule may carry one
too (its ``set:`` mapping), adding a set-level check to a per-document rule.
Each document is judged once (``hit``), so a set needs no analysed
documents kept; ``findings`` then looks at the folder's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from policylint.document import Location
from policylint.engine.analyse import Analysed
from policylint.engine.kinds.base import RuleKind, SetDocs
from policylint.engine.kinds.common import Head, doc_has, fmt, suggestions
from policylint.engine.kinds.schema import (
    Options,
    Where,
    document_kinds,
    flag,
    option,
    phrases,
    severity,
    strings,
    text,
)
from policylint.engine.patterns import PhraseSet
from policylint.engine.rules import KINDS
from policylint.findings import Finding


@dataclass(frozen=True, kw_only=True)
class SetScope(Options):
    """Which documents of a set are looked at, and which sets are judged."""

    set_kinds: tuple[str, ...] = option(document_kinds, ())  # none given: every kind
    only_if_set_has: tuple[str, ...] = option(document_kinds, ())  # judge only sets holding one of these


@dataclass(frozen=True, kw_only=True)
class SetPartOptions(SetScope):
    """A per-document rule's ``set:`` mapping."""

    require: tuple[str, ...] | None = option(phrases, None)  # None: the rule's own ``require`` phrases
    every: bool = option(flag, False)  # every document looked at must match, not just one
    message: str | None = option(text, None)  # may name {folder}, {count} and {documents}
    severity: str | None = option(severity, None)
    suggest: tuple[str, ...] = option(strings, ())


@dataclass(frozen=True, kw_only=True)
class SetOptions(SetScope):
    """A ``set`` rule's own keys (its message, severity and suggestions are the rule's)."""

    require: tuple[str, ...] = option(phrases)


@dataclass(frozen=True)
class SetPart:
    require: PhraseSet
    kinds: frozenset[str]
    has: frozenset[str]  # empty: every set is judged
    every: bool
    message: str
    severity: str
    suggest: tuple[str, ...]

    @classmethod
    def compile(cls, head: Head, scope: SetScope, require: PhraseSet, every: bool = False,
                message: str | None = None, severity: str | None = None, suggest: tuple[str, ...] = ()) -> Self:
        return cls(require, frozenset(scope.set_kinds or KINDS), frozenset(scope.only_if_set_has), every,
                   message or head.message, severity or head.severity, suggest or head.suggest)

    def hit(self, analysed: Analysed) -> bool | None:
        if analysed.document.kind not in self.kinds:
            return None
        return doc_has(self.require, analysed)

    def findings(self, head: Head, folder: str, docs: SetDocs) -> list[Finding]:
        """One finding for the folder when the set does not satisfy the
        requirement. Two passes over ``docs`` and no object made per
        document but the lists of paths: a state-wide folder has tens of
        thousands."""
        if self.has and not any(kind in self.has for _, kind, _ in docs):
            return []
        wanted, code = self.kinds, head.code
        looked = [path for path, kind, _ in docs if kind in wanted]
        lacking = [path for path, kind, hits in docs if kind in wanted and not hits.get(code)]
        if self.every:
            if not lacking:
                return []
            names = tuple(lacking)  # every document must satisfy it: name those that do not
        else:
            if len(lacking) < len(looked):
                return []
            names = tuple(looked)
        message = fmt(self.message, folder=folder, count=str(len(names)),
                      documents=", ".join(n.rsplit("/", 1)[-1] for n in names))
        return [Finding(head.code, head.name, self.severity, folder, message, Location(), None,
                        tuple(suggestions(self.suggest, folder=folder)), head.source, head.rationale,
                        documents=names)]


def compile_set_part(head: Head, options: SetPartOptions, own_require: tuple[str, ...]) -> SetPart:
    """A per-document rule's ``set:`` part; without a ``require`` of its own
    it takes the rule's ``require`` phrases."""
    if options.require is not None:
        require = PhraseSet(list(options.require), "set.require")
    else:
        require = PhraseSet(list(own_require), f"{head.code}:set")
    return SetPart.compile(head, options, require, options.every, options.message, options.severity,
                           options.suggest)


@dataclass(frozen=True, kw_only=True)
class SetRule(RuleKind):
    """Judged only across a set: no per-document findings."""

    schema = SetOptions
    per_document = False
    takes_extra_require = True

    set_part: SetPart

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, SetOptions)
        return cls(head=head, set_part=SetPart.compile(head, options, PhraseSet(list(options.require), "require")))

    def check(self, analysed: Analysed) -> list[Finding]:
        return []

    def example_fires(self, analysed: Analysed) -> bool:
        """An example is a set of one document."""
        doc = analysed.document
        return bool(self.set_findings("<example>", [(doc.path, doc.kind, {self.head.code: self.set_hit(analysed)})]))
