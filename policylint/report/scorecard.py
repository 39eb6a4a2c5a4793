"""The organisation scorecard: the parts of the model of best practice for
peer (Lived Experience) employment (Byrne et al. 2021), and how each part's
status for a policy set is computed from the rules' results.

Each rule names its element in its own file (``element: part/key``, and
``element-order`` for where it is listed); the built-in rule files are the
one source of which rules judge an element. A rule that is not loaded, or
not selected in this run, leaves its part of an element "not assessed" and
is listed as such; it is never an error.

Definitions
-----------

A **check** is one rule judged on one document, or one set-level rule judged
on one policy set (folder).

* A per-document rule *applies* to a document when the document's kind is
  one of the rule's kinds. It does not apply ("n/a") otherwise.
* A set-level rule applies to a policy set unless it only runs when the set
  holds some kind of document and the set holds none.
* An applicable check is **met** when the rule gave no finding there;
  **met, with advice** when its only findings are at ``info`` severity (no
  finding at warning or above, so it counts as met, but something is worth
  a look); **not met** when it gave a finding at ``warning`` or ``error``.
* A document that could not be read is **not assessed** for every rule.

An **element**'s status comes from its applicable checks, scored met = 1,
met with advice = ½, not met = 0:

* **met**: every check met, none with advice (score 100%);
* **not met**: no check met (score 0%);
* **partly met**: anything between;
* **not assessed**: no applicable check: none of its rules is loaded, or no
  document in the set is of a kind they judge.

**Changes that would close the most**: findings are grouped into changes.
Findings of a rule that share a suggested wording are one change (the same
edit closes them all); findings that report a missing element (no evidence),
including the set-level finding, are one change per rule (write the missing
provision once, for the set); a substitution rule's findings are one change
(use recovery-oriented wording throughout). Each change is weighted by the
severity of what it closes (error 3, warning 2, info 1) and the heaviest come
first.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from policylint.findings import SEVERITY_RANK, Finding

if TYPE_CHECKING:
    from policylint.engine.rules import Rule

# -- the model ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    key: str
    title: str
    summary: str


@dataclass(frozen=True)
class Element:
    key: str
    part: str
    title: str
    goal: str  # what "met" means, in one sentence
    short: tuple[str, ...] = ()  # title broken into short lines for the chart
    rules: tuple[str, ...] = ()  # rule names, in the order they are listed (from the rule files)

    @property
    def id(self) -> str:
        """What a rule file's ``element`` field says to name this element."""
        return f"{self.part}/{self.key}"


def _load_model() -> tuple[tuple[Part, ...], tuple[Element, ...]]:
    """The parts and elements, from ``model.yaml`` beside this module: the
    model is data, read once, and each rule file names its own element."""
    import yaml

    text = (Path(__file__).with_name("model.yaml")).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    parts = tuple(Part(p["key"], p["title"], p["summary"]) for p in data["parts"])
    model = tuple(Element(e["key"], e["part"], e["title"], e["goal"], tuple(e["short"])) for e in data["elements"])
    return parts, model


PARTS, MODEL = _load_model()


@functools.cache
def elements() -> tuple[Element, ...]:
    """The model's elements, each with the built-in rules that name it in
    their ``element`` field, listed by ``element-order`` and then code."""
    from policylint.engine.rules import placements

    by_id: dict[str, list[tuple[int, str, str]]] = {}
    for p in placements():
        by_id.setdefault(p.element, []).append((p.element_order, p.code, p.name))
    return tuple(replace(e, rules=tuple(name for _, _, name in sorted(by_id.get(e.id, ())))) for e in MODEL)


@functools.cache
def rule_element() -> dict[str, str]:
    """Rule name -> element key, for the built-in rules."""
    return {name: e.key for e in elements() for name in e.rules}


@functools.cache
def element_by_key() -> dict[str, Element]:
    return {e.key: e for e in elements()}


def __getattr__(name: str) -> object:
    """``ELEMENTS``, ``RULE_ELEMENT`` and ``ELEMENT_BY_KEY``, made from the
    rule files when first asked for (templates and tests read them)."""
    made = {"ELEMENTS": elements, "RULE_ELEMENT": rule_element, "ELEMENT_BY_KEY": element_by_key}.get(name)
    if made is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return made()

# -- statuses ----------------------------------------------------------------

