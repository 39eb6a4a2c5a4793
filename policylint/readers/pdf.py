"""PDF reader: text lines from pypdfium2, grouped into blocks.

PDFium gives each page's text in content order with a line break between
visual lines; this module measures each line (box, size, weight) from a few
sample characters, then groups lines into headings, paragraphs and list
items, and picks out running headers, footers and page numbers. Every pdfium
object is closed as soon as its page is done, so memory stays flat.
"""

from __future__ import annotations

import ctypes
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from policylint.document import (
    FOOTER,
    HEADER,
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    TITLE,
    Block,
    Document,
    Limits,
    Location,
    Problem,
    ReadError,
)

# Line breaks in PDFium's page text; U+FFFE is a hyphen PDFium found at a line end.
_BREAK = re.compile(r"\r\n|[\r\n\ufffe]")
_HYPHEN = "\ufffe"
_BULLET = re.compile(r"[•◦▪▫●○■□‣⁃∙·\-–—*](?=\s)\s*|(?:\(?[a-z]\)|\d{1,3}[.)])\s+", re.IGNORECASE)
_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"(?:page\s*)?[-–(]?\s*(?:\d+|{_ROMAN})\s*[-–)]?(?:\s*(?:of|/)\s*\d+)?", re.IGNORECASE
)
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibold", re.IGNORECASE)
_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad]")
_GARBAGE = re.compile(r"[\ufffd\ue000-\uf8ff\ud800-\udfff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TRAILING_HYPHEN = re.compile(r"\w-$")
_SENTENCE_END = (".", "!", "?", ":", ";")

_GARBAGE_SHARE = 0.3  # more replacement/private-use chars than this: page unreadable
_EDGE_LINES = 2  # lines at the top and at the bottom that may be header/footer
_REPEAT_SHARE = 0.6  # a header/footer is on at least this share of the text pages
_REPEAT_MIN = 3
_HEADING_RATIO = 1.15  # line size over body size that makes a heading
_SIZE_CHANGE = 0.15
_MAX_HEADING_WORDS = 30
_MAX_BOLD_HEADING_WORDS = 12
_MAX_LEVEL = 6

_HINT_CORRUPT = "open it in a PDF viewer and save or export it again"
_HINT_PASSWORD = "remove the password (save an unprotected copy) and lint that copy"


@dataclass(frozen=True)
class _Line:
    """One visual line of a page. Coordinates are in a frame where the text
    runs left to right and y grows up the page."""

    text: str
    page: int
    number: int  # 1-based, within the page
    top: float
    bottom: float
    left: float
    size: float  # height of the font's box, a stand-in for the font size
    bold: bool
    hyphen: bool  # ended in a line-end hyphen PDFium marked

    @property
    def height(self) -> float:
        return max(self.size, 1.0)


@dataclass
class _Group:
    """Lines that make one block before roles are decided."""

    lines: list[_Line]
    marker: int = 0  # length of the list marker stripped from the first line
    role: str = PARAGRAPH
    level: int | None = None

    @property
    def size(self) -> float:
        return statistics.median(line.size for line in self.lines)

    @property
    def last(self) -> _Line:
        return self.lines[-1]


def read(path: Path, limits: Limits) -> Document:
    """Read a PDF into a Document; raise ReadError if it cannot be read at all."""
    started = time.monotonic()
    pages: list[list[_Line]] = []
    problems: list[Problem] = []
    pdf = _open(path)
    try:
        count = len(pdf)
        if count > limits.max_pages:
            raise ReadError("PL005", f"PDF has {count:,} pages, over the limit of {limits.max_pages:,}",
                            "raise max-pages in the configuration if this file is genuine")
        for index in range(count):
            if time.monotonic() - started > limits.timeout_seconds:
                raise ReadError("PL005", f"reading took longer than {limits.timeout_seconds:g} s "
                                f"(stopped at page {index + 1} of {count})",
                                "raise timeout-seconds in the configuration, or split the file")
            lines, problem = _read_page(pdf, index)
            pages.append(lines)
            if problem:
                problems.append(problem)
    finally:
        pdf.close()
    blocks = _build(pages)
    if len(blocks) > limits.max_blocks:
        raise ReadError("PL005", f"PDF has {len(blocks):,} blocks, over the limit of {limits.max_blocks:,}",
                        "raise max-blocks in the configuration if this file is genuine")
    title = next((b.text for b in blocks if b.role == TITLE), None)
    return Document(path=str(path), format="pdf", blocks=tuple(blocks), title=title, pages=len(pages),
                    problems=tuple(problems), complete=not problems)


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path, password="")
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD or "password" in str(exc).lower():
            raise ReadError("PL003", "password protected PDF", _HINT_PASSWORD) from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise ReadError("PL003", "PDF uses an unsupported encryption or rights management",
                            _HINT_PASSWORD) from None
        raise ReadError("PL001", f"corrupt or truncated PDF: {exc}", _HINT_CORRUPT) from None
    except OSError as exc:
        raise ReadError("PL001", f"cannot open file: {exc.strerror or exc}") from None


