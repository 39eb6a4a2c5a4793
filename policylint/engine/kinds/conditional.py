"""``conditional``: if a phrase of ``if`` is present, a phrase of ``then``
must be too (a fixed-term peer post must name its recurrent funding).

The finding quotes the first ``if`` match that is not negated or excused
by an ``unless`` phrase in its sentence (or by the group's
``unless-document``); a document with a ``then`` phrase anywhere, not
negated, passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from policylint.engine.analyse import Analysed
from policylint.engine.kinds.base import DocumentKind, DocumentOptions, scope_sets
from policylint.engine.kinds.common import Group, Head, compile_groups, doc_has, group_finding, presences
from policylint.engine.kinds.schema import Options, PhraseGroup, Where, groups, option, phrases
from policylint.engine.patterns import PhraseSet
from policylint.findings import Finding


@dataclass(frozen=True, kw_only=True)
class ConditionalOptions(DocumentOptions):
    if_: tuple[PhraseGroup, ...] = option(groups, key="if")
    then: tuple[str, ...] = option(phrases)


@dataclass(frozen=True, kw_only=True)
class Conditional(DocumentKind):
    schema = ConditionalOptions
    extra_patterns_key = "if"

    then: PhraseSet  # what the document must say once any `if` group is found
    if_: tuple[Group, ...]

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, ConditionalOptions)
        only_if, unless = scope_sets(options)
        return cls(head=head, only_if=only_if, unless=unless, if_=compile_groups(head, options.if_, "if"),
                   then=PhraseSet(list(options.then), "then"))

    def findings(self, analysed: Analysed) -> list[Finding]:
        if doc_has(self.then, analysed):
            return []
        for g, ab, s, e, sent_text in presences(self.if_, analysed, self.unless):
            return [group_finding(self.head, g, analysed, ab, s, e, sent_text)]
        return []
