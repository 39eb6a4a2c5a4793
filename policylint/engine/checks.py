"""Running loaded rules: each rule's compiled kind (policylint/engine/kinds/)
does the work; these functions are the engine's and the tests' way in.
"""

from __future__ import annotations

from policylint.engine.analyse import Analysed
from policylint.engine.kinds.base import SetDocs
from policylint.engine.rules import Rule
from policylint.findings import Finding


def check_document(rule: Rule, analysed: Analysed) -> list[Finding]:
    """A rule's findings on one analysed document (none for a set rule)."""
    return rule.compiled.check(analysed)


def set_hit(rule: Rule, analysed: Analysed) -> bool | None:
    """Whether one document satisfies a rule's set-level requirement (None
    when the rule has none or does not look at this kind). Computed per
    document, so a set needs no analysed documents kept."""
    return rule.compiled.set_hit(analysed)


def set_findings(rule: Rule, folder: str, docs: SetDocs) -> list[Finding]:
    """One finding for the folder when the set does not satisfy the rule.
    ``docs`` holds (path, kind, set hits by rule code) for each completely
    read document."""
    return rule.compiled.set_findings(folder, docs)


def check_set(rule: Rule, folder: str, analysed_docs: list[Analysed]) -> list[Finding]:
    """Set-level check over analysed documents (used by rule examples and tests)."""
    docs = [(a.document.path, a.document.kind, {rule.code: set_hit(rule, a)}) for a in analysed_docs]
    return set_findings(rule, folder, docs)


def phrase_set_ids(rule: Rule) -> set[int]:
    """The ids of every PhraseSet of a rule."""
    return rule.compiled.phrase_set_ids()
