"""PDF reader: text lines from pypdfium2, grouped into blocks.

PDFium gives each page's text in content order with a line break between
visual lines; this module measures each line (box, size, weight) from a few
sample characters, then groups lines into headings, paragraphs and list
items, and picks out running headers, footers and page numbers. Every pdfium
object is closed as soon as its page is done, so memory stays flat.

Only what a reader sees is text. A line is left out when its sample
characters are too small to read (a glyph box under 4 pt), entirely outside
the page box, not painted (text render mode 3 or 7, or fully transparent) or
painted white -- unless something is drawn behind it: invisible text over an
image is a scan's OCR layer (the text of the picture), white text over a
coloured box or a picture is seen. Hidden lines neither become blocks nor
count towards the body text size that headings are measured against, and a
line counts there by the characters its width can show, so text drawn over
itself weighs no more than the line it is in. Judged per line, from its
first and last characters: a line that mixes seen and hidden characters is
kept whole.

Limits: the page count is checked before any page is read, the time limit
between pages. Pages that give no text are reported, grouped by reason with
their page numbers (and, when several failed, the pages that were read):
image-only pages (PL004, "run OCR first"), fonts with no unicode map, pages
PDFium cannot load, pages lost in a file whose cross-reference table had to
be rebuilt, and pages PDFium shows blank although they have a content stream
that cannot be read (checked with pdfminer, for blank pages only) -- PL007,
``complete=False``. A truncated file says so.
"""

from __future__ import annotations

import bisect
import ctypes
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from policylint.document import Block, Document, Limits, Location, Problem, ReadError, Role
from policylint.limits import Deadline, hint

# Line breaks in PDFium's page text; U+FFFE is a hyphen PDFium found at a line end.
_BREAK_SPLIT = re.compile(r"(\r\n|[\r\n\ufffe])")
_HYPHEN = "\ufffe"
_BULLET = re.compile(r"[•◦▪▫●○■□‣⁃∙·\-–—*](?=\s)\s*|(?:\(?[a-z]\)|\d{1,3}[.)])\s+", re.IGNORECASE)
_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"(?:page\s*)?[-–(]?\s*(?:\d+|{_ROMAN})\s*[-–)]?(?:\s*(?:of|/)\s*\d+)?", re.IGNORECASE
)
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibold", re.IGNORECASE)
_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad]")
# Anything _clean changes besides surrounding space (line breaks aside): a page without it skips _clean.
_DIRTY = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\ufb00-\ufb06]")
_ASCII_DIRTY = bytes([*range(0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_GARBAGE = re.compile(r"[\ufffd\ue000-\uf8ff\ud800-\udfff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_GARBAGE = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
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

_MIN_READABLE = 4.0  # points: a glyph box smaller than this both ways cannot be read
_WHITE_LEVEL = 245  # a colour whose channels (0-255) are all at least this is white on paper
_UNPAINTED_MODES = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP})
_STROKED_MODES = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_STROKE, pdfium_c.FPDF_TEXTRENDERMODE_STROKE_CLIP})
_FILLED_AND_STROKED_MODES = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE,
                                       pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP})
_CHARS_PER_HEIGHT = 8  # more characters than this per line height of width are drawn over each other
_BACKDROP_GRID = 128  # cells a page is divided into, each way, to find what is drawn behind text

_TAIL_BYTES = 4096  # where a complete PDF has its %%EOF marker
_IMAGE_DEPTH = 3  # form XObjects looked into for a scanned page's image
_MAX_PAGE_NUMBER_CHARS = 40  # longer lines are never page numbers (and would be slow to match)

_HINT_CORRUPT = "open it in a PDF viewer and save or export it again"
_HINT_PASSWORD = "remove the password (save an unprotected copy) and lint that copy"


@dataclass(slots=True, eq=False)
class _Line:
    """One visual line of a page. Coordinates are in a frame where the text
    runs left to right and y grows up the page. Lines compare and hash by
    identity: each is one place on one page. Never changed once made."""

    text: str
    page: int
    number: int  # 1-based, within the page
    top: float
    bottom: float
    left: float
    size: float  # height of the font's box, a stand-in for the font size
    bold: bool
    hyphen: bool  # ended in a line-end hyphen PDFium marked
    weight: int  # characters a reader can see: the length, at most what the line's extent holds
    height: float = 0.0  # the size, at least 1: what gaps are measured in

    def __post_init__(self) -> None:
        self.height = max(self.size, 1.0)


