"""Run a rule's own examples: every ``fires`` example must produce a finding
of that rule, every ``passes`` example none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policylint.document import Document
from policylint.engine.analyse import analyse
from policylint.engine.rules import Example, Rule, RuleError

if TYPE_CHECKING:
    from spacy.language import Language


def example_document(example: Example, index: int) -> Document:
    """An example as a Markdown document of its kind."""
    from policylint.readers.text import parse_string

    doc = parse_string(example.text, f"<example {index}>", "markdown")
    return doc.with_kind(example.kind, "rule example")


def fired(rule: Rule, doc: Document, nlp: Language) -> bool:
    """Whether the rule fires on a document (a set rule: on a set of one)."""
    return rule.compiled.example_fires(analyse(doc, nlp))


def failures(rule: Rule, nlp: Language) -> list[str]:
    """Examples that do not behave as the rule says they should."""
    out = []
    for expect, examples in (("fires", rule.examples.fires), ("passes", rule.examples.passes)):
        for i, ex in enumerate(examples):
            if fired(rule, example_document(ex, i), nlp) != (expect == "fires"):
                text = " ".join(ex.text.split())
                out.append(f"{rule.name}: example should {'fire' if expect == 'fires' else 'pass'}: {text!r}")
    return out


def verify(rules: list[Rule], nlp: Language) -> None:
    """Refuse to load rules whose examples fail."""
    for rule in rules:
        if rule.configured:
            continue
        bad = failures(rule, nlp)
        if bad:
            raise RuleError(rule.path, "examples", "; ".join(bad))
