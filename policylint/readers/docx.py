"""DOCX reader: a Word package (.docx, .docm, .dotx, .dotm) to a ``Document``.

How the file is opened
----------------------
The zip directory is checked against ``Limits`` first (declared sizes and
compression ratios only, nothing is inflated). The reader then follows the
OPC relationships itself -- ``_rels/.rels`` to the main document part, its
relationships to the styles, header, footer, footnote and endnote parts --
and parses only those XML parts, each with an lxml parser that loads no DTD,
resolves no entity (an entity reference contributes no text), never touches
the network and keeps libxml2's size and depth guards (no ``huge_tree``).
One size guard is lifted, for a part that needs it: a text node (or an
attribute value, a comment) over libxml2's 10,000,000 bytes is valid Word --
a long text pasted as one run -- so a part libxml2 refused for that alone is
parsed again with ``huge_tree``, if it is UTF-8 and has no document type
declaration (nothing in it can declare an entity, whatever libxml2 version
checks entity expansion under ``huge_tree``), and its nesting is held to the
same 256 levels. The byte and paragraph limits (below) apply before either
parse.
Members are inflated in bounded chunks, and only if stored or deflated.
While reading, ``policylint.limits.PackageGuard`` counts the bytes actually
inflated against the same limits, refuses a part with more paragraph start
tags than ``limits.max_blocks`` before parsing it, and checks the time limit
before each part and between paragraphs.

python-docx's ``Document()`` is deliberately not used to open the file: it
refuses macro-enabled and template content types, loads every part eagerly
(one missing image or one bad CRC in a theme makes the whole file
unreadable), has no API for footnotes and endnotes and cannot open Strict
OOXML. Each of those would need a fallback that is itself this OPC walk.

Strict OOXML (ISO/IEC 29500 Strict namespaces) is read by renaming the Strict
WordprocessingML, relationship and math namespaces of each parsed part to
their Transitional equivalents.

What becomes a block
--------------------
One block per ``w:p`` with text, in this order: the body (paragraphs, table
cells including nested tables -- every ``w:tc`` once, so merged cells are not
repeated -- content controls, tracked insertions and move destinations;
deletions and move sources are left out), then each distinct header part,
then each distinct footer part, referenced by any section, then footnotes
and endnotes. A text box (``w:txbxContent``) is read from the first
``mc:Choice`` of an ``mc:AlternateContent``, never from its VML fallback, and
its paragraphs follow the paragraph that anchors it. Field instructions,
deleted text and ruby guides (``w:rt``) are not text; field results are (a
field's begin/separate/end state is tracked within one paragraph, so a broken
field hides no more than the rest of its paragraph). Office Math text counts.
Runs of tabs (``w:tab``, ``w:ptab`` or a tab character) become one space;
``w:br``/``w:cr`` a space; ``w:sym`` its character unless it is a
private-use (symbol font) code point.

Roles: style "Title" -> Role.TITLE; style "heading N" / style id ``HeadingN`` /
``w:outlineLvl`` (direct or from the style chain) -> Role.HEADING; numbering
(direct or from the style chain) or a style named "List ..." -> Role.LIST_ITEM;
otherwise Role.TABLE_CELL, Role.TEXTBOX or Role.PARAGRAPH after the innermost container.
Header, footer and note paragraphs always get Role.HEADER, Role.FOOTER, Role.FOOTNOTE or
Role.ENDNOTE.

Heuristic headings: only in a document with no styled heading at all, a body
paragraph outside tables and text boxes whose text runs are all bold, with at
most 12 words, starting with no lower-case letter and not ending in
``. , ; : ! ?``, becomes a level-3 heading -- and only when neither the body
block before nor the one after is such a paragraph too (a run of short bold
lines is a form or a list of emphasised statements, not a heading).

``Block.section``: the texts of the body headings in force above a body block
(for a heading, its parents); header, footer and note blocks have ``()``.
``Document.title``: the first Role.TITLE block, else the core-properties title
(unless it is a file name such as "Normal.dot"), else the first heading.

Not read (reported as PL007 problems, ``complete=False``): ``w:altChunk``
(embedded HTML/RTF), ``w:subDoc`` links, and header, footer, note or styles
parts that are missing or malformed. Comments and the glossary part
(building blocks) are not document text.

Directives: a Word comment whose text starts ``policylint: ignore
NAME-OR-CODE[, NAME-OR-CODE...]`` (then optionally a dash or colon and a
reason) becomes a ``Directive`` (origin "word-comment") over the words it is
anchored to: the blocks holding its ``w:commentRangeStart`` and
``w:commentRangeEnd``, and their offsets in those blocks' text (computed by the
same walk that builds the text). An anchor outside any text counts from the
next block's start (a range start) or the last block's end (a range end); a
comment with no range covers the block holding its reference. The comments
part is found through the main part's relationships and parsed like the
others.

Handles
-------
``Block.handle`` is ``(partname, index)``: ``partname`` is the OPC part name
(``"/word/document.xml"``, ``"/word/header1.xml"``, ...) and ``index`` the
position of the paragraph's element in ``list(root.iter(qn("w:p")))`` over
that part's root element. That is the same list python-docx gives for
``part.element``, so an annotator opening the file with python-docx finds the
paragraph again. In a Strict document ``w:`` stands for the Strict namespace.
``ParagraphText(p)`` gives a paragraph's block text with the element each
character came from, for a writer that must find the runs holding a span.
"""

from __future__ import annotations

import bisect
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote

