"""``substitute``: words to avoid, each with the wording to use instead
(stigmatising language). Every finding suggests the sentence rewritten.

A match inside an ``exempt`` phrase (an agency's name) or in a sentence
with one of the term's own ``exempt`` phrases or an ``unless`` phrase is
skipped; a quoted mention is info, and a quoted mention being criticised
("avoid terms like 'addict'") is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

from policylint.engine import context
from policylint.engine.analyse import Analysed
from policylint.engine.kinds.base import DocumentKind, DocumentOptions, scope_sets
from policylint.engine.kinds.common import Head, blocks_with, finding, fmt, sentence, sentence_text
from policylint.engine.kinds.schema import Options, Where, list_of, option, phrases, severity, some_strings, text
from policylint.engine.patterns import PhraseSet
from policylint.findings import Finding

CRITIQUE_RE = re.compile(r"\b(reject|avoid|instead of|rather than|such as|terms like|words like|labels?|stigma\w*"
                         r"|do not use|don't use|outdated|harmful)\b", re.I)


@dataclass(frozen=True, kw_only=True)
class TermOptions(Options):
    avoid: tuple[str, ...] = option(phrases)
    use: tuple[str, ...] = option(some_strings)  # the first is the rewrite; the others are offered too
    severity: str | None = option(severity, None)  # None: the rule's
    message: str | None = option(text, None)
    exempt: tuple[str, ...] = option(phrases, ())  # a sentence with one of these is not flagged for this term


@dataclass(frozen=True, kw_only=True)
class SubstituteOptions(DocumentOptions):
    terms: tuple[TermOptions, ...] = option(list_of(TermOptions))
    exempt: tuple[str, ...] = option(phrases, ())  # a match inside one of these is not flagged

    def validate(self, where: Where) -> None:
        if not self.terms:
            raise where.at("terms").error("must be a non-empty list")


@dataclass(frozen=True)
class Term:
    avoid: PhraseSet
    use: tuple[str, ...]
    severity: str
    message: str | None
    exempt: PhraseSet


def _rewrite(sentence: str, start: int, end: int, replacement: str) -> str:
    old = sentence[start:end]
    if old[:1].isupper() and replacement[:1].islower():
        replacement = replacement[:1].upper() + replacement[1:]
    return sentence[:start] + replacement + sentence[end:]


@dataclass(frozen=True, kw_only=True)
class Substitute(DocumentKind):
    schema = SubstituteOptions

    terms: tuple[Term, ...]
    exempt: PhraseSet

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, SubstituteOptions)
        only_if, unless = scope_sets(options)
        terms = tuple(
            Term(PhraseSet(list(t.avoid), f"{head.code}:terms[{i}]"), t.use, t.severity or head.severity, t.message,
                 PhraseSet(list(t.exempt), f"terms[{i}].exempt"))
            for i, t in enumerate(options.terms))
        return cls(head=head, only_if=only_if, unless=unless, terms=terms,
                   exempt=PhraseSet(list(options.exempt), "exempt"))

    def findings(self, analysed: Analysed) -> list[Finding]:
        out = []
        for ab in blocks_with(analysed, [t.avoid for t in self.terms]):
            exempt_spans = [(s, e) for _, s, e in self.exempt.matches(ab.text)] if self.exempt else []
            for t in self.terms:
                for _, s, e in t.avoid.matches(ab.text):
                    if any(es < e and s < ee for es, ee in exempt_spans):
                        continue
                    sent = sentence(ab.text, s)
                    sent_text = sentence_text(ab.text, s)
                    if t.exempt and t.exempt.within(ab.text, sent.start, sent.end):
                        continue
                    if self.unless and self.unless.within(ab.text, sent.start, sent.end):
                        continue
                    span = ab.doc[s:e]
                    rel_s, rel_e = span.start_char - sent.start_char, span.end_char - sent.start_char
                    severity = t.severity
                    if context.in_quotes(sent_text, rel_s, rel_e):
                        if CRITIQUE_RE.search(sent_text):
                            continue  # a mention in order to critique it
                        severity = "info"
                    evidence = ab.block.text[span.start_char:span.end_char]
                    lead = len(sent_text) - len(sent_text.lstrip())
                    rewritten = _rewrite(sent_text.strip(), rel_s - lead, rel_e - lead, t.use[0])
                    suggest = [f"Rewrite as: \"{rewritten}\""]
                    suggest += [f"Or use \"{u}\" instead of \"{evidence}\"" for u in t.use[1:]]
                    values = {"evidence": evidence, "use": t.use[0], "sentence": sent_text.strip()}
                    out.append(finding(self.head, analysed, fmt(t.message or self.head.message, **values), severity,
                                       suggest, ab, (span.start_char, span.end_char)))
        return out