@dataclass
class _Group:
    """Lines that make one block before roles are decided."""

    lines: list[_Line]
    marker: int = 0  # length of the list marker stripped from the first line
    role: str = Role.PARAGRAPH
    level: int | None = None

    @property
    def size(self) -> float:
        return _median([line.size for line in self.lines])

    @property
    def last(self) -> _Line:
        return self.lines[-1]


def read(path: Path, limits: Limits) -> Document:
    """Read a PDF into a Document; raise ReadError if it cannot be read at all.

    The page count is checked against ``limits.max_pages`` before any page is
    read, and the time limit between pages. Pages that could not be read are
    reported, grouped, with the pages that were read (``complete=False``)."""
    deadline = Deadline.of(limits)
    pages: list[list[_Line]] = []
    failures: list[tuple[int, _Failure]] = []
    pdf = _open(path)
    try:
        count = len(pdf)
        if count > limits.max_pages:
            raise ReadError("PL005", f"PDF has {count:,} pages, over the limit of {limits.max_pages:,}",
                            hint("max_pages"))
        damaged = not pdfium_c.FPDF_DocumentHasValidCrossReferenceTable(pdf)
        blank: list[int] = []
        for index in range(count):
            deadline.check(f"stopped at page {index + 1} of {count}")
            lines, failure = _read_page(pdf, index, damaged)
            pages.append(lines)
            if failure is _BLANK:
                blank.append(index + 1)
            elif failure:
                failures.append((index + 1, failure))
    finally:
        pdf.close()
    if blank and not damaged:
        deadline.check("before checking blank pages")
        failures = sorted(failures + [(n, _DAMAGED_CONTENT) for n in _damaged_contents(path, blank, count)],
                          key=lambda failure: failure[0])
    problems = _page_problems(failures, count)
    if damaged and not _has_end_marker(path):
        problems.append(Problem("PL007", "the file seems truncated (it has no end-of-file marker and its "
                                "cross-reference table had to be rebuilt): pages after the cut may be missing",
                                Location()))
    deadline.check(f"after reading all {count} pages")
    blocks = _build(pages)
    if len(blocks) > limits.max_blocks:
        raise ReadError("PL005", f"PDF has {len(blocks):,} blocks, over the limit of {limits.max_blocks:,}",
                        hint("max_blocks"))
    title = next((b.text for b in blocks if b.role == Role.TITLE), None)
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
        what = "truncated PDF (it has no end-of-file marker)" if not _has_end_marker(path) else "corrupt PDF"
        raise ReadError("PL001", f"{what}: {exc}", _HINT_CORRUPT) from None
    except OSError as exc:
        raise ReadError("PL001", f"cannot open file: {exc.strerror or exc}") from None


