"""``forbid``: phrases that must not appear in the documents a rule applies
to (clinical duties in a peer job description).

A match does not count when its context says it is not the role's own
duty: negated, under a disclaimer heading or lead-in, in an advocacy or a
learning sentence, done by someone else (``ignore-contexts`` narrows that
list, or adds ``criteria`` or ``label``: a short line ending in a colon that
names what follows), or in a sentence with an ``unless`` phrase.
One finding per sentence for each group of phrases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from policylint.engine import context
from policylint.engine.analyse import Analysed, AnalysedBlock
from policylint.engine.kinds.base import DocumentKind, DocumentOptions, scope_sets
from policylint.engine.kinds.common import (
    Group,
    Head,
    blocks_with,
    compile_groups,
    group_finding,
    qualifier,
    sentence,
    sentence_bounds,
    sentence_text,
)
from policylint.engine.kinds.schema import (
    Options,
    PhraseGroup,
    Where,
    groups,
    list_of,
    one_of,
    option,
    phrases,
    severity,
)
from policylint.engine.patterns import PhraseSet
from policylint.findings import Finding

CONTEXTS = ("negation", "disclaimer", "advocacy", "learning", "other-role", "criteria", "label")
# What a forbid rule excuses unless it says otherwise ("criteria" is opt-in).
DEFAULT_CONTEXTS = ("negation", "disclaimer", "advocacy", "learning", "other-role")


def contexts(value: Any, where: Where) -> tuple[str, ...]:
    if not isinstance(value, list) or any(x not in CONTEXTS for x in value):
        raise where.error(f"must be a list of {', '.join(CONTEXTS)}")
    return tuple(value)


@dataclass(frozen=True, kw_only=True)
class SeverityWhen(Options):
    """A severity for matches under a qualifier ("none": under neither) or
    in a sentence holding one of the phrases, or both."""

    severity: str = option(severity)
    qualifier: str | None = option(one_of("essential", "desirable", "none"), None)
    sentence: tuple[str, ...] = option(phrases, ())

    def validate(self, where: Where) -> None:
        if self.qualifier is None and not self.sentence:
            raise where.error("needs 'qualifier' or 'sentence' as well as 'severity'")


@dataclass(frozen=True, kw_only=True)
class ForbidOptions(DocumentOptions):
    patterns: tuple[PhraseGroup, ...] = option(groups)
    ignore_contexts: tuple[str, ...] = option(contexts, DEFAULT_CONTEXTS)
    severity_when: tuple[SeverityWhen, ...] = option(list_of(SeverityWhen), ())


@dataclass(frozen=True)
class _SeverityWhen:
    qualifier: str | None
    sentence: PhraseSet
    severity: str


@dataclass(frozen=True, kw_only=True)
class Forbid(DocumentKind):
    schema = ForbidOptions
    extra_patterns_key = "patterns"

    groups: tuple[Group, ...]
    ignore: frozenset[str]
    severity_when: tuple[_SeverityWhen, ...]

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, ForbidOptions)
        only_if, unless = scope_sets(options)
        return cls(
            head=head, only_if=only_if, unless=unless,
            groups=compile_groups(head, options.patterns, "patterns"),
            ignore=frozenset(options.ignore_contexts),
            severity_when=tuple(_SeverityWhen(w.qualifier, PhraseSet(list(w.sentence), f"severity-when[{i}].sentence"),
                                              w.severity) for i, w in enumerate(options.severity_when)),
        )

    def group_suggestions(self) -> tuple[str, ...]:
        return tuple(g.suggest[0] for g in self.groups if g.suggest)

    def findings(self, analysed: Analysed) -> list[Finding]:
        out = []
        groups = [g for g in self.groups if analysed.matched(g.phrases) and not g.excused_by(analysed)]
        for ab in blocks_with(analysed, [g.phrases for g in groups]):
            seen_sents: set[tuple[int, int]] = set()
            for g in groups:
                for i, s, e in g.phrases.matches(ab.text):
                    if self._excused(ab, s, e, g.phrases.phrases[i]):
                        continue
                    sent = sentence(ab.text, s)
                    if (sent.start, id(g)) in seen_sents:
                        continue  # one finding per sentence for each group of phrases
                    seen_sents.add((sent.start, id(g)))
                    sent_text = sentence_text(ab.text, s)
                    out.append(group_finding(self.head, g, analysed, ab, s, e, sent_text,
                                             self._severity(g, ab, sent, sent_text)))
        return out

    def _severity(self, g: Group, ab: AnalysedBlock, sent: Any, sent_text: str) -> str:
        """The group's severity (or the rule's), unless a ``severity-when``
        entry matches the sentence's qualifier and phrases: the first that does."""
        if not self.severity_when:
            return g.severity or self.head.severity
        q = qualifier(ab, sent_text)
        for when in self.severity_when:
            if when.qualifier is not None and when.qualifier != (q or "none"):
                continue
            if when.sentence and not when.sentence.within(ab.text, sent.start, sent.end):
                continue
            return when.severity
        return g.severity or self.head.severity

    def _excused(self, ab: AnalysedBlock, s: int, e: int, phrase: str) -> bool:
        ignore = self.ignore
        sent_text = sentence_text(ab.text, s)
        if "negation" in ignore and context.is_negated(ab.text, s, e, phrase):
            return True
        if "disclaimer" in ignore and ab.disclaimer:
            return True
        if "advocacy" in ignore and context.is_advocacy(sent_text):
            return True
        if "learning" in ignore and context.is_learning(ab.text, s, e):
            return True
        if "other-role" in ignore and context.attributed_elsewhere(ab.text, s, e):
            return True
        if "criteria" in ignore and context.is_criteria(sent_text, ab.labels):
            return True
        if "label" in ignore and context.is_label(ab.block.text):
            return True
        return bool(self.unless) and self.unless.within(ab.text, *sentence_bounds(ab.text, s))
