"""A starter as a Word document: real Word styles (``Title``, ``Heading 1``
and ``2``, ``List Bullet``), so Word's navigation pane, policylint's reader
and the annotator all see its structure; placeholders bold on a yellow
highlight, so nobody misses one; each section's note a comment by
"policylint" on its heading. Paper size and proofing language follow the
country (Letter in the United States and Canada, A4 elsewhere)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from policylint.starters.template import BULLET, HEADING, TITLE, Block, Starter

if TYPE_CHECKING:
    from docx.document import Document

PAPER = {"a4": (21.0, 29.7), "letter": (21.59, 27.94)}  # width, height in centimetres
MARGIN_CM = 2.2
BODY_FONT, BODY_PT = "Calibri", 11  # one sans-serif face for body and headings, as Word's own default


def to_docx(starter: Starter, paper: str = "a4", language: str = "en-US") -> bytes:
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    from policylint.annotate import AUTHOR, INITIALS

    document = docx.Document()
    _page(document, paper)
    _styles(document, language)
    props = document.core_properties
    props.title, props.subject, props.language = starter.title, starter.summary, language
    props.author = props.comments = props.keywords = props.last_modified_by = ""
    for block in starter.blocks:
        paragraph = document.add_paragraph(style=_style(block))
        for run in starter.runs(block):
            made = paragraph.add_run(run.text)
            if run.bold or run.placeholder:
                made.bold = True
            if run.placeholder:
                made.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if block.note is not None and paragraph.runs:
            comment = document.add_comment(paragraph.runs, text=block.note.why, author=AUTHOR, initials=INITIALS)
            if block.note.served:
                comment.add_paragraph(block.note.served)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(document: Document, paper: str) -> None:
    from docx.shared import Cm

    section = document.sections[0]
    section.page_width, section.page_height = (Cm(v) for v in PAPER[paper])
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(MARGIN_CM)


def _styles(document: Document, language: str) -> None:
    """The body font, and the proofing language on the document defaults
    (python-docx's template says en-US), so Word checks the spelling of the
    country the template is written for."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_PT)
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), language)


def _style(block: Block) -> str | None:
    if block.role == TITLE:
        return "Title"
    if block.role == HEADING:
        return f"Heading {block.level}"
    if block.role == BULLET:
        return "List Bullet"
    return None
