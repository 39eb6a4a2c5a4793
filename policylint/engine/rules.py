"""Rule files: loading and validation.

A rule is one YAML file under ``rules/`` (see ``rules/README.md`` for the
format). Loading validates every field and compiles the phrases once; a
malformed file is a ``RuleError`` naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policylint.findings import SEVERITIES
from policylint.kinds import KINDS

if TYPE_CHECKING:
    import yaml

    from policylint.engine.kinds.base import RuleKind

CODE_RE = re.compile(r"^PL[1-9]\d\d$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

# Keys every rule file may hold; each kind's schema (policylint/engine/kinds/)
# declares the rest.
COMMON_KEYS = {
    "code", "name", "element", "element-order", "applies-to", "kind", "severity", "message", "rationale",
    "source", "suggest", "examples", "notes",
}


class RuleError(ValueError):
    def __init__(self, path: str, field_name: str, problem: str):
        super().__init__(f"{path}: field '{field_name}': {problem}")
        self.path = path
        self.field = field_name


@dataclass(frozen=True)
class Example:
    """One of a rule's examples: a Markdown document and the kind it is checked as."""

    text: str
    kind: str


@dataclass(frozen=True)
class Examples:
    fires: tuple[Example, ...]  # each must produce a finding of the rule
    passes: tuple[Example, ...]  # each must produce none


@dataclass(frozen=True)
class Rule:
    """A loaded rule: its rule-level fields, and ``compiled``, the compiled
    form of its kind (its check, its set-level part). ``spec`` is the rule
    file's data as configured, kept as a record (the result cache's key),
    never read to check."""

    code: str
    name: str
    element: str  # the scorecard element it judges, "part/element"
    applies_to: tuple[str, ...]
    kind: str
    severity: str
    message: str
    rationale: str
    source: str
    suggest: tuple[str, ...]
    examples: Examples
    path: str
    compiled: RuleKind = field(repr=False)
    spec: dict[str, Any] = field(repr=False, default_factory=dict)
    configured: bool = False  # changed by configuration: its shipped examples no longer bind it
    element_order: int = 0  # where it is listed among its element's rules (then by code)

    def applies(self, kind: str | None) -> bool:
        return kind in self.applies_to or "all" in self.applies_to


def _need(data: dict[str, Any], key: str, path: str, typ: type, default: Any = None) -> Any:
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


# YAML anchors and aliases let a small file stand for a huge one: nine
# levels of ten aliases each ("billion laughs") are 1.3 KB of text and a
# thousand million strings once expanded, which the cache key (and the
# rule compiler) does. A rule file is allowed a few aliases, to share a list
# between groups, within a budget: at most MAX_ALIASES alias uses, standing
# for at most MAX_ALIASED_NODES nodes in all once expanded. An alias to a
# collection that is still open (a recursive structure) is refused too.
MAX_ALIASES = 100
MAX_ALIASED_NODES = 10_000


def _check_aliases(loader_class: type[yaml.SafeLoader | yaml.CSafeLoader], text: str, where: str) -> None:
    """Walk the YAML events of ``text`` (no objects are built), counting
    what each alias stands for; a ``RuleError`` beyond the budget.

    The events come from the same parser that then loads the text (libyaml's
    when PyYAML has it), so the count is of what will be loaded."""
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    parser = loader_class(text)
    sizes: dict[str | None, int] = {}  # anchor -> nodes it stands for, aliases expanded
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

    name = "rule-" + hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()[:32]
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


def _kind_class(data: dict[str, Any], path: str) -> type[RuleKind]:
    from policylint.engine.kinds import RULE_KINDS

    kind = _need(data, "kind", path, str)
    if kind not in RULE_KINDS:
        raise RuleError(path, "kind", f"must be one of {', '.join(RULE_KINDS)}")
    return RULE_KINDS[kind]