def _has_end_marker(path: Path) -> bool:
    """Whether ``%%EOF`` is in the last few KB, as in every complete PDF."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - _TAIL_BYTES))
            return b"%%EOF" in fh.read()
    except OSError:
        return True  # say nothing we do not know


@dataclass(frozen=True)
class _Failure:
    """Why a page gave no text. ``one``/``many`` are message templates for one
    page ("page {pages} ...") and for several ("pages {pages} ...")."""

    code: str
    one: str
    many: str


_NO_TEXT_LAYER = _Failure("PL004", "page {pages} has no text layer — run OCR first",
                          "pages {pages} have no text layer — run OCR first")
_NO_UNICODE = _Failure("PL007", "page {pages} text is not extractable (font has no unicode map)",
                       "text of pages {pages} is not extractable (font has no unicode map)")
_DAMAGED_CONTENT = _Failure(
    "PL007", "page {pages} could not be read: its content is damaged",
    "pages {pages} could not be read: their content is damaged")
_BLANK = _Failure("", "", "")  # nothing on the page: blank, unless its content is damaged
_LOST = _Failure("PL007", "page {pages} has no content: the file is damaged and the page may have been lost",
                 "pages {pages} have no content: the file is damaged and the pages may have been lost")


def _read_page(pdf: pdfium.PdfDocument, index: int, damaged: bool = False) -> tuple[list[_Line], _Failure | None]:
    """Lines of one page, or why none could be read. In a ``damaged`` file
    (PDFium had to rebuild the cross-reference table) a page with nothing on
    it is taken as lost, not blank."""
    page = textpage = None
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        raw = textpage.get_text_range()
        if _garbled(raw):
            return [], _NO_UNICODE
        lines = _page_lines(textpage, raw, index + 1, page.get_rotation())
        if not lines and _has_image(page):
            return [], _NO_TEXT_LAYER
        if not lines and pdfium_c.FPDFPage_CountObjects(page) == 0:
            return [], _LOST if damaged else _BLANK
        return lines, None
    except Exception as exc:  # a broken page must not stop the others being read
        reason = str(exc).replace("{", "(").replace("}", ")")
        return [], _Failure("PL007", f"page {{pages}} could not be read: {reason}",
                            f"pages {{pages}} could not be read: {reason}")
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()


def _damaged_contents(path: Path, blank: list[int], count: int) -> list[int]:
    """Which of the ``blank`` pages (PDFium drew nothing on them) have a
    content stream that is there but cannot be read: a page whose content was
    damaged in place, which PDFium silently shows as blank. Checked with
    pdfminer's parser, only for blank pages; on any doubt, none."""
    import logging

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, resolve1

    log = logging.getLogger("pdfminer")
    level = log.level
    log.setLevel(logging.CRITICAL)
    wanted, damaged = set(blank), []
    try:
        with path.open("rb") as fh:
            found, pages = 0, []
            for found, page in enumerate(PDFPage.create_pages(PDFDocument(PDFParser(fh))), 1):
                if found in wanted:
                    pages.append((found, page))
            if found != count:
                return []  # the two parsers disagree on the pages: say nothing
            for number, page in pages:
                if page.attrs.get("Contents") is None:
                    continue
                try:
                    contents = resolve1(page.attrs["Contents"])
                    streams = [resolve1(c) for c in contents] if isinstance(contents, list) else [contents]
                    if not all(isinstance(stream, PDFStream) for stream in streams):
                        damaged.append(number)
                    else:
                        for stream in streams:
                            stream.get_data()
                except Exception:  # noqa: BLE001 - pdfminer raises many kinds for a broken stream
                    damaged.append(number)
    except Exception:  # noqa: BLE001
        return []
    finally:
        log.setLevel(level)
    return damaged


def _page_problems(failures: list[tuple[int, _Failure]], count: int) -> list[Problem]:
    """One problem for each reason pages failed (naming the pages), and, when
    several pages failed, which pages were read."""
    by_reason: dict[_Failure, list[int]] = {}
    for number, failure in failures:
        by_reason.setdefault(failure, []).append(number)
    problems = []
    for failure, numbers in by_reason.items():
        template = failure.one if len(numbers) == 1 else failure.many
        problems.append(Problem(failure.code, template.format(pages=_ranges(numbers)), Location(page=numbers[0])))
    failed = {number for number, _ in failures}
    read = [number for number in range(1, count + 1) if number not in failed]
    if len(failed) > 1 and read:
        problems.append(Problem("PL007", f"text was read from {len(read):,} of {count:,} pages only "
                                f"(pages {_ranges(read)})", Location(page=read[0])))
    return problems


def _ranges(numbers: list[int]) -> str:
    """'1–3, 5, 7–9' from sorted page numbers."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


def _garbled(raw: str) -> bool:
    """Whether too many characters are replacement, private-use or control codes."""
    bad = _count(raw, _GARBAGE, _ASCII_GARBAGE)
    if not bad:
        return False
    chars = sum(map(len, raw.split())) - raw.count(_HYPHEN)
    return chars > 0 and bad > _GARBAGE_SHARE * chars


def _count(text: str, pattern: re.Pattern[str], ascii_chars: bytes) -> int:
    """How many characters of ``text`` match ``pattern``, a character class
    whose ASCII members are ``ascii_chars``; ASCII text is counted in C."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, ascii_chars))
    return len(pattern.findall(text))


def _has_image(page: pdfium.PdfPage) -> bool:
    """Whether an image is drawn on the page, at most a few forms deep (forms
    nested in forms can multiply without end in a hostile file)."""
    objects = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=_IMAGE_DEPTH)
    return next(objects, None) is not None


