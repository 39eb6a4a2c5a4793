"""Security fixes in the DOCX and PDF readers, on files built here.

* A DOCX holding one valid text run longer than libxml2's 10,000,000-byte
  text node guard is text, not a corrupt file -- and lifting that guard for
  it keeps every other protection: no DTD (so no entity), the 256-level
  nesting limit, the byte and paragraph limits checked before parsing.
* Text on a PDF page that a reader cannot see -- too small to read, not
  painted, white with nothing behind it, transparent, off the page -- is
  not text: it neither becomes blocks nor sets the body text size that
  headings are measured against, so a visible line next to 200,000 hidden
  text objects is still a paragraph that rules fire on. Small print, an OCR
  layer over a scan and white text on a coloured box are still read.

Tests assert on codes, roles, texts and locations; the only timings are
generous bounds that catch a hang.
"""

from __future__ import annotations

import random
import time
import zlib
from pathlib import Path

import pytest

import hostile
from policylint.document import Limits, Location, ReadError, Role
from policylint.readers import docx as docx_reader
from policylint.readers import read_document
from policylint.run import Options, check

# -- DOCX: a text run of more than 10,000,000 bytes -----------------------------------------

LIBXML2_TEXT_NODE_GUARD = 10_000_000  # bytes of UTF-8
# Ordinary words, with the typographic apostrophes, quotes and dashes Word puts in (three bytes each
# in UTF-8): a run of them is over libxml2's guard in bytes and within limits.max_text_chars in characters.
WORDS = ("staff’s", "must", "record", "their", "hours", "in", "the", "team’s", "rostering", "system", "–",
         "each", "week", "and", "managers", "approve", "leave", "“requests”", "before", "the", "worker’s",
         "shifts", "are", "published")