def _read(path: Path) -> dict[str, Any]:
    """A rule file's YAML mapping, its keys checked against its kind's."""
    p = str(path)
    data = _parse(path.read_text(encoding="utf-8"), p)
    if not isinstance(data, dict):
        raise RuleError(p, "(file)", "must be a mapping")
    kind = _kind_class(data, p)
    unknown = set(data) - COMMON_KEYS - kind.schema.keys()
    if unknown:
        raise RuleError(p, sorted(unknown)[0], f"is not a field of a '{data['kind']}' rule")
    return data


def _examples(data: dict[str, Any], path: str, default_kind: str) -> Examples:
    """Each example is a Markdown document, or a mapping of its ``text`` and
    the ``kind`` to check it as (the rule's first kind; "all" is "other")."""
    examples = _need(data, "examples", path, dict)
    unknown = set(examples) - {"fires", "passes"}
    if unknown:
        raise RuleError(path, f"examples.{sorted(map(str, unknown))[0]}", "is not a known key here")
    out: dict[str, tuple[Example, ...]] = {}
    for key in ("fires", "passes"):
        if not isinstance(examples.get(key), list) or not examples[key]:
            raise RuleError(path, f"examples.{key}", "must be a non-empty list")
        out[key] = tuple(_example(e, path, f"examples.{key}[{i}]", default_kind) for i, e in enumerate(examples[key]))
    return Examples(out["fires"], out["passes"])


def _example(value: Any, path: str, where: str, default_kind: str) -> Example:
    if isinstance(value, str):
        text, kind = value, default_kind
    elif isinstance(value, dict) and isinstance(value.get("text"), str) and set(value) <= {"text", "kind"}:
        text, kind = value["text"], value.get("kind", default_kind)
    else:
        raise RuleError(path, where, "must be a string or a mapping with 'text' (and 'kind')")
    if kind == "all":
        kind = "other"
    if kind not in KINDS:
        raise RuleError(path, f"{where}.kind", f"unknown document kind {kind!r}")
    return Example(text, kind)


def load_rule(path: Path, options: dict[str, Any] | None = None) -> Rule:
    """One rule file, validated and compiled. ``options``: this rule's
    options from configuration (see ``configure``)."""
    return _build(path, _read(path), options)


