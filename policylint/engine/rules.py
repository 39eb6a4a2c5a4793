"""Rule files: loading and validation.

A rule is one YAML file under ``rules/`` (see ``rules/README.md`` for the
format). Loading validates every field and compiles the phrases once; a
malformed file is a ``RuleError`` naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policylint.findings import SEVERITIES
from policylint.kinds import KINDS

RULE_KINDS = ("forbid", "substitute", "require", "conditional", "set")
CONTEXTS = ("negation", "disclaimer", "advocacy", "learning", "other-role", "criteria")
# What a forbid rule excuses unless it says otherwise ("criteria" is opt-in).
DEFAULT_CONTEXTS = ("negation", "disclaimer", "advocacy", "learning", "other-role")
CODE_RE = re.compile(r"^PL[1-9]\d\d$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

COMMON_KEYS = {
    "code", "name", "element", "applies-to", "kind", "severity", "message", "rationale", "source",
    "suggest", "examples", "only-if", "unless", "notes",
}
KIND_KEYS = {
    "forbid": {"patterns", "ignore-contexts", "severity-when", "set"},
    "substitute": {"terms", "exempt"},
    "require": {"require", "require-all", "in-section", "instead", "anchor", "severity-by-kind", "violations",
                "instead-message", "absence-kinds", "set"},
    "conditional": {"if", "then", "anchor", "set"},
    "set": {"require", "set-kinds", "only-if-set-has", "per-document"},
}


class RuleError(ValueError):
    def __init__(self, path: str, field_name: str, problem: str):
        super().__init__(f"{path}: field '{field_name}': {problem}")
        self.path = path
        self.field = field_name


@dataclass(frozen=True)
class Pattern:
    """A group of phrases with what to say when one of them is found."""

    phrases: tuple[str, ...]
    suggest: tuple[str, ...] = ()
    severity: str | None = None
    message: str | None = None
    label: str = ""
    unless_document: tuple[str, ...] = ()  # the group does not fire if the document has one of these


@dataclass
class Rule:
    code: str
    name: str
    element: str
    applies_to: tuple[str, ...]
    kind: str
    severity: str
    message: str
    rationale: str
    source: str
    suggest: tuple[str, ...]
    examples: dict[str, list[Any]]
    path: str
    spec: dict[str, Any] = field(repr=False, default_factory=dict)
    compiled: Any = field(repr=False, default=None)  # set by the check kind
    configured: bool = False  # changed by configuration: its shipped examples no longer bind it

    def applies(self, kind: str | None) -> bool:
        return kind in self.applies_to or "all" in self.applies_to


def _need(data: dict, key: str, path: str, typ, default=None):
    if key not in data:
        if default is not None:
            return default
        raise RuleError(path, key, "is missing")
    value = data[key]
    if not isinstance(value, typ):
        raise RuleError(path, key, f"must be {getattr(typ, '__name__', typ)}, not {type(value).__name__}")
    return value


def _strings(value: Any, path: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(path, key, "must be a string or a list of non-empty strings")
    return tuple(value)


def patterns(value: Any, path: str, key: str) -> tuple[Pattern, ...]:
    """A list of phrases, or of {match, suggest, severity, message, label} groups."""
    if value is None:
        return ()
    if isinstance(value, (str, list)) and all(isinstance(v, str) for v in ([value] if isinstance(value, str) else value)):
        return (Pattern(_strings(value, path, key)),)
    if not isinstance(value, list):
        raise RuleError(path, key, "must be a list")
    out = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if isinstance(item, str):
            out.append(Pattern((item,)))
            continue
        if not isinstance(item, dict) or "match" not in item:
            raise RuleError(path, where, "must be a phrase or a mapping with 'match'")
        unknown = set(item) - {"match", "suggest", "severity", "message", "label", "unless-document"}
        if unknown:
            raise RuleError(path, f"{where}.{sorted(unknown)[0]}", "unknown key")
        sev = item.get("severity")
        if sev is not None and sev not in SEVERITIES:
            raise RuleError(path, f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}")
        out.append(Pattern(
            _strings(item["match"], path, f"{where}.match"),
            _strings(item.get("suggest"), path, f"{where}.suggest"),
            sev,
            item.get("message"),
            str(item.get("label", "")),
            _strings(item.get("unless-document"), path, f"{where}.unless-document"),
        ))
    return tuple(out)


# YAML anchors and aliases let a small file stand for a huge one: nine
# levels of ten aliases each ("billion laughs") are 1.3 KB of text and a
# thousand million strings once expanded, which the cache key (and the
# rule compiler) does. A rule file is allowed a few aliases, to share a list
# between groups, within a budget: at most MAX_ALIASES alias uses, standing
# for at most MAX_ALIASED_NODES nodes in all once expanded. An alias to a
# collection that is still open (a recursive structure) is refused too.
MAX_ALIASES = 100
MAX_ALIASED_NODES = 10_000


def _check_aliases(loader_class, text: str, where: str) -> None:
    """Walk the YAML events of ``text`` (no objects are built), counting
    what each alias stands for; a ``RuleError`` beyond the budget.

    The events come from the same parser that then loads the text (libyaml's
    when PyYAML has it), so the count is of what will be loaded."""
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    parser = loader_class(text)
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, aliases expanded
    open_: list[list] = []  # [anchor, nodes so far] of each collection not yet ended
    uses = aliased = 0

    def add(n: int) -> None:
        if open_:
            open_[-1][1] += n

    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, AliasEvent):
                uses += 1
                if any(anchor == event.anchor for anchor, _ in open_):
                    raise RuleError(where, "(file)", f"the alias *{event.anchor} refers to a collection that "
                                                     "contains it; recursive YAML is not allowed in a rule file")
                n = sizes.get(event.anchor, 1)  # an undefined alias: the loader reports it
                aliased += n
                if uses > MAX_ALIASES or aliased > MAX_ALIASED_NODES:
                    raise RuleError(where, "(file)", f"uses YAML aliases beyond the budget of a rule file "
                                                     f"({MAX_ALIASES} aliases, {MAX_ALIASED_NODES} nodes "
                                                     "expanded); write the lists out instead")
                add(n)
            elif isinstance(event, ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                add(1)
            elif isinstance(event, CollectionStartEvent):
                open_.append([event.anchor, 1])
            elif isinstance(event, CollectionEndEvent):
                anchor, n = open_.pop()
                if anchor is not None:
                    sizes[anchor] = n
                add(n)
    finally:
        parser.dispose()


def _parse(text: str, where: str) -> Any:
    """A rule file's YAML, from the store when this exact text was parsed before."""
    import hashlib

    from policylint import __version__
    from policylint.engine import store

    name = "rule-" + hashlib.sha256(f"{__version__}\0{text}".encode("utf-8")).hexdigest()[:32]
    data = store.load(name)
    if data is not None:
        return data
    import yaml  # only when the text is new: importing it takes longer than the stored answer

    # libyaml's safe loader when PyYAML has it (ten times faster), else PyYAML's own.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_aliases(loader, text, where)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise RuleError(where, "(file)", f"is not valid YAML: {exc}") from None
    store.save(name, data)
    return data


