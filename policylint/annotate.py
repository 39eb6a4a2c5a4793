"""``policylint annotate``: a reviewed copy of a Word document, with every
finding as a Word comment on the words it is about.

    policylint annotate jd.docx                  # writes jd.reviewed.docx
    policylint annotate jd.docx -o review/jd.docx --suggest
    policylint annotate policies/ -o reviewed/   # one reviewed copy per DOCX

What the reviewed copy holds
----------------------------
- A finding with evidence: a comment (author "policylint", initials "PL",
  dated at the start of the run) anchored on exactly the evidence text. The
  runs at either end are split where the evidence starts and ends; each half
  keeps the run's properties. Works in body text, list items, table cells,
  text boxes, headers, footers and notes (see "Where Word shows comments").
- A missing element (no evidence): one comment on the heading of the section
  the text belongs in (the finding's ``anchor_block``), else on the title.
  A finding with neither (a reader problem) goes on the paragraph its
  location names, else on the title.
- ``--suggest``: a finding whose suggestion is wording for the text (a
  substitute rule's rewrite, a clinical duty's peer-work rewrite) becomes a
  tracked change by "policylint" -- ``w:del`` of the old words, ``w:ins`` of
  the new -- kept as small as the words that differ. A suggestion of the form
  ``Add ...: "sentence"`` becomes a tracked paragraph insertion at the end of
  the section (for a missing element: the section of its heading). Advice
  that is not wording ("Remove the assessment duty.") stays in the comment.

The text is found by the reader's own walk (``readers.docx.ParagraphText``),
so the offsets of a finding's span always mean the same characters here.

Safety and repeat runs
----------------------
The input is never written: an output path that is the input is refused, an
existing output needs ``--force``, and the copy is written to a temporary file
and moved into place. Comments by author "policylint" from an earlier run
(with their range marks, reference runs and Word's commentsExtended/Ids
entries) are removed first, and policylint's own pending tracked changes are
rejected, so annotating a reviewed copy again replaces them. Other authors'
comments and changes are kept. A reviewer's comment starting
``policylint: ignore NAME-OR-CODE`` suppresses the findings on its words.

Headers, footers, notes and text boxes
--------------------------------------
Word ignores ``w:commentRangeStart`` in headers, footers, text boxes, footnotes
and endnotes ([MS-OI29500] 2.1.315), and a ``w:commentReference`` in a header,
footer or note makes LibreOffice refuse the whole file. So there the range
marks go on the exact words, but the reference mark goes in the body: after
the run holding the text box, after the note's reference mark, or at the end
of the title for a header or footer. Word and LibreOffice then show the
comment at that point, and its second line quotes the words and says where
they are ("In the page header: ...").

PDF, Markdown and text inputs get no reviewed copy; the command says so and
writes nothing for them.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from policylint.document import HEADING, PARAGRAPH, TITLE, Document
from policylint.findings import Finding
from policylint.readers.docx import ParagraphText

AUTHOR = "policylint"
INITIALS = "PL"
REVIEWED = ".reviewed"  # jd.docx -> jd.reviewed.docx

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _w(local: str) -> str:
    return f"{{{_W}}}{local}"


_P, _R, _T, _RPR, _PPR, _PSTYLE = _w("p"), _w("r"), _w("t"), _w("rPr"), _w("pPr"), _w("pStyle")
_DEL, _INS, _DELTEXT, _BODY = _w("del"), _w("ins"), _w("delText"), _w("body")
_ID, _AUTHOR = _w("id"), _w("author")
_RANGE_START, _RANGE_END, _REFERENCE = _w("commentRangeStart"), _w("commentRangeEnd"), _w("commentReference")
_FLDCHAR, _INSTR = _w("fldChar"), _w("instrText")
_M_R, _M_RPR = f"{{{_M}}}r", f"{{{_M}}}rPr"
_TXBX, _DOCUMENT = _w("txbxContent"), _w("document")
_FOOTNOTE, _ENDNOTE = _w("footnote"), _w("endnote")
_FOOTNOTE_REF, _ENDNOTE_REF = _w("footnoteReference"), _w("endnoteReference")

# Parts that hold document text (the reader's handles point into these).
_STORY_TYPES = ("document.main+xml", "document.macroEnabled.main+xml", "template.main+xml",
                "header+xml", "footer+xml", "footnotes+xml", "endnotes+xml")
# Containers in which a run may be wrapped in w:del / preceded by w:ins.
_CHANGE_PARENTS = {_P, _w("hyperlink"), _w("sdtContent"), _w("smartTag"), _w("customXml")}
# What may sit between the runs of a tracked deletion.
_IN_DELETION = {_R, _RANGE_START, _RANGE_END, _w("bookmarkStart"), _w("bookmarkEnd"), _w("proofErr"),
                _w("permStart"), _w("permEnd")}

_QUOTED = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d")
_SECTION_NAMED = re.compile(r"\bsection\s+(?:\"([^\"]+)\"|\u201c([^\u201d]+)\u201d)", re.IGNORECASE)
# Suggestions that tell the author what to do rather than give the words.
_ADVICE = re.compile(
    r"(?:remove|delete|drop|add|move|describe|replace|rename|reword|rephrase|rewrite|state|say|publish"
    r"|specify|clarify|mention|consider|change|put|record|spell out|make clear|ensure|link|refer|cite"
    r"|or use|use|check|review|name)\b", re.IGNORECASE)
_ABOUT_DOCUMENT = re.compile(r"\b(?:role|job|position) description\b|\bthis (?:document|policy)\b"
                             r"|\bsay so\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class AnnotateError(Exception):
    """A file that cannot be annotated; the message says why and what to do."""


# -- what to write -------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """Text a suggestion proposes: ``replace`` the sentence holding the
    evidence, or ``add`` a sentence (under a new heading ``section``)."""

    action: str  # "replace" or "add"
    text: str
    section: str | None = None


def wording(suggestion: str) -> Wording | None:
    """The words a suggestion proposes, or None when it is advice.

    ``Rewrite as: "..."`` and ``Describe X instead: "..."`` replace;
    ``Add ...: "..."`` (optionally ``Add a section "Title": "..."``) adds the
    last quoted sentence; an unquoted suggestion that does not start with an
    instruction ("Remove ...", "Add ...") and does not talk about the
    document is itself the replacement wording."""
    text = " ".join(suggestion.split())
    quotes = [a or b for a, b in _QUOTED.findall(text)]
    if re.match(r"add\b", text, re.IGNORECASE):
        named = _SECTION_NAMED.search(text)
        section = (named.group(1) or named.group(2)) if named else None
        body = [q for q in quotes if q != section]
        return Wording("add", body[-1].strip(), section) if body else None
    if quotes:
        lead = text[:text.find(quotes[0]) - 1].lower()
        if lead.startswith("rewrite as") or "instead" in lead or lead.rstrip().endswith(":"):
            if not lead.startswith("or use"):
                return Wording("replace", quotes[-1].strip())
        return None
    if _ADVICE.match(text) or _ABOUT_DOCUMENT.search(text):
        return None
    return Wording("replace", text)


def _why(rationale: str) -> str:
    text = " ".join(rationale.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def comment_text(f: Finding) -> list[str]:
    """The comment's paragraphs: rule, message, why, suggested wording, how to
    keep the words."""
    lines = [f"{f.code} {f.name} ({f.severity})", f.message]
    why = _why(f.rationale)
    if why:
        lines.append(f"Why: {why}")
    for i, s in enumerate(f.suggestions):
        lines.append(("Suggested wording: " if i == 0 else "Or: ") + s)
    if f.evidence is not None and not f.code.startswith("PL0"):
        lines.append(f"To keep these words, add a comment on them starting "
                     f"\u201cpolicylint: ignore {f.name}\u201d and a reason.")
    return lines


# -- the package --------------------------------------------------------------


class _Package:
    """The python-docx package being annotated: story parts by name, their
    paragraphs, and writing generic (blob) parts back."""

    def __init__(self, wdoc):
        from docx.opc.part import XmlPart
        from docx.oxml.parser import parse_xml

        self.wdoc = wdoc
        self.roots: dict[str, etree._Element] = {}
        self._blob_parts = []
        for part in wdoc.part.package.iter_parts():
            if not part.content_type.endswith(_STORY_TYPES):
                continue
            name = str(part.partname).lower()
            if isinstance(part, XmlPart):
                self.roots[name] = part.element
            else:  # footnotes, endnotes: python-docx keeps them as bytes
                root = parse_xml(part.blob)
                self.roots[name] = root
                self._blob_parts.append((part, root))
        self._paragraphs: dict[str, list[etree._Element]] = {}

    def paragraph(self, handle) -> etree._Element | None:
        if not handle:
            return None
        partname, index = handle
        name = str(partname).lower()
        root = self.roots.get(name)
        if root is None:
            return None
        if name not in self._paragraphs:
            self._paragraphs[name] = list(root.iter(_P))
        found = self._paragraphs[name]
        return found[index] if 0 <= index < len(found) else None

    def commit(self) -> None:
        for part, root in self._blob_parts:
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def all_elements(self) -> Iterable[etree._Element]:
        for root in self.roots.values():
            yield from root.iter(etree.Element)

    def save(self) -> bytes:
        self.commit()
        out = io.BytesIO()
        self.wdoc.save(out)
        return out.getvalue()


def _element(tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    from docx.oxml import OxmlElement

    el = OxmlElement(_prefixed(tag))
    for key, value in (attrs or {}).items():
        el.set(key, value)
    return el


def _prefixed(clark: str) -> str:
    ns, _, local = clark[1:].partition("}")
    return f"w:{local}" if ns == _W else local


# -- removing an earlier run's work --------------------------------------------


@dataclass
class Cleanup:
    comments: int = 0
    changes: int = 0  # policylint's pending tracked changes rejected


def remove_own(pkg: _Package) -> Cleanup:
    """Remove the comments policylint wrote (and their anchors) and reject
    its pending tracked changes; keep every other author's."""
    done = Cleanup()
    ids: set[str] = set()
    para_ids: set[str] = set()
    comments_part = _comments_part(pkg.wdoc)
    if comments_part is not None:
        root = comments_part.element
        for comment in list(root.iterchildren(_w("comment"))):
            if comment.get(_AUTHOR) == AUTHOR:
                ids.add(comment.get(_ID, ""))
                para_ids.update(_attr_values(comment, "paraId"))
                root.remove(comment)
                done.comments += 1
    if ids:
        for el in list(pkg.all_elements()):
            if el.tag in (_RANGE_START, _RANGE_END) and el.get(_ID) in ids:
                _drop(el)
            elif el.tag == _REFERENCE and el.get(_ID) in ids:
                run = el.getparent()
                if run is not None and run.tag == _R and all(c is el or c.tag == _RPR for c in run):
                    _drop(run)
                else:
                    _drop(el)
        _forget_extended(pkg.wdoc, para_ids)
    done.changes = _reject_own_changes(pkg)
    return done