def _clean(text: str) -> str:
    """Drop control characters and soft hyphens, expand ligatures."""
    return _CONTROL.sub("", text.replace("\t", " ")).translate(_LIGATURES).strip()


_Box = tuple[float, float, float, float]  # left, bottom, right, top


def _page_lines(textpage: pdfium.PdfTextPage, raw: str, page: int, rotation: int) -> list[_Line]:
    """The visual lines of a page that a reader sees, in reading order,
    measured in a frame where the page's text runs left to right and lines go
    down the page."""
    measured: list[tuple[str, list[_Box], bool, bool]] = []
    clean = _clean if _count(raw, _DIRTY, _ASCII_DIRTY) else str.strip
    view = _PageView(textpage.page)
    measure = _Measure(textpage, view)
    parts = _BREAK_SPLIT.split(raw)  # line, break, line, ..., line
    parts.append("")
    start = 0
    for k in range(0, len(parts) - 1, 2):
        segment, sep = parts[k], parts[k + 1]
        text = clean(segment)
        if text:
            first = start + len(segment) - len(segment.lstrip())
            last = start + len(segment.rstrip()) - 1
            boxes, bold, sight = measure(first, last)
            if boxes and (sight == _SEEN or view.shows(sight, boxes)):
                measured.append((text, boxes, bold, sep == _HYPHEN))
        start += len(segment) + len(sep)
    turns = (rotation // 90 + _text_turns([boxes for _, boxes, _, _ in measured], rotation // 90)) % 4
    turned = [[_turn(box, turns) for box in boxes] if turns else boxes for _, boxes, _, _ in measured]
    tops = [max(boxes[0][3], boxes[-1][3]) for boxes in turned]  # one box or two
    order = list(range(len(measured)))
    if sum(1 for above, below in pairwise(tops) if below > above) > (len(tops) - 1) / 2:
        order.reverse()  # PDFium listed the lines bottom-up
    lines = []
    for number, i in enumerate(order, 1):
        text, _, bold, hyphen = measured[i]
        boxes = turned[i]
        if len(boxes) == 1:
            (left, bottom, _, top), = boxes
            size = top - bottom
        else:
            (left, bottom1, _, top1), (_, bottom2, _, top2) = boxes
            bottom, size = min(bottom1, bottom2), (top1 - bottom1 + top2 - bottom2) / 2
        lines.append(_Line(text, page, number, tops[i], bottom, left, size, bold, hyphen, _weight(text, boxes, size)))
    return lines


def _weight(text: str, boxes: list[_Box], size: float) -> int:
    """How many characters of a line a reader can see: its length, but no
    more than its extent (from its first character's box to its last, across
    and up, so that it holds whichever way the line runs) holds at its size
    -- characters drawn over each other are seen as one."""
    first, last = boxes[0], boxes[-1]
    extent = abs(last[2] - first[0]) + abs(last[3] - first[1])
    return min(len(text), 1 + int(extent * _CHARS_PER_HEIGHT / max(size, 1.0)))


def _by_address(function: Any, restype: type[ctypes._SimpleCData[Any]] | None,
                *argtypes: type[ctypes._SimpleCData[Any]] | type[ctypes._Pointer[Any]]) -> Callable[..., Any]:
    """PDFium's ``function`` taking and giving handles as plain addresses
    (ints). ctypes passes an int faster than a typed pointer, and an address,
    unlike a pointer object, can key a dict. For the calls made for every
    line."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    if address is None:
        raise ValueError(f"PDFium's {function!r} is a null function pointer")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_VOID, _INT, _UINT_P = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint)
_char_index = _by_address(pdfium_c.FPDFText_GetCharIndexFromTextIndex, _INT, _VOID, _INT)
_char_box = _by_address(pdfium_c.FPDFText_GetLooseCharBox, _INT, _VOID, _INT, ctypes.POINTER(pdfium_c.FS_RECTF))
_text_object = _by_address(pdfium_c.FPDFText_GetTextObject, _VOID, _VOID, _INT)
_text_font = _by_address(pdfium_c.FPDFTextObj_GetFont, _VOID, _VOID)
_render_mode = _by_address(pdfium_c.FPDFTextObj_GetTextRenderMode, _INT, _VOID)
_fill_colour = _by_address(pdfium_c.FPDFText_GetFillColor, _INT, _VOID, _INT, _UINT_P, _UINT_P, _UINT_P, _UINT_P)
_stroke_colour = _by_address(pdfium_c.FPDFText_GetStrokeColor, _INT, _VOID, _INT, _UINT_P, _UINT_P, _UINT_P,
                             _UINT_P)
_font_weight = _by_address(pdfium_c.FPDFFont_GetWeight, _INT, _VOID)
_font_info = pdfium_c.FPDFText_GetFontInfo
_NAME_BYTES = 128

# How a reader sees a character (or a line: its best-seen sample), from best to worst. A white
# or unpainted line is read only with something drawn behind it (_PageView.shows).
_SEEN = 0  # painted, readable, on the page
_WHITE = 1  # painted white: seen only against something painted
_UNPAINTED = 2  # render mode invisible or clip, or fully transparent: seen only as the text of a picture
_UNSEEN = 3  # too small to read, or outside the page box


class _Measure:
    """Measures lines of one text page: the boxes of a line's first and last
    characters, whether both are bold (by their font's weight or, when the
    font has no usable weight, its name), and how a reader sees the line --
    as the better seen of the two, so a line is hidden only when both are."""

    def __init__(self, textpage: pdfium.PdfTextPage, view: _PageView) -> None:
        self.handle = textpage.raw
        self.textpage = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        self.rect = pdfium_c.FS_RECTF()
        self.name = ctypes.create_string_buffer(_NAME_BYTES)
        self.bold_fonts: dict[int | None, bool] = {}  # by font address: fonts live as long as the page
        self.page_box = view.box
        self.rgba = tuple(ctypes.c_uint() for _ in range(4))

    def __call__(self, first: int, last: int) -> tuple[list[_Box], bool, int]:
        textpage, rect = self.textpage, self.rect
        boxes = []
        bold = True
        sight = _UNSEEN
        for position in (first, last) if last > first else (first,):
            index = _char_index(textpage, position)
            if index >= 0 and _char_box(textpage, index, rect):
                box = (rect.left, rect.bottom, rect.right, rect.top)
                boxes.append(box)
                if bold or sight != _SEEN:
                    text_object = _text_object(textpage, index)
                    if bold:
                        font = _text_font(text_object)
                        known = self.bold_fonts.get(font)
                        bold = self.bold(font, index) if known is None else known
                    if sight != _SEEN:
                        sight = min(sight, self.sight(text_object, index, box))
        return boxes, bold, sight

    def bold(self, font: int | None, index: int) -> bool:
        """Whether ``font``, the font of character ``index``, is bold (the
        answer kept in ``bold_fonts``)."""
        weight = _font_weight(font)
        if 100 <= weight <= 1000:
            found = weight >= 600
        else:  # PDFium writes nothing when the name does not fit: then there is no name to go by
            fits = _font_info(self.handle, index, self.name, _NAME_BYTES, None) <= _NAME_BYTES
            name = self.name.value if fits else b""
            found = bool(_BOLD_NAME.search(name.decode("latin-1")))
        self.bold_fonts[font] = found
        return found

    def sight(self, text_object: int | None, index: int, box: _Box) -> int:
        """How a reader sees character ``index`` of ``text_object``, whose box
        is ``box``. Its box, not its font size, tells how small it is: a font
        scaled down by the text matrix is as small as a small font. The box
        is measured both ways, so that turned text is not taken for small."""
        left, bottom, right, top = box
        page_left, page_bottom, page_right, page_top = self.page_box
        if (right - left < _MIN_READABLE and top - bottom < _MIN_READABLE) or right < page_left or \
                left > page_right or top < page_bottom or bottom > page_top:
            return _UNSEEN
        mode = _render_mode(text_object)
        if mode in _UNPAINTED_MODES:
            return _UNPAINTED
        sight = _paint(_stroke_colour if mode in _STROKED_MODES else _fill_colour, self.textpage, index, self.rgba)
        if sight != _SEEN and mode in _FILLED_AND_STROKED_MODES:  # a white letter with a dark outline
            sight = min(sight, _paint(_stroke_colour, self.textpage, index, self.rgba))
        return sight


def _paint(colour, textpage: int | None, index: int, rgba: tuple[ctypes.c_uint, ...]) -> int:  # type: ignore[no-untyped-def]
    """How a character is painted by the colour ``colour`` gives (PDFium's
    fill or stroke colour getter; ``rgba`` receives it)."""
    r, g, b, a = rgba
    if not colour(textpage, index, r, g, b, a):
        return _SEEN  # a colour PDFium cannot give (a pattern): take it as seen
    if a.value == 0:
        return _UNPAINTED
    return _WHITE if r.value >= _WHITE_LEVEL and g.value >= _WHITE_LEVEL and b.value >= _WHITE_LEVEL else _SEEN


class _PageView:
    """What a reader sees of one page: its box (the crop box within the media
    box), and what is drawn behind its text -- looked for only when a line is
    white or unpainted, which pages seldom have."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.page = page
        rect = pdfium_c.FS_RECTF()
        box = (-math.inf, -math.inf, math.inf, math.inf)
        if pdfium_c.FPDF_GetPageBoundingBox(page.raw, rect):
            left, right = sorted((rect.left, rect.right))
            bottom, top = sorted((rect.bottom, rect.top))
            if right - left >= 1 and top - bottom >= 1:  # a page with no area: say nothing is off it
                box = (left, bottom, right, top)
        self.box: _Box = box
        self._behind: tuple[_Cover, _Cover] | None = None

    def shows(self, sight: int, boxes: list[_Box]) -> bool:
        """Whether a line a reader sees as ``sight`` (its sample characters'
        boxes ``boxes``) is read: white text against anything painted, and
        unpainted text over a picture (a scan's OCR layer)."""
        if sight == _SEEN:
            return True
        if sight == _UNSEEN:
            return False
        if self._behind is None:
            self._behind = _backdrops(self.page.raw, self.box)
        pictures, painted = self._behind
        cover = painted if sight == _WHITE else pictures
        return any(cover.covers(box) for box in boxes)


_PICTURE, _PAINT, _NOTHING = 0, 1, 2  # what an object draws that text could be seen against


def _backdrops(page: pdfium_c.FPDF_PAGE, box: _Box) -> tuple[_Cover, _Cover]:
    """Where pictures are drawn on a page, and where anything is painted
    (pictures, shadings, filled paths that are not white, forms holding one
    of those), from the page's objects, once."""
    found: list[tuple[int, _Box]] = []
    for index in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, index)
        drawn = _drawn(obj, _IMAGE_DEPTH)
        if drawn != _NOTHING and (bounds := _bounds(obj)) is not None:
            found.append((drawn, bounds))
    if not math.isfinite(box[0]):  # no page box: the grid spans what is drawn
        box = (min(b[0] for _, b in found), min(b[1] for _, b in found),
               max(b[2] for _, b in found), max(b[3] for _, b in found)) if found else (0, 0, 1, 1)
    pictures, painted = _Cover(box), _Cover(box)
    for drawn, bounds in found:
        painted.add(bounds)
        if drawn == _PICTURE:
            pictures.add(bounds)
    return pictures, painted