MET, ADVICE, NOT_MET, NA, UNREAD, NOT_RUN = "met", "advice", "not-met", "n/a", "not-read", "not-run"
ELEMENT_STATUSES = ("met", "partly-met", "not-met", "not-assessed")
STATUS_LABEL = {
    "met": "Met", "partly-met": "Partly met", "not-met": "Not met", "not-assessed": "Not assessed",
}
CELL_LABEL = {
    MET: "met", ADVICE: "met, with advice", NOT_MET: "not met", NA: "not applicable",
    UNREAD: "not read", NOT_RUN: "not assessed",
}
# How much a check "met, with advice" (info findings only) counts towards its
# element: 1.0 would treat info findings as fully met, 0.0 as not met.
ADVICE_CREDIT = 0.5
SCORE = {MET: 1.0, ADVICE: ADVICE_CREDIT, NOT_MET: 0.0}
WEIGHT = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class RuleInfo:
    """What the scorecard needs to know about a rule (taken from a loaded ``Rule``)."""

    code: str
    name: str
    applies_to: tuple[str, ...]
    per_document: bool  # judged on each document of its kinds
    set_level: bool  # judged on the policy set
    set_needs: tuple[str, ...] = ()  # the set-level check runs only if the set holds one of these kinds
    kind: str = ""  # the rule kind (forbid, substitute, require, conditional, set)
    severity: str = "warning"
    element: str = ""
    rationale: str = ""
    source: str = ""
    message: str = ""

    def applies(self, doc_kind: str | None) -> bool:
        return self.per_document and (doc_kind in self.applies_to or "all" in self.applies_to)

    @classmethod
    def from_rule(cls, rule: Rule) -> RuleInfo:
        """From a loaded rule's compiled kind: judged per document or only
        across a set, and its set-level part."""
        set_part = rule.compiled.set_part
        return cls(
            code=rule.code, name=rule.name, applies_to=tuple(rule.applies_to),
            per_document=rule.compiled.per_document, set_level=set_part is not None,
            set_needs=tuple(sorted(set_part.has)) if set_part else (),
            kind=rule.kind, severity=rule.severity, element=rule.element,
            rationale=rule.rationale, source=rule.source, message=rule.message,
        )


@dataclass(frozen=True)
class Target:
    """A column of the matrix: a document, or a policy set (folder)."""

    path: str
    kind: str | None  # the document's kind; None for a set or an unread file
    is_set: bool = False
    error: str | None = None  # why a document could not be read
    kinds: tuple[str, ...] = ()  # for a set: the kinds of its readable documents
    documents: tuple[str, ...] = ()  # for a set: its documents

    @property
    def label(self) -> str:
        return PurePath(self.path).name or self.path


@dataclass
class Check:
    rule: str
    target: str
    status: str  # MET, ADVICE, NOT_MET, NA, UNREAD, NOT_RUN
    findings: list[int] = field(default_factory=list)  # indexes into the findings list

    @property
    def applicable(self) -> bool:
        return self.status in SCORE


@dataclass
class ElementResult:
    element: Element
    status: str
    score: float | None  # 0..1; None when not assessed
    checks: list[Check]
    rules_assessed: list[str]
    rules_missing: list[str]  # mapped rules not loaded or not selected in this run
    why: str

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


@dataclass
class Change:
    rule: str
    element: str | None
    text: str  # what to do
    findings: list[int]
    weight: int
    by_severity: dict[str, int]
    targets: list[str]


@dataclass
class Scorecard:
    elements: list[ElementResult]
    rules: list[RuleInfo]  # loaded and assessed, in code order
    targets: list[Target]
    cells: dict[tuple[str, str], Check]  # (rule name, target path) -> check
    changes: list[Change]
    counts: dict[str, int]  # element status -> number of elements
    unmapped: list[str]  # loaded rules that belong to no element

    def cell(self, rule: str, target: str) -> Check:
        return self.cells[(rule, target)]

    def part(self, key: str) -> list[ElementResult]:
        return [e for e in self.elements if e.element.part == key]


# -- computing it --------------------------------------------------------------


def _check_status(findings: Sequence[Finding], idxs: list[int]) -> str:
    if not idxs:
        return MET
    worst = max(SEVERITY_RANK[findings[i].severity] for i in idxs)
    return NOT_MET if worst >= SEVERITY_RANK["warning"] else ADVICE


def element_status(checks: Iterable[Check]) -> tuple[str, float | None]:
    scores = [SCORE[c.status] for c in checks if c.applicable]
    if not scores:
        return "not-assessed", None
    score = sum(scores) / len(scores)
    if score == 1.0:
        return "met", score
    if score == 0.0:
        return "not-met", score
    return "partly-met", score


def _names(paths: Iterable[str]) -> str:
    names = [PurePath(p).name or p for p in paths]
    if len(names) > 4:
        return ", ".join(names[:3]) + f" and {len(names) - 3} more"
    return ", ".join(names)