from lxml import etree

from policylint.document import Block, Directive, Document, Limits, Location, Problem, ReadError, Role
from policylint.limits import PackageGuard
from policylint.limits import hint as limit_hint

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_DC = "http://purl.org/dc/elements/1.1/"

_STRICT_PREFIX = "{http://purl.oclc.org/ooxml/"
_STRICT_TO_TRANSITIONAL = {
    "http://purl.oclc.org/ooxml/wordprocessingml/main": _W,
    "http://purl.oclc.org/ooxml/officeDocument/relationships": _R,
    "http://purl.oclc.org/ooxml/officeDocument/math": _M,
}


def _w(local: str) -> str:
    return f"{{{_W}}}{local}"


_DOCUMENT, _BODY, _P, _R_RUN, _T = _w("document"), _w("body"), _w("p"), _w("r"), _w("t")
_TBL, _TXBX, _ALTCHUNK, _SUBDOC = _w("tbl"), _w("txbxContent"), _w("altChunk"), _w("subDoc")
_TR, _TC = _w("tr"), _w("tc")
_PPR, _RPR, _PSTYLE, _RSTYLE = _w("pPr"), _w("rPr"), _w("pStyle"), _w("rStyle")
_B, _VAL, _TYPE = _w("b"), _w("val"), _w("type")
_OUTLINE, _NUMPR, _NUMID = _w("outlineLvl"), _w("numPr"), _w("numId")
_SECTPR, _HEADERREF, _FOOTERREF = _w("sectPr"), _w("headerReference"), _w("footerReference")
_FOOTNOTE, _ENDNOTE = _w("footnote"), _w("endnote")
_FLDCHAR, _FLDCHARTYPE, _SYM, _CHAR = _w("fldChar"), _w("fldCharType"), _w("sym"), _w("char")
_R_ID = f"{{{_R}}}id"
_ID = _w("id")
_COMMENT, _COMMENT_START, _COMMENT_END = _w("comment"), _w("commentRangeStart"), _w("commentRangeEnd")
_COMMENT_MARKS = {_COMMENT_START: "start", _COMMENT_END: "end", _w("commentReference"): "reference"}
_MATH_T = f"{{{_M}}}t"
_AC, _CHOICE, _FALLBACK = f"{{{_MC}}}AlternateContent", f"{{{_MC}}}Choice", f"{{{_MC}}}Fallback"

_TAB_MARK = "\t"
# Empty elements that stand for a character: tabs (collapsed later), breaks, hyphens.
_CHARACTERS = {_w("tab"): _TAB_MARK, _w("ptab"): _TAB_MARK, _w("br"): " ", _w("cr"): " ",
               _w("noBreakHyphen"): "-"}
_PROPS = {_PPR, _RPR, _SECTPR, _w("tblPr"), _w("tblGrid"), _w("trPr"), _w("tcPr"),
          _w("sdtPr"), _w("sdtEndPr")}
# Elements whose content is never text: deletions, move sources, markup-compatibility
# fallbacks (a copy of the Choice), properties, field instructions, ruby guides.
_SKIP_BLOCK = _PROPS | {_w("del"), _w("moveFrom"), _FALLBACK}
_SKIP_INLINE = _SKIP_BLOCK | {_w("delText"), _w("instrText"), _w("delInstrText"), _w("rt"),
                              _w("rubyPr")}

_TAB_RUN = re.compile(r"\t+")
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " "})
_HEADING_NAME = re.compile(r"heading\s*([1-9])")
_HEADING_ID = re.compile(r"heading([1-9])", re.IGNORECASE)
_LIST_NAME = re.compile(r"list\b")
_OFF = {"0", "false", "off", "none"}
_HEADER_ORDER = {"default": 0, "first": 1, "even": 2}
_FILE_NAME = re.compile(r".+\.(?:docx?|docm|dot[xm]?|rtf)", re.IGNORECASE)
# A reviewer's decision written as a Word comment: "policylint: ignore PL305, other-rule - reason".
_IGNORE = re.compile(r"\s*policylint\s*:\s*ignore\b\s*:?(.*)", re.IGNORECASE | re.DOTALL)
_IGNORE_RULES = re.compile(r"\s*([A-Za-z0-9][\w-]*(?:\s*,\s*[A-Za-z0-9][\w-]*)*)")
_IGNORE_SEPARATOR = re.compile(r"^\s*[-\u2013\u2014:]?\s*")
_CODE = re.compile(r"pl\d+", re.IGNORECASE)
_HEURISTIC_LEVEL = 3
_HEURISTIC_MAX_WORDS = 12