def _drawn(obj: pdfium_c.FPDF_PAGEOBJECT, depth: int) -> int:
    """What a page object draws that text could be seen against: a picture,
    paint, or nothing (text, paths only stroked or filled white). A form
    draws the best of what it holds, looked into ``depth`` levels deep."""
    kind = pdfium_c.FPDFPageObj_GetType(obj)
    if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return _PICTURE
    if kind == pdfium_c.FPDF_PAGEOBJ_SHADING:
        return _PAINT
    if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
        return _PAINT if _filled(obj) else _NOTHING
    best = _NOTHING
    if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth > 0:
        for index in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
            best = min(best, _drawn(pdfium_c.FPDFFormObj_GetObject(obj, index), depth - 1))
            if best == _PICTURE:
                break
    return best


def _filled(path: pdfium_c.FPDF_PAGEOBJECT) -> bool:
    """Whether a path is filled in a colour that is not white."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(path, fill, stroke) or fill.value == pdfium_c.FPDF_FILLMODE_NONE:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(path, r, g, b, a):
        return True  # a pattern or a colour space PDFium cannot convert: painted
    return a.value > 0 and min(r.value, g.value, b.value) < _WHITE_LEVEL


def _bounds(obj: pdfium_c.FPDF_PAGEOBJECT) -> _Box | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    box = left.value, bottom.value, right.value, top.value
    return box if all(map(math.isfinite, box)) else None


class _Cover:
    """The parts of a page where something is drawn, as a grid of cells over
    the page box (a cell counts when a drawn box touches it): asking about a
    line costs the same however many objects the page has."""

    def __init__(self, box: _Box) -> None:
        self.left, self.bottom, self.right, self.top = box
        self.width = max(self.right - self.left, 1e-3) / _BACKDROP_GRID
        self.height = max(self.top - self.bottom, 1e-3) / _BACKDROP_GRID
        self.rows = [0] * _BACKDROP_GRID  # a bit for each covered cell

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        last = _BACKDROP_GRID - 1
        return (min(max(int((x - self.left) // self.width), 0), last),
                min(max(int((y - self.bottom) // self.height), 0), last))

    def add(self, box: _Box) -> None:
        if box[2] < self.left or box[3] < self.bottom or box[0] > self.right or box[1] > self.top:
            return  # drawn off the page
        (x0, y0), (x1, y1) = self._cell(box[0], box[1]), self._cell(box[2], box[3])
        mask = ((1 << (x1 - x0 + 1)) - 1) << x0
        for y in range(y0, y1 + 1):
            self.rows[y] |= mask

    def covers(self, box: _Box) -> bool:
        """Whether something is drawn where the middle of ``box`` is."""
        x, y = self._cell((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        return bool(self.rows[y] >> x & 1)


def _turn(box: _Box, turns: int) -> _Box:
    """``box`` turned clockwise by ``turns`` quarter turns (about the origin)."""
    left, bottom, right, top = box
    for _ in range(turns % 4):
        left, bottom, right, top = bottom, -right, top, -left
    return left, bottom, right, top


def _text_turns(lines: list[list[_Box]], turns: int = 0) -> int:
    """Quarter turns that make most lines run left to right, judged from the
    first and last character of each line, once the lines' boxes are turned
    by ``turns``."""
    votes = [0, 0, 0, 0]
    for boxes in lines:
        if len(boxes) > 1:
            if turns % 4:
                boxes = [_turn(box, turns) for box in boxes]
            dx = (boxes[-1][0] + boxes[-1][2] - boxes[0][0] - boxes[0][2]) / 2
            dy = (boxes[-1][1] + boxes[-1][3] - boxes[0][1] - boxes[0][3]) / 2
            if abs(dx) >= abs(dy):
                votes[0 if dx >= 0 else 2] += 1
            else:
                votes[1 if dy > 0 else 3] += 1
    return votes.index(max(votes))


def _build(pages: list[list[_Line]]) -> list[Block]:
    """Blocks of a document from its pages' lines."""
    sizes = [(line.size, line.weight) for lines in pages for line in lines]
    body_size = _weighted_median(sizes) if sizes else 0.0
    edges = _edges(pages, body_size)
    body = [[line for line in lines if line not in edges] for lines in pages]
    bold_share = sum(len(line.text) for lines in body for line in lines if line.bold) / max(
        1, sum(len(line.text) for lines in body for line in lines))
    gap = _paragraph_gap(body)
    groups: list[_Group] = []
    body_groups: list[_Group] = []  # the paragraphs and list items of ``groups``
    emitted: set[str] = set()
    for lines in pages:
        previous: _Line | None = None
        for line in lines:
            role = edges.get(line)
            if role is None:
                _add_line(groups, body_groups, line, previous, gap)
                previous = line
            elif role and _edge_key(line.text) not in emitted:
                emitted.add(_edge_key(line.text))
                groups.append(_Group([line], role=role))
    _classify(groups, body_size, bold_headings=bold_share < 0.5)
    return _blocks(groups)


