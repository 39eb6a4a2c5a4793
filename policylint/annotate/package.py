"""The Word package being annotated: the python-docx document's story parts
(body, headers, footers, notes) by name and their paragraphs by the reader's
handles, the comments part and Word's extended comment parts, saving the
package to bytes, and removing what an earlier policylint run wrote (its
comments with their anchors, its pending tracked changes)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from lxml import etree

from policylint.annotate.ooxml import W, ancestor, drop, w
from policylint.readers.docx import ParagraphText

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.opc.part import Part
    from docx.parts.comments import CommentsPart

AUTHOR = "policylint"
INITIALS = "PL"

# Parts that hold document text (the reader's handles point into these).
_STORY_TYPES = ("document.main+xml", "document.macroEnabled.main+xml", "template.main+xml",
                "header+xml", "footer+xml", "footnotes+xml", "endnotes+xml")


class AnnotateError(Exception):
    """A file that cannot be annotated; the message says why and what to do."""


class _Package:
    """The python-docx package being annotated: story parts by name, their
    paragraphs, and writing generic (blob) parts back."""

    def __init__(self, wdoc: WordDocument) -> None:
        from docx.opc.part import XmlPart
        from docx.oxml.parser import parse_xml

        self.wdoc = wdoc
        self.roots: dict[str, etree._Element] = {}
        self._blob_parts: list[tuple[Part, etree._Element]] = []
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

    def paragraph(self, handle: tuple[str, int] | None) -> etree._Element | None:
        if not handle:
            return None
        partname, index = handle
        name = str(partname).lower()
        root = self.roots.get(name)
        if root is None:
            return None
        if name not in self._paragraphs:
            self._paragraphs[name] = list(root.iter(W.P))
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
        for comment in list(root.iterchildren(w("comment"))):
            if comment.get(W.AUTHOR) == AUTHOR:
                ids.add(comment.get(W.ID, ""))
                para_ids.update(_attr_values(comment, "paraId"))
                root.remove(comment)
                done.comments += 1
    if ids:
        for el in list(pkg.all_elements()):
            if el.tag in (W.RANGE_START, W.RANGE_END) and el.get(W.ID) in ids:
                drop(el)
            elif el.tag == W.REFERENCE and el.get(W.ID) in ids:
                run = el.getparent()
                if run is not None and run.tag == W.R and all(c is el or c.tag == W.RPR for c in run):
                    drop(run)
                else:
                    drop(el)
        _forget_extended(pkg.wdoc, para_ids)
    done.changes = _reject_own_changes(pkg)
    return done


def _comments_part(wdoc: WordDocument) -> CommentsPart | None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        # python-docx loads the part of a comments relationship as its CommentsPart.
        return cast("CommentsPart", wdoc.part.part_related_by(RT.COMMENTS))
    except KeyError:
        return None


def _attr_values(el: etree._Element, local: str) -> set[str]:
    return {v for node in el.iter(etree.Element) for k, v in node.attrib.items()
            if etree.QName(k).localname == local}


def _forget_extended(wdoc: WordDocument, para_ids: set[str]) -> None:
    """Drop Word's extra comment records (commentsExtended, commentsIds,
    commentsExtensible) of removed comments; replies to them become top-level."""
    if not para_ids:
        return
    from docx.oxml.parser import parse_xml

    parts = [p for p in wdoc.part.package.iter_parts()
             if "comments" in str(p.partname).lower() and p.content_type.endswith("+xml")
             and p is not _comments_part(wdoc)]
    durable: set[str] = set()
    roots: list[tuple[Part, etree._Element]] = []
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
        own = [el for el in root.iter(W.INS, W.DEL) if el.get(W.AUTHOR) == AUTHOR]
        marks = [el for el in own if el.getparent() is not None and el.getparent().tag == W.RPR]
        for el in own:
            if any(el is m for m in marks):
                continue
            count += 1
            if el.tag == W.INS:
                drop(el)
            else:
                for t in el.iter(W.DELTEXT):
                    t.tag = W.T
                for child in list(el):
                    el.addprevious(child)
                drop(el)
        for mark in marks:
            count += 1
            p = ancestor(mark, W.P)
            if p is not None and not ParagraphText(p).text and p.find(f".//{W.INS}") is mark:
                drop(p)
            else:
                drop(mark)
    return count