_CHUNK = 1 << 20
_XML_SIZE_GUARD = 10_000_000  # bytes: libxml2's longest text node, attribute value... without huge_tree
_XML_MAX_DEPTH = 256  # libxml2's nesting limit without huge_tree (2048 with it)
# libxml2's words for a size guard ("Text node too long, try XML_PARSE_HUGE", "huge text node",
# "AttValue length too long", "Comment too big found") and for its depth guard, which also names
# XML_PARSE_HUGE and is not lifted. readers/__init__.py knows the depth message.
_XML_SIZE_ERROR = re.compile(r"huge|resource limit|too long|too big", re.IGNORECASE)
_XML_TOO_DEEP = "Excessive depth in document"
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]*)""")
_UTF8_BOM = b"\xef\xbb\xbf"
_RATIO_MIN_BYTES = 1 << 20
_STYLE_CHAIN_MAX = 32
_READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0

_HINT = "open it in Word and save it again"
_NOT_WORD_HINT = "check the file; save it from Word as DOCX"
_OTHER_PACKAGES = (
    ("spreadsheetml", "an Excel workbook"),
    ("ms-excel", "an Excel workbook"),
    ("presentationml", "a PowerPoint presentation"),
    ("ms-powerpoint", "a PowerPoint presentation"),
    ("thememanager", "an Office theme"),
    ("visio", "a Visio drawing"),
)


_T_ = TypeVar("_T_")


class _DamagedPart(Exception):
    """A part that is missing, malformed or stored in a way Word never writes."""


# What reading one part can raise on a damaged file.
_PART_ERRORS = (_DamagedPart, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                OSError, ValueError)


def read(path: Path, limits: Limits) -> Document:
    """Read a Word package; raise ``ReadError`` if it cannot be read at all."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_directory(zf.infolist(), limits)
            return _Reader(_Package(zf, limits), limits).read(path)
    except ReadError:
        raise
    except _DamagedPart as exc:
        raise ReadError("PL001", f"corrupt DOCX: {exc}", _HINT) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # OSError: a bad seek
        raise ReadError("PL001", f"corrupt or truncated DOCX: {exc}", _HINT) from exc
    except NotImplementedError as exc:  # zip features no Word package uses
        raise ReadError("PL001", f"corrupt DOCX: unsupported zip feature ({exc})", _HINT) from exc
    except Exception as exc:  # whatever else a malformed file provokes
        raise ReadError("PL001", f"unreadable DOCX ({type(exc).__name__}: {exc})", _HINT) from exc


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a zip whose directory declares too much data (a zip bomb)."""
    total = 0
    for info in infos:
        size = info.file_size
        if size > limits.max_part_bytes:
            raise ReadError("PL005", f"zip member {info.filename!r} inflates to {size:,} bytes, "
                            f"over the limit of {limits.max_part_bytes:,}", limit_hint("max_part_bytes"))
        if size > _RATIO_MIN_BYTES and size > limits.max_compression_ratio * info.compress_size:
            ratio = size / max(info.compress_size, 1)
            raise ReadError("PL005", f"zip member {info.filename!r} has a compression ratio of "
                            f"{ratio:,.0f}, over the limit of {limits.max_compression_ratio:,.0f}",
                            limit_hint("max_compression_ratio"))
        total += size
    if total > limits.max_total_bytes:
        raise ReadError("PL005", f"zip members inflate to {total:,} bytes, over the limit of "
                        f"{limits.max_total_bytes:,}", limit_hint("max_total_bytes"))


def _parser(huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=huge_tree,
                           load_dtd=False)


def _parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if not _only_too_long(data, exc):
            raise
        root = etree.fromstring(data, _parser(huge_tree=True))
        _check_depth(root)
    if isinstance(root.tag, str) and root.tag.startswith(_STRICT_PREFIX):
        _strict_to_transitional(root)
    return root


def _only_too_long(data: bytes, exc: etree.XMLSyntaxError) -> bool:
    """Whether libxml2 refused a part only for holding a text node (or an
    attribute value, a comment) over its 10,000,000-byte guard, and the part
    can be parsed again with the guard lifted: it is UTF-8 and declares no
    DTD. ``huge_tree`` also lifts libxml2's check on entity expansion in
    some versions; a part with no DTD has no entity to expand."""
    message = str(exc)
    return (len(data) > _XML_SIZE_GUARD and _XML_TOO_DEEP not in message
            and _XML_SIZE_ERROR.search(message) is not None and _utf8_without_dtd(data))


def _utf8_without_dtd(data: bytes) -> bool:
    """Whether a part is UTF-8, as Word writes every part (so its bytes can
    be searched for markup), and has no document type declaration. A part
    starting with a nul byte or declaring another encoding is not searched:
    it could spell ``<!DOCTYPE`` in bytes that do not say so."""
    head = data.removeprefix(_UTF8_BOM)
    if not head.startswith(b"<") or head[1:2] in (b"", b"\0"):
        return False  # UTF-16 or UTF-32
    declared = _XML_ENCODING.match(head)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return False
    return b"<!DOCTYPE" not in data


def _check_depth(root: etree._Element) -> None:
    """Hold a tree parsed with ``huge_tree`` to the nesting limit libxml2
    keeps without it (the reader's walks recurse), raising libxml2's own
    error, which the caller reports as a limit."""
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > _XML_MAX_DEPTH:
            raise etree.XMLSyntaxError(f"{_XML_TOO_DEEP}: {_XML_MAX_DEPTH}", None, 0, 0)


def _strict_to_transitional(root: etree._Element) -> None:
    """Rename Strict namespaces to Transitional ones, in place."""

    def renamed(name: str) -> str:
        if not name.startswith(_STRICT_PREFIX):
            return name
        ns, _, local = name[1:].partition("}")
        target = _STRICT_TO_TRANSITIONAL.get(ns)
        return f"{{{target}}}{local}" if target else name

    for el in root.iter(etree.Element):
        el.tag = renamed(el.tag)
        for key, value in list(el.attrib.items()):
            new_key = renamed(str(key))
            if new_key != key:
                del el.attrib[key]
                el.set(new_key, value)


@dataclass(frozen=True)
class _Rel:
    type: str
    target: str  # absolute part name


class _Package:
    """The OPC package in an open zip: parts read on demand."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits | None = None):
        self._zf = zf
        # Limits enforced while reading (policylint.limits): bytes inflated, paragraphs, time.
        self.guard = PackageGuard(limits) if limits is not None else None
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            self._members.setdefault(info.filename.replace("\\", "/").lower(), info)

    def has(self, partname: str) -> bool:
        return self._find(partname) is not None

    def _find(self, partname: str) -> zipfile.ZipInfo | None:
        name = partname.lstrip("/").lower()
        return self._members.get(name) or self._members.get(unquote(name))

    def read(self, partname: str) -> bytes:
        info = self._find(partname)
        if info is None:
            raise _DamagedPart(f"part {partname} is missing from the package")
        if info.flag_bits & _ZIP_ENCRYPTED:
            raise _DamagedPart(f"part {partname} is encrypted with a zip password, which Word "
                               "never does")
        if info.compress_type not in _READABLE_COMPRESSION:
            raise _DamagedPart(f"part {partname} uses zip compression method "
                               f"{info.compress_type}, which Word does not write")
        chunks = []
        size = 0
        with self._zf.open(info) as fh:  # bounded reads: never inflates more than declared
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                if self.guard is not None:
                    self.guard.inflated(partname, size, chunk)
                chunks.append(chunk)
        return b"".join(chunks)

    def xml(self, partname: str) -> etree._Element:
        data = self.read(partname)
        if self.guard is not None:
            self.guard.before_parse(partname, data)
        try:
            return _parse(data)
        except etree.XMLSyntaxError as exc:
            raise _DamagedPart(f"part {partname} is not well-formed XML ({exc})") from exc

    def rels(self, partname: str) -> dict[str, _Rel]:
        """Internal relationships of a part ("/" for the package), by id."""
        folder, name = posixpath.split(partname)
        rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
        if not self.has(rels_name):
            return {}
        out: dict[str, _Rel] = {}
        for rel in self.xml(rels_name).iter(f"{{{_PKG_RELS}}}Relationship"):
            target = rel.get("Target")
            if not target or rel.get("TargetMode") == "External":
                continue
            resolved = posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = _Rel(rel.get("Type", ""), "/" + resolved.lstrip("/"))
        return out

    def content_type(self, partname: str) -> str | None:
        if not self.has("/[Content_Types].xml"):
            return None
        root = self.xml("/[Content_Types].xml")
        for override in root.iter(f"{{{_CONTENT_TYPES}}}Override"):
            if override.get("PartName", "").lower() == partname.lower():
                return override.get("ContentType")
        ext = posixpath.splitext(partname)[1].lstrip(".").lower()
        for default in root.iter(f"{{{_CONTENT_TYPES}}}Default"):
            if default.get("Extension", "").lower() == ext:
                return default.get("ContentType")
        return None

    def kind(self) -> str:
        """What a zip with no main document is, for a message."""
        if self.has("/mimetype") and self.read("/mimetype").startswith(
                b"application/vnd.oasis.opendocument"):
            return "an OpenDocument (ODF) package"
        if self.has("/[Content_Types].xml"):
            return "an Office package with no main document"
        return "a plain zip archive, not an Office package"


def _by_type(rels: dict[str, _Rel], suffix: str) -> list[_Rel]:
    return [rel for rel in rels.values() if rel.type.endswith(suffix)]


def _onoff(el: etree._Element | None) -> bool | None:
    if el is None:
        return None
    return el.get(_VAL, "true").lower() not in _OFF


def _val(parent: etree._Element | None, tag: str) -> str | None:
    """The w:val of ``parent``'s child ``tag``, if both exist."""
    child = parent.find(tag) if parent is not None else None
    return child.get(_VAL) if child is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Style:
    name: str  # lower case
    based_on: str | None
    outline: int | None
    num_id: str | None
    bold: bool | None


class _Styles:
    """The style definitions that decide headings, lists and bold."""

    def __init__(self, root: etree._Element | None = None):
        self.by_id: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        self.default_bold: bool | None = None
        if root is None:
            return
        defaults = root.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_RPR}")
        if defaults is not None:
            self.default_bold = _onoff(defaults.find(_B))
        for style in root.iter(_w("style")):
            sid = style.get(_w("styleId"))
            if sid is None:
                continue
            ppr = style.find(_PPR)
            rpr = style.find(_RPR)
            self.by_id[sid] = _Style(
                name=(_val(style, _w("name")) or "").lower(),
                based_on=_val(style, _w("basedOn")),
                outline=_int(_val(ppr, _OUTLINE)),
                num_id=_val(ppr.find(_NUMPR) if ppr is not None else None, _NUMID),
                bold=_onoff(rpr.find(_B)) if rpr is not None else None,
            )
            if style.get(_TYPE) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
                self.default_paragraph = sid

    def _chain(self, sid: str | None) -> Iterator[_Style]:
        seen: set[str] = set()
        while sid is not None and sid not in seen and len(seen) < _STYLE_CHAIN_MAX:
            seen.add(sid)
            style = self.by_id.get(sid)
            if style is None:
                return
            yield style
            sid = style.based_on

    def _inherited(self, sid: str | None, get: Callable[[_Style], _T_ | None]) -> _T_ | None:
        """The first value set along the basedOn chain of style ``sid``."""
        return next((v for style in self._chain(sid) if (v := get(style)) is not None), None)

    def paragraph_style(self, p: etree._Element) -> str | None:
        return _val(p.find(_PPR), _PSTYLE) or self.default_paragraph

    def classify(self, p: etree._Element, sid: str | None) -> tuple[str | None, int | None]:
        """(Role.TITLE | Role.HEADING | Role.LIST_ITEM | None, heading level) for a body paragraph."""
        style = self.by_id.get(sid) if sid else None
        name = style.name if style else ""
        if name == "title" or sid == "Title":
            return Role.TITLE, None
        match = _HEADING_NAME.fullmatch(name) or _HEADING_ID.fullmatch(sid or "")
        if match:
            return Role.HEADING, int(match.group(1))
        ppr = p.find(_PPR)
        direct = ppr.find(_OUTLINE) if ppr is not None else None
        outline = (_int(direct.get(_VAL)) if direct is not None
                   else self._inherited(sid, lambda s: s.outline))
        if outline is not None and 0 <= outline < 9:  # 9 is "body text"
            return Role.HEADING, outline + 1
        num = ppr.find(f"{_NUMPR}/{_NUMID}") if ppr is not None else None
        num_id = num.get(_VAL) if num is not None else self._inherited(sid, lambda s: s.num_id)
        if num_id not in (None, "0") or _LIST_NAME.match(name):
            return Role.LIST_ITEM, None
        return None, None

    def run_bold(self, run: etree._Element, sid: str | None) -> bool:
        rpr = run.find(_RPR)
        if rpr is not None:
            direct = _onoff(rpr.find(_B))
            if direct is not None:
                return direct
            bold = self._inherited(_val(rpr, _RSTYLE), lambda s: s.bold)
            if bold is not None:
                return bold
        bold = self._inherited(sid, lambda s: s.bold)
        return bold if bold is not None else bool(self.default_bold)