def load_rule(path: Path) -> Rule:

    p = str(path)
    text = path.read_text(encoding="utf-8")
    data = _parse(text, p)
    if not isinstance(data, dict):
        raise RuleError(p, "(file)", "must be a mapping")
    kind = _need(data, "kind", p, str)
    if kind not in RULE_KINDS:
        raise RuleError(p, "kind", f"must be one of {', '.join(RULE_KINDS)}")
    unknown = set(data) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise RuleError(p, sorted(unknown)[0], f"is not a field of a '{kind}' rule")
    code = _need(data, "code", p, str)
    if not CODE_RE.match(code):
        raise RuleError(p, "code", "must be PL followed by three digits (PL100-PL999)")
    name = _need(data, "name", p, str)
    if not NAME_RE.match(name):
        raise RuleError(p, "name", "must be kebab-case")
    if path.stem != name:
        raise RuleError(p, "name", f"must match the file name ({path.stem})")
    applies = _strings(_need(data, "applies-to", p, list), p, "applies-to")
    for k in applies:
        if k not in KINDS and k != "all":
            raise RuleError(p, "applies-to", f"unknown document kind {k!r}")
    severity = _need(data, "severity", p, str)
    if severity not in SEVERITIES:
        raise RuleError(p, "severity", f"must be one of {', '.join(SEVERITIES)}")
    examples = _need(data, "examples", p, dict)
    for key in ("fires", "passes"):
        if not isinstance(examples.get(key), list) or not examples[key]:
            raise RuleError(p, f"examples.{key}", "must be a non-empty list")
    suggest = _strings(data.get("suggest"), p, "suggest")
    return Rule(
        code=code,
        name=name,
        element=_need(data, "element", p, str),
        applies_to=applies,
        kind=kind,
        severity=severity,
        message=_need(data, "message", p, str),
        rationale=" ".join(_need(data, "rationale", p, str).split()),
        source=" ".join(_need(data, "source", p, str).split()),
        suggest=suggest,
        examples=examples,
        path=p,
        spec=data,
    )


