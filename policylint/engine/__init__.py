"""The rule engine: rules loaded and compiled once, run over analysed documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policylint.document import Document
from policylint.engine.analyse import Analysed, analyse
from policylint.engine.kinds.base import SetDocs, rules_index
from policylint.engine.patterns import PhraseIndex, collecting
from policylint.engine.rules import Rule, load_rules
from policylint.findings import Finding
from policylint.limits import Deadline

if TYPE_CHECKING:
    from spacy.language import Language


class Engine:
    def __init__(self, rules: list[Rule] | None = None, model: str | None = None,
                 rule_dirs: list[Path] | None = None, verify_examples: bool = True,
                 extra_rules: list[Path] | None = None, rule_options: dict[str, dict[str, Any]] | None = None,
                 after_build: Callable[[], None] | None = None) -> None:
        """``after_build``: called once the language pipeline is built (the
        command line passes ``gc.freeze``: what exists then lasts as long as
        the process, so later collections need not walk it; a library user
        decides this for their own program)."""
        from policylint.engine.examples import verify
        from policylint.engine.rules import default_rules_dir

        self.model = model
        self._nlp: Language | None = None
        self._after_build = after_build
        self._sets_by_kind: dict[str, frozenset[int]] = {}
        # The engine's own phrase index: its rules' phrase sets register there as
        # they load (rules loaded elsewhere bring the index they were loaded into).
        self.index = PhraseIndex() if rules is None else rules_index(rules)
        with collecting(self.index):
            self.rules = rules if rules is not None else load_rules(rule_dirs, rule_options, extra_rules)
            if verify_examples:
                # Built-in rules' examples are verified by the test suite; rules from
                # elsewhere (extra-rules, rule packs) are verified as they load.
                builtin = default_rules_dir().resolve()
                foreign = [r for r in self.rules if builtin not in Path(r.path).resolve().parents]
                if foreign:
                    verify(foreign, self.nlp)

    @property
    def nlp(self) -> Language:
        """The language pipeline, built on first use: a run whose files all
        come from the cache never imports spaCy."""
        if self._nlp is None:
            from policylint.nlp import build

            self._nlp = build(self.model)
            if self._after_build is not None:
                self._after_build()
        return self._nlp

    def analyse(self, document: Document, deadline: Deadline | None = None) -> Analysed:
        return analyse(document, self.nlp, self.phrase_sets_for(document.kind), deadline, self.index)

    def prepare(self) -> None:
        """Build now what is otherwise built on first use: the language
        pipeline and the phrase tables for every document kind. Done before
        worker processes are forked, so they share it instead of each
        building its own."""
        from policylint.engine.rules import KINDS

        self.nlp  # noqa: B018 - builds the pipeline
        self.index.prepare([self.phrase_sets_for(kind) for kind in KINDS])

    def phrase_sets_for(self, kind: str | None) -> frozenset[int] | None:
        """The ids of the phrase sets that ``check`` and ``set_hits`` can use
        on a document of this kind (None when the kind is not known)."""
        if kind is None:
            return None
        if kind not in self._sets_by_kind:
            ids: set[int] = set()
            for rule in self.rules:
                if rule.applies(kind) or rule.compiled.set_part is not None:
                    ids.update(rule.compiled.phrase_set_ids())
            self._sets_by_kind[kind] = frozenset(ids)
        return self._sets_by_kind[kind]

    def check(self, analysed: Analysed, deadline: Deadline | None = None) -> list[Finding]:
        """Every rule that applies to the document's kind; ``deadline`` is
        checked between rules (a ``ReadError`` PL005 once past)."""
        findings: list[Finding] = []
        for rule in self.rules:
            if deadline is not None:
                deadline.check(f"while checking rule {rule.name}")
            # A close call between two kinds runs only the rules safe for both.
            if rule.compiled.per_document and all(rule.applies(k) for k in analysed.document.kinds):
                findings.extend(rule.compiled.check(analysed))
        if not analysed.document.complete:
            # Part of the file was never read: "not found" may just mean "not read".
            findings = [f for f in findings if f.evidence is not None]
        return findings

    @property
    def set_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.compiled.set_part is not None]

    def set_hits(self, analysed: Analysed) -> dict[str, bool | None]:
        """Per set-level rule, whether this document satisfies it."""
        return {rule.code: rule.compiled.set_hit(analysed) for rule in self.set_rules}

    def check_set(self, folder: str, docs: SetDocs) -> list[Finding]:
        """Set-level findings for one folder from its documents' (path, kind, set_hits)."""
        findings: list[Finding] = []
        for rule in self.set_rules:
            findings.extend(rule.compiled.set_findings(folder, docs))
        return findings


__all__ = ["Engine", "Analysed", "analyse", "load_rules"]
