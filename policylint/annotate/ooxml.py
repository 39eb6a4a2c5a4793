"""WordprocessingML vocabulary for the reviewed copy: namespaces, the tag
names the package and the writer work with, and the small tree helpers both
use (making a ``w:`` element, dropping one, finding an ancestor). No policy
here: only names and the shape of the XML."""

from __future__ import annotations

from lxml import etree

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


def _element(tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    from docx.oxml import OxmlElement

    el = OxmlElement(_prefixed(tag))
    for key, value in (attrs or {}).items():
        el.set(key, value)
    return el


def _prefixed(clark: str) -> str:
    ns, _, local = clark[1:].partition("}")
    return f"w:{local}" if ns == _W else local


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def _ancestor(el: etree._Element, tag: str) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent
