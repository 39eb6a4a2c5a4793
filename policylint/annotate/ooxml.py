"""WordprocessingML vocabulary for the reviewed copy: namespaces, the tag
names the package and the writer work with, and the small tree helpers both
use (making a ``w:`` element, dropping one, finding an ancestor). No policy
here: only names and the shape of the XML."""

from __future__ import annotations

from lxml import etree

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def w(local: str) -> str:
    """The Clark name (``{namespace}local``) of a ``w:`` element or attribute."""
    return f"{{{_W}}}{local}"


class W:
    """Tag and attribute names in Clark notation, as lxml compares them."""

    P, R, T, RPR, PPR, PSTYLE = w("p"), w("r"), w("t"), w("rPr"), w("pPr"), w("pStyle")
    DEL, INS, DELTEXT, BODY = w("del"), w("ins"), w("delText"), w("body")
    ID, AUTHOR = w("id"), w("author")
    RANGE_START, RANGE_END, REFERENCE = w("commentRangeStart"), w("commentRangeEnd"), w("commentReference")
    FLDCHAR, INSTR = w("fldChar"), w("instrText")
    M_R, M_RPR = f"{{{MATH}}}r", f"{{{MATH}}}rPr"
    TXBX, DOCUMENT = w("txbxContent"), w("document")
    FOOTNOTE, ENDNOTE = w("footnote"), w("endnote")
    FOOTNOTE_REF, ENDNOTE_REF = w("footnoteReference"), w("endnoteReference")
    XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def element(tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    from docx.oxml import OxmlElement

    el = OxmlElement(_prefixed(tag))
    for key, value in (attrs or {}).items():
        el.set(key, value)
    return el


def _prefixed(clark: str) -> str:
    ns, _, local = clark[1:].partition("}")
    return f"w:{local}" if ns == _W else local


def drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def ancestor(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent
