"""Tests for the DOCX reader. Every tricky input is built here, in tmp_path."""

from __future__ import annotations

import csv
import time
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from policylint.document import Document, Limits, ReadError, Role
from policylint.readers import docx as reader
from policylint.readers import read_document

CORPUS = Path("/work/shared/corpus")

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f'xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


# -- building packages ---------------------------------------------------------


def para(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def document_xml(*body: str, root: str = "document", prolog: str = "") -> str:
    inner = "".join(body)
    content = f"<w:body>{inner}</w:body>" if root == "document" else inner
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f"<w:{root} {NAMESPACES}>{content}</w:{root}>")


def write_package(path: Path, document: str, *, parts: dict[str, str] | None = None,
                  rels: list[tuple[str, str, str]] | None = None,
                  main: str = "word/document.xml", main_type: str = DOCUMENT_CT,
                  compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A minimal Word package written by hand, for XML python-docx cannot make.
    ``rels`` are the main part's relationships: (id, type suffix, target)."""
    folder, name = main.rsplit("/", 1)
    rel_xml = "".join(f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"/>'
                      for rid, kind, target in rels or [])
    members = {
        "[Content_Types].xml":
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/{main}" '
            f'ContentType="{main_type}"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument"'
            f' Target="{main}"/></Relationships>',
        main: document,
        f"{folder}/_rels/{name}.rels":
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{rel_xml}</Relationships>',
        **(parts or {}),
    }
    with zipfile.ZipFile(path, "w", compression) as zf:
        for member, text in members.items():
            zf.writestr(member, text.encode("utf-8"))
    return path


def read(path: Path, limits: Limits | None = None) -> Document:
    return reader.read(path, limits or Limits())


def texts(doc: Document, role: str | None = None) -> list[str]:
    return [b.text for b in doc.blocks if role is None or b.role == role]


def p_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


# -- structure -------------------------------------------------------------------


def test_headings_title_and_section_chain(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("Leave Policy", 0)
    d.add_paragraph("Intro.")
    d.add_heading("Scope", 1)
    d.add_paragraph("Applies to staff.")
    d.add_heading("Exceptions", 2)
    d.add_paragraph("None apply.")
    d.add_heading("Procedure", 1)
    d.add_paragraph("Ask your manager.")
    path = tmp_path / "h.docx"
    d.save(path)

    doc = read(path)

    got = [(b.text, b.role, b.level, b.section) for b in doc.blocks]
    assert got == [
        ("Leave Policy", Role.TITLE, None, ()),
        ("Intro.", Role.PARAGRAPH, None, ()),
        ("Scope", Role.HEADING, 1, ()),
        ("Applies to staff.", Role.PARAGRAPH, None, ("Scope",)),
        ("Exceptions", Role.HEADING, 2, ("Scope",)),
        ("None apply.", Role.PARAGRAPH, None, ("Scope", "Exceptions")),
        ("Procedure", Role.HEADING, 1, ()),
        ("Ask your manager.", Role.PARAGRAPH, None, ("Procedure",)),
    ]
    assert doc.title == "Leave Policy"
    assert doc.format == "docx" and doc.complete and not doc.problems
    assert [b.location.paragraph for b in doc.blocks] == list(range(1, 9))
    assert all(b.location.part == "body" and b.anchors == ((0, b.location),) for b in doc.blocks)


def test_outline_levels_and_inherited_heading_styles(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("Top", 1)
    custom = d.styles.add_style("Policy Sub", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = d.styles["Heading 2"]
    d.add_paragraph("Via style chain", style="Policy Sub")
    direct = d.add_paragraph("Via outline level")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "2")
    direct._p.get_or_add_pPr().append(outline)
    d.add_paragraph("Body")
    path = tmp_path / "o.docx"
    d.save(path)

    doc = read(path)

    assert [(b.role, b.level) for b in doc.blocks] == [
        (Role.HEADING, 1), (Role.HEADING, 2), (Role.HEADING, 3), (Role.PARAGRAPH, None)]
    assert doc.blocks[-1].section == ("Top", "Via style chain", "Via outline level")
    assert doc.title == "Top"  # no Title paragraph, no core title: the first heading


def test_list_items(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Bullet from style numbering", style="List Bullet")
    d.add_paragraph("Named list style", style="List Paragraph")
    numbered = d.add_paragraph("Direct numbering")
    num_pr = OxmlElement("w:numPr")
    num_id = OxmlElement("w:numId")
    num_id.set(qn("w:val"), "1")
    num_pr.append(num_id)
    numbered._p.get_or_add_pPr().append(num_pr)
    d.add_paragraph("Plain")
    path = tmp_path / "l.docx"
    d.save(path)

    assert [b.role for b in read(path).blocks] == [Role.LIST_ITEM, Role.LIST_ITEM, Role.LIST_ITEM, Role.PARAGRAPH]


def test_merged_cells_are_read_once(tmp_path: Path) -> None:
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Across"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "Down"
    table.cell(2, 0).text = "Plain"
    path = tmp_path / "m.docx"
    d.save(path)
    # python-docx's row.cells repeats merged cells: the trap the reader avoids.
    assert sum(c.text == "Across" for row in table.rows for c in row.cells) == 2

    doc = read(path)

    assert texts(doc) == ["Across", "Down", "Plain"]
    assert {b.role for b in doc.blocks} == {Role.TABLE_CELL}


def test_nested_table(tmp_path: Path) -> None:
    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Outer"
    inner = outer.cell(0, 0).add_table(rows=2, cols=1)
    inner.cell(0, 0).text = "Inner one"
    inner.cell(1, 0).text = "Inner two"
    outer.cell(0, 1).text = "Right"
    d.add_paragraph("After")
    path = tmp_path / "n.docx"
    d.save(path)

    doc = read(path)

    assert [(b.text, b.role) for b in doc.blocks] == [
        ("Outer", Role.TABLE_CELL), ("Inner one", Role.TABLE_CELL), ("Inner two", Role.TABLE_CELL),
        ("Right", Role.TABLE_CELL), ("After", Role.PARAGRAPH)]


def test_content_controls(tmp_path: Path) -> None:
    body = (
        "<w:sdt><w:sdtPr><w:alias w:val='Clause'/></w:sdtPr><w:sdtContent>"
        + para("First controlled") + para("Second controlled")
        + "</w:sdtContent></w:sdt>"
        + "<w:p><w:r><w:t xml:space='preserve'>Name: </w:t></w:r><w:sdt><w:sdtPr/>"
        "<w:sdtContent><w:r><w:t>Jane</w:t></w:r></w:sdtContent></w:sdt></w:p>"
    )
    path = write_package(tmp_path / "c.docx", document_xml(body))

    assert texts(read(path)) == ["First controlled", "Second controlled", "Name: Jane"]


def test_tracked_changes(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><w:t xml:space='preserve'>Staff </w:t></w:r>"
        "<w:ins w:id='1' w:author='A'><w:r><w:t xml:space='preserve'>must </w:t></w:r></w:ins>"
        "<w:del w:id='2' w:author='A'><w:r><w:delText xml:space='preserve'>may </w:delText>"
        "</w:r></w:del><w:r><w:t>report.</w:t></w:r></w:p>"
        "<w:p><w:del w:id='3' w:author='A'><w:r><w:delText>Gone entirely</w:delText></w:r>"
        "</w:del></w:p>"
        "<w:p><w:moveFrom w:id='4' w:author='A'><w:r><w:t>Moved text</w:t></w:r></w:moveFrom></w:p>"
        "<w:p><w:moveTo w:id='5' w:author='A'><w:r><w:t>Moved text</w:t></w:r></w:moveTo></w:p>"
    )
    path = write_package(tmp_path / "t.docx", document_xml(body))

    assert texts(read(path)) == ["Staff must report.", "Moved text"]


TEXT_BOX_RUN = (
    "<w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing><wp:anchor>"
    "<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>{inner}</w:txbxContent>"
    "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{inner}</w:txbxContent>"
    "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


def test_text_box_read_once_after_its_paragraph(tmp_path: Path) -> None:
    box = TEXT_BOX_RUN.format(inner=para("Boxed one") + para("Boxed two"))
    body = (f"<w:p><w:r><w:t xml:space='preserve'>Before </w:t></w:r>{box}"
            "<w:r><w:t>after.</w:t></w:r></w:p>" + para("Next"))
    path = write_package(tmp_path / "tb.docx", document_xml(body))

    doc = read(path)

    assert [(b.text, b.role) for b in doc.blocks] == [
        ("Before after.", Role.PARAGRAPH), ("Boxed one", Role.TEXTBOX), ("Boxed two", Role.TEXTBOX),
        ("Next", Role.PARAGRAPH)]


def test_paragraph_text_details(tmp_path: Path) -> None:
    body = (
        # tabs collapse to one space; breaks become spaces; non-breaking hyphen
        "<w:p><w:r><w:t>Name:</w:t><w:tab/><w:tab/><w:t xml:space='preserve'>\tX</w:t>"
        "<w:br/><w:t>well</w:t><w:noBreakHyphen/><w:t>being</w:t><w:cr/><w:t>end</w:t></w:r></w:p>"
        # complex field: instruction out, result in; nested field inside the instruction
        "<w:p><w:r><w:t xml:space='preserve'>See page </w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType='begin'/></w:r>"
        "<w:r><w:instrText xml:space='preserve'> PAGEREF _Toc1 \\h </w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText>QUOTE</w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType='separate'/></w:r><w:r><w:t>hidden</w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType='end'/></w:r>"
        "<w:r><w:fldChar w:fldCharType='separate'/></w:r><w:r><w:t>7</w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType='end'/></w:r><w:r><w:t>.</w:t></w:r></w:p>"
        # simple field and hyperlink
        "<w:p><w:fldSimple w:instr='DATE'><w:r><w:t>1 May</w:t></w:r></w:fldSimple>"
        "<w:hyperlink r:id='rId9'><w:r><w:t xml:space='preserve'> intranet</w:t></w:r>"
        "</w:hyperlink></w:p>"
        # symbols: a real code point kept, symbol-font private use dropped
        "<w:p><w:r><w:t>A</w:t><w:sym w:font='Symbol' w:char='F0B3'/><w:sym w:font='Arial' "
        "w:char='2265'/><w:t>B</w:t></w:r></w:p>"
        # ruby: base text, not the phonetic guide
        "<w:p><w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>とうきょう</w:t></w:r></w:rt>"
        "<w:rubyBase><w:r><w:t>東京</w:t></w:r></w:rubyBase></w:ruby></w:r></w:p>"
        # office math text
        "<w:p><w:r><w:t xml:space='preserve'>Rate </w:t></w:r><m:oMath><m:r><m:t>x+1</m:t>"
        "</m:r></m:oMath></w:p>"
        # whitespace only: no block
        "<w:p><w:r><w:t xml:space='preserve'>   </w:t><w:tab/></w:r></w:p>"
    )
    path = write_package(tmp_path / "x.docx", document_xml(body))

    assert texts(read(path)) == ["Name: X well-being end", "See page 7.", "1 May intranet",
                                 "A≥B", "東京", "Rate x+1"]


def test_headers_and_footers_follow_the_body(tmp_path: Path) -> None:
    d = docx.Document()
    first = d.sections[0]
    first.header.paragraphs[0].text = "Company confidential"
    first.footer.paragraphs[0].text = "Page footer"
    first.different_first_page_header_footer = True
    first.first_page_header.paragraphs[0].text = "Cover header"
    d.add_paragraph("Body one")
    d.add_section(WD_SECTION.NEW_PAGE)  # refers to the same header and footer parts
    d.add_paragraph("Body two")
    third = d.add_section(WD_SECTION.NEW_PAGE)
    third.header.is_linked_to_previous = True  # drop the shared default header ...
    third.header.is_linked_to_previous = False  # ... and give it a part of its own
    third.header.paragraphs[0].text = "Appendix header"
    path = tmp_path / "hf.docx"
    d.save(path)

    doc = read(path)

    got = [(b.text, b.role, b.location.part, b.section) for b in doc.blocks]
    assert got == [
        ("Body one", Role.PARAGRAPH, "body", ()),
        ("Body two", Role.PARAGRAPH, "body", ()),
        ("Company confidential", Role.HEADER, "header", ()),
        ("Cover header", Role.HEADER, "header", ()),
        ("Appendix header", Role.HEADER, "header", ()),
        ("Page footer", Role.FOOTER, "footer", ()),
    ]
    assert [b.location.paragraph for b in doc.blocks] == list(range(1, 7))


NOTES = (
    "<w:{kind} w:type='separator' w:id='-1'><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>"
    "<w:{kind} w:type='continuationSeparator' w:id='0'><w:p><w:r><w:t>sep</w:t></w:r></w:p>"
    "</w:{kind}><w:{kind} w:id='1'>{body}</w:{kind}>"
)


def test_footnotes_and_endnotes(tmp_path: Path) -> None:
    body = ("<w:p><w:r><w:t>Claim</w:t></w:r><w:r><w:footnoteReference w:id='1'/></w:r></w:p>"
            "<w:sectPr><w:headerReference w:type='default' r:id='rId1'/></w:sectPr>")
    path = write_package(
        tmp_path / "fn.docx", document_xml(body),
        parts={
            "word/header1.xml": document_xml(para("Head"), root="hdr"),
            "word/footnotes.xml": document_xml(
                NOTES.format(kind="footnote", body=para("Source: HR") + para("Second para")),
                root="footnotes"),
            "word/endnotes.xml": document_xml(
                NOTES.format(kind="endnote", body=para("End remark")), root="endnotes"),
        },
        rels=[("rId1", "header", "header1.xml"), ("rId2", "endnotes", "endnotes.xml"),
              ("rId3", "footnotes", "footnotes.xml")])

    doc = read(path)

    assert [(b.text, b.role, b.location.part) for b in doc.blocks] == [
        ("Claim", Role.PARAGRAPH, "body"), ("Head", Role.HEADER, "header"),
        ("Source: HR", Role.FOOTNOTE, "footnote"), ("Second para", Role.FOOTNOTE, "footnote"),
        ("End remark", Role.ENDNOTE, "endnote")]
    assert doc.blocks[2].handle == ("/word/footnotes.xml", 2)


def test_handles_find_the_paragraph_again(tmp_path: Path) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "Header line"
    d.add_paragraph("")
    d.add_heading("Purpose", 1)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 1).text = "Cell text"
    d.add_paragraph("Closing words")
    path = tmp_path / "hd.docx"
    d.save(path)

    doc = read(path)

    package = docx.Document(str(path)).part.package
    parts = {str(part.partname): part for part in package.iter_parts()}
    for block in doc.blocks:
        partname, index = block.handle
        paragraphs = list(parts[partname].element.iter(qn("w:p")))
        assert p_text(paragraphs[index]).strip() == block.text
    assert {b.handle[0] for b in doc.blocks} == {"/word/document.xml", "/word/header1.xml"}


def test_bold_lines_become_headings_only_when_safe(tmp_path: Path) -> None:
    def build(name: str, *lines: tuple[str, bool], heading: bool = False) -> Document:
        d = docx.Document()
        if heading:
            d.add_heading("Styled", 1)
        for text, bold in lines:
            d.add_paragraph().add_run(text).bold = bold
        d.save(tmp_path / name)
        return read(tmp_path / name)

    doc = build("b1.docx", ("Annual Leave", True), ("Staff get 25 days.", False),
                ("Ends with a period.", True), ("More text here.", False),
                ("Form field", True), ("Another field", True), ("Value", False))
    assert [(b.text, b.role, b.level) for b in doc.blocks if b.role == Role.HEADING] == [
        ("Annual Leave", Role.HEADING, 3)]
    assert doc.blocks[1].section == ("Annual Leave",)

    doc = build("b2.docx", ("Annual Leave", True), ("Staff get 25 days.", False), heading=True)
    assert [b.text for b in doc.blocks if b.role == Role.HEADING] == ["Styled"]


def test_title_from_core_properties(tmp_path: Path) -> None:
    d = docx.Document()
    d.core_properties.title = "Remote Work Policy"
    d.add_heading("Scope", 1)
    d.save(tmp_path / "t1.docx")
    assert read(tmp_path / "t1.docx").title == "Remote Work Policy"

    d.core_properties.title = "Normal.dot"  # a template's file name is no title
    d.save(tmp_path / "t2.docx")
    assert read(tmp_path / "t2.docx").title == "Scope"


def test_empty_document(tmp_path: Path) -> None:
    docx.Document().save(tmp_path / "e.docx")
    doc = read(tmp_path / "e.docx")
    assert doc.blocks == () and doc.title is None and doc.complete


@pytest.mark.parametrize("suffix, content_type", [
    (".dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
    (".docm", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    (".dotm", "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"),
])
def test_templates_and_macro_documents_are_read(tmp_path: Path, suffix: str,
                                                content_type: str) -> None:
    path = write_package(tmp_path / f"t{suffix}", document_xml(para("Template text")),
                         main_type=content_type)
    assert texts(read_document(path)) == ["Template text"]


def test_main_part_found_through_relationships(tmp_path: Path) -> None:
    path = write_package(tmp_path / "r.docx", document_xml(para("Elsewhere")),
                         main="content/main.xml")
    doc = read(path)
    assert texts(doc) == ["Elsewhere"] and doc.blocks[0].handle == ("/content/main.xml", 0)


def test_strict_ooxml(tmp_path: Path) -> None:
    strict_w = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    xml = document_xml(
        para("Strict heading", "Heading1"),
        "<w:tbl><w:tr><w:tc>" + para("Strict cell") + "</w:tc></w:tr></w:tbl>"
    ).replace(W_NS, strict_w)
    path = write_package(tmp_path / "s.docx", xml)
    with zipfile.ZipFile(path) as zf:  # Strict relationship type for the main part
        members = {n: zf.read(n) for n in zf.namelist()}
    members["_rels/.rels"] = members["_rels/.rels"].replace(
        REL.encode(), b"http://purl.oclc.org/ooxml/officeDocument/relationships")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)

    doc = read(path)

    assert [(b.text, b.role, b.level) for b in doc.blocks] == [
        ("Strict heading", Role.HEADING, 1), ("Strict cell", Role.TABLE_CELL, None)]


# -- damaged parts ---------------------------------------------------------------


def test_missing_header_part_is_a_problem_not_a_failure(tmp_path: Path) -> None:
    body = para("Body") + "<w:sectPr><w:headerReference w:type='default' r:id='rId1'/></w:sectPr>"
    path = write_package(tmp_path / "mh.docx", document_xml(body),
                         rels=[("rId1", "header", "header1.xml")])

    doc = read(path)

    assert texts(doc) == ["Body"]
    assert not doc.complete
    assert [p.code for p in doc.problems] == ["PL007"]
    assert "/word/header1.xml" in doc.problems[0].message


def test_alt_chunk_and_subdocument_are_reported(tmp_path: Path) -> None:
    body = para("Master") + "<w:altChunk r:id='rId1'/><w:subDoc r:id='rId2'/>"
    doc = read(write_package(tmp_path / "ac.docx", document_xml(body)))
    assert texts(doc) == ["Master"] and not doc.complete
    assert len(doc.problems) == 2 and {p.code for p in doc.problems} == {"PL007"}


# -- hostile and broken files ----------------------------------------------------


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY y SYSTEM "file://{secret}">')
    hostname = Path("/etc/hostname")
    leaks = ["TOP-SECRET-VALUE"]
    entities = f'<!ENTITY x SYSTEM "file://{secret}">'
    refs = "&x;"
    if hostname.is_file() and hostname.read_text().strip():
        leaks.append(hostname.read_text().strip())
        entities += '<!ENTITY h SYSTEM "file:///etc/hostname">'
        refs += "&h;"
    for name, prolog, body in [
        ("inline.docx", f"<!DOCTYPE w:document [{entities}]>", f"Value: [{refs}]"),
        ("external-dtd.docx", f'<!DOCTYPE w:document SYSTEM "file://{dtd}">', "Value: [&y;]"),
    ]:
        xml = document_xml(f"<w:p><w:r><w:t>{body}</w:t></w:r></w:p>", prolog=prolog)
        path = write_package(tmp_path / name, xml)
        try:
            doc = read(path)
        except ReadError as exc:
            assert exc.code == "PL001"
            continue
        assert texts(doc) == ["Value: []"]
        assert not any(leak in doc.text for leak in leaks)


def test_entity_expansion_bomb_is_not_expanded(tmp_path: Path) -> None:
    entities = '<!ENTITY a "HAHAHAHAHA">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    xml = document_xml("<w:p><w:r><w:t>Laugh &i;</w:t></w:r></w:p>",
                       prolog=f"<!DOCTYPE w:document [{entities}]>")
    started = time.perf_counter()
    try:
        doc = read(write_package(tmp_path / "lol.docx", xml))
    except ReadError as exc:
        assert exc.code == "PL001"
    else:
        assert len(doc.text) < 100
    assert time.perf_counter() - started < 2


def test_truncated_zip(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Some text")
    d.save(tmp_path / "full.docx")
    data = (tmp_path / "full.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])

    with pytest.raises(ReadError) as err:
        read(tmp_path / "cut.docx")
    assert err.value.code == "PL001" and "corrupt or truncated DOCX" in err.value.reason
    assert err.value.hint


def test_crc_error_in_main_part(tmp_path: Path) -> None:
    path = write_package(tmp_path / "crc.docx", document_xml(para("Original words")),
                         compression=zipfile.ZIP_STORED)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Original words", b"Tampered words"))

    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.code == "PL001" and "CRC" in err.value.reason


def test_malformed_main_xml(tmp_path: Path) -> None:
    path = write_package(tmp_path / "bad.docx", document_xml(para("x")).replace("</w:body>", ""))
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.code == "PL001"


def test_missing_main_part(tmp_path: Path) -> None:
    path = write_package(tmp_path / "nomain.docx", document_xml(para("x")))
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "word/document.xml"}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.code == "PL001" and "/word/document.xml" in err.value.reason


@pytest.mark.parametrize("main, content_type, expected", [
    ("xl/workbook.xml",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "Excel"),
    ("theme/theme/themeManager.xml",
     "application/vnd.openxmlformats-officedocument.themeManager+xml", "theme"),
])
def test_other_office_packages(tmp_path: Path, main: str, content_type: str,
                               expected: str) -> None:
    path = write_package(tmp_path / "other.docx", "<workbook/>", main=main,
                         main_type=content_type)
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert err.value.code == "PL008" and expected in err.value.reason


def test_zip_that_is_no_office_package(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "just text")
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert err.value.code == "PL008"
    assert err.value.reason.startswith("not a Word document: it is a plain zip archive")


def test_zip_bomb_member_is_refused_without_inflating(tmp_path: Path) -> None:
    path = write_package(tmp_path / "bomb.docx", document_xml(para("Tiny")))
    with (zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
          zf.open("word/media/zeros.bin", "w", force_zip64=True) as fh):
        for _ in range(200):  # 200 MB of zeros, streamed: about 200 KB on disk
            fh.write(bytes(1 << 20))
    assert path.stat().st_size < 2_000_000

    started = time.perf_counter()
    with pytest.raises(ReadError) as err:
        read(path)
    assert time.perf_counter() - started < 0.5
    assert err.value.code == "PL005" and "zeros.bin" in err.value.reason


def test_compression_ratio_and_total_size_limits(tmp_path: Path) -> None:
    path = write_package(tmp_path / "ratio.docx", document_xml(para("Tiny")))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/media/zeros.bin", bytes(2 << 20))
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.code == "PL005" and "compression ratio" in err.value.reason

    small = write_package(tmp_path / "total.docx", document_xml(para("Tiny")))
    with pytest.raises(ReadError) as err:
        read(small, Limits(max_total_bytes=500))
    assert err.value.code == "PL005" and "inflate to" in err.value.reason


def test_block_limit(tmp_path: Path) -> None:
    path = write_package(tmp_path / "many.docx", document_xml(*(para(f"P{i}") for i in range(5))))
    assert len(read(path, Limits(max_blocks=5)).blocks) == 5
    with pytest.raises(ReadError) as err:
        read(path, Limits(max_blocks=4))
    assert err.value.code == "PL005"


FUZZ_BODY = (para("Title", "Title") + "<w:tbl><w:tr><w:tc>" + para("Cell")
             + "</w:tc></w:tr></w:tbl>" + "<w:p><w:ins w:id='1'><w:r><w:t>In</w:t></w:r></w:ins>"
             + TEXT_BOX_RUN.format(inner=para("Box")) + "</w:p>"
             + "<w:sectPr><w:headerReference w:type='default' r:id='rId1'/></w:sectPr>")


def damage(data: st.DataObject, buffer: bytearray, most: int) -> None:
    """Overwrite up to ``most`` bytes of ``buffer`` with drawn values."""
    for _ in range(data.draw(st.integers(1, most))):
        buffer[data.draw(st.integers(0, len(buffer) - 1))] = data.draw(st.integers(0, 255))


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["xml", "zip"]), data=st.data())
def test_damaged_files_give_a_document_or_a_read_error(tmp_path: Path, where: str,
                                                       data: st.DataObject) -> None:
    xml = bytearray(document_xml(FUZZ_BODY).encode())
    if where == "xml":
        damage(data, xml, 4)
    path = write_package(tmp_path / "fuzz.docx", xml.decode("utf-8", "replace"),
                         compression=zipfile.ZIP_STORED,
                         parts={"word/header1.xml": document_xml(para("Head"), root="hdr")},
                         rels=[("rId1", "header", "header1.xml")])
    if where == "zip":
        package = bytearray(path.read_bytes())
        damage(data, package, 8)
        path.write_bytes(bytes(package))
    try:
        result = read(path)
    except ReadError as exc:
        assert exc.code in {"PL001", "PL008"}
        assert not exc.reason.startswith("unreadable DOCX ("), exc.reason  # no surprise errors
    else:
        assert isinstance(result, Document)


# -- real-world corpus -----------------------------------------------------------


def corpus_files() -> list[Path]:
    folder = CORPUS / "docx"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def nonspace(doc: Document) -> int:
    return sum(len("".join(b.text.split())) for b in doc.blocks)


def check_expectation(name: str, doc: Document) -> None:
    """What MANIFEST.tsv says is special about a file, where it can be made precise."""
    body = [b for b in doc.blocks if b.location.part == "body"]
    if name == "pydocx__tbl-cell-access.docx":
        assert nonspace(doc) == 31  # merged cells once (row.cells gives 36)
    elif name == "d2p__240-DOP-1013A Lay Down Tubulars.docx":
        assert 6800 <= nonspace(doc) <= 7100 and {b.role for b in doc.blocks} == {Role.TABLE_CELL}
    elif name == "d2p__ControlTest.docx":
        assert texts(doc) == ["This is a test",
                              "For a content control or content container in word."]
    elif name == "mammoth__footnotes.docx":
        assert len(texts(doc, Role.FOOTNOTE)) == 2 and all(texts(doc, Role.FOOTNOTE))
    elif name == "mammoth__text-box.docx":
        assert texts(doc) == ["Datum plane"] and doc.blocks[0].role == Role.TEXTBOX
    elif name == "tika__testWORD_text_box.docx":
        assert doc.text.count("inside of a text box in the body") == 1
        assert doc.text.count("inside of a text box in the header") == 1
    elif name in ("pydocx__doc-odd-even-hdrs.docx", "pydocx__sct-first-page-hdrftr.docx"):
        assert texts(doc, Role.HEADER)
        parts = [b.location.part for b in doc.blocks]
        assert parts == sorted(parts, key=["body", "header", "footer"].index)
    elif name == "poi__EmptyDocumentWithHeaderFooter.docx":
        assert not body and {b.role for b in doc.blocks} == {Role.HEADER, Role.FOOTER}
    elif name == "poi__delins.docx":
        assert 1000 <= nonspace(doc) <= 1200  # ~1.47k with the ~370 deleted characters
    elif name == "poi__Tika-792.docx":
        assert doc.blocks == ()  # only deletions and a move source
    elif name == "tika__testWORD_phonetic.docx":
        assert texts(doc) == ["東京"]
    elif name == "d2p__strict.docx":
        assert nonspace(doc) == 52
    elif name == "d2p__symbols.docx":
        # the Webdings / Symbol-font w:sym code points (private use) add nothing
        assert texts(doc) == ["\u2260\u221e\xd7\xf7\u2265\u2264\xb1\u2122\xae\xa9\xa5"
                              "\xa3\u20ac\xb5\u03b1\u03b2\u03c0\u2126\u2211"]
    elif name == "poi__ExternalEntityInText.docx":
        assert texts(doc) == ['Here should not be the POI web site: ""']
    elif name == "d2p__renamed_document_xml.docx":
        assert doc.blocks[0].handle[0] == "/word/blah_blah.xml"
    elif name == "poi__OPCCompliance_DerivedPartNameFAIL.docx":
        assert nonspace(doc) == 1031  # the missing image does not matter
    elif name in ("tika__testAltChunkHTML.docx", "tika__testSubdocument.docx"):
        assert not doc.complete and {p.code for p in doc.problems} == {"PL007"}
    elif name == "d2p__example.docx":
        assert texts(doc, Role.FOOTNOTE) and texts(doc, Role.ENDNOTE) and texts(doc, Role.HEADER)
    elif name in ("poi__stress014.docx", "poi__45690.docm", "poi__ChronologicalResume.dotx"):
        assert nonspace(doc) > 500  # template / macro content types are read
    elif name == "poi__bug65649.docx":
        assert 240_000 <= nonspace(doc) <= 245_000  # not inflated by merged cells


EXPECTED_ERRORS = {
    "poi__truncated62886.docx": "PL001",
    "tika__testWORD_truncated.docx": "PL001",
    "poi__crash-517626e815e0afa9decd0ebb6d1dee63fb9907dd.docx": "PL001",
    "poi__protected_agile.docx": "PL003",
    "tika__testWORD_protected_passtika.docx": "PL003",
    "poi__stress025.docx": "PL008",
}


@pytest.mark.skipif(not corpus_files(), reason="corpus folder missing")
def test_corpus_manifest_lists_the_files() -> None:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        listed = {row["file"] for row in csv.DictReader(fh, delimiter="\t")}
    assert {f"docx/{p.name}" for p in corpus_files()} <= listed


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    try:
        doc = read_document(path)
    except ReadError as exc:
        assert EXPECTED_ERRORS.get(path.name) == exc.code, exc.reason
        return
    assert path.name not in EXPECTED_ERRORS
    assert isinstance(doc, Document) and doc.format == "docx"
    assert all(b.text == b.text.strip() and b.text for b in doc.blocks)
    assert [b.location.paragraph for b in doc.blocks] == list(range(1, len(doc.blocks) + 1))
    check_expectation(path.name, doc)


def test_table_cells_carry_table_row_and_column(tmp_path):
    from docx import Document as WordDocument

    from policylint.readers import read_document

    word = WordDocument()
    word.add_paragraph("Before the table.")
    table = word.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Essential"
    table.cell(0, 1).text = "Desirable"
    table.cell(1, 0).text = "Lived experience of recovery."
    table.cell(1, 1).text = "A driver's licence."
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Spanning both columns."
    inner = table.cell(1, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "Nested text."
    path = tmp_path / "cells.docx"
    word.save(path)
    cells = {b.text: b.cell for b in read_document(path).blocks}
    assert cells["Before the table."] is None
    assert cells["Essential"] == (0, 0, 0) and cells["Desirable"] == (0, 0, 1)
    assert cells["Lived experience of recovery."] == (0, 1, 0)
    assert cells["A driver's licence."] == (0, 1, 1)
    assert cells["Nested text."] == (1, 0, 0)
    assert cells["Spanning both columns."] == (0, 2, 0)