def _read_page(pdf: pdfium.PdfDocument, index: int) -> tuple[list[_Line], Problem | None]:
    """Lines of one page, or the problem that stopped them being read."""
    number = index + 1
    page = textpage = None
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        if _garbled(raw):
            return [], Problem("PL007", f"page {number} text is not extractable (font has no unicode map)",
                               Location(page=number))
        lines = _page_lines(textpage, raw, number, page.get_rotation())
        if not lines and _has_image(page):
            return [], Problem("PL004", f"page {number} has no text layer — run OCR first", Location(page=number))
        return lines, None
    except Exception as exc:  # a broken page must not stop the others being read
        return [], Problem("PL007", f"page {number} could not be read: {exc}", Location(page=number))
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()


def _garbled(raw: str) -> bool:
    """Whether too many characters are replacement, private-use or control codes."""
    chars = sum(map(len, raw.split())) - raw.count(_HYPHEN)
    return chars > 0 and len(_GARBAGE.findall(raw)) > _GARBAGE_SHARE * chars


def _has_image(page: pdfium.PdfPage) -> bool:
    return next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), None) is not None


def _clean(text: str) -> str:
    """Drop control characters and soft hyphens, expand ligatures."""
    return _CONTROL.sub("", text.replace("\t", " ")).translate(_LIGATURES).strip()


_Box = tuple[float, float, float, float]  # left, bottom, right, top


def _page_lines(textpage: pdfium.PdfTextPage, raw: str, page: int, rotation: int) -> list[_Line]:
    """The visual lines of a page in reading order, measured in a frame where
    the page's text runs left to right and lines go down the page."""
    measured: list[tuple[str, list[_Box], bool, bool]] = []
    start = 0
    for end, sep in [(m.start(), m.group()) for m in _BREAK.finditer(raw)] + [(len(raw), "")]:
        segment = raw[start:end]
        text = _clean(segment)
        if text:
            first = start + len(segment) - len(segment.lstrip())
            last = start + len(segment.rstrip()) - 1
            boxes, bold = _measure(textpage, (first, (first + last) // 2, last))
            if boxes:
                measured.append((text, boxes, bold, sep == _HYPHEN))
        start = end + len(sep)
    turns = rotation // 90 % 4
    turns += _text_turns([[_turn(box, turns) for box in boxes] for _, boxes, _, _ in measured])
    turned = [[_turn(box, turns) for box in boxes] for _, boxes, _, _ in measured]
    tops = [max(t for *_, t in boxes) for boxes in turned]
    order = list(range(len(measured)))
    if sum(1 for above, below in pairwise(tops) if below > above) > (len(tops) - 1) / 2:
        order.reverse()  # PDFium listed the lines bottom-up
    lines = []
    for number, i in enumerate(order, 1):
        text, _, bold, hyphen = measured[i]
        boxes = turned[i]
        lines.append(_Line(text, page, number, tops[i], min(b for _, b, *_ in boxes), boxes[0][0],
                           statistics.median(t - b for _, b, _, t in boxes), bold, hyphen))
    return lines


def _measure(textpage: pdfium.PdfTextPage, positions: tuple[int, ...]) -> tuple[list[_Box], bool]:
    """Boxes of a few characters of a line, and whether they are all bold."""
    boxes = []
    bold = True
    rect = pdfium_c.FS_RECTF()
    for position in positions:
        index = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, position)
        if index >= 0 and pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect):
            boxes.append((rect.left, rect.bottom, rect.right, rect.top))
            bold = bold and _is_bold(textpage, index)
    return boxes, bold


def _turn(box: _Box, turns: int) -> _Box:
    """``box`` turned clockwise by ``turns`` quarter turns (about the origin)."""
    left, bottom, right, top = box
    for _ in range(turns % 4):
        left, bottom, right, top = bottom, -right, top, -left
    return left, bottom, right, top


