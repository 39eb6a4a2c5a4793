"""What several rule kinds do at check time: a compiled phrase group,
sentences and qualifiers around a match, and findings made from them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policylint.document import Location
from policylint.engine import context
from policylint.engine.analyse import Analysed, AnalysedBlock
from policylint.engine.kinds.schema import PhraseGroup, QualifiedGroup
from policylint.engine.patterns import PhraseSet
from policylint.findings import Finding

if TYPE_CHECKING:
    from spacy.tokens import Span

    from policylint.engine.blocktext import BlockText


@dataclass(frozen=True)
class Head:
    """The rule-level fields a kind's findings carry (from the rule file,
    after configuration)."""

    code: str
    name: str
    severity: str
    message: str
    suggest: tuple[str, ...]
    source: str
    rationale: str
    applies_to: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Group:
    """A compiled group of phrases: one PhraseSet for its phrases, one for
    the phrases whose presence anywhere in the document silences it, and
    what to say when it is found (severity, message, suggest: None or empty
    means the rule's own). Compared by identity: a forbid rule reports a
    sentence once per group."""

    phrases: PhraseSet
    unless_document: PhraseSet
    severity: str | None = None
    message: str | None = None
    suggest: tuple[str, ...] = ()
    label: str = ""
    qualifier: str | None = None  # counts only under an "essential" / "desirable" qualifier

    def excused_by(self, analysed: Analysed) -> bool:
        return bool(self.unless_document) and doc_has(self.unless_document, analysed)


def doc_has(ps: PhraseSet, analysed: Analysed) -> bool:
    """Some block holds a match that is not negated (worked out once per
    document and phrase set: many groups share an ``unless-document``)."""
    key = ("doc_has", ps.id)
    found = analysed.memo.get(key)
    if found is None:
        found = analysed.memo[key] = any(
            not context.is_negated(ab.text, s, e, ps.phrases[i]) for ab, (i, s, e) in analysed.hits(ps))
    return bool(found)


def sentence_bounds(text: BlockText, token: int) -> tuple[int, int]:
    """The token range [start, end) of the sentence holding a token."""
    v = context.view(text)
    return v.sent_start[token], v.sent_end[token]


def sentence(text: BlockText, token: int) -> Span:
    """The sentence (a Span) holding a token, from the block's cached bounds."""
    return text.doc[slice(*sentence_bounds(text, token))]


def sentence_text(text: BlockText, token: int) -> str:
    """The text of the sentence holding a token, made once per sentence (a
    Span makes its text anew each time, token by token)."""
    v = context.view(text)
    start = v.sent_start[token]
    found: str | None = v.sentence_texts.get(start)
    if found is None:
        doc = text.doc
        last = doc[v.sent_end[token] - 1]
        source = doc.text if text.source is None else text.source
        found = v.sentence_texts[start] = source[doc[start].idx:last.idx + len(last)]
    return found


def blocks_with(analysed: Analysed, sets: Iterable[PhraseSet]) -> list[AnalysedBlock]:
    """Body blocks, in order, where one of ``sets`` may have a match (a raw
    one: the caller looks at the matches themselves)."""
    seen = {ab.index for ps in sets for ab in analysed.candidates(ps)}
    return [ab for ab in analysed.body() if ab.index in seen]


def qualifier(ab: AnalysedBlock, sent_text: str) -> str | None:
    """The qualifier ("essential" or "desirable") the sentence or the labels
    above it give a criterion, if any."""
    return context.qualifier(sent_text, *ab.labels)


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fmt(template: str, **values: str) -> str:
    """``template`` with the values it names filled in; other ``{names}`` stay
    as written (a message may mention braces)."""
    return template.format_map(_KeepUnknown(values))


def suggestions(templates: Iterable[str], **values: str) -> list[str]:
    """Suggested wording with the finding's values filled in."""
    return [fmt(t, **values) for t in templates]


def finding(head: Head, analysed: Analysed, message: str, severity: str, suggest: Iterable[str],
            ab: AnalysedBlock | None, chars: tuple[int, int] | None = None) -> Finding:
    """A finding of the rule: on the text ``chars`` (start, end) of a block
    (the evidence), on a block as a whole (a missing element anchored
    there), or on the document (``ab`` None)."""
    doc = analysed.document
    if ab is None:
        return Finding(head.code, head.name, severity, doc.path, message, Location(), None,
                       tuple(suggest), head.source, head.rationale)
    if chars is None:
        return Finding(head.code, head.name, severity, doc.path, message, ab.block.locate(0), None,
                       tuple(suggest), head.source, head.rationale, anchor_block=ab.index)
    start, end = chars
    return Finding(head.code, head.name, severity, doc.path, message, ab.block.locate(start),
                   ab.block.text[start:end], tuple(suggest), head.source, head.rationale,
                   span=(ab.index, start, end))


def presences(groups: Iterable[Group], analysed: Analysed,
              unless: PhraseSet) -> Iterator[tuple[Group, AnalysedBlock, int, int, str]]:
    """Each match, in body text, of a group the document does not excuse:
    not negated, under the group's qualifier if it has one, not in a
    sentence with an ``unless`` phrase; as (group, block, start token, end
    token, sentence text). The presence half of a require rule, and the
    "if" of a conditional one."""
    for g in groups:
        # The cheaper tests first: whether the group matches at all, then
        # (per match) its qualifier, and only then negation.
        if not analysed.matched(g.phrases) or g.excused_by(analysed):
            continue
        for ab, (i, s, e) in analysed.hits(g.phrases, body=True):
            sent_text = sentence_text(ab.text, s)
            if g.qualifier and qualifier(ab, sent_text) != g.qualifier:
                continue
            if context.is_negated(ab.text, s, e, g.phrases.phrases[i]):
                continue
            if unless and unless.within(ab.text, *sentence_bounds(ab.text, s)):
                continue
            yield g, ab, s, e, sent_text


def group_finding(head: Head, g: Group, analysed: Analysed, ab: AnalysedBlock, s: int, e: int,
                  sent_text: str, severity: str | None = None) -> Finding:
    """The finding for a match of a group: its evidence, the group's message,
    severity and suggestions (or the rule's), with ``{evidence}`` and
    ``{sentence}`` filled in. ``severity``: one worked out by the caller."""
    span = ab.doc[s:e]
    values = {"evidence": ab.block.text[span.start_char:span.end_char], "sentence": sent_text.strip()}
    return finding(head, analysed, fmt(g.message or head.message, **values),
                   severity or g.severity or head.severity, suggestions(g.suggest or head.suggest, **values),
                   ab, (span.start_char, span.end_char))


def compile_groups(head: Head, specs: Iterable[PhraseGroup], key: str) -> tuple[Group, ...]:
    """Each group's phrases and ``unless-document`` phrases as PhraseSets
    (in this order, group by group: the order of the stored phrase tables)."""
    out = []
    for i, g in enumerate(specs):
        label = f"{head.code}:{key}:{i}"
        out.append(Group(PhraseSet(list(g.match), label), PhraseSet(list(g.unless_document), label + ":u"),
                         g.severity, g.message, g.suggest, g.label,
                         g.qualifier if isinstance(g, QualifiedGroup) else None))
    return tuple(out)