def _build(path: Path, data: dict[str, Any], options: dict[str, Any] | None) -> Rule:
    from policylint.engine.kinds.common import Head
    from policylint.engine.kinds.schema import Where

    p = str(path)
    kind = _kind_class(data, p)
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
    examples = _examples(data, p, applies[0] if applies else "other")
    suggest = _strings(data.get("suggest"), p, "suggest")
    order = data.get("element-order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise RuleError(p, "element-order", "must be a whole number")
    if options:
        data = configure(data, kind, p, options)
        severity = options.get("severity", severity)
    head = Head(code, name, severity, _need(data, "message", p, str), suggest,
                " ".join(_need(data, "source", p, str).split()), " ".join(_need(data, "rationale", p, str).split()),
                applies)
    where = Where(p)
    settings = kind.schema.parse({k: v for k, v in data.items() if k not in COMMON_KEYS}, where)
    return Rule(
        code=code,
        name=name,
        element=_need(data, "element", p, str),
        applies_to=applies,
        kind=data["kind"],
        severity=severity,
        message=head.message,
        rationale=head.rationale,
        source=head.source,
        suggest=suggest,
        examples=examples,
        path=p,
        compiled=kind.compile(head, settings, where),
        spec=data,
        configured=bool(options),
        element_order=order,
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
            if obj.__file__ is None:  # a namespace package: no folder of its own
                raise RuleError(f"entry point {ep.name}", "(rule pack)", f"the module {obj.__name__} has no file")
            here = Path(obj.__file__).resolve().parent
            obj = here / "rules" if (here / "rules").is_dir() else here
        folder = Path(obj)
        if not folder.is_dir():
            raise RuleError(f"entry point {ep.name}", "(rule pack)", f"{folder} is not a folder")
        out.append(folder)
    return out


def configure(data: dict[str, Any], kind: type[RuleKind], path: str, options: dict[str, Any]) -> dict[str, Any]:
    """A rule file's data with an organisation's additions to its vocabulary
    (configuration ``rules.<name>``): ``extra-patterns`` join the phrases
    that fire (the key the kind names), ``extra-require`` the phrases that
    satisfy it, ``extra-unless`` the phrases that excuse a sentence."""
    import copy

    data = copy.deepcopy(data)
    if options.get("extra-patterns"):
        key = kind.extra_patterns_key
        if key is None:
            raise RuleError(path, "extra-patterns", f"a {data['kind']} rule takes no extra-patterns")
        group: dict[str, Any] = {"match": list(options["extra-patterns"])}
        if key == "patterns":
            group = {"label": "configured", **group}
        data[key] = [*_as_groups(data.get(key)), group]
    if options.get("extra-require"):
        extra = list(options["extra-require"])
        if not kind.takes_extra_require:
            raise RuleError(path, "extra-require", f"a {data['kind']} rule takes no extra-require")
        data["require"] = _extended(data.get("require"), extra)
        if isinstance(data.get("set"), dict) and "require" in data["set"]:
            data["set"]["require"] = [*_as_list(data["set"]["require"]), *extra]
    if options.get("extra-unless"):
        if "unless" not in kind.schema.keys():  # noqa: SIM118 - a schema class's keys(), not a dict
            raise RuleError(path, "extra-unless", f"a {data['kind']} rule takes no extra-unless")
        data["unless"] = [*_as_list(data.get("unless")), *options["extra-unless"]]
    return data


def _extended(value: Any, extra: list[str]) -> list[Any]:
    """Phrases added to a list of phrases, or as a group to a list of groups
    (either way any one of them satisfies the rule)."""
    items = _as_list(value)
    if all(isinstance(v, str) for v in items):
        return [*items, *extra]
    return [*items, {"match": extra}]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _as_groups(value: Any) -> list[Any]:
    items = _as_list(value)
    if items and all(isinstance(v, str) for v in items):
        return [{"match": items}]
    return items


def load_rules(dirs: list[Path] | None = None, options: dict[str, dict[str, Any]] | None = None,
               extra: list[Path] | None = None) -> list[Rule]:
    """Load, validate and compile every rule; codes and names must be unique.

    ``dirs`` replaces the default folders (the built-in rules and installed
    rule packs); ``extra`` adds folders; ``options`` maps rule names or codes
    to per-rule options (see ``configure``)."""
    dirs = list(dirs) if dirs else [default_rules_dir(), *pack_dirs()]
    dirs += list(extra or [])
    options = dict(options or {})
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for d in dirs:
        for path in sorted(Path(d).rglob("*.yaml")):
            data = _read(path)
            rule = _build(path, data, _options_for(options, data))
            for key in (rule.code, rule.name):
                if key in seen:
                    raise RuleError(str(path), "code" if key == rule.code else "name",
                                    f"{key} is already used by {seen[key]}")
                seen[key] = str(path)
            rules.append(rule)
    if options:
        name = sorted(options)[0]
        raise RuleError("configuration", f"rules.{name}", "no such rule")
    rules.sort(key=lambda r: r.code)
    return rules


def _options_for(options: dict[str, dict[str, Any]], data: dict[str, Any]) -> dict[str, Any] | None:
    """This rule's configured options, by name or else by code, taken out of
    ``options`` (what is left names no rule)."""
    found = None
    for key in (data.get("name"), data.get("code")):
        if isinstance(key, str) and not found:
            found = options.pop(key, None)
    return found


@dataclass(frozen=True)
class Placement:
    """Where a built-in rule sits on the scorecard, from its rule file."""

    name: str
    code: str
    element: str
    element_order: int


def placements() -> list[Placement]:
    """The element of every built-in rule, read from the rule files without
    compiling them (the scorecard lists each element's rules, loaded in
    this run or not)."""
    out = []
    for path in sorted(default_rules_dir().rglob("*.yaml")):
        p = str(path)
        data = _read(path)
        order = data.get("element-order", 0)
        out.append(Placement(_need(data, "name", p, str), _need(data, "code", p, str),
                             _need(data, "element", p, str), order if isinstance(order, int) else 0))
    return out