def _text_turns(lines: list[list[_Box]]) -> int:
    """Quarter turns that make most lines run left to right, judged from the
    first and last character of each line."""
    votes = [0, 0, 0, 0]
    for boxes in lines:
        if len(boxes) > 1:
            dx = (boxes[-1][0] + boxes[-1][2] - boxes[0][0] - boxes[0][2]) / 2
            dy = (boxes[-1][1] + boxes[-1][3] - boxes[0][1] - boxes[0][3]) / 2
            if abs(dx) >= abs(dy):
                votes[0 if dx >= 0 else 2] += 1
            else:
                votes[1 if dy > 0 else 3] += 1
    return votes.index(max(votes))


def _is_bold(textpage: pdfium.PdfTextPage, index: int) -> bool:
    """Bold by the font's weight or, when PDFium has no usable weight, its name."""
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    if 100 <= weight <= 1000:
        return weight >= 600
    name = ctypes.create_string_buffer(128)
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), None)
    return bool(_BOLD_NAME.search(name.value.decode("latin-1")))


def _build(pages: list[list[_Line]]) -> list[Block]:
    """Blocks of a document from its pages' lines."""
    sizes = [(line.size, len(line.text)) for lines in pages for line in lines]
    body_size = _weighted_median(sizes) if sizes else 0.0
    edges = _edges(pages, body_size)
    body = [[line for line in lines if line not in edges] for lines in pages]
    bold_share = sum(len(line.text) for lines in body for line in lines if line.bold) / max(
        1, sum(len(line.text) for lines in body for line in lines))
    gap = _paragraph_gap(body)
    groups: list[_Group] = []
    emitted: set[str] = set()
    for lines in pages:
        previous: _Line | None = None
        for line in lines:
            role = edges.get(line)
            if role is None:
                _add_line(groups, line, previous, gap)
                previous = line
            elif role and _edge_key(line.text) not in emitted:
                emitted.add(_edge_key(line.text))
                groups.append(_Group([line], role=role))
    _classify(groups, body_size, bold_headings=bold_share < 0.5)
    return _blocks(groups)


def _edge_key(text: str) -> str:
    """What a running header or footer has in common from page to page."""
    return " ".join(re.sub(r"\d+", "#", text.lower()).split())


def _edges(pages: list[list[_Line]], body_size: float) -> dict[_Line, str]:
    """Lines at the top or bottom of a page that are page numbers (role "")
    or running headers and footers (role HEADER or FOOTER): the same text,
    digits aside, at the same height on most pages, and not heading-sized.

    Works inwards from each edge: the next line in is looked at only when
    the lines outside it were page numbers, headers or footers."""
    needed = max(_REPEAT_MIN, _REPEAT_SHARE * sum(1 for lines in pages if lines))
    edges: dict[_Line, str] = {}
    for _ in range(_EDGE_LINES):
        candidates: dict[_Line, str] = {}
        seen: dict[tuple[str, str], list[_Line]] = {}
        for lines in pages:
            by_top = sorted(lines, key=lambda line: -line.top)
            for where, ordered in ((HEADER, by_top), (FOOTER, by_top[::-1])):
                line = next((line for line in ordered if line not in edges), None)
                if line is not None and line not in candidates:
                    candidates[line] = where
                    seen.setdefault((where, _edge_key(line.text)), []).append(line)
        found = {}
        for line, where in candidates.items():
            if _PAGE_NUMBER.fullmatch(line.text):
                found[line] = ""
            elif line.size < _HEADING_RATIO * body_size and _repeats(line, seen[where, _edge_key(line.text)], needed):
                found[line] = where
        if not found:
            break
        edges.update(found)
    return edges


def _repeats(line: _Line, same: list[_Line], needed: float) -> bool:
    """Whether ``line`` is on enough pages at about the same height."""
    return sum(1 for other in same if abs(other.top - line.top) <= line.height) >= needed


def _weighted_median(values: list[tuple[float, int]]) -> float:
    values = sorted(values)
    half = sum(weight for _, weight in values) / 2
    total = 0
    for value, weight in values:
        total += weight
        if total >= half:
            return value
    return values[-1][0]


