"""Run a rule's own examples: every ``fires`` example must produce a finding
of that rule, every ``passes`` example none."""

from __future__ import annotations

from typing import Any

from policylint.document import Document
from policylint.engine.analyse import analyse
from policylint.engine.checks import check_document, check_set
from policylint.engine.rules import Rule, RuleError


def example_document(rule: Rule, example: Any, index: int) -> Document:
    from policylint.readers.text import parse_string

    if isinstance(example, str):
        text, kind = example, rule.applies_to[0]
    elif isinstance(example, dict) and isinstance(example.get("text"), str):
        text, kind = example["text"], example.get("kind", rule.applies_to[0])
    else:
        raise RuleError(rule.path, f"examples[{index}]", "must be a string or a mapping with 'text'")
    if kind == "all":
        kind = "other"
    doc = parse_string(text, f"<example {index}>", "markdown")
    return doc.with_kind(kind, "rule example")


def fired(rule: Rule, doc: Document, nlp) -> bool:
    analysed = analyse(doc, nlp)
    if rule.kind != "set" and check_document(rule, analysed):
        return True
    return bool(rule.compiled.get("set")) and rule.kind == "set" and bool(check_set(rule, "<example>", [analysed]))


def failures(rule: Rule, nlp) -> list[str]:
    """Examples that do not behave as the rule says they should."""
    out = []
    for expect in ("fires", "passes"):
        for i, ex in enumerate(rule.examples[expect]):
            doc = example_document(rule, ex, i)
            if fired(rule, doc, nlp) != (expect == "fires"):
                text = " ".join((ex if isinstance(ex, str) else ex["text"]).split())
                out.append(f"{rule.name}: example should {'fire' if expect == 'fires' else 'pass'}: {text!r}")
    return out


def verify(rules: list[Rule], nlp) -> None:
    """Refuse to load rules whose examples fail."""
    for rule in rules:
        if rule.configured:
            continue
        bad = failures(rule, nlp)
        if bad:
            raise RuleError(rule.path, "examples", "; ".join(bad))
