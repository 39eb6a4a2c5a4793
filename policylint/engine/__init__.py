"""The rule engine: rules loaded and compiled once, run over analysed documents."""

from __future__ import annotations

from pathlib import Path

from policylint.engine.analyse import Analysed, analyse
from policylint.engine.checks import check_document, check_set
from policylint.engine.rules import Rule, load_rules
from policylint.findings import Finding


class Engine:
    def __init__(self, rules: list[Rule] | None = None, model: str | None = None,
                 rule_dirs: list[Path] | None = None, verify_examples: bool = True,
                 extra_rules: list[Path] | None = None, rule_options: dict | None = None):
        from policylint.engine.examples import verify
        from policylint.nlp import build

        self.nlp = build(model)
        self.rules = rules if rules is not None else load_rules(rule_dirs, rule_options, extra_rules)
        if verify_examples:
            verify(self.rules, build())

    def analyse(self, document) -> Analysed:
        return analyse(document, self.nlp)

    def check(self, analysed: Analysed) -> list[Finding]:
        findings: list[Finding] = []
        for rule in self.rules:
            if rule.kind != "set" and rule.applies(analysed.document.kind):
                findings.extend(check_document(rule, analysed))
        return findings

    def check_set(self, folder: str, analysed_docs: list[Analysed]) -> list[Finding]:
        findings: list[Finding] = []
        for rule in self.rules:
            if rule.compiled.get("set") is not None:
                findings.extend(check_set(rule, folder, analysed_docs))
        return findings


__all__ = ["Engine", "Analysed", "analyse", "load_rules"]