def default_rules_dir() -> Path:
    """``rules/`` beside the package (source tree) or inside it (installed wheel)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("policylint's rules/ folder is missing from the installation")


ENTRY_POINT_GROUP = "policylint.rules"


def pack_dirs() -> list[Path]:
    """Rule folders of installed rule packs (entry point group ``policylint.rules``).

    An entry point may name a folder path (str or Path), a module (its
    ``rules/`` folder, or the module's own folder), or a callable returning
    a folder."""
    import importlib.metadata
    import types

    out = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if callable(obj) and not isinstance(obj, types.ModuleType):
            obj = obj()
        if isinstance(obj, types.ModuleType):
            here = Path(obj.__file__).resolve().parent
            obj = here / "rules" if (here / "rules").is_dir() else here
        folder = Path(obj)
        if not folder.is_dir():
            raise RuleError(f"entry point {ep.name}", "(rule pack)", f"{folder} is not a folder")
        out.append(folder)
    return out


def apply_options(rule: Rule, options: dict[str, Any]) -> None:
    """An organisation's additions to a rule's vocabulary, from configuration."""
    spec = rule.spec
    if "severity" in options:
        rule.severity = options["severity"]
    if options.get("extra-patterns"):
        extra = list(options["extra-patterns"])
        if rule.kind == "forbid":
            spec["patterns"] = [*(_as_groups(spec.get("patterns"))),
                                {"label": "configured", "match": extra}]
        elif rule.kind == "require":
            spec["violations"] = [*(spec.get("violations") or []), {"match": extra}]
        elif rule.kind == "conditional":
            spec["if"] = [*_as_groups(spec.get("if")), {"match": extra}]
        else:
            raise RuleError(rule.path, "extra-patterns", f"a {rule.kind} rule takes no extra-patterns")
    if options.get("extra-require"):
        extra = list(options["extra-require"])
        if rule.kind not in ("require", "set"):
            raise RuleError(rule.path, "extra-require", f"a {rule.kind} rule takes no extra-require")
        spec["require"] = [*_as_groups(spec.get("require")), {"match": extra}]
        if isinstance(spec.get("set"), dict) and "require" in spec["set"]:
            spec["set"]["require"] = [*_as_list(spec["set"]["require"]), *extra]
    if options.get("extra-unless"):
        spec["unless"] = [*_as_list(spec.get("unless")), *options["extra-unless"]]


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _as_groups(value: Any) -> list:
    items = _as_list(value)
    if items and all(isinstance(v, str) for v in items):
        return [{"match": items}]
    return items


def load_rules(dirs: list[Path] | None = None, options: dict[str, dict[str, Any]] | None = None,
               extra: list[Path] | None = None) -> list[Rule]:
    """Load, validate and compile every rule; codes and names must be unique.

    ``dirs`` replaces the default folders (the built-in rules and installed
    rule packs); ``extra`` adds folders; ``options`` maps rule names or codes
    to per-rule options (see ``apply_options``)."""
    from policylint.engine import checks

    dirs = list(dirs) if dirs else [default_rules_dir(), *pack_dirs()]
    dirs += list(extra or [])
    options = dict(options or {})
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for d in dirs:
        for path in sorted(Path(d).rglob("*.yaml")):
            rule = load_rule(path)
            opts = options.pop(rule.name, None) or options.pop(rule.code, None)
            if opts:
                apply_options(rule, opts)
                rule.configured = True
            for key in (rule.code, rule.name):
                if key in seen:
                    raise RuleError(str(path), "code" if key == rule.code else "name",
                                    f"{key} is already used by {seen[key]}")
                seen[key] = str(path)
            checks.compile_rule(rule)
            rules.append(rule)
    if options:
        name = sorted(options)[0]
        raise RuleError("configuration", f"rules.{name}", "no such rule")
    rules.sort(key=lambda r: r.code)
    return rules