@dataclass(frozen=True)
class _Where:
    """The part being walked."""

    part: str  # Location.part
    partname: str
    index: dict[etree._Element, int]  # w:p element -> handle index
    fixed_role: str | None = None  # Role.HEADER, Role.FOOTER, Role.FOOTNOTE, Role.ENDNOTE


@dataclass
class _Inline:
    """What one paragraph's content gave."""

    pieces: list[str] = field(default_factory=list)
    sources: list[etree._Element] = field(default_factory=list)  # the element of each piece
    runs: list[etree._Element] = field(default_factory=list)  # runs whose text elements gave text
    boxes: list[etree._Element] = field(default_factory=list)
    fields: list[bool] = field(default_factory=list)  # open fields: True once past "separate"
    marks: list[Mark] = field(default_factory=list)  # comment anchors, at raw offsets
    length: int = 0  # characters so far

    def visible(self) -> bool:
        return all(self.fields)

    def add(self, text: str, source: etree._Element) -> None:
        """Add the text that element ``source`` stands for, unless it is inside a
        field instruction."""
        if self.visible():
            self.pieces.append(text)
            self.sources.append(source)
            self.length += len(text)
            if source.tag in (_T, _MATH_T) and text.strip():
                self.runs.append(source.getparent())

    def mark(self, el: etree._Element) -> None:
        self.marks.append(Mark(_COMMENT_MARKS[el.tag], el.get(_ID, ""), self.length))

    def field_char(self, kind: str | None) -> None:
        if kind == "begin":
            self.fields.append(False)
        elif kind == "separate" and self.fields:
            self.fields[-1] = True
        elif kind == "end" and self.fields:
            self.fields.pop()

    def text(self) -> str:
        return _block_text("".join(self.pieces))


