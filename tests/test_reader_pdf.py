"""Tests for the PDF reader, on PDFs built with fpdf2 and on the shared corpus."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from policylint.document import Document, Limits, ReadError, Role
from policylint.readers import pdf as pdf_reader
from policylint.readers import read_document

fpdf = pytest.importorskip("fpdf")

FONTS = Path("/usr/share/fonts/truetype/dejavu")
CORPUS = Path("/work/shared/corpus")

LOREM = (
    "Employees are entitled to twenty-five days of paid annual leave in each leave year, in addition "
    "to public holidays. Leave must be requested through the HR portal and approved by the line "
    "manager before it is taken, and unused leave may not be carried over without written approval."
)


class _Policy(fpdf.FPDF):
    """A document with a running header and a page-number footer."""

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, "ACME Corp - Leave Policy v3", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-22)
        self.set_font("Helvetica", size=9)
        self.cell(0, 6, f"Internal use only - version {self.page_no()}.0", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def _body(pdf: fpdf.FPDF, size: int = 11) -> None:
    pdf.set_font("Helvetica", size=size)


def _heading(pdf: fpdf.FPDF, text: str, size: int) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _paragraph(pdf: fpdf.FPDF, text: str) -> None:
    _body(pdf)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _line(pdf: fpdf.FPDF, text: str) -> None:
    _body(pdf)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


@pytest.fixture(scope="module")
def policy_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = _Policy()
    pdf.add_page()
    _heading(pdf, "Annual Leave Policy", 22)
    _heading(pdf, "1. Purpose", 15)
    _paragraph(pdf, LOREM)
    _heading(pdf, "Who is covered", 11)
    for item in ("- full-time staff", "- part-time staff, pro rata", "1. agency workers are not covered"):
        _line(pdf, item)
    pdf.ln(4)
    _heading(pdf, "2. Requests", 15)
    _paragraph(pdf, "A request for leave of more than ten consecutive working days must be made at least "
                    "one month ahead, so that the team can plan cover for the absence.")
    for page in range(3):
        pdf.add_page()
        _heading(pdf, f"{page + 3}. Part {'ABC'[page]} of the rules", 15)
        _paragraph(pdf, f"Page {page + 2} text: " + " ".join(LOREM.split()[page * 5:]))
    path = tmp_path_factory.mktemp("pdf") / "policy.pdf"
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def policy(policy_pdf: Path) -> Document:
    return read_document(policy_pdf)


def _word_location(doc: Document, word: str) -> tuple[int | None, int | None]:
    block = next(b for b in doc.blocks if re.search(rf"\b{word}\b", b.text))
    location = block.locate(re.search(rf"\b{word}\b", block.text).start())
    return location.page, location.line


def test_document_basics(policy: Document) -> None:
    assert policy.format == "pdf"
    assert policy.pages == 4
    assert policy.complete and not policy.problems
    assert policy.title == "Annual Leave Policy"
    assert policy.blocks[1].role == Role.TITLE and policy.blocks[1].level == 1


def test_header_and_footer_emitted_once_and_page_numbers_dropped(policy: Document) -> None:
    edges = [(b.role, b.text, b.location.page, b.location.line) for b in policy.blocks
             if b.role in Role.MARGINS]
    assert edges == [(Role.HEADER, "ACME Corp - Leave Policy v3", 1, 1),
                     (Role.FOOTER, "Internal use only - version 1.0", 1, edges[1][3])]
    assert policy.blocks[0].role == Role.HEADER
    assert not any("Page 1 of" in b.text for b in policy.blocks)


@pytest.mark.parametrize(("text", "dropped"), [
    ("3", True), ("Page 3 of 7", True), ("- 12 -", True), ("iv", True), ("3/7", True),
    ("Civil", False), ("Article 3", False), ("1.2", False),
])
def test_page_number_pattern(text: str, dropped: bool) -> None:
    assert bool(pdf_reader._PAGE_NUMBER.fullmatch(text)) is dropped


def test_headings_levels_and_sections(policy: Document) -> None:
    headings = {b.text: b for b in policy.blocks if b.role == Role.HEADING}
    assert headings["1. Purpose"].level == 2
    assert headings["Who is covered"].level == 3
    assert headings["4. Part B of the rules"].level == 2
    assert headings["Who is covered"].section == ("Annual Leave Policy", "1. Purpose")
    assert headings["2. Requests"].section == ("Annual Leave Policy",)
    last = policy.blocks[-1]
    assert last.role == Role.PARAGRAPH and last.section == ("Annual Leave Policy", "5. Part C of the rules")


def test_list_items_strip_markers(policy: Document) -> None:
    items = [b for b in policy.blocks if b.role == Role.LIST_ITEM]
    assert [b.text for b in items] == ["full-time staff", "part-time staff, pro rata",
                                       "agency workers are not covered"]
    assert items[0].location.column == 3 and items[2].location.column == 4
    assert items[0].anchors[0][1].line + 1 == items[1].anchors[0][1].line


def test_paragraph_spanning_lines_is_one_block(policy: Document) -> None:
    block = next(b for b in policy.blocks if b.text.startswith("Employees are entitled"))
    assert block.text == LOREM
    assert len(block.anchors) >= 2
    assert [a[1].page for a in block.anchors] == [1] * len(block.anchors)
    lines = [a[1].line for a in block.anchors]
    assert lines == list(range(lines[0], lines[0] + len(lines)))
    assert all(block.text[offset - 1] == " " for offset, _ in block.anchors[1:])
    assert _word_location(policy, "Employees") == (1, lines[0])
    assert _word_location(policy, "approval") == (1, lines[-1])


def test_locate_on_later_page(policy: Document) -> None:
    page, line = _word_location(policy, "Part C")
    assert page == 4 and line == 2  # line 1 is the running header


def _pdf(path: Path, pages: list[str], **encryption: str) -> Path:
    pdf = fpdf.FPDF()
    for text in pages:
        pdf.add_page()
        _paragraph(pdf, text)
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.output(str(path))
    return path


def test_image_only_page_reports_pl004(tmp_path: Path) -> None:
    from PIL import Image

    pdf = fpdf.FPDF()
    for number in range(1, 4):
        pdf.add_page()
        if number == 2:
            pdf.image(Image.new("RGB", (40, 20), "gray"), x=20, y=20, w=80)
        else:
            _paragraph(pdf, f"Text on page {number}.")
    pdf.add_page()  # blank page: no problem
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    doc = read_document(path)
    assert doc.pages == 4 and not doc.complete
    assert [(p.code, p.location.page) for p in doc.problems] == [("PL004", 2)]
    assert "page 2" in doc.problems[0].message
    assert [b.text for b in doc.blocks] == ["Text on page 1.", "Text on page 3."]


def test_user_password_is_pl003(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "locked.pdf", ["Secret text."], owner_password="owner", user_password="user")
    with pytest.raises(ReadError) as error:
        read_document(path)
    assert error.value.code == "PL003"


def test_owner_password_only_reads(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "owner.pdf", ["Readable text."], owner_password="owner")
    assert [b.text for b in read_document(path).blocks] == ["Readable text."]


def _mangled(path: Path) -> list[bytes]:
    data = path.read_bytes()
    middle = len(data) // 2
    return [data[:middle], data[:middle] + b"\x00garbage\xff" * 50 + data[middle + 500:], data[:200]]


def test_truncated_and_garbled_never_crash(policy_pdf: Path, tmp_path: Path) -> None:
    for number, data in enumerate(_mangled(policy_pdf)):
        path = tmp_path / f"broken{number}.pdf"
        path.write_bytes(data)
        try:
            doc = read_document(path)
        except ReadError as error:
            assert error.code == "PL001"
        else:
            assert all(p.code in ("PL004", "PL007") for p in doc.problems)


def test_over_max_pages_is_pl005(policy_pdf: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_document(policy_pdf, Limits(max_pages=3))
    assert error.value.code == "PL005"


def test_page_that_fails_is_pl007(policy_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = pdf_reader._page_lines

    def failing(textpage, raw, page, rotation):  # type: ignore[no-untyped-def]
        if page == 2:
            raise ValueError("broken content stream")
        return lines(textpage, raw, page, rotation)

    monkeypatch.setattr(pdf_reader, "_page_lines", failing)
    doc = read_document(policy_pdf)
    assert [(p.code, p.location.page) for p in doc.problems] == [("PL007", 2)]
    assert doc.problems[0].message == "page 2 could not be read: broken content stream"
    assert not doc.complete and doc.pages == 4
    assert {b.location.page for b in doc.blocks} == {1, 3, 4}


@pytest.mark.skipif(not (FONTS / "DejaVuSans.ttf").is_file(), reason="DejaVu fonts not installed")
def test_unicode_bullets_and_ligatures(tmp_path: Path) -> None:
    pdf = fpdf.FPDF()
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for text in ("\u2022 the \ufb01nance team", "\u2013 office staff", "a) all others"):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "bullets.pdf"
    pdf.output(str(path))
    blocks = read_document(path).blocks
    assert [(b.role, b.text, b.location.column) for b in blocks] == [
        (Role.LIST_ITEM, "the finance team", 3), (Role.LIST_ITEM, "office staff", 3), (Role.LIST_ITEM, "all others", 4)]


def test_text_cleaning() -> None:
    assert pdf_reader._clean("\x00of\ufb01ce\tso\u00adft \x07 ") == "office soft"
    assert pdf_reader._garbled("\ufffd\ufffd\ue000 ab")
    assert not pdf_reader._garbled("ordinary text\ufffe")


@pytest.mark.parametrize("content_turned", [False, True], ids=["sideways", "landscape"])
def test_rotated_page_keeps_reading_order(tmp_path: Path, content_turned: bool) -> None:
    """/Rotate 90 on a page, with the content drawn either upright in user
    space (so it shows sideways) or turned (a landscape page that shows upright)."""
    import pypdfium2 as pdfium

    pdf = fpdf.FPDF()
    pdf.add_page()
    _body(pdf)
    if content_turned:
        with pdf.rotation(90, x=105, y=148.5):  # a 297 x 210 mm page turned into the portrait page
            pdf.set_xy(-33.5, 53.5)
            pdf.multi_cell(277, 6, LOREM + " " + LOREM)
    else:
        pdf.multi_cell(0, 6, LOREM)
    source = tmp_path / "source.pdf"
    pdf.output(str(source))
    rotated = tmp_path / "rotated.pdf"
    document = pdfium.PdfDocument(source)
    try:
        page = document[0]
        page.set_rotation(90)
        page.close()
        document.save(rotated)
    finally:
        document.close()
    doc = read_document(rotated)
    assert [b.text for b in doc.blocks] == [LOREM + " " + LOREM if content_turned else LOREM]
    lines = [a[1].line for a in doc.blocks[0].anchors]
    assert len(lines) >= 2 and lines == list(range(1, len(lines) + 1))


def _manifest() -> dict[str, str]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        return {row["file"]: row["what_is_special"] for row in csv.DictReader(fh, delimiter="\t")}


CORPUS_PDFS = sorted((CORPUS / "pdf").glob("*.pdf")) if (CORPUS / "pdf").is_dir() else []


@pytest.mark.skipif(not CORPUS_PDFS, reason="shared corpus not present")
@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.name)
def test_corpus(path: Path) -> None:
    special = _manifest().get(f"pdf/{path.name}", "")
    try:
        doc = read_document(path)
    except ReadError as error:
        assert error.code in ("PL001", "PL003"), special
        assert "user pw" in special or "protected" in special.lower(), special
        return
    assert doc.pages and doc.pages >= 1
    for block in doc.blocks:
        assert block.text and block.anchors and block.anchors[0][0] == 0
        assert all(0 <= offset < len(block.text) for offset, _ in block.anchors)
    if "image-only" in special or "image only" in special:
        assert [p.code for p in doc.problems] == ["PL004"]
    if "owner-password" in special or "owner password only" in special:
        assert doc.blocks
    if "41-page" in special:
        assert doc.pages == 41 and doc.title == "RETHINKING THE FINANCIAL NETWORK"
    if "(cid:N)" in special:
        assert "(cid:" not in doc.text and doc.complete