def _median(values: list[float]) -> float:
    """What ``statistics.median`` gives, for a non-empty list, without its overhead."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _edge_key(text: str) -> str:
    """What a running header or footer has in common from page to page."""
    return " ".join(re.sub(r"\d+", "#", text.lower()).split())


def _edges(pages: list[list[_Line]], body_size: float) -> dict[_Line, str]:
    """Lines at the top or bottom of a page that are page numbers (role "")
    or running headers and footers (Role.HEADER or Role.FOOTER): the same text,
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
            for where, ordered in ((Role.HEADER, by_top), (Role.FOOTER, by_top[::-1])):
                line = next((line for line in ordered if line not in edges), None)
                if line is not None and line not in candidates:
                    candidates[line] = where
                    seen.setdefault((where, _edge_key(line.text)), []).append(line)
        tops = {key: sorted(line.top for line in same) for key, same in seen.items()}
        found = {}
        for line, where in candidates.items():
            if len(line.text) <= _MAX_PAGE_NUMBER_CHARS and _PAGE_NUMBER.fullmatch(line.text):
                found[line] = ""
            elif line.size < _HEADING_RATIO * body_size and _repeats(line, tops[where, _edge_key(line.text)], needed):
                found[line] = where
        if not found:
            break
        edges.update(found)
    return edges