def _block_text(raw: str) -> str:
    """A block's text from the characters of its paragraph."""
    return _TAB_RUN.sub(" ", raw.translate(_LINE_BREAKS)).strip()


def _text_spans(raw: str) -> tuple[str, list[int], list[int]]:
    """``_block_text(raw)`` with, for each of its characters, the raw
    ``[start, end)`` it came from (a run of tabs is one character)."""
    flat = raw.translate(_LINE_BREAKS)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for tabs in [*_TAB_RUN.finditer(flat), None]:
        stop = tabs.start() if tabs is not None else len(flat)
        chars.extend(flat[pos:stop])
        starts.extend(range(pos, stop))
        ends.extend(range(pos + 1, stop + 1))
        if tabs is not None:
            chars.append(" ")
            starts.append(tabs.start())
            ends.append(tabs.end())
            pos = tabs.end()
    joined = "".join(chars)
    lead = len(joined) - len(joined.lstrip())
    text = joined.strip()
    return text, starts[lead:lead + len(text)], ends[lead:lead + len(text)]


@dataclass(frozen=True)
class Piece:
    """The characters one element of a paragraph adds to its raw text: a
    ``w:t``/``m:t`` its text, a ``w:tab``, ``w:br``, ``w:sym``... one character."""

    text: str
    element: etree._Element
    start: int  # offset in ParagraphText.raw

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Mark:
    """A comment anchor met in a paragraph: ``kind`` is "start", "end" or
    "reference", ``id`` the comment's w:id, ``offset`` a raw offset."""

    kind: str
    id: str
    offset: int


