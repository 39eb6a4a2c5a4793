"""The filter stage: select/ignore, per-file ignores, directives written in
the documents, and unused directives (reported like ruff's unused noqa)."""

from __future__ import annotations

from dataclasses import dataclass

from policylint.document import Directive, Location
from policylint.findings import Finding

UNUSED_CODE, UNUSED_NAME = "PL010", "unused-ignore"


def matches(f: Finding, selectors: set[str] | tuple[str, ...]) -> bool:
    """A selector matches a code exactly, a code prefix ("PL3"), a name, or "ALL"."""
    return any(s == "ALL" or s == f.name or f.code.startswith(s) for s in selectors)


def select(findings: list[Finding], chosen: set[str] | None, ignored: set[str]) -> list[Finding]:
    """Selected and not ignored. Files that could not be read (PL0xx) are
    reported whatever is selected, unless ignored outright."""
    return [f for f in findings
            if (chosen is None or f.code.startswith("PL0") or matches(f, chosen)) and not matches(f, ignored)]


def _covers(d: Directive, f: Finding) -> bool:
    if f.span is not None:
        block, start, end = f.span
    elif f.anchor_block is not None:
        block, start, end = f.anchor_block, 0, 0
    else:
        return False
    if not d.first_block <= block <= d.last_block:
        return False
    if d.start is not None and block == d.first_block and end <= d.start and end != start:
        return False
    if d.end is not None and block == d.last_block and start >= d.end:
        return False
    return not d.rules or matches(f, d.rules)


@dataclass
class DirectiveUse:
    path: str
    directive: Directive
    used: bool = False


def apply_directives(findings: list[Finding], directives: dict[str, tuple[Directive, ...]],
                     report_unused: bool = True) -> list[Finding]:
    """Drop findings a directive covers; add a finding for each directive that
    suppressed nothing."""
    uses = {path: [DirectiveUse(path, d) for d in ds] for path, ds in directives.items()}
    kept = []
    for f in findings:
        suppressed = False
        for use in uses.get(f.path, ()):
            if _covers(use.directive, f):
                use.used = suppressed = True
        if not suppressed:
            kept.append(f)
    if report_unused:
        for path, items in uses.items():
            for use in items:
                if not use.used:
                    d = use.directive
                    what = ", ".join(d.rules) if d.rules else "all rules"
                    kept.append(Finding(
                        UNUSED_CODE, UNUSED_NAME, "info", path,
                        f"ignore for {what} suppresses nothing", d.location or Location(), None,
                        ("Remove the ignore, or correct its rule name or code.",), "policylint", ""))
    return kept