def _comments_part(wdoc):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        return wdoc.part.part_related_by(RT.COMMENTS)
    except KeyError:
        return None


def _attr_values(el: etree._Element, local: str) -> set[str]:
    return {v for node in el.iter(etree.Element) for k, v in node.attrib.items()
            if etree.QName(k).localname == local}


def _forget_extended(wdoc, para_ids: set[str]) -> None:
    """Drop Word's extra comment records (commentsExtended, commentsIds,
    commentsExtensible) of removed comments; replies to them become top-level."""
    if not para_ids:
        return
    from docx.oxml.parser import parse_xml

    parts = [p for p in wdoc.part.package.iter_parts()
             if "comments" in str(p.partname).lower() and p.content_type.endswith("+xml")
             and p is not _comments_part(wdoc)]
    durable: set[str] = set()
    roots = []
    for part in parts:
        root = parse_xml(part.blob)
        roots.append((part, root))
        for child in list(root):
            attrs = {etree.QName(k).localname: (k, v) for k, v in child.attrib.items()}
            if "paraId" in attrs and attrs["paraId"][1] in para_ids:
                if "durableId" in attrs:
                    durable.add(attrs["durableId"][1])
                root.remove(child)
            elif "paraIdParent" in attrs and attrs["paraIdParent"][1] in para_ids:
                del child.attrib[attrs["paraIdParent"][0]]
    for part, root in roots:
        for child in list(root):
            if any(etree.QName(k).localname == "durableId" and v in durable for k, v in child.attrib.items()):
                root.remove(child)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _reject_own_changes(pkg: _Package) -> int:
    """Reject policylint's pending tracked changes: deleted words come back,
    inserted words go, and a paragraph it inserted goes when nothing else is in it."""
    count = 0
    for root in pkg.roots.values():
        own = [el for el in root.iter(_INS, _DEL) if el.get(_AUTHOR) == AUTHOR]
        marks = [el for el in own if el.getparent() is not None and el.getparent().tag == _RPR]
        for el in own:
            if any(el is m for m in marks):
                continue
            count += 1
            if el.tag == _INS:
                _drop(el)
            else:
                for t in el.iter(_DELTEXT):
                    t.tag = _T
                for child in list(el):
                    el.addprevious(child)
                _drop(el)
        for mark in marks:
            count += 1
            p = _ancestor(mark, _P)
            if p is not None and not ParagraphText(p).text and p.find(f".//{_INS}") is mark:
                _drop(p)
            else:
                _drop(mark)
    return count


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def _ancestor(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


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
    if run is None or run.tag not in (_R, _M_R):
        raise _Unanchorable(f"text in <{etree.QName(run).localname if run is not None else '?'}>")
    content = [c for c in run if c.tag not in (_RPR, _M_RPR)]
    i = content.index(el)
    if k > 0:
        # The element's text now (an earlier split may have shortened it; the
        # offsets before that split are unchanged).
        text = (el.text or "") + "".join(child.tail or "" for child in el)
        right = run.makeelement(el.tag, dict(el.attrib))
        right.text = text[k:]
        right.set(_XML_SPACE, "preserve")
        for child in list(el):
            el.remove(child)
        el.text = text[:k]
        el.set(_XML_SPACE, "preserve")
        el.addnext(right)
        content.insert(i + 1, right)
        i += 1
    if i == 0:
        return
    new = run.makeelement(run.tag, dict(run.attrib))
    for props in run:
        if props.tag in (_RPR, _M_RPR):
            new.append(copy.deepcopy(props))
    for child in content[i:]:
        new.append(child)
    run.addnext(new)


def _unit(run: etree._Element) -> etree._Element:
    """What comment marks go around: the run, or for Office Math the whole
    equation (marks cannot sit inside m:oMath)."""
    unit = run
    while unit.getparent() is not None and str(unit.getparent().tag).startswith(f"{{{_M}}}"):
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
    return el.tag == _R and el.find(_REFERENCE) is not None


# -- the annotator ----------------------------------------------------------------


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


@dataclass
class _Change:
    finding: Finding
    where: _Range
    text: str
    first: etree._Element | None = None
    last: etree._Element | None = None
    wider: bool = False


@dataclass
class _Addition:
    finding: Finding
    after_block: int
    text: str
    heading: str | None
    heading_level: int | None


@dataclass
class Annotated:
    """What annotating one document did."""

    data: bytes
    comments: int = 0
    changes: int = 0
    additions: int = 0
    removed: int = 0  # earlier policylint comments replaced
    loose: list[str] = field(default_factory=list)  # findings not on their exact words


def annotate(wdoc, document: Document, findings: list[Finding], *, analysed=None, suggest: bool = False,
             now: dt.datetime | None = None, pkg: _Package | None = None) -> Annotated:
    """Write ``findings`` about ``document`` into ``wdoc`` (a python-docx
    Document of the same file) and return the new package's bytes. Earlier
    policylint comments and changes in ``wdoc`` are removed first.

    ``analysed`` (the engine's analysis of ``document``) gives sentence
    bounds for ``--suggest``; without it a replacement covers the block."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    pkg = pkg or _Package(wdoc)
    removed = remove_own(pkg).comments
    writer = _Writer(pkg, document, now)
    result = writer.run(findings, analysed, suggest)
    return dataclasses.replace(result, data=pkg.save(), removed=removed)


class _Writer:
    def __init__(self, pkg: _Package, document: Document, now: dt.datetime):
        self.pkg = pkg
        self.doc = document
        self.now = now
        self.stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._next_id: int | None = None  # for tracked changes, once the comments are made
        self.loose: list[str] = []
        self._proposed: set[str] = set()  # wording already proposed in this document

    # -- planning ------------------------------------------------------------------

    def _title_block(self) -> int:
        blocks = self.doc.blocks
        for role in (TITLE, HEADING):
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
            b = self._title_block()
        return _Range(b, 0, len(blocks[b].text)), False

    def _sentence(self, analysed, block: int, start: int, end: int) -> tuple[int, int]:
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
        level = b.level if b.role == HEADING and b.level else 0
        if b.role not in (HEADING, TITLE):  # a paragraph: the section it is in
            for i in range(block - 1, -1, -1):
                if blocks[i].role == HEADING and blocks[i].level:
                    return self._section_end(i)
            level = 0
        last = block
        for i in range(block + 1, len(blocks)):
            bi = blocks[i]
            if bi.location.part not in (None, "body"):
                break
            if bi.role == HEADING and (bi.level or 1) <= level:
                break
            last = i
        return last

    def _plan_suggestion(self, f: Finding, where: _Range, exact: bool, analysed,
                         changes: list[_Change], additions: list[_Addition]) -> None:
        for s in f.suggestions:
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
                    level = (anchor.level or 0) + 1 if anchor.role == HEADING else 1
                additions.append(_Addition(f, after, w.text, w.section, level))
                self._proposed.add(said)
                return
            return  # the first wording decides

    # -- writing ---------------------------------------------------------------------

    def run(self, findings: list[Finding], analysed, suggest: bool) -> Annotated:
        comments: list[_Comment] = []
        changes: list[_Change] = []
        additions: list[_Addition] = []
        for f in findings:
            where, exact = self._target(f)
            comments.append(_Comment(f, where, exact))
            if suggest:
                self._plan_suggestion(f, where, exact, analysed, changes, additions)
        # Resolve every paragraph before anything moves.
        paragraphs = {}
        for item in [*comments, *changes]:
            b = item.where.block
            if b not in paragraphs:
                paragraphs[b] = self.pkg.paragraph(self.doc.blocks[b].handle)
        anchor_points = {a.after_block: self.pkg.paragraph(self.doc.blocks[a.after_block].handle)
                         for a in additions}
        for block, p in paragraphs.items():
            items = [i for i in [*comments, *changes] if i.where.block == block]
            self._locate(block, p, items)
        written = 0
        for c in comments:
            if c.first is None:
                c.first, c.last = self._fallback(c)
                if c.first is None:
                    self.loose.append(f"{c.finding.code} {c.finding.name}: no place for the comment")
                    continue
                self.loose.append(f"{c.finding.code} {c.finding.name}: on the whole paragraph")
            if c.wider:
                self.loose.append(f"{c.finding.code} {c.finding.name}: on the whole equation")
            self._comment(c)
            written += 1
        done = sum(self._change(ch) for ch in changes if ch.first is not None and not ch.wider)
        added = self._add(additions, anchor_points)
        return Annotated(b"", written, done, added, loose=self.loose)

    def _locate(self, block: int, p: etree._Element | None, items: list) -> None:
        """Split the paragraph's runs at every boundary the items need and find
        each item's first and last run."""
        if p is None:
            return
        try:
            pt = ParagraphText(p)
            if pt.text != self.doc.blocks[block].text:
                raise _Unanchorable("the paragraph's text is not the text that was checked")
            bounds = set()
            for item in items:
                bounds.update(pt.raw_range(item.where.start, item.where.end))
            for raw in sorted(bounds, reverse=True):
                _split_before(pt, raw)
            pt = ParagraphText(p)
            assert pt.text == self.doc.blocks[block].text
            for item in items:
                item.first, item.last = _runs_for(pt, item.where.start, item.where.end)
                item.wider = item.first.tag != _R or item.last.tag != _R
        except _Unanchorable:
            for item in items:
                item.first = item.last = None

    def _fallback(self, c: _Comment) -> tuple[etree._Element | None, etree._Element | None]:
        """Whole paragraph of the finding's block, else the title."""
        for block in (c.where.block, self._title_block()):
            p = self.pkg.paragraph(self.doc.blocks[block].handle)
            if p is None:
                continue
            runs = [r for r in p.iter(_R) if _ancestor(r, _P) is p]
            if runs:
                return runs[0], runs[-1]
        return None, None

    def _new_id(self) -> str:
        """An id no comment, bookmark or change in the document uses."""
        if self._next_id is None:
            comments = _comments_part(self.pkg.wdoc)
            elements = [*self.pkg.all_elements(), *(comments.element.iter() if comments is not None else ())]
            self._next_id = 1 + max((int(v) for el in elements
                                     if (v := el.get(_ID)) is not None and v.isdigit()), default=0)
        self._next_id += 1
        return str(self._next_id - 1)

    def _comment(self, c: _Comment) -> None:
        f = c.finding
        lines = comment_text(f)
        home, where = self._home(c.first)
        if where:
            quoted = self.doc.blocks[c.where.block].text[c.where.start:c.where.end]
            lines.insert(1, f"In the {where}: \u201c{quoted}\u201d")
        comment = self.pkg.wdoc.comments.add_comment(text="", author=AUTHOR, initials=INITIALS)
        comment._comment_elm.date = self.now
        first = comment.paragraphs[0]
        first.add_run(lines[0]).bold = True
        for line in lines[1:]:
            comment.add_paragraph(line)
        cid = str(comment.comment_id)
        c.first.addprevious(_element(_RANGE_START, {_ID: cid}))
        end = _element(_RANGE_END, {_ID: cid})
        c.last.addnext(end)
        ref = _element(_R)
        rpr = _element(_RPR)
        rpr.append(_element(_w("rStyle"), {_w("val"): "CommentReference"}))
        ref.append(rpr)
        ref.append(_element(_REFERENCE, {_ID: cid}))
        if home is None:
            end.addnext(ref)
        elif home.tag == _P:
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
            if node.tag == _TXBX:
                box = node
            node = node.getparent()
        root = el.getroottree().getroot()
        if root.tag == _DOCUMENT:
            if box is None:
                return None, None
            run = _ancestor(box, _R)
            while run is not None and _ancestor(run, _TXBX) is not None:
                run = _ancestor(_ancestor(run, _TXBX), _R)
            return run, "text box"
        for tag, ref_tag, where in ((_FOOTNOTE, _FOOTNOTE_REF, "footnote"), (_ENDNOTE, _ENDNOTE_REF, "endnote")):
            note = el if el.tag == tag else _ancestor(el, tag)
            if note is not None:
                body = self.pkg.wdoc.element
                ref = next((r for r in body.iter(ref_tag) if r.get(_ID) == note.get(_ID)), None)
                if ref is not None and ref.getparent() is not None:
                    return ref.getparent(), where
                return self._title_paragraph(), where
        where = {_w("hdr"): "page header", _w("ftr"): "page footer"}.get(root.tag, "margin")
        return self._title_paragraph(), where

    def _title_paragraph(self) -> etree._Element | None:
        return self.pkg.paragraph(self.doc.blocks[self._title_block()].handle)

    def _tracked(self, tag: str) -> etree._Element:
        return _element(tag, {_ID: self._new_id(), _AUTHOR: AUTHOR, _w("date"): self.stamp})

    def _change(self, ch: _Change) -> int:
        first, last = ch.first, ch.last
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
            if el.tag == _R and (el.find(_FLDCHAR) is not None or el.find(_INSTR) is not None):
                return 0
        deletion = self._tracked(_DEL)
        first.addprevious(deletion)
        for el in seq:
            deletion.append(el)
        for t in deletion.iter(_T):
            t.tag = _DELTEXT
        # A comment's reference mark must not be deleted with the words, and
        # comments ending with the old words end before the new ones.
        after = deletion
        for ref in list(deletion.iter(_REFERENCE)):
            run = ref.getparent()
            after.addnext(run)
            after = run
        while after.getnext() is not None and (after.getnext().tag == _RANGE_END
                                                or _is_reference_run(after.getnext())):
            after = after.getnext()
        if ch.text:
            insertion = self._tracked(_INS)
            run = _element(_R)
            props = first.find(_RPR)
            if props is not None:
                run.append(copy.deepcopy(props))
            t = _element(_T)
            t.text = ch.text
            t.set(_XML_SPACE, "preserve")
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
            while top.getparent() is not None and top.getparent().tag != _BODY:
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
        p = _element(_P)
        ppr = _element(_PPR)
        if style:
            ppr.append(_element(_PSTYLE, {_w("val"): style}))
        rpr = _element(_RPR)
        rpr.append(self._tracked(_INS))
        ppr.append(rpr)
        p.append(ppr)
        insertion = self._tracked(_INS)
        run = _element(_R)
        t = _element(_T)
        t.text = text
        t.set(_XML_SPACE, "preserve")
        run.append(t)
        insertion.append(run)
        p.append(insertion)
        return p

    def _style_of(self, block: int) -> str | None:
        p = self.pkg.paragraph(self.doc.blocks[block].handle)
        style = p.find(f"{_PPR}/{_PSTYLE}") if p is not None else None
        return style.get(_w("val")) if style is not None else None

    def _body_style(self, last: int) -> str | None:
        """The style of the last plain paragraph up to ``last``."""
        for i in range(last, -1, -1):
            b = self.doc.blocks[i]
            if b.role == PARAGRAPH and b.location.part in (None, "body") and b.cell is None:
                return self._style_of(i)
            if b.role in (HEADING, TITLE):
                break
        return None

    def _heading_style(self, level: int | None) -> str | None:
        headings = [(b.level or 9, i) for i, b in enumerate(self.doc.blocks) if b.role == HEADING]
        if not headings:
            return None
        exact = [i for lvl, i in headings if lvl == level]
        return self._style_of(exact[0] if exact else min(headings)[1])


def _boundary(x: str, i: int) -> bool:
    return i <= 0 or i >= len(x) or not (x[i - 1].isalnum() and x[i].isalnum())


def _diff(old: str, new: str) -> tuple[int, int, str] | None:
    """The smallest whole-word change turning ``old`` into ``new``:
    ``(start, end, replacement)`` in ``old``; None if they are equal. The
    deleted part is never empty."""
    if old == new:
        return None
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    while p > 0 and not (_boundary(old, p) and _boundary(new, p)):
        p -= 1
    q = 0
    while q < min(len(old), len(new)) - p and old[-1 - q] == new[-1 - q]:
        q += 1
    while q > 0 and not (_boundary(old, len(old) - q) and _boundary(new, len(new) - q)):
        q -= 1
    a, b = p, len(old) - q
    if a == b:  # a pure insertion: take in the word before (or after) it
        if a > 0:
            a = len(old[:a].rstrip())
            a = a - len(re.search(r"\S*$", old[:a]).group())
            p = a
        else:
            b = b + len(re.match(r"\s*\S*", old[b:]).group())
            q = len(old) - b
    return a, b, new[p:len(new) - q]


# -- files -----------------------------------------------------------------------


@dataclass
class FileOutcome:
    source: Path
    output: Path | None = None
    written: Annotated | None = None
    findings: list[Finding] = field(default_factory=list)  # what the comments are about
    skipped: str | None = None  # nothing written, and why (not an error)
    error: str | None = None


def reviewed_name(source: Path) -> Path:
    return source.with_name(f"{source.stem}{REVIEWED}{source.suffix}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def plan_outputs(paths: list[Path], output: Path | None, config=None) -> list[tuple[Path, Path]]:
    """(input, output) pairs. A folder gives every document in it; a folder
    run writes into ``output`` keeping sub-folders, else beside each input.
    Reviewed copies in a folder are not inputs."""
    from policylint.run import discover

    pairs: list[tuple[Path, Path]] = []
    many = len(paths) > 1 or any(p.is_dir() for p in paths)
    out_dir = output if output is not None and (many or output.is_dir() or str(output).endswith(("/", "\\"))) \
        else None
    for root in paths:
        files = discover([root], config)[0] if root.is_dir() else [root]
        for f in files:
            if root.is_dir() and f.stem.endswith(REVIEWED):
                continue
            if out_dir is not None and root.is_dir() and _inside(f, out_dir):
                continue
            if out_dir is not None:
                rel = f.relative_to(root) if root.is_dir() else Path(f.name)
                pairs.append((f, out_dir / rel))
            elif output is not None:
                pairs.append((f, output))
            else:
                pairs.append((f, reviewed_name(f)))
    return pairs


def _output_problem(target: Path, inputs: list[Path]) -> str | None:
    """Why ``target`` must not be written (it is an input, or exists and is
    not a regular file: a device, a FIFO, a folder), or None."""
    from policylint.io import OutputError, check_output

    try:
        check_output(target, inputs)
    except OutputError as exc:
        return str(exc)
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.resolve() in path.resolve().parents
    except OSError:
        return False


NOT_WORD = ("no reviewed copy for {fmt} files yet: nothing written. "
            "See the findings with `policylint check {path}` (text output) or `policylint report`.")


def annotate_file(source: Path, target: Path, options, engine, *, suggest: bool = False, force: bool = False,
                  now: dt.datetime | None = None) -> FileOutcome:
    """Annotate one file into ``target``; never writes ``source``."""
    from policylint.io import write_atomic
    from policylint.readers import format_of

    from policylint.readers import UNSUPPORTED_HINTS

    out = FileOutcome(source)
    fmt = format_of(source)
    if fmt is None:
        hint = UNSUPPORTED_HINTS.get(source.suffix.lower(), "not a format policylint reads")
        out.skipped = f"not annotated: {hint}"
        return out
    if fmt != "docx":
        what = {"pdf": "PDF", "markdown": "Markdown", "text": "text"}.get(fmt, fmt)
        out.skipped = NOT_WORD.format(fmt=what, path=source)
        return out
    if source.suffix.lower() != ".docx":
        out.error = (f"cannot annotate a {source.suffix} file (macro-enabled or template); "
                     "save it as .docx and annotate that")
        return out
    if _same_file(source, target):
        out.error = f"refusing to write over the input {source}: choose another output (-o)"
        return out
    problem = _output_problem(target, [source])
    if problem:
        out.error = problem
        return out
    if target.exists() and not force:
        out.error = f"{target} exists: use --force to replace it"
        return out
    try:
        written, found = _annotate_docx(source, options, engine, suggest, now)
    except AnnotateError as exc:
        out.error = str(exc)
        return out
    except Exception as exc:  # a bug must not stop a folder run
        out.error = f"internal error while annotating: {type(exc).__name__}: {exc} (please report this file)"
        return out
    write_atomic(target, written.data)
    out.output, out.written, out.findings = target, written, found
    return out


def _annotate_docx(source: Path, options, engine, suggest: bool, now) -> tuple[Annotated, list[Finding]]:
    import docx

    from policylint.run import check_document, read_and_classify

    doc, _, findings = read_and_classify(source, options)
    if doc is None:
        reasons = "; ".join(f.message for f in findings) or "unreadable"
        raise AnnotateError(f"cannot annotate {source}: {reasons}")
    try:
        wdoc = docx.Document(io.BytesIO(source.read_bytes()))
    except Exception as exc:  # python-docx refuses what Word would repair
        raise AnnotateError(f"cannot annotate {source}: python-docx cannot open it "
                            f"({type(exc).__name__}: {exc}); open it in Word and save it again") from exc
    pkg = _Package(wdoc)
    cleanup = remove_own(pkg)
    if cleanup.changes:
        # Earlier suggestions were rejected in memory: check the text as it now is.
        doc, findings = _reread(pkg, source, options)
    analysed, found = check_document(doc, findings, options, engine)
    result = annotate(wdoc, doc, found, analysed=analysed, suggest=suggest, now=now, pkg=pkg)
    return dataclasses.replace(result, removed=cleanup.comments), found


def _reread(pkg: _Package, source: Path, options) -> tuple[Document, list[Finding]]:
    """Read the in-memory package as if it were ``source`` (same name, same
    configured kind)."""
    from policylint.classify import classify
    from policylint.readers import read_document
    from policylint.run import reader_finding

    data = pkg.save()
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / source.name
        copy_path.write_bytes(data)
        doc = read_document(copy_path, options.limits)
    doc = dataclasses.replace(doc, path=str(source))
    findings = [reader_finding(str(source), pr.code, pr.message, None, pr.location) for pr in doc.problems]
    configured = options.config.kind_for(source) if options.kind is None else None
    doc = classify(doc, *configured) if configured else classify(doc, options.kind)
    return doc, findings


def annotate_paths(paths: list[Path], output: Path | None, options, engine=None, *, suggest: bool = False,
                   force: bool = False, now: dt.datetime | None = None,
                   progress: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    from policylint.run import make_engine

    pairs = plan_outputs(paths, output, options.config)
    now = now or dt.datetime.now(dt.timezone.utc)  # one date for every comment of the run
    outcomes = []
    # Every input, not only each target's own: `annotate a/x.docx b/x.docx -o a/ --force`
    # would otherwise write b's copy over the input a/x.docx.
    inputs = [*(s for s, _ in pairs), *([options.config.path] if options.config.path else [])]
    for source, target in pairs:
        problem = _output_problem(target, inputs)
        if problem:
            outcome = FileOutcome(source, error=problem)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
            continue
        if engine is None and source.suffix.lower() == ".docx":
            engine = make_engine(options)
        outcome = annotate_file(source, target, options, engine, suggest=suggest, force=force, now=now)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


# -- command line ------------------------------------------------------------------