class ParagraphText:
    """A paragraph's text exactly as the reader builds its ``Block.text``, with
    the element each character came from. The annotator uses it to find the
    runs that hold a span of block text; both go through the same walk, so they
    cannot disagree."""

    def __init__(self, p: etree._Element):
        inline = _Inline()
        _walk_inline(p, inline, None)
        self.raw = "".join(inline.pieces)
        pieces, at = [], 0
        for text, source in zip(inline.pieces, inline.sources):
            pieces.append(Piece(text, source, at))
            at += len(text)
        self.pieces: tuple[Piece, ...] = tuple(pieces)
        self.text, self._starts, self._ends = _text_spans(self.raw)
        assert self.text == inline.text()

    def raw_range(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` of block text ``[start, end)`` (``end > start``)."""
        return self._starts[start], self._ends[end - 1]

    def piece_at(self, raw: int) -> Piece | None:
        """The piece holding raw character ``raw``."""
        for piece in self.pieces:
            if piece.start <= raw < piece.end:
                return piece
        return None


def _walk_inline(el: etree._Element, out: _Inline,
                 unread: Callable[[str], None] | None) -> None:
    """Paragraph content, in document order; text boxes are set aside.
    ``unread(tag)`` is told of content that is not read (a linked subdocument)."""
    for child in el:
        tag = child.tag
        if tag in (_T, _MATH_T):
            out.add(_text_of(child), child)
        elif tag in _CHARACTERS:
            out.add(_CHARACTERS[tag], child)
        elif tag == _SYM:
            out.add(_sym(child), child)
        elif tag == _FLDCHAR:
            out.field_char(child.get(_FLDCHARTYPE))
        elif tag == _TXBX:
            out.boxes.append(child)
        elif tag in _COMMENT_MARKS:
            out.mark(child)
        elif tag == _AC:
            branch = _branch(child)
            if branch is not None:
                _walk_inline(branch, out, unread)
        elif tag == _SUBDOC:
            if unread is not None:
                unread(tag)
        elif isinstance(tag, str) and tag not in _SKIP_INLINE:
            _walk_inline(child, out, unread)


@dataclass
class _Item:
    text: str
    role: str
    level: int | None
    part: str
    handle: tuple[str, int]
    bold_candidate: bool = False
    cell: tuple[int, int, int] | None = None


def _text_of(t: etree._Element) -> str:
    """A text element's characters; entity references add nothing."""
    if len(t) == 0:
        return t.text or ""
    return (t.text or "") + "".join(child.tail or "" for child in t)


def _sym(el: etree._Element) -> str:
    code = _int_hex(el.get(_CHAR))
    if code is None or 0xE000 <= code <= 0xF8FF or 0xD800 <= code <= 0xDFFF:
        return ""  # symbol-font private-use code points and junk carry no text
    if code < 0x20 or code > 0x10FFFF:
        return ""
    return chr(code)


def _int_hex(value: str | None) -> int | None:
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def _branch(ac: etree._Element) -> etree._Element | None:
    """The branch of an mc:AlternateContent to read: the first Choice, else the Fallback."""
    return ac.find(_CHOICE) if ac.find(_CHOICE) is not None else ac.find(_FALLBACK)


def _looks_like_heading(text: str) -> bool:
    return (len(text.split()) <= _HEURISTIC_MAX_WORDS and text[-1] not in ".,;:!?"
            and not text[0].islower() and any(c.isalpha() for c in text))


class _Reader:
    """Walks the parts of one package into blocks."""

    def __init__(self, package: _Package, limits: Limits):
        self.pkg = package
        self.limits = limits
        self.items: list[_Item] = []
        self._tables = 0  # tables seen so far, for cell coordinates
        self._cell: tuple[int, int, int] | None = None
        self.problems: dict[str, Problem] = {}
        self.styles = _Styles()
        # Comment anchors by comment id and kind: (item index, offset in its text).
        self.anchors: dict[str, dict[str, tuple[int, int]]] = {}
        self._pending: list[Mark] = []  # anchors waiting for the next block with text

    def read(self, path: Path) -> Document:
        main = next((rel.target for rel in _by_type(self.pkg.rels("/"), "/officeDocument")), None)
        if main is None:
            raise ReadError("PL008", f"not a Word document: it is {self.pkg.kind()}",
                            _NOT_WORD_HINT)
        content_type = (self.pkg.content_type(main) or "").lower()
        for marker, what in _OTHER_PACKAGES:
            if marker in content_type:
                raise ReadError("PL008", f"not a Word document: it is {what} package",
                                _NOT_WORD_HINT)
        root = self.pkg.xml(main)
        if root.tag != _DOCUMENT:
            raise ReadError("PL008", "not a Word document: its main part is "
                            f"<{etree.QName(root).localname}>, not <w:document>", _NOT_WORD_HINT)
        rels = self.pkg.rels(main)
        for rel in _by_type(rels, "/styles")[:1]:
            styles = self._part(rel.target, "styles")
            if styles is not None:
                self.styles = _Styles(styles)
        body = root.find(_BODY)
        if body is not None:
            self._walk(body, _Where("body", main, _index(root)), Role.PARAGRAPH)
            self._headers_footers(body, rels)
        for suffix, part, role in (("/footnotes", "footnote", Role.FOOTNOTE),
                                   ("/endnotes", "endnote", Role.ENDNOTE)):
            for rel in _by_type(rels, suffix)[:1]:
                self._notes(rel.target, part, role)
        blocks = self._finish()
        directives: tuple[Directive, ...] = ()
        for rel in _by_type(rels, "/comments")[:1]:
            directives = self._directives(rel.target, blocks)
        return Document(path=str(path), format="docx", blocks=blocks,
                        title=self._title(blocks), problems=tuple(self.problems.values()),
                        complete=not self.problems, directives=directives)

    # -- parts ---------------------------------------------------------------

    def _part(self, partname: str, what: str) -> etree._Element | None:
        """Parse a secondary part; a damaged one is a problem, not a failure."""
        try:
            return self.pkg.xml(partname)
        except _PART_ERRORS as exc:
            self._problem(f"{what} part {partname} could not be read "
                          f"({type(exc).__name__}: {exc})", what)
            return None

    def _headers_footers(self, body: etree._Element, rels: dict[str, _Rel]) -> None:
        """Each distinct header part of every section, then each footer part."""
        found: dict[str, list[str]] = {"header": [], "footer": []}
        for sect in body.iter(_SECTPR):
            for part, tag in (("header", _HEADERREF), ("footer", _FOOTERREF)):
                refs = sorted(sect.iter(tag), key=lambda r: _HEADER_ORDER.get(r.get(_TYPE, ""), 3))
                for ref in refs:
                    rel = rels.get(ref.get(_R_ID, ""))
                    if rel is None:
                        self._problem(f"a {part} reference has no relationship", part)
                    elif rel.target not in found[part]:
                        found[part].append(rel.target)
        for part, role in (("header", Role.HEADER), ("footer", Role.FOOTER)):
            for partname in found[part]:
                root = self._part(partname, part)
                if root is not None:
                    self._walk(root, _Where(part, partname, _index(root), role), role)

    def _notes(self, partname: str, part: str, role: str) -> None:
        """Footnotes or endnotes, without the separator pseudo-notes."""
        root = self._part(partname, part)
        if root is None:
            return
        where = _Where(part, partname, _index(root), role)
        for note in root:
            if note.tag in (_FOOTNOTE, _ENDNOTE) and note.get(_TYPE) in (None, "normal"):
                self._walk(note, where, role)

    # -- content -------------------------------------------------------------

    def _walk(self, container: etree._Element, where: _Where, role: str) -> None:
        """Block-level content: paragraphs, tables, content controls, ..."""
        for child in container:
            tag = child.tag
            if tag == _P:
                self._paragraph(child, where, role)
            elif tag == _TBL:
                self._table(child, where)
            elif tag == _TXBX:
                self._walk(child, where, Role.TEXTBOX)
            elif tag == _AC:
                branch = _branch(child)
                if branch is not None:
                    self._walk(branch, where, role)
            elif tag in (_ALTCHUNK, _SUBDOC):
                self._unread(tag, where.part)
            elif tag in _COMMENT_MARKS:
                self._loose_marks([Mark(_COMMENT_MARKS[tag], child.get(_ID, ""), 0)])
            elif isinstance(tag, str) and tag not in _SKIP_BLOCK:
                self._walk(child, where, role)

    def _table(self, tbl: etree._Element, where: _Where) -> None:
        """Rows and cells, recording each cell's (table, row, column); a cell
        spanning grid columns advances the column count by its span."""
        self._tables += 1
        number, outer = self._tables - 1, self._cell
        rows = [tr for tr in tbl.iter(_TR) if _ancestor_table(tr) is tbl]
        for row, tr in enumerate(rows):
            col = 0
            for tc in tr.iter(_TC):
                if _ancestor_row(tc) is not tr:
                    continue
                self._cell = (number, row, col)
                self._walk(tc, where, Role.TABLE_CELL)
                span = tc.find(f"{_w('tcPr')}/{_w('gridSpan')}")
                col += (_int(span.get(_VAL)) or 1) if span is not None else 1
        self._cell = outer

    def _paragraph(self, p: etree._Element, where: _Where, role: str) -> None:
        inline = _Inline()
        _walk_inline(p, inline, lambda tag: self._unread(tag, where.part))
        text = inline.text()
        if text:
            self._emit(p, text, inline, where, role)
            if inline.marks or self._pending:
                self._place_marks(inline)
        elif inline.marks:
            self._loose_marks(inline.marks)
        for box in inline.boxes:
            self._walk(box, where, Role.TEXTBOX)

    def _emit(self, p: etree._Element, text: str, inline: _Inline, where: _Where,
              role: str) -> None:
        if self.pkg.guard is not None:
            self.pkg.guard.check_time("while reading paragraphs")
        if len(self.items) >= self.limits.max_blocks:
            raise ReadError("PL005", f"more than {self.limits.max_blocks:,} paragraphs",
                            limit_hint("max_blocks"))
        level = None
        candidate = False
        if where.fixed_role is not None:
            role = where.fixed_role
        else:
            sid = self.styles.paragraph_style(p)
            kind, level = self.styles.classify(p, sid)
            if kind is not None:
                role = kind
            elif role == Role.PARAGRAPH and _looks_like_heading(text):
                candidate = bool(inline.runs) and all(
                    run.tag == _R_RUN and self.styles.run_bold(run, sid) for run in inline.runs)
        self.items.append(_Item(text, role, level, where.part,
                                (where.partname, where.index[p]), candidate,
                                self._cell if role == Role.TABLE_CELL else None))

    # -- comments --------------------------------------------------------------

    def _place_marks(self, inline: _Inline) -> None:
        """Comment anchors of the block just emitted, and those waiting for it."""
        item = len(self.items) - 1
        for mark in self._pending:
            self.anchors.setdefault(mark.id, {}).setdefault(mark.kind, (item, 0))
        self._pending.clear()
        if not inline.marks:
            return
        _, starts, _ = _text_spans("".join(inline.pieces))
        for mark in inline.marks:
            offset = bisect.bisect_left(starts, mark.offset)
            self.anchors.setdefault(mark.id, {}).setdefault(mark.kind, (item, offset))

    def _loose_marks(self, marks: list[Mark]) -> None:
        """Anchors outside any text: a start belongs to the next block, an end
        to the end of the last one."""
        for mark in marks:
            if mark.kind == "end" and self.items:
                item = len(self.items) - 1
                self.anchors.setdefault(mark.id, {}).setdefault(
                    "end", (item, len(self.items[item].text)))
            elif mark.kind != "end":
                self._pending.append(mark)

    def _directives(self, partname: str, blocks: tuple[Block, ...]) -> tuple[Directive, ...]:
        """Word comments that say ``policylint: ignore NAME-OR-CODE``, as
        directives over the words they are anchored to."""
        root = self._part(partname, "comments")
        if root is None:
            return ()
        out = []
        for comment in root.iter(_COMMENT):
            parsed = _parse_ignore(_comment_text(comment))
            anchors = self.anchors.get(comment.get(_ID, ""))
            if parsed is None or not anchors:
                continue
            rules, reason = parsed
            start = anchors.get("start")
            end = anchors.get("end")
            if start is None or end is None or end < start:
                # No range: the comment covers the block its reference (or lone mark) is in.
                block = (start or end or anchors["reference"])[0]
                first, last, first_at, last_at = block, block, None, None
            else:
                (first, first_at), (last, last_at) = start, end
            out.append(Directive(rules=rules, first_block=first, last_block=last,
                                 location=blocks[first].locate(first_at or 0),
                                 start=first_at, end=last_at, origin="word-comment",
                                 reason=reason))
        return tuple(out)

    def _unread(self, tag: str, part: str) -> None:
        what = "embedded chunk of another format (w:altChunk)" if tag == _ALTCHUNK \
            else "linked subdocument (w:subDoc)"
        self._problem(f"{what} not read", part)

    def _problem(self, message: str, part: str) -> None:
        self.problems.setdefault(message, Problem("PL007", message, Location(part=part)))

    # -- finishing -----------------------------------------------------------

    def _finish(self) -> tuple[Block, ...]:
        """Apply heuristic headings, section chains and locations."""
        items = self.items
        if not any(item.role == Role.HEADING for item in items):
            body = [item for item in items if item.part == "body"]
            flags = [False, *(item.bold_candidate for item in body), False]
            for i, item in enumerate(body, start=1):
                if flags[i] and not flags[i - 1] and not flags[i + 1]:
                    item.role, item.level = Role.HEADING, _HEURISTIC_LEVEL
        blocks = []
        chain: list[tuple[int, str]] = []
        for number, item in enumerate(items, start=1):
            section: tuple[str, ...] = ()
            if item.part == "body":
                if item.role == Role.HEADING and item.level is not None:
                    chain = [(lvl, t) for lvl, t in chain if lvl < item.level]
                    section = tuple(t for _, t in chain)
                    chain.append((item.level, item.text))
                else:
                    section = tuple(t for _, t in chain)
            location = Location(paragraph=number, part=item.part)
            blocks.append(Block(text=item.text, role=item.role, location=location,
                                level=item.level, section=section, anchors=((0, location),),
                                cell=item.cell, handle=item.handle))
        return tuple(blocks)

    def _title(self, blocks: tuple[Block, ...]) -> str | None:
        first_title = next((b.text for b in blocks if b.role == Role.TITLE), None)
        if first_title:
            return first_title
        core = self._core_title()
        if core:
            return core
        return next((b.text for b in blocks if b.role == Role.HEADING), None)

    def _core_title(self) -> str | None:
        for rel in _by_type(self.pkg.rels("/"), "/core-properties")[:1]:
            try:
                title = self.pkg.xml(rel.target).find(f"{{{_DC}}}title")
            except _PART_ERRORS:
                return None  # metadata only: the text was read
            text = (title.text or "").strip() if title is not None else ""
            if text and not _FILE_NAME.fullmatch(text):  # "Normal.dot" is no title
                return text
        return None


def _ancestor_table(el: etree._Element) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != _TBL:
        parent = parent.getparent()
    return parent


def _ancestor_row(el: etree._Element) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != _TR:
        parent = parent.getparent()
    return parent


def _index(root: etree._Element) -> dict[etree._Element, int]:
    return {p: i for i, p in enumerate(root.iter(_P))}


def _comment_text(comment: etree._Element) -> str:
    """A comment's paragraphs, one a line, empty ones left out."""
    lines = []
    for p in comment.iter(_P):
        inline = _Inline()
        _walk_inline(p, inline, None)
        if text := inline.text():
            lines.append(text)
    return "\n".join(lines)


def _parse_ignore(text: str) -> tuple[tuple[str, ...], str] | None:
    """``(rules, reason)`` of a comment starting ``policylint: ignore``, else
    None. Rules are codes (upper case) or names (lower case); none means all.
    Word capitalises a comment's first letter and turns " - " into a dash, so
    case and the dash are free."""
    match = _IGNORE.match(text)
    if match is None:
        return None
    first, _, rest = match.group(1).partition("\n")
    rules: tuple[str, ...] = ()
    found = _IGNORE_RULES.match(first)
    if found is not None:
        names = (n.strip().rstrip("-") for n in found.group(1).split(","))
        rules = tuple(n.upper() if _CODE.fullmatch(n) else n.lower() for n in names if n)
        first = first[found.end():]
    reason = " ".join(part for part in (_IGNORE_SEPARATOR.sub("", first, count=1).strip(),
                                        " ".join(rest.split())) if part)
    return rules, reason
