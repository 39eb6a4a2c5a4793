"""``placeholder``: text left for a person to fill in, written ``[[like
this]]`` (the form ``policylint new`` puts in its templates). Each one is a
finding on its own words, in any block: title, headings, body, headers and
footers, so a finished document cannot go out with a blank in it.

Found with one regular expression over each block's text rather than the
phrase matcher: spaCy splits every bracket into a token of its own, and what
stands between the brackets is any words, of any length. The expression is
linear in the text (no nested or overlapping repetition, at most 200
characters between the brackets), so a hostile run of brackets costs no
more than any other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from policylint.engine.analyse import Analysed
from policylint.engine.kinds.base import DocumentKind, DocumentOptions, scope_sets
from policylint.engine.kinds.common import Head, finding, fmt, sentence_bounds, suggestions
from policylint.engine.kinds.schema import Options, Where
from policylint.findings import Finding
from policylint.placeholders import PLACEHOLDER_RE


@dataclass(frozen=True, kw_only=True)
class PlaceholderOptions(DocumentOptions):
    """No keys of its own: the form of a placeholder is fixed, so every
    template and every document agree on it (``only-if`` and ``unless``
    still apply)."""


@dataclass(frozen=True, kw_only=True)
class Placeholder(DocumentKind):
    schema = PlaceholderOptions

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, PlaceholderOptions)
        only_if, unless = scope_sets(options)
        return cls(head=head, only_if=only_if, unless=unless)

    def findings(self, analysed: Analysed) -> list[Finding]:
        out = []
        for ab in analysed.blocks:
            if "[[" not in ab.block.text:
                continue
            for m in PLACEHOLDER_RE.finditer(ab.block.text):
                if not m.group(1).strip():
                    continue  # "[[ ]]" names nothing to fill in
                if self.unless:
                    span = ab.doc.char_span(m.start(), m.end(), alignment_mode="expand")
                    if span is not None and self.unless.within(ab.text, *sentence_bounds(ab.text, span.start)):
                        continue
                values = {"evidence": m.group(0), "name": m.group(1).strip()}
                out.append(finding(self.head, analysed, fmt(self.head.message, **values), self.head.severity,
                                   suggestions(self.head.suggest, **values), ab, m.span()))
        return out