def ordinary_text(chars: int, words: tuple[str, ...] = WORDS, seed: int = 1) -> str:
    """``chars`` characters of ordinary words (random ones, so the package
    compresses like text, far under the compression ratio limit)."""
    rng = random.Random(seed)
    text = ""
    while len(text) < chars:
        text += " ".join(rng.choices(words, k=chars // 4)) + " "
    return text[:chars - 1].rstrip() + "s"


@pytest.fixture(scope="module")
def long_run() -> str:
    text = ordinary_text(9_900_000)
    assert len(text.encode()) > LIBXML2_TEXT_NODE_GUARD + 300_000 and len(text) <= Limits().max_text_chars
    return text


def nested_tables(depth: int, text: str) -> str:
    """``depth`` tables, each in the only cell of the one above, around a paragraph."""
    body = hostile.para(text)
    for _ in range(depth):
        body = f"<w:tbl><w:tr><w:tc>{body}</w:tc></w:tr></w:tbl>"
    return body


def write_docx(path: Path, body: str, prolog: str = "") -> Path:
    path.write_bytes(hostile.docx_bytes(hostile.word_xml(body, prolog=prolog)))
    return path


def test_docx_text_run_over_ten_megabytes_is_text(tmp_path: Path, long_run: str) -> None:
    path = write_docx(tmp_path / "long-run.docx", hostile.para(long_run) + hostile.para("Closing words."))
    assert path.stat().st_size < Limits().max_file_bytes
    started = time.perf_counter()
    doc = read_document(path, Limits())
    assert time.perf_counter() - started < 60  # only catches a hang
    assert [(b.role, b.location) for b in doc.blocks] == [
        (Role.PARAGRAPH, Location(paragraph=1, part="body")), (Role.PARAGRAPH, Location(paragraph=2, part="body"))]
    assert doc.blocks[0].text == long_run
    assert doc.blocks[1].text == "Closing words."
    assert doc.problems == () and doc.complete


def test_docx_text_run_over_the_character_limit_is_a_limit_not_corruption(tmp_path: Path) -> None:
    text = ordinary_text(Limits().max_text_chars + 1_000, words=("staff", "record", "their", "hours", "weekly"))
    path = write_docx(tmp_path / "over-limit.docx", hostile.para(text))
    with pytest.raises(ReadError) as error:
        read_document(path, Limits())
    assert error.value.code == "PL005"
    doc = read_document(path, Limits(max_text_chars=Limits().max_text_chars + 1_000))
    assert [len(b.text) for b in doc.blocks] == [len(text)]


def test_long_text_run_does_not_open_the_door_to_a_dtd(tmp_path: Path, long_run: str) -> None:
    """A part over the text node guard is parsed again only if it declares
    no DTD: here the entities are never expanded, and the file is refused
    as Word never writes it."""
    laughs = hostile.billion_laughs()
    prolog = laughs[laughs.index("<!DOCTYPE"):laughs.index("]>") + 2]
    path = write_docx(tmp_path / "long-run-dtd.docx", hostile.para(long_run) + hostile.para("Laugh &lol9;"),
                      prolog=prolog)
    started = time.perf_counter()
    with pytest.raises(ReadError) as error:
        read_document(path, Limits())
    assert time.perf_counter() - started < 60
    assert error.value.code == "PL001"


def test_long_text_run_keeps_the_nesting_limit(tmp_path: Path, long_run: str) -> None:
    """libxml2 allows 2,048 levels with huge_tree; the reader still allows 256."""
    path = write_docx(tmp_path / "long-run-deep.docx", hostile.para(long_run) + nested_tables(100, "Deep cell"))
    with pytest.raises(ReadError) as error:
        read_document(path, Limits())
    assert error.value.code == "PL005"


def test_long_text_run_within_the_nesting_limit_is_read(tmp_path: Path, long_run: str) -> None:
    path = write_docx(tmp_path / "long-run-tables.docx", hostile.para(long_run) + nested_tables(40, "Deep cell"))
    doc = read_document(path, Limits())
    assert [b.text for b in doc.blocks][1:] == ["Deep cell"]
    assert doc.problems == ()


@pytest.mark.parametrize("data, parsed_again", [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document/>', True),
    (b'\xef\xbb\xbf<?xml version="1.0"?><w:document/>', True),
    (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY e "x">]><w:document/>', False),
    (b'<?xml version="1.0"' + b" " * 300 + b'encoding="UTF-16"?><w:document/>', False),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><w:document/>', False),
    ('<?xml version="1.0" encoding="UTF-16"?><w:document/>'.encode("utf-16"), False),
    ('<w:document/>'.encode("utf-16-le"), False),
], ids=["utf-8", "utf-8-bom", "dtd", "utf-16-declared-late", "latin-1", "utf-16-bom", "utf-16-no-bom"])
def test_only_utf8_parts_without_a_dtd_are_parsed_with_huge_tree(data: bytes, parsed_again: bool) -> None:
    """Where ``<!DOCTYPE`` can be searched for in the bytes, and is not there."""
    assert docx_reader._utf8_without_dtd(data) is parsed_again


@pytest.mark.parametrize("limits", [Limits(max_part_bytes=5_000_000), Limits(max_blocks=3)],
                         ids=["part-bytes", "paragraphs"])
def test_long_text_run_keeps_the_limits_checked_before_parsing(tmp_path: Path, long_run: str,
                                                              limits: Limits) -> None:
    paragraphs = "".join(hostile.para(f"Short paragraph {n}.") for n in range(5))
    path = write_docx(tmp_path / "long-run-limits.docx", hostile.para(long_run) + paragraphs)
    with pytest.raises(ReadError) as error:
        read_document(path, limits)
    assert error.value.code == "PL005"


# -- PDF: hidden text -----------------------------------------------------------------------

VISIBLE = "Administer medication to residents each evening."
HIDDEN_OBJECTS = 200_000
_NOISE = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do")
_IMAGE = bytes((x * 16 + y * 16) % 256 for x in range(16) for y in range(16))


def pdf_bytes(pages: list[str]) -> bytes:
    """A PDF with one page (US letter) per content stream in ``pages``.
    Resources: /F1 Helvetica, /Im1 a 16x16 grey image, /Clear a graphics
    state that paints with alpha 0."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: (b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(_IMAGE) + _IMAGE + b"\nendstream"),
        5: b"<< /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> /ExtGState << /Clear << /ca 0 /CA 0 >> >> >>",
    }
    kids = []
    for index, content in enumerate(pages):
        page_id, content_id = 6 + 2 * index, 7 + 2 * index
        kids.append(b"%d 0 R" % page_id)
        objects[page_id] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 5 0 R "
                            b"/Contents %d 0 R >>" % content_id)
        data = zlib.compress(content.encode("latin-1"), 1)
        objects[content_id] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def line(text: str, x: float, y: float, size: float = 11, state: str = "") -> str:
    """One text object at (x, y), in its own graphics state."""
    return f"q {state} BT /F1 {size:g} Tf {x:g} {y:g} Td ({text}) Tj ET Q\n"


def hidden_objects(count: int, state: str = "", size: float = 8, dx: float = 0, matrix: str = "") -> str:
    """``count`` text objects, each one of five words, in 400 columns and as
    many rows as it takes below the top of the page (``dx`` shifts them
    right), each in its own graphics state ``state`` (text clipping paths
    would otherwise pile up, and PDFium with them). PDFium's time to find the
    lines of 200,000 overlapping objects depends on the layout and the words,
    from half a second to minutes: this one takes half a second."""
    objects = []
    for n in range(count):
        x, y = 36 + dx + (n % 400) * 1.3, 40 + (n // 400) * 1.2
        place = f"{matrix} {x:.1f} {y:.1f} Tm" if matrix else f"{x:.1f} {y:.1f} Td"
        objects.append(f"q {state} BT /F1 {size:g} Tf {place} ({_NOISE[n % 5]}) Tj ET Q\n")
    return "".join(objects)


HIDDEN: dict[str, dict] = {
    "too-small": {"size": 1},
    "scaled-down": {"size": 11, "matrix": "0.08 0 0 0.08"},
    "invisible": {"state": "3 Tr"},
    "clip-only": {"state": "7 Tr"},
    "white": {"state": "1 1 1 rg"},
    "transparent": {"state": "/Clear gs"},
    "off-page": {"dx": 1000},
}


@pytest.fixture(scope="module")
def hidden_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """For each way of hiding text: a page with one visible 11 pt line and
    200,000 hidden text objects."""
    folder = tmp_path_factory.mktemp("hidden")
    paths = {}
    for name, how in HIDDEN.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(pdf_bytes([line(VISIBLE, 72, 720) + hidden_objects(HIDDEN_OBJECTS, **how)]))
    return paths


@pytest.mark.parametrize("how", list(HIDDEN))
def test_hidden_text_objects_are_not_read(hidden_pdfs: dict[str, Path], how: str) -> None:
    started = time.perf_counter()
    doc = read_document(hidden_pdfs[how], Limits())
    assert time.perf_counter() - started < 60  # only catches a hang
    assert [(b.role, b.text, b.location) for b in doc.blocks] == [
        (Role.PARAGRAPH, VISIBLE, Location(page=1, line=1, column=1))]
    assert doc.problems == ()


@pytest.mark.parametrize("how", list(HIDDEN))
def test_rules_fire_on_the_visible_line_beside_hidden_text(hidden_pdfs: dict[str, Path], engine, how: str) -> None:
    result = check([hidden_pdfs[how]], Options(kind="peer-job-description"), engine=engine)
    found = [(f.name, f.location.page, f.location.line) for f in result.findings]
    assert ("no-clinicalised-duties", 1, 1) in found, found
    assert not {f.code for f in result.findings} & {"PL001", "PL005", "PL007"}


def test_text_drawn_over_itself_does_not_set_the_body_size(tmp_path: Path) -> None:
    """20,000 words drawn at one spot: one line of 120,000 characters that
    shows as a blot, weighed as the few characters its extent holds."""
    words = " 0 0 Td ".join(f"({_NOISE[n % len(_NOISE)]}) Tj" for n in range(20_000))
    path = tmp_path / "overprinted.pdf"
    path.write_bytes(pdf_bytes([line(VISIBLE, 72, 720) + f"BT /F1 8 Tf 300 400 Td {words} ET\n"]))
    doc = read_document(path, Limits())
    assert doc.blocks[0].role == Role.PARAGRAPH and doc.blocks[0].text == VISIBLE


BODY = ("Staff must record their hours in the rostering system each week.",
        "Managers approve leave requests before the roster is published.",
        "Peer workers offer support grounded in their own lived experience.")


def body_lines(top: float = 700) -> str:
    return "".join(line(text, 72, top - 14 * n) for n, text in enumerate(BODY))


def test_small_print_and_turned_text_are_read(tmp_path: Path) -> None:
    """7 pt and 4.5 pt lines are small print, not hidden; a line turned a
    quarter is narrow one way only."""
    content = (body_lines() + line("Version 3, approved by the board in March 2024.", 72, 60, size=7)
               + line("Printed copies are uncontrolled.", 72, 45, size=4.5)
               + "BT /F1 11 Tf 0 1 -1 0 560 300 Tm (Internal use only) Tj ET\n")
    path = tmp_path / "small-print.pdf"
    path.write_bytes(pdf_bytes([content]))
    texts = [b.text for b in read_document(path, Limits()).blocks]
    for text in (*BODY, "Version 3, approved by the board in March 2024.", "Printed copies are uncontrolled.",
                 "Internal use only"):
        assert any(text in t for t in texts), (text, texts)


def test_invisible_text_is_read_over_a_picture_only(tmp_path: Path) -> None:
    """A scan's OCR layer is invisible text over the page image: the text a
    reader sees in the picture. Invisible text elsewhere is not seen."""
    scan = "q 468 0 0 300 72 400 cm /Im1 Do Q\n"
    ocr = "".join(line(text, 80, 660 - 20 * n, state="3 Tr") for n, text in enumerate(BODY))
    elsewhere = line("Hidden instruction below the picture.", 80, 200, state="3 Tr")
    path = tmp_path / "ocr.pdf"
    path.write_bytes(pdf_bytes([scan + ocr + elsewhere]))
    doc = read_document(path, Limits())
    text = " ".join(b.text for b in doc.blocks)
    assert all(sentence in text for sentence in BODY), text
    assert "Hidden instruction" not in text
    assert doc.problems == ()


def test_white_text_is_read_against_paint_only(tmp_path: Path) -> None:
    banner = "q 0.1 0.2 0.5 rg 60 735 490 24 re f Q\n" + line("Role purpose", 72, 742, size=14, state="1 1 1 rg")
    white_on_white = line("Hidden instruction in white.", 72, 500, state="1 1 1 rg")
    path = tmp_path / "white.pdf"
    path.write_bytes(pdf_bytes([banner + body_lines() + white_on_white]))
    doc = read_document(path, Limits())
    texts = [b.text for b in doc.blocks]
    assert "Role purpose" in texts
    assert not any("Hidden instruction" in t for t in texts)
    assert [b.role for b in doc.blocks if b.text.startswith("Staff must")] == [Role.PARAGRAPH]
