"""Writing the plan into the Word package: splitting runs so a comment's
range marks sit on exactly the evidence's words, placing each comment's
reference mark where Word and LibreOffice show it (beside the words, or in
the body for a header, footer, note or text box), and writing suggestions as
tracked changes by "policylint" (``w:del``/``w:ins`` of words, inserted
paragraphs at the end of a section). ``annotate`` is the whole step for one
document already in memory."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from policylint.annotate.ooxml import MATH, W, ancestor, element, w
from policylint.annotate.package import AUTHOR, INITIALS, _comments_part, _Package, remove_own
from policylint.annotate.plan import Review, _Addition, _Change, _Comment, _Located, _Planner
from policylint.annotate.wording import comment_text, ignore_text
from policylint.document import Document, Role
from policylint.findings import Finding
from policylint.readers.docx import ParagraphText

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

    from policylint.engine.analyse import Analysed

# Containers in which a run may be wrapped in w:del / preceded by w:ins.
_CHANGE_PARENTS = {W.P, w("hyperlink"), w("sdtContent"), w("smartTag"), w("customXml")}
# What may sit between the runs of a tracked deletion.
_IN_DELETION = {W.R, W.RANGE_START, W.RANGE_END, w("bookmarkStart"), w("bookmarkEnd"), w("proofErr"),
                w("permStart"), w("permEnd")}


# -- splitting runs -------------------------------------------------------------


class _Unanchorable(Exception):
    pass


def _split_before(pt: ParagraphText, raw: int) -> None:
    """Make raw character ``raw`` of the paragraph the first of its run."""
    piece = pt.piece_at(raw)
    if piece is None:
        return  # the paragraph's end: nothing to separate
    el, k = piece.element, raw - piece.start
    run = el.getparent()
    if run is None or run.tag not in (W.R, W.M_R):
        raise _Unanchorable(f"text in <{etree.QName(run).localname if run is not None else '?'}>")
    content = [c for c in run if c.tag not in (W.RPR, W.M_RPR)]
    i = content.index(el)
    if k > 0:
        # The element's text now (an earlier split may have shortened it; the
        # offsets before that split are unchanged).
        text = (el.text or "") + "".join(child.tail or "" for child in el)
        right = run.makeelement(el.tag, dict(el.attrib))
        right.text = text[k:]
        right.set(W.XML_SPACE, "preserve")
        for child in list(el):
            el.remove(child)
        el.text = text[:k]
        el.set(W.XML_SPACE, "preserve")
        el.addnext(right)
        content.insert(i + 1, right)
        i += 1
    if i == 0:
        return
    new = run.makeelement(run.tag, dict(run.attrib))
    for props in run:
        if props.tag in (W.RPR, W.M_RPR):
            new.append(copy.deepcopy(props))
    for child in content[i:]:
        new.append(child)
    run.addnext(new)


def _unit(run: etree._Element) -> etree._Element:
    """What comment marks go around: the run, or for Office Math the whole
    equation (marks cannot sit inside m:oMath)."""
    unit = run
    while unit.getparent() is not None and str(unit.getparent().tag).startswith(f"{{{MATH}}}"):
        unit = unit.getparent()
    return unit


def _runs_for(pt: ParagraphText, start: int, end: int) -> tuple[etree._Element, etree._Element]:
    """The first and last run holding block text ``[start, end)`` (runs already split)."""
    rs, re_ = pt.raw_range(start, end)
    first, last = pt.piece_at(rs), pt.piece_at(re_ - 1)
    if first is None or last is None:
        raise _Unanchorable("span outside the paragraph")
    return _unit(first.element.getparent()), _unit(last.element.getparent())


def _is_reference_run(el: etree._Element) -> bool:
    return el.tag == W.R and el.find(W.REFERENCE) is not None


# -- the annotator ----------------------------------------------------------------


@dataclass
class Annotated:
    """What annotating one document did."""

    data: bytes
    comments: int = 0
    changes: int = 0
    additions: int = 0
    removed: int = 0  # earlier policylint comments replaced
    loose: list[str] = field(default_factory=list)  # findings not on their exact words


def annotate(wdoc: WordDocument, document: Document, findings: list[Finding], *, analysed: Analysed | None = None,
             suggest: bool = False, now: dt.datetime | None = None, pkg: _Package | None = None,
             review: Review | None = None) -> Annotated:
    """Write ``findings`` about ``document`` into ``wdoc`` (a python-docx
    Document of the same file) and return the new package's bytes. Earlier
    policylint comments and changes in ``wdoc`` are removed first.

    ``analysed`` (the engine's analysis of ``document``) gives sentence
    bounds for ``--suggest``; without it a replacement covers the block.
    ``review``: a reviewer's dismissals and chosen suggestions (see ``Review``)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    pkg = pkg or _Package(wdoc)
    removed = remove_own(pkg).comments
    writer = _Writer(pkg, document, now, review.reviewer if review is not None else AUTHOR)
    result = writer.run(findings, analysed, suggest, review)
    return dataclasses.replace(result, data=pkg.save(), removed=removed)


class _Writer:
    def __init__(self, pkg: _Package, document: Document, now: dt.datetime, reviewer: str = AUTHOR) -> None:
        self.pkg = pkg
        self.reviewer = reviewer
        self.doc = document
        self.plan = _Planner(document)
        self.now = now
        self.stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._next_id: int | None = None  # for tracked changes, once the comments are made
        self.loose: list[str] = []

    def run(self, findings: list[Finding], analysed: Analysed | None, suggest: bool,
            review: Review | None = None) -> Annotated:
        comments, changes, additions = self.plan.plan(findings, analysed, suggest, review)
        located: list[_Located] = [*comments, *changes]
        # Resolve every paragraph before anything moves.
        paragraphs: dict[int, etree._Element | None] = {}
        for item in located:
            b = item.where.block
            if b not in paragraphs:
                paragraphs[b] = self.pkg.paragraph(self.doc.blocks[b].handle)
        anchor_points = {a.after_block: self.pkg.paragraph(self.doc.blocks[a.after_block].handle)
                         for a in additions}
        for block, p in paragraphs.items():
            items = [i for i in located if i.where.block == block]
            self._locate(block, p, items)
        written = 0
        for c in comments:
            if c.first is None or c.last is None:
                c.first, c.last = self._fallback(c)
                if c.first is None or c.last is None:
                    self.loose.append(f"{c.finding.code} {c.finding.name}: no place for the comment")
                    continue
                self.loose.append(f"{c.finding.code} {c.finding.name}: on the whole paragraph")
            if c.wider:
                self.loose.append(f"{c.finding.code} {c.finding.name}: on the whole equation")
            self._comment(c, c.first, c.last)
            written += 1
        done = sum(self._change(ch) for ch in changes if ch.first is not None and not ch.wider)
        added = self._add(additions, anchor_points)
        return Annotated(b"", written, done, added, loose=self.loose)

    def _locate(self, block: int, p: etree._Element | None, items: list[_Located]) -> None:
        """Split the paragraph's runs at every boundary the items need and find
        each item's first and last run."""
        if p is None:
            return
        try:
            pt = ParagraphText(p)
            if pt.text != self.doc.blocks[block].text:
                raise _Unanchorable("the paragraph's text is not the text that was checked")
            bounds: set[int] = set()
            for item in items:
                bounds.update(pt.raw_range(item.where.start, item.where.end))
            for raw in sorted(bounds, reverse=True):
                _split_before(pt, raw)
            pt = ParagraphText(p)
            assert pt.text == self.doc.blocks[block].text
            for item in items:
                item.first, item.last = _runs_for(pt, item.where.start, item.where.end)
                item.wider = item.first.tag != W.R or item.last.tag != W.R
        except _Unanchorable:
            for item in items:
                item.first = item.last = None

    def _fallback(self, c: _Comment) -> tuple[etree._Element, etree._Element] | tuple[None, None]:
        """Whole paragraph of the finding's block, else the title."""
        for block in (c.where.block, self.plan.title_block()):
            p = self.pkg.paragraph(self.doc.blocks[block].handle)
            if p is None:
                continue
            runs = [r for r in p.iter(W.R) if ancestor(r, W.P) is p]
            if runs:
                return runs[0], runs[-1]
        return None, None

    def _new_id(self) -> str:
        """An id no comment, bookmark or change in the document uses."""
        if self._next_id is None:
            comments = _comments_part(self.pkg.wdoc)
            elements = [*self.pkg.all_elements(), *(comments.element.iter() if comments is not None else ())]
            self._next_id = 1 + max((int(v) for el in elements
                                     if (v := el.get(W.ID)) is not None and v.isdigit()), default=0)
        self._next_id += 1
        return str(self._next_id - 1)

    def _comment(self, c: _Comment, first: etree._Element, last: etree._Element) -> None:
        f = c.finding
        lines = comment_text(f) if c.dismissed is None else [ignore_text(f, c.dismissed)]
        home, where = self._home(first)
        if where and c.dismissed is None:  # a reviewer's ignore is that line alone: the reader reads all of it
            quoted = self.doc.blocks[c.where.block].text[c.where.start:c.where.end]
            lines.insert(1, f"In the {where}: \u201c{quoted}\u201d")
        if c.dismissed is None:
            comment = self.pkg.wdoc.comments.add_comment(text="", author=AUTHOR, initials=INITIALS)
        else:  # the reviewer's own decision: kept (and obeyed) when the copy is checked again
            initials = "".join(w[0] for w in self.reviewer.split()[:3]).upper() or "R"
            comment = self.pkg.wdoc.comments.add_comment(text="", author=self.reviewer, initials=initials)
        comment._comment_elm.date = self.now
        first_paragraph = comment.paragraphs[0]
        first_paragraph.add_run(lines[0]).bold = True
        for line in lines[1:]:
            comment.add_paragraph(line)
        cid = str(comment.comment_id)
        first.addprevious(element(W.RANGE_START, {W.ID: cid}))
        end = element(W.RANGE_END, {W.ID: cid})
        last.addnext(end)
        ref = element(W.R)
        rpr = element(W.RPR)
        rpr.append(element(w("rStyle"), {w("val"): "CommentReference"}))
        ref.append(rpr)
        ref.append(element(W.REFERENCE, {W.ID: cid}))
        if home is None:
            end.addnext(ref)
        elif home.tag == W.P:
            home.append(ref)
        else:
            home.addnext(ref)

    def _home(self, el: etree._Element) -> tuple[etree._Element | None, str | None]:
        """Where the comment's reference mark goes when the words are where Word
        takes no comment (a header, footer, note or text box): after the run
        holding the text box or the note's reference, else at the end of the
        title; and what to call the place. (None, None): beside the words."""
        box = None
        node = el
        while node is not None:
            if node.tag == W.TXBX:
                box = node
            node = node.getparent()
        root = el.getroottree().getroot()
        if root.tag == W.DOCUMENT:
            if box is None:
                return None, None
            run = ancestor(box, W.R)
            while run is not None and (outer := ancestor(run, W.TXBX)) is not None:
                run = ancestor(outer, W.R)
            return run, "text box"
        for tag, ref_tag, where in ((W.FOOTNOTE, W.FOOTNOTE_REF, "footnote"), (W.ENDNOTE, W.ENDNOTE_REF, "endnote")):
            note = el if el.tag == tag else ancestor(el, tag)
            if note is not None:
                body = self.pkg.wdoc.element
                ref = next((r for r in body.iter(ref_tag) if r.get(W.ID) == note.get(W.ID)), None)
                if ref is not None and ref.getparent() is not None:
                    return ref.getparent(), where
                return self._title_paragraph(), where
        where = {w("hdr"): "page header", w("ftr"): "page footer"}.get(root.tag, "margin")
        return self._title_paragraph(), where

    def _title_paragraph(self) -> etree._Element | None:
        return self.pkg.paragraph(self.doc.blocks[self.plan.title_block()].handle)

    def _tracked(self, tag: str) -> etree._Element:
        return element(tag, {W.ID: self._new_id(), W.AUTHOR: AUTHOR, w("date"): self.stamp})

    def _change(self, ch: _Change) -> int:
        first, last = ch.first, ch.last
        if first is None or last is None:
            return 0  # not found in the paragraph
        parent = first.getparent()
        if parent is None or parent is not last.getparent() or parent.tag not in _CHANGE_PARENTS:
            return 0
        seq = [first]
        while seq[-1] is not last:
            nxt = seq[-1].getnext()
            if nxt is None:
                return 0
            seq.append(nxt)
        for el in seq:
            if el.tag not in _IN_DELETION:
                return 0
            if el.tag == W.R and (el.find(W.FLDCHAR) is not None or el.find(W.INSTR) is not None):
                return 0
        deletion = self._tracked(W.DEL)
        first.addprevious(deletion)
        for el in seq:
            deletion.append(el)
        for t in deletion.iter(W.T):
            t.tag = W.DELTEXT
        # A comment's reference mark must not be deleted with the words, and
        # comments ending with the old words end before the new ones.
        after = deletion
        for ref in list(deletion.iter(W.REFERENCE)):
            run = ref.getparent()
            after.addnext(run)
            after = run
        while after.getnext() is not None and (after.getnext().tag == W.RANGE_END
                                                or _is_reference_run(after.getnext())):
            after = after.getnext()
        if ch.text:
            insertion = self._tracked(W.INS)
            run = element(W.R)
            props = first.find(W.RPR)
            if props is not None:
                run.append(copy.deepcopy(props))
            t = element(W.T)
            t.text = ch.text
            t.set(W.XML_SPACE, "preserve")
            run.append(t)
            insertion.append(run)
            after.addnext(insertion)
        return 1

    def _add(self, additions: list[_Addition], anchors: dict[int, etree._Element | None]) -> int:
        count = 0
        last_inserted: dict[int, etree._Element] = {}
        for a in additions:
            p = anchors.get(a.after_block)
            if p is None:
                continue
            top = p
            while top.getparent() is not None and top.getparent().tag != W.BODY:
                top = top.getparent()
            if top.getparent() is None:
                continue
            at = last_inserted.get(a.after_block, top)
            new = []
            if a.heading:
                new.append(self._paragraph(a.heading, self._heading_style(a.heading_level)))
            new.append(self._paragraph(a.text, self._body_style(a.after_block)))
            for para in new:
                at.addnext(para)
                at = para
            last_inserted[a.after_block] = at
            count += 1
        return count

    def _paragraph(self, text: str, style: str | None) -> etree._Element:
        p = element(W.P)
        ppr = element(W.PPR)
        if style:
            ppr.append(element(W.PSTYLE, {w("val"): style}))
        rpr = element(W.RPR)
        rpr.append(self._tracked(W.INS))
        ppr.append(rpr)
        p.append(ppr)
        insertion = self._tracked(W.INS)
        run = element(W.R)
        t = element(W.T)
        t.text = text
        t.set(W.XML_SPACE, "preserve")
        run.append(t)
        insertion.append(run)
        p.append(insertion)
        return p

    def _style_of(self, block: int) -> str | None:
        p = self.pkg.paragraph(self.doc.blocks[block].handle)
        style = p.find(f"{W.PPR}/{W.PSTYLE}") if p is not None else None
        return style.get(w("val")) if style is not None else None

    def _body_style(self, last: int) -> str | None:
        """The style of the last plain paragraph up to ``last``."""
        for i in range(last, -1, -1):
            b = self.doc.blocks[i]
            if b.role == Role.PARAGRAPH and b.location.part in (None, "body") and b.cell is None:
                return self._style_of(i)
            if b.role in (Role.HEADING, Role.TITLE):
                break
        return None

    def _heading_style(self, level: int | None) -> str | None:
        headings = [(b.level or 9, i) for i, b in enumerate(self.doc.blocks) if b.role == Role.HEADING]
        if not headings:
            return None
        exact = [i for lvl, i in headings if lvl == level]
        return self._style_of(exact[0] if exact else min(headings)[1])