def _why(element: Element, checks: list[Check], missing: list[str]) -> str:
    """One paragraph: which rules on which documents give the status."""
    parts: list[str] = []
    applicable = [c for c in checks if c.applicable]
    if not applicable:
        loaded = [r for r in element.rules if r not in missing]
        if not loaded:
            parts.append("Not assessed: its rules are not available in this run ("
                         + ", ".join(element.rules) + ").")
        else:
            parts.append("Not assessed: no document in the set is of a kind its rules judge ("
                         + ", ".join(loaded) + ").")
    else:
        met = sum(1 for c in applicable if c.status == MET)
        parts.append(f"{met} of {len(applicable)} check{'s' if len(applicable) != 1 else ''} met.")
        by_rule: OrderedDict[str, dict[str, list[str]]] = OrderedDict()
        for c in applicable:
            by_rule.setdefault(c.rule, {MET: [], ADVICE: [], NOT_MET: []})[c.status].append(c.target)
        for rule, groups in by_rule.items():
            bits = []
            if groups[NOT_MET]:
                bits.append("not met in " + _names(groups[NOT_MET]))
            if groups[ADVICE]:
                bits.append("advice for " + _names(groups[ADVICE]))
            if groups[MET]:
                bits.append("met in " + _names(groups[MET]))
            parts.append(f"{rule}: " + "; ".join(bits) + ".")
    if missing and applicable:
        parts.append("Not assessed (rule not available in this run): " + ", ".join(missing) + ".")
    return " ".join(parts)


def group_changes(findings: Sequence[Finding], rules: dict[str, RuleInfo], limit: int | None = 3) -> list[Change]:
    """The suggested changes that would close the most findings, weighted by severity."""
    groups: OrderedDict[tuple, list[int]] = OrderedDict()
    for i, f in enumerate(findings):
        info = rules.get(f.name)
        if info is None:
            continue  # reader problems and unused ignores are not changes to the policies
        if info.kind == "substitute":
            key = (f.name, "substitute")
        elif f.evidence is None:
            key = (f.name, "missing")
        else:
            key = (f.name, f.suggestions[0] if f.suggestions else f.message)
        groups.setdefault(key, []).append(i)
    changes = []
    for (name, how), idxs in groups.items():
        fs = [findings[i] for i in idxs]
        by = {s: sum(1 for f in fs if f.severity == s) for s in ("error", "warning", "info")}
        if how == "substitute":
            terms = list(OrderedDict.fromkeys(f"\u201c{f.evidence}\u201d" for f in fs if f.evidence))
            shown = ", ".join(terms[:5]) + (f" and {len(terms) - 5} more" if len(terms) > 5 else "")
            text = f"Replace stigmatising terms with the recovery-oriented wording suggested: {shown}."
        elif how == "missing":
            # Prefer the set-level finding's wording: one provision, written once for the set.
            best = sorted(fs, key=lambda f: (not f.documents, -SEVERITY_RANK[f.severity]))[0]
            text = best.suggestions[0] if best.suggestions else best.message
        else:
            text = how
        changes.append(Change(
            rule=name, element=rule_element().get(name), text=text, findings=idxs,
            weight=sum(WEIGHT[f.severity] for f in fs), by_severity=by,
            targets=list(OrderedDict.fromkeys(f.path for f in fs)),
        ))
    changes.sort(key=lambda c: (-c.weight, -len(c.targets), c.rule))
    return changes[:limit] if limit is not None else changes


def build(rules: Iterable, targets: Sequence[Target], findings: Sequence[Finding],
          assessed: set[str] | None = None) -> Scorecard:
    """The scorecard for ``targets`` (documents and sets) from the rules run and their findings.

    ``rules`` are loaded ``Rule`` objects or ``RuleInfo``; ``assessed``, when
    given, names the rules this run selected (the others count as not run).
    """
    infos = [r if isinstance(r, RuleInfo) else RuleInfo.from_rule(r) for r in rules]
    if assessed is not None:
        infos = [r for r in infos if r.name in assessed]
    infos.sort(key=lambda r: r.code)
    by_name = {r.name: r for r in infos}

    index: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(findings):
        index.setdefault((f.name, f.path), []).append(i)

    cells: dict[tuple[str, str], Check] = {}
    for r in infos:
        for t in targets:
            idxs = index.get((r.name, t.path), [])
            if t.is_set:
                if not r.set_level or (r.set_needs and not set(r.set_needs) & set(t.kinds)):
                    status = NA if not idxs else _check_status(findings, idxs)
                else:
                    status = _check_status(findings, idxs)
            elif t.error is not None:
                status = UNREAD
            elif not r.applies(t.kind):
                status = NA if not idxs else _check_status(findings, idxs)
            else:
                status = _check_status(findings, idxs)
            cells[(r.name, t.path)] = Check(r.name, t.path, status, idxs)

    results = []
    for e in elements():
        loaded = [n for n in e.rules if n in by_name]
        missing = [n for n in e.rules if n not in by_name]
        checks = [cells[(n, t.path)] for n in loaded for t in targets]
        status, score = element_status(checks)
        results.append(ElementResult(e, status, score, [c for c in checks if c.applicable], loaded, missing,
                                     _why(e, checks, missing)))
    counts = {s: sum(1 for e in results if e.status == s) for s in ELEMENT_STATUSES}
    return Scorecard(
        elements=results, rules=infos, targets=list(targets), cells=cells,
        changes=group_changes(findings, by_name), counts=counts,
        unmapped=[r.name for r in infos if r.name not in rule_element()],
    )
