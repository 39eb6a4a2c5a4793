"""Where each finding goes, before any XML is touched: the block and
characters a comment is anchored on (the evidence, else a heading, the
paragraph a location names, or the title), and with ``--suggest`` what each
suggestion changes (the sentence a replacement rewrites, the end of the
section an added sentence goes after). Works on the checked document's
blocks only; the writer then finds those characters in the Word package."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from lxml import etree

from policylint.annotate.wording import _diff, wording
from policylint.document import Document, Role
from policylint.findings import Finding

if TYPE_CHECKING:
    from policylint.engine.analyse import Analysed


def finding_key(f: Finding) -> str:
    """A finding's name for a reviewer's decision: the same for the same
    finding whenever the same file is checked again, whatever its path."""
    loc = f.location
    text = "|".join(str(x) for x in (f.code, f.span, f.anchor_block, loc.page, loc.paragraph, loc.line,
                                      loc.column, loc.part, f.evidence, f.message))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Review:
    """A reviewer's decisions on findings, by ``finding_key`` (the review
    page's): a ``dismissed`` finding (key -> the reviewer's reason) becomes
    the reviewer's own ``policylint: ignore NAME — reason`` comment on its
    words instead of policylint's; a ``chosen`` finding (key -> the index of
    the suggestion chosen) has that suggestion written as a tracked change,
    as ``suggest`` does for every finding."""

    dismissed: Mapping[str, str] = field(default_factory=dict)
    chosen: Mapping[str, int] = field(default_factory=dict)
    reviewer: str = "Reviewer"


@dataclass
class _Range:
    block: int
    start: int
    end: int


@dataclass
class _Comment:
    finding: Finding
    where: _Range
    exact: bool  # on the evidence (False: a heading, the title, a whole paragraph)
    first: etree._Element | None = None
    last: etree._Element | None = None
    wider: bool = False  # the marks take in a whole equation
    dismissed: str | None = None  # the reviewer's reason: their ignore comment, not policylint's


@dataclass
class _Change:
    finding: Finding
    where: _Range
    text: str
    first: etree._Element | None = None
    last: etree._Element | None = None
    wider: bool = False


# What is anchored on words of a paragraph: the writer finds its first and last run.
_Located: TypeAlias = _Comment | _Change


@dataclass
class _Addition:
    finding: Finding
    after_block: int
    text: str
    heading: str | None
    heading_level: int | None


class _Planner:
    """Plans one document's comments, changes and additions; a wording is
    proposed once per document."""

    def __init__(self, document: Document) -> None:
        self.doc = document
        self._proposed: set[str] = set()  # wording already proposed in this document

    def plan(self, findings: list[Finding], analysed: Analysed | None, suggest: bool,
             review: Review | None = None) -> tuple[list[_Comment], list[_Change], list[_Addition]]:
        comments: list[_Comment] = []
        changes: list[_Change] = []
        additions: list[_Addition] = []
        for f in findings:
            where, exact = self._target(f)
            key = finding_key(f) if review is not None else ""
            dismissed = review.dismissed.get(key) if review is not None else None
            comments.append(_Comment(f, where, exact, dismissed=dismissed))
            chosen = review.chosen.get(key) if review is not None and dismissed is None else None
            if (suggest and dismissed is None) or chosen is not None:
                self._plan_suggestion(f, where, exact, analysed, changes, additions, chosen)
        return comments, changes, additions

    def title_block(self) -> int:
        blocks = self.doc.blocks
        for role in (Role.TITLE, Role.HEADING):
            for i, b in enumerate(blocks):
                if b.role == role and b.location.part in (None, "body"):
                    return i
        return next((i for i, b in enumerate(blocks) if b.location.part in (None, "body")), 0)

    def _target(self, f: Finding) -> tuple[_Range, bool]:
        blocks = self.doc.blocks
        if f.span is not None and 0 <= f.span[0] < len(blocks):
            b, s, e = f.span
            if 0 <= s < e <= len(blocks[b].text):
                return _Range(b, s, e), True
        if f.anchor_block is not None and 0 <= f.anchor_block < len(blocks):
            b = f.anchor_block
        elif f.location.paragraph and 0 < f.location.paragraph <= len(blocks):
            b = f.location.paragraph - 1
        else:
            b = self.title_block()
        return _Range(b, 0, len(blocks[b].text)), False

    def _sentence(self, analysed: Analysed | None, block: int, start: int, end: int) -> tuple[int, int]:
        text = self.doc.blocks[block].text
        lo, hi = 0, len(text)
        if analysed is not None and block < len(analysed.blocks):
            for sent in analysed.blocks[block].doc.sents:
                if sent.start_char <= start < sent.end_char:
                    lo, hi = sent.start_char, max(sent.end_char, end)
                    break
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        return lo, hi

    def _section_end(self, block: int) -> int | None:
        """The last body block of the section headed by (or holding) ``block``."""
        blocks = self.doc.blocks
        b = blocks[block]
        if b.location.part not in (None, "body"):
            return None
        level = b.level if b.role == Role.HEADING and b.level else 0
        if b.role not in (Role.HEADING, Role.TITLE):  # a paragraph: the section it is in
            for i in range(block - 1, -1, -1):
                if blocks[i].role == Role.HEADING and blocks[i].level:
                    return self._section_end(i)
            level = 0
        last = block
        for i in range(block + 1, len(blocks)):
            bi = blocks[i]
            if bi.location.part not in (None, "body"):
                break
            if bi.role == Role.HEADING and (bi.level or 1) <= level:
                break
            last = i
        return last

    def _plan_suggestion(self, f: Finding, where: _Range, exact: bool, analysed: Analysed | None,
                         changes: list[_Change], additions: list[_Addition], only: int | None = None) -> None:
        """``only``: the index of the one suggestion to consider (the reviewer's choice)."""
        for s in f.suggestions if only is None else f.suggestions[only:only + 1]:
            w = wording(s)
            if w is None:
                continue
            said = " ".join(w.text.lower().split())
            if said in self._proposed:
                return  # the same words are already proposed elsewhere: say it once
            if w.action == "replace" and exact:
                lo, hi = self._sentence(analysed, where.block, where.start, where.end)
                old = self.doc.blocks[where.block].text[lo:hi]
                diff = _diff(old, w.text)
                if diff is None:
                    return
                a, b, new = diff
                rng = _Range(where.block, lo + a, lo + b)
                if any(c.where.block == rng.block and c.where.start < rng.end and rng.start < c.where.end
                       for c in changes):
                    return  # another finding already rewrites these words
                changes.append(_Change(f, rng, new))
                self._proposed.add(said)
                return
            if w.action == "add":
                after = self._section_end(where.block)
                if after is None:
                    return
                level = None
                if w.section:
                    anchor = self.doc.blocks[where.block]
                    level = (anchor.level or 0) + 1 if anchor.role == Role.HEADING else 1
                additions.append(_Addition(f, after, w.text, w.section, level))
                self._proposed.add(said)
                return
            return  # the first wording decides
