"""The document model every reader produces and every later stage consumes.

Plain frozen dataclasses. No parser library type leaks out of a reader: the
only link back to the source file is ``Block.handle``, an opaque, picklable
locator that a writer (the DOCX annotator) may use to find the block again.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any


class Role:
    """The roles a block can play: plain strings (a block pickles and prints
    as its role's name), gathered in one namespace so a module names the
    roles it uses as ``Role.HEADING`` instead of importing each one."""

    HEADING = "heading"
    TITLE = "title"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list-item"
    TABLE_CELL = "table-cell"
    HEADER = "header"
    FOOTER = "footer"
    FOOTNOTE = "footnote"
    ENDNOTE = "endnote"
    TEXTBOX = "textbox"

    # Groups that later stages treat alike.
    MARGINS = (HEADER, FOOTER)  # repeated on every page, outside the running text
    NOTES = (FOOTNOTE, ENDNOTE)
    ASIDE = MARGINS + NOTES  # every block outside the body's running text


@dataclass(frozen=True)
class Location:
    """Where something is in a source file. Every field is optional because
    formats differ: text has lines, PDFs have pages and lines, DOCX has
    paragraphs (counted over every block the reader emits, 1-based)."""

    page: int | None = None
    paragraph: int | None = None
    line: int | None = None
    column: int | None = None
    part: str | None = None  # "body", "header", "footer", "footnote", "endnote"

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Block:
    """One unit of text a reader saw: a paragraph, heading, list item, table
    cell paragraph, header or footer line, footnote.

    ``anchors`` maps character offsets in ``text`` to where that character
    sits in the source: a sorted tuple of ``(offset, Location)``; the first
    anchor is at offset 0. A block that spans several source lines (a PDF
    paragraph, a wrapped Markdown paragraph) has one anchor per line.
    """

    text: str
    role: str = Role.PARAGRAPH
    location: Location = field(default_factory=Location)
    level: int | None = None  # heading level, 1 = top
    section: tuple[str, ...] = ()  # titles of the headings above, outermost first
    anchors: tuple[tuple[int, Location], ...] = ()
    # For a table cell: (table number in the document, row, column), 0-based.
    cell: tuple[int, int, int] | None = None
    handle: Any = field(default=None, compare=False, repr=False)

    def locate(self, offset: int) -> Location:
        """Location of character ``offset`` of ``text`` (column 1-based)."""
        if not self.anchors:
            base, start = self.location, 0
        else:
            keys = [a[0] for a in self.anchors]
            i = max(0, bisect.bisect_right(keys, offset) - 1)
            start, base = self.anchors[i]
        col = (base.column or 1) + (offset - start)
        return replace(base, column=col)


@dataclass(frozen=True)
class Problem:
    """Something a reader could not do: a page with no text layer, a part it
    skipped. ``code`` is a PL0xx reader code (see ``policylint.problems``)."""

    code: str
    message: str
    location: Location = field(default_factory=Location)


@dataclass(frozen=True)
class Directive:
    """An instruction written in the document to suppress findings: a
    Markdown comment ``<!-- policylint: ignore NAME-OR-CODE -->`` (the next
    block), a ``disable`` … ``enable`` range, or a Word comment starting
    ``policylint: ignore NAME-OR-CODE`` (the words it is anchored to).

    It covers blocks ``first_block`` to ``last_block`` (indexes into
    ``Document.blocks``, inclusive); ``start``/``end``, when set, narrow it to
    character offsets in the first and last block. ``rules`` holds codes or
    names; empty means every rule."""

    rules: tuple[str, ...]
    first_block: int
    last_block: int
    location: Location = field(default_factory=Location)
    start: int | None = None
    end: int | None = None
    origin: str = "comment"  # "comment", "range", "word-comment"
    reason: str = ""


@dataclass(frozen=True)
class Document:
    path: str
    format: str  # "docx", "pdf", "markdown", "text"
    blocks: tuple[Block, ...] = ()
    title: str | None = None
    pages: int | None = None
    problems: tuple[Problem, ...] = ()
    complete: bool = True  # False when part of the file could not be read
    directives: tuple[Directive, ...] = ()
    kind: str | None = None
    kind_reason: str | None = None
    kind_runner_up: str | None = None  # the next most likely kind, when the classifier chose
    kind_confidence: float | None = None  # 0..1; 1.0 for a kind given explicitly
    # The runner-up scored nearly as high: only rules that hold for both kinds run.
    kind_uncertain: bool = False

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    def with_kind(self, kind: str, reason: str, runner_up: str | None = None,
                  confidence: float | None = None, uncertain: bool = False) -> Document:
        return replace(self, kind=kind, kind_reason=reason, kind_runner_up=runner_up, kind_confidence=confidence,
                       kind_uncertain=uncertain and runner_up is not None)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds a rule must apply to, to run on this document: its kind,
        and the runner-up too when the classifier could not tell them apart."""
        if self.kind is None:
            return ()
        if self.kind_uncertain and self.kind_runner_up:
            return (self.kind, self.kind_runner_up)
        return (self.kind,)


class ReadError(Exception):
    """A file that cannot be read at all. Readers raise it; the pipeline turns
    it into a finding and goes on with the next file."""

    def __init__(self, code: str, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class Limits:
    """Safety limits, checked before and while parsing."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_part_bytes: int = 64 * 1024 * 1024  # one uncompressed zip member
    max_total_bytes: int = 256 * 1024 * 1024  # all uncompressed zip members
    max_compression_ratio: float = 200.0
    max_blocks: int = 200_000
    max_pages: int = 5_000
    timeout_seconds: float = 120.0  # reading, analysing and checking one file
    # Characters of text analysed per file: the language stage holds every
    # token of a document at once (about 60 bytes of memory per character).
    max_text_chars: int = 10_000_000