def _paragraph_gap(pages: list[list[_Line]]) -> float:
    """Space between two lines, in line heights, above which a new block starts.

    Taken from the tighter line pairs of the document (lines inside a
    paragraph), clamped so that a gap of half a line never splits a block
    and a gap of a whole line always does."""
    ratios = sorted(
        (above.bottom - below.top) / above.height
        for lines in pages
        for above, below in pairwise(lines)
        if _same_size(above, below) and -0.5 < (above.bottom - below.top) / above.height < 3
    )
    if len(ratios) < 4:
        return 0.7
    return min(max(ratios[len(ratios) // 4] + 0.35, 0.5), 1.0)


def _same_size(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) <= _SIZE_CHANGE * max(a.size, b.size)


def _add_line(groups: list[_Group], line: _Line, previous: _Line | None, gap: float) -> None:
    """Append a body line to the last block, or start a new block with it."""
    marker = _BULLET.match(line.text)
    if marker and marker.end() < len(line.text):
        groups.append(_Group([line], marker=marker.end(), role=LIST_ITEM))
        return
    last = next((g for g in reversed(groups) if g.role in (PARAGRAPH, LIST_ITEM)), None)
    if last is not None and _continues(last, line, previous, gap):
        last.lines.append(line)
    else:
        groups.append(_Group([line]))


def _continues(group: _Group, line: _Line, previous: _Line | None, gap: float) -> bool:
    """Whether ``line`` goes on the block ``group`` ends."""
    end = group.last
    if not _same_size(end, line) or end.bold != line.bold:
        return False
    if previous is None:  # first line of a page: carry on only a sentence cut by the page break
        return (end.page == line.page - 1 and not end.text.endswith(_SENTENCE_END)
                and line.text[:1].islower())
    if previous is not end or line.top > end.top:
        return False
    if (end.bottom - line.top) / end.height > gap:
        return False
    indented = line.left - end.left > 0.8 * end.height  # a first-line indent after a full stop
    return group.role == LIST_ITEM or not (indented and end.text.endswith(_SENTENCE_END))


def _classify(groups: list[_Group], body_size: float, bold_headings: bool) -> None:
    """Mark headings (by size, or bold short lines) and the title."""
    headings = []
    for group in groups:
        if group.role not in (PARAGRAPH, LIST_ITEM):
            continue
        text = " ".join(line.text for line in group.lines)
        words = len(text.split())
        if not any(c.isalpha() for c in text):
            continue
        large = body_size > 0 and group.size >= _HEADING_RATIO * body_size and words <= _MAX_HEADING_WORDS
        bold = (bold_headings and all(line.bold for line in group.lines) and len(group.lines) <= 2
                and words <= _MAX_BOLD_HEADING_WORDS and not text.endswith("."))
        if large or bold:
            group.role, group.marker = HEADING, 0
            headings.append(group)
    ranks: list[float] = []
    for size in sorted((g.size for g in headings), reverse=True):
        if not ranks or size < ranks[-1] * (1 - _SIZE_CHANGE / 3):
            ranks.append(size)
    for group in headings:
        group.level = min(_MAX_LEVEL, 1 + sum(1 for rank in ranks if group.size < rank * (1 - _SIZE_CHANGE / 3)))
    first = headings[0] if headings else None
    if first is not None and first.lines[0].page == 1 and first.level == 1:
        first.role = TITLE


def _blocks(groups: list[_Group]) -> list[Block]:
    """Blocks from groups, each with the chain of headings above it."""
    blocks: list[Block] = []
    chain: list[tuple[int, str]] = []
    for group in groups:
        text, anchors = _join(group)
        section = tuple(title for _, title in chain)
        level = group.level if group.role in (HEADING, TITLE) else None
        if level is not None:
            chain = [(n, title) for n, title in chain if n < level]
            section = tuple(title for _, title in chain)
            chain.append((level, text))
        elif group.role in (HEADER, FOOTER):
            section = ()
        blocks.append(Block(text=text, role=group.role, location=anchors[0][1], level=level,
                            section=section, anchors=tuple(anchors)))
    return blocks


def _join(group: _Group) -> tuple[str, list[tuple[int, Location]]]:
    """Text of a block and one anchor per line. A line ending in a hyphen
    joins the next without a space; the hyphen is kept, as PDFium cannot tell
    a word split by hyphenation from a compound word ("full-time")."""
    text = ""
    anchors: list[tuple[int, Location]] = []
    previous: _Line | None = None
    for line in group.lines:
        part, column = line.text, 1
        if previous is None and group.marker:
            part, column = part[group.marker:], 1 + group.marker
        if previous is not None and previous.hyphen:
            text += "-"
        elif previous is not None and not _TRAILING_HYPHEN.search(previous.text):
            text += " "
        anchors.append((len(text), Location(page=line.page, line=line.number, column=column)))
        text += part
        previous = line
    return text, anchors