def _repeats(line: _Line, tops: list[float], needed: float) -> bool:
    """Whether ``line`` is on enough pages at about the same height; ``tops``
    (sorted) are the tops of the edge lines with the same text, digits aside.
    Counted by bisection: a running header on thousands of pages costs
    thousands of steps, not millions."""
    below = bisect.bisect_right(tops, line.top + line.height)
    return below - bisect.bisect_left(tops, line.top - line.height) >= needed


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
        ratio
        for lines in pages
        for above, below in pairwise(lines)
        if _same_size(above, below) and -0.5 < (ratio := (above.bottom - below.top) / above.height) < 3
    )
    if len(ratios) < 4:
        return 0.7
    return min(max(ratios[len(ratios) // 4] + 0.35, 0.5), 1.0)


def _same_size(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) <= _SIZE_CHANGE * max(a.size, b.size)


def _add_line(groups: list[_Group], body_groups: list[_Group], line: _Line, previous: _Line | None,
              gap: float) -> None:
    """Append a body line to the last block, or start a new block with it."""
    marker = _BULLET.match(line.text)
    if marker and marker.end() < len(line.text):
        group = _Group([line], marker=marker.end(), role=Role.LIST_ITEM)
    elif body_groups and _continues(body_groups[-1], line, previous, gap):
        body_groups[-1].lines.append(line)
        return
    else:
        group = _Group([line])
    groups.append(group)
    body_groups.append(group)


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
    return group.role == Role.LIST_ITEM or not (indented and end.text.endswith(_SENTENCE_END))


def _classify(groups: list[_Group], body_size: float, bold_headings: bool) -> None:
    """Mark headings (by size, or bold short lines) and the title."""
    headings = []
    for group in groups:
        if group.role not in (Role.PARAGRAPH, Role.LIST_ITEM):
            continue
        large = body_size > 0 and group.size >= _HEADING_RATIO * body_size
        bold = bold_headings and len(group.lines) <= 2 and all(line.bold for line in group.lines)
        if not (large or bold):
            continue
        text = " ".join(line.text for line in group.lines)
        if not any(c.isalpha() for c in text):
            continue
        words = len(text.split())
        large = large and words <= _MAX_HEADING_WORDS
        bold = bold and words <= _MAX_BOLD_HEADING_WORDS and not text.endswith(".")
        if large or bold:
            group.role, group.marker = Role.HEADING, 0
            headings.append(group)
    ranks: list[float] = []
    for size in sorted((g.size for g in headings), reverse=True):
        if not ranks or size < ranks[-1] * (1 - _SIZE_CHANGE / 3):
            ranks.append(size)
    for group in headings:
        group.level = min(_MAX_LEVEL, 1 + sum(1 for rank in ranks if group.size < rank * (1 - _SIZE_CHANGE / 3)))
    first = headings[0] if headings else None
    if first is not None and first.lines[0].page == 1 and first.level == 1:
        first.role = Role.TITLE


def _blocks(groups: list[_Group]) -> list[Block]:
    """Blocks from groups, each with the chain of headings above it."""
    blocks: list[Block] = []
    chain: list[tuple[int, str]] = []
    for group in groups:
        text, anchors = _join(group)
        section = tuple(title for _, title in chain)
        level = group.level if group.role in (Role.HEADING, Role.TITLE) else None
        if level is not None:
            chain = [(n, title) for n, title in chain if n < level]
            section = tuple(title for _, title in chain)
            chain.append((level, text))
        elif group.role in Role.MARGINS:
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
        elif previous is not None and not _TRAILING_HYPHEN.search(previous.text[-2:]):
            text += " "
        anchors.append((len(text), Location(page=line.page, line=line.number, column=column)))
        text += part
        previous = line
    return text, anchors
