"""Plain text and Markdown reader.

Line based: each source line is split into structure (heading marks, list
markers, table pipes, quote marks) and content. Content keeps only the text
a reader sees; every removed character (markup, extra spaces) starts a new
anchor, so ``Block.locate`` gives the exact line and column of any
character. Columns count characters: a tab is one column.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from policylint.document import Block, Document, Limits, Location, Problem, ReadError, Role
from policylint.limits import Deadline, hint
from policylint.readers import directives

MARKDOWN_SUFFIXES = (".md", ".markdown")

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r"\s*([-=_*~#+.])\1{2,}\s*")  # a separator line in plain text
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(r" {0,3}>[ \t]?")
_LIST = re.compile(r"""
    ([ \t]*)                              # indentation
    ([-*+•] | \d{1,9}[.)] | [a-zA-Z]\))   # a bullet, "1." or "1)", or "a)"
    ([ \t]+)(?=\S)                        # space, then the item's text
""", re.VERBOSE)
# A table's delimiter row, matched against the stripped line (leading and trailing
# spaces outside the pattern keep matching linear in the line's length).
_TABLE_SEPARATOR = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?")
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:\s*\S+.*")
# "1. ", "2.3 ", "4.5.6. ": one way only to split the digits, so no backtracking blow-up.
_NUMBERED_CAPS = re.compile(r"""
    \s*
    (\d{1,3}\. (?:\d{1,3} (?:\.\d{1,3})* \.?)?)   # "1.", "2.3", "4.5.6."
    [ \t]+(?=\S)                                # space, then the heading's words
""", re.VERBOSE)
_CELL_PIPE = re.compile(r"(?<!\\)\|")

_BACKTICKS = re.compile(r"`+")
# Link and image text holds no bracket: a line of "[" costs linear, not quadratic, time.
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
_LINK = re.compile(r"""
    \[([^\[\]]+)\]      # the link text, kept
    (?:\([^()]*\)       # then an inline target, "(address)"
      | \[[^\]]*\])    # or a reference, "[label]"
""", re.VERBOSE)
_AUTOLINK = re.compile(r"""
    <(
        (?:https?|mailto|ftp):[^<>\s]+   # an address
      | [^<>\s@]+@[^<>\s@]+             # or an e-mail address
    )>
""", re.VERBOSE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"\*+|_+")
_SPACING = re.compile(r"\s\s|[^\S ]")  # runs of spaces, tabs and other whitespace
_MARKUP = re.compile(rf"[`*_\[\]<>\\!]|{_SPACING.pattern}")
_PUNCTUATION = set(string.punctuation)

_MAX_CAPS_HEADING_WORDS = 12
_MAX_LEVEL = 6  # deeper numbering ("1.2.3.4.5.6.7") is still a level-6 heading
_DEADLINE_EVERY = 4096  # lines between checks of the time limit (and before any longer line)


@dataclass
class _Open:
    """A block being collected: its role and source lines."""

    role: str
    lines: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, content)
    level: int | None = None


class _Builder:
    """Text of one block with the anchors that map it back to the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.anchors: list[tuple[int, Location]] = []
        self._next: tuple[int, int] | None = None  # where the next character would follow on

    def add(self, piece: str, line: int, column: int) -> None:
        """Append ``piece``, which starts at ``line``/``column`` of the source."""
        if self._next != (line, column):
            self.anchors.append((self.length, Location(line=line, column=column)))
        self.parts.append(piece)
        self.length += len(piece)
        self._next = (line, column + len(piece))

    def add_space(self) -> None:
        """A joining space between two source lines (belongs to the first)."""
        if self._next is not None:
            self.add(" ", *self._next)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def read(path: Path, limits: Limits) -> Document:
    """Read a plain text or Markdown file (by its suffix) into a Document."""
    deadline = Deadline.of(limits)
    try:
        with path.open("rb") as fh:  # never more than the limit, even if the file grows meanwhile
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise ReadError("PL001", f"cannot open file: {exc.strerror or exc}") from None
    if len(data) > limits.max_file_bytes:
        raise ReadError("PL005", f"file is over the limit of {limits.max_file_bytes:,} bytes",
                        hint("max_file_bytes"))
    text, problem, complete = _decode(data)
    del data
    fmt = "markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else "text"
    doc = parse_string(text, str(path), fmt, limits, deadline=deadline)
    return replace(doc, problems=(problem,) if problem else (), complete=complete)


def parse_string(text: str, path: str, fmt: str = "markdown", limits: Limits | None = None, *,
                 deadline: Deadline | None = None) -> Document:
    """A Document from text already in memory; ``fmt`` is "markdown" or "text".
    Raises ``ReadError`` (PL005) over ``limits.max_blocks`` blocks or past the
    time limit."""
    limits = limits or Limits()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _Parser(fmt == "markdown", limits, deadline or Deadline.of(limits)).parse(lines)
    headings = [b for b in blocks if b.role in (Role.HEADING, Role.TITLE)]
    title = next((b for b in headings if b.level == 1), headings[0] if headings else None)
    return Document(path=path, format=fmt, blocks=tuple(blocks), title=title.text if title else None,
                    directives=directives.from_text(text, tuple(blocks)))


def _decode(data: bytes) -> tuple[str, Problem | None, bool]:
    """Text of a file (BOM, else UTF-8, else BOM-less UTF-16, else
    Windows-1252), the problem met if any, and whether nothing was lost."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_unicode(data[len(bom):], codec)
    if utf16 := _utf16_without_bom(data):
        return _decode_unicode(data, utf16)
    if b"\x00" in data:
        raise ReadError("PL008", "not a text file: it contains binary data",
                        "check the file; lint text, Markdown, DOCX or PDF files only")
    try:
        return data.decode("utf-8"), None, True
    except UnicodeDecodeError:
        pass
    try:
        text, codec = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        text, codec = data.decode("latin-1"), "Latin-1"
    return text, Problem("PL007", f"file is not UTF-8; read as {codec} — check accented characters"), True


def _decode_unicode(data: bytes, codec: str) -> tuple[str, Problem | None, bool]:
    try:
        return data.decode(codec), None, True
    except UnicodeDecodeError as exc:
        problem = Problem("PL007", f"file has bytes that are not valid {codec.upper()} (at byte {exc.start}); "
                          "they were replaced")
        return data.decode(codec, errors="replace"), problem, False


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes fill every other position."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0:pairs * 2:2].count(0)
    odd = sample[1:pairs * 2:2].count(0)
    if odd >= 0.3 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


_UNWRAPPED = 160  # a line longer than this was never wrapped at a fixed width
_UNWRAPPED_LOOK = 5000  # lines looked at to tell


class _Parser:
    """Turns source lines into blocks, with the heading chain of each."""

    def __init__(self, markdown: bool, limits: Limits, deadline: Deadline | None = None) -> None:
        self.markdown = markdown
        self.limits = limits
        self.deadline = deadline
        self.blocks: list[Block] = []
        self.chain: list[tuple[int, str]] = []
        self.open: _Open | None = None
        self.unwrapped = False  # plain text with a paragraph a line (set by ``parse``)

    def parse(self, lines: list[str]) -> list[Block]:
        number = _front_matter_end(lines) if self.markdown else 0
        # Plain text whose paragraphs were never wrapped (a web page's text copied out, a
        # paragraph a line) has lines far longer than any wrap width: there each line is
        # a block of its own, not a wrapped part of the paragraph above.
        self.unwrapped = not self.markdown and any(len(line) > _UNWRAPPED for line in lines[:_UNWRAPPED_LOOK])
        fence: str | None = None
        in_comment = False
        while number < len(lines):
            line = lines[number]
            if self.deadline is not None and (number % _DEADLINE_EVERY == 0 or len(line) > _DEADLINE_EVERY):
                self.deadline.check(f"stopped at line {number + 1:,} of {len(lines):,}")
            number += 1
            if not self.markdown:
                self._text_line(number, line)
                continue
            start = 0
            while quote := _QUOTE.match(line, start):  # by position: no copy of the line per ">"
                start = quote.end()
            line, column = line[start:], 1 + start
            if fence is not None:
                if re.fullmatch(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", line):
                    fence = None
                continue
            line, in_comment = _blank_comments(line, in_comment)
            if opening := _FENCE.match(line):
                self.close()
                fence = opening.group(1)
            elif column == 1 and self._table(lines, number, line):
                while number < len(lines) and "|" in lines[number] and lines[number].strip():
                    self._table_row(number + 1, lines[number])
                    number += 1
            else:
                self._markdown_line(number, line, column)
        self.close()
        return self.blocks

    def _markdown_line(self, number: int, line: str, column: int) -> None:
        """One Markdown line outside code fences and tables."""
        if not line.strip():
            self.close()
            return
        if atx := _ATX.match(line):
            self.close()
            content = line[atx.end():]
            content = _without_closing_hashes(content)
            self._emit(_Open(Role.HEADING, [(number, column + atx.end(), content)], len(atx.group(1))))
            return
        if _SETEXT.fullmatch(line) and self.open and self.open.role == Role.PARAGRAPH:
            self.open.role, self.open.level = Role.HEADING, 1 if line.strip()[0] == "=" else 2
            self.close()
            return
        if _is_break(line) or _LINK_DEFINITION.fullmatch(line):
            self.close()
            return
        item = _LIST.match(line)
        if item and not (self.open and self.open.role == Role.PARAGRAPH and item.group(2)[0].isdigit()
                         and int(item.group(2)[:-1]) != 1):  # only "1." may interrupt a paragraph
            self.close()
            self.open = _Open(Role.LIST_ITEM, [(number, column + item.end(), line[item.end():])])
            return
        self._continue(number, line, column)

    def _text_line(self, number: int, line: str) -> None:
        """One plain text line: only underlined and numbered all-caps lines
        are headings; indented lines go on the block above."""
        if not line.strip():
            self.close()
            return
        if _RULE.fullmatch(line):
            underline = line.strip()[0]
            if underline in "=-" and self.open and self.open.role == Role.PARAGRAPH and len(self.open.lines) == 1:
                self.open.role, self.open.level = Role.HEADING, 1 if underline == "=" else 2
            self.close()
            return
        caps = _NUMBERED_CAPS.match(line)
        title = line[caps.end():] if caps else ""
        if (caps and title.upper() == title and any(c.isalpha() for c in title)
                and len(title.split()) <= _MAX_CAPS_HEADING_WORDS):
            self.close()
            self._emit(_Open(Role.HEADING, [(number, 1 + caps.start(1), line[caps.start(1):])],
                             min(_MAX_LEVEL, len(re.findall(r"\d+", caps.group(1))))))
            return
        item = _LIST.match(line)
        if item:
            self.close()
            self.open = _Open(Role.LIST_ITEM, [(number, 1 + item.end(), line[item.end():])])
        elif self.open and ((self.open.role == Role.PARAGRAPH and not self.unwrapped) or line[:1].isspace()
                            or self._wraps_item(line)):
            self.open.lines.append((number, 1, line))
        else:
            self.close()
            self.open = _Open(Role.PARAGRAPH, [(number, 1, line)])

    def _wraps_item(self, line: str) -> bool:
        """An unindented line that carries on the list item above: text
        wrapped at a fixed width (a PDF or e-mail copy) goes on mid-sentence,
        in lower case, where the line above ends without a full stop."""
        if self.open is None or self.open.role != Role.LIST_ITEM or not line[:1].islower():
            return False
        return not self.open.lines[-1][2].rstrip().endswith((".", "!", "?", ":", ";"))

    def _continue(self, number: int, line: str, column: int) -> None:
        """A line of running text: goes on the open block or starts a paragraph."""
        if self.open:
            self.open.lines.append((number, column, line))
        else:
            self.open = _Open(Role.PARAGRAPH, [(number, column, line)])

    def _table(self, lines: list[str], number: int, line: str) -> bool:
        """Emit a table's header row if ``line`` starts a table (it has a pipe
        and the next line is a delimiter row like ``|---|:--:|``)."""
        following = lines[number] if number < len(lines) else ""
        if "|" not in line or "|" not in following or not _TABLE_SEPARATOR.fullmatch(following.strip()):
            return False
        self.close()
        self._table_row(number, line)
        return True

    def _table_row(self, number: int, line: str) -> None:
        """One Role.TABLE_CELL block for each non-empty cell of a row."""
        if _TABLE_SEPARATOR.fullmatch(line.strip()):
            return
        edges = [-1, *(m.start() for m in _CELL_PIPE.finditer(line)), len(line)]
        for start, end in pairwise(edges):
            self._emit(_Open(Role.TABLE_CELL, [(number, start + 2, line[start + 1:end])]))

    def close(self) -> None:
        """Emit the block being collected, if any."""
        if self.open is not None:
            block, self.open = self.open, None
            self._emit(block)

    def _emit(self, block: _Open) -> None:
        """Add a block (unless it has no visible text) and track headings."""
        builder = _Builder()
        for number, column, content in block.lines:
            runs = _inline(content, self.markdown)
            if runs and builder.length:
                builder.add_space()
            for piece, index in runs:
                builder.add(piece, number, column + index)
        if not builder.length:
            return
        text = builder.text
        section = tuple(title for _, title in self.chain)
        role = block.role
        if block.level is not None:
            self.chain = [(level, title) for level, title in self.chain if level < block.level]
            section = tuple(title for _, title in self.chain)
            self.chain.append((block.level, text))
            if block.level == 1 and not self.blocks:
                role = Role.TITLE
        if len(self.blocks) >= self.limits.max_blocks:
            raise ReadError("PL005", f"file has more than {self.limits.max_blocks:,} blocks",
                            hint("max_blocks"))
        self.blocks.append(Block(text=text, role=role, location=builder.anchors[0][1], level=block.level,
                                 section=section, anchors=tuple(builder.anchors)))


def _is_break(line: str) -> bool:
    """A thematic break: up to three spaces, then three or more of one of
    ``-``, ``*``, ``_``, with only spaces and tabs between and after. Found by
    counting, not by a regular expression whose repeated group keeps state
    for every marker (a 20 MB line of "- - - ..." took gigabytes)."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or not body or body[0] not in "-*_":
        return False
    marker = body[0]
    return body.count(marker) >= 3 and not body.replace(marker, "").strip(" \t")


def _without_closing_hashes(content: str) -> str:
    """An ATX heading's content without its closing sequence: trailing ``#``s
    preceded by a space or tab (or alone), and the spaces around them."""
    stripped = content.rstrip(" \t")
    body = stripped.rstrip("#")
    if body == stripped or (body and body[-1] not in " \t"):
        return content
    return body.rstrip(" \t")


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after YAML front matter (0 if there is none)."""
    if lines and lines[0].rstrip() == "---":
        for index in range(1, len(lines)):
            if lines[index].rstrip() in ("---", "..."):
                return index + 1
    return 0


def _blank_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """``line`` with HTML comment text replaced by spaces (columns unchanged),
    and whether a comment is still open at its end."""
    out, position = [], 0
    while position < len(line):
        if in_comment:
            end = line.find("-->", position)
            stop = len(line) if end < 0 else end + 3
            out.append(" " * (stop - position))
            position, in_comment = stop, end < 0
        else:
            start = line.find("<!--", position)
            stop = len(line) if start < 0 else start
            out.append(line[position:stop])
            position, in_comment = stop, start >= 0
            if in_comment:
                out.append("    ")
                position += 4
    return "".join(out), in_comment


def _inline(content: str, markdown: bool) -> list[tuple[str, int]]:
    """The visible text of one line's content as runs of (text, index in
    ``content``), each run contiguous in the source: markup and control
    characters are dropped, whitespace is collapsed to one space and trimmed."""
    stripped = content.strip()
    if not (_MARKUP if markdown else _SPACING).search(stripped) and stripped.isprintable():
        return [(stripped, len(content) - len(content.lstrip()))] if stripped else []
    # One byte per character (not a list of bools, nor a tuple per visible
    # character): a 20 MB line of list markers must not take gigabytes.
    keep = bytearray(b"\x01") * len(content)
    if markdown:
        _drop_markup(content, keep)
    runs: list[tuple[str, int]] = []
    chars: list[str] = []  # the run being built
    start = following = space = -1

    def add(char: str, index: int) -> None:
        nonlocal start, following, chars
        if index != following:
            if chars:
                runs.append(("".join(chars), start))
            chars, start = [], index
        chars.append(char)
        following = index + 1

    for index, char in enumerate(content):
        if not keep[index]:
            continue
        if char.isspace():
            if following >= 0 and space < 0:
                space = index
        elif char.isprintable():
            if space >= 0:
                add(" ", space)
                space = -1
            add(char, index)
    if chars:
        runs.append(("".join(chars), start))
    return runs


def _drop_markup(content: str, keep: bytearray) -> None:
    """Mark Markdown inline markup in ``content`` as not kept."""
    protected = bytearray(len(content))
    ticks = list(_BACKTICKS.finditer(content))
    following: list[int | None] = [None] * len(ticks)  # the next run of the same length
    last: dict[int, int] = {}
    for i in range(len(ticks) - 1, -1, -1):
        following[i] = last.get(len(ticks[i].group()))
        last[len(ticks[i].group())] = i
    position = 0
    for i, opening in enumerate(ticks):
        other = following[i]
        if opening.start() < position or other is None:
            continue
        closing = ticks[other]
        for index in [*range(*opening.span()), *range(*closing.span())]:
            keep[index] = False
        for index in range(opening.end(), closing.start()):
            protected[index] = True
        position = closing.end()
    index = 0
    while index < len(content) - 1:
        if content[index] == "\\" and not protected[index] and content[index + 1] in _PUNCTUATION:
            keep[index] = False
            protected[index + 1] = True
            index += 1
        index += 1

    def drop(indexes: range | list[int]) -> None:
        if not any(protected[i] for i in indexes):
            for i in indexes:
                keep[i] = False

    for match in _IMAGE.finditer(content):
        drop(range(*match.span()))
    for match in _LINK.finditer(content):
        drop([match.start(), *range(match.end(1), match.end())])
    for match in _AUTOLINK.finditer(content):
        drop([match.start(), match.end() - 1])
    for match in _TAG.finditer(content):
        drop(range(*match.span()))
    _drop_emphasis(content, keep, protected)


def _drop_emphasis(content: str, keep: bytearray, protected: bytearray) -> None:
    """Mark paired ``*``/``_`` emphasis runs as not kept (CommonMark flanking
    rules, simplified: an opener pairs with the next closer of the same run)."""
    openers: list[re.Match[str]] = []
    by_run: dict[str, list[int]] = {}  # run ("*", "__", ...) -> indexes of its openers, ascending
    for run in _EMPHASIS.finditer(content):
        span = range(*run.span())
        if len(run.group()) > 3 or any(protected[i] or not keep[i] for i in span):
            continue
        before = content[run.start() - 1] if run.start() else " "
        after = content[run.end()] if run.end() < len(content) else " "
        left = not after.isspace() and (after not in _PUNCTUATION or before.isspace() or before in _PUNCTUATION)
        right = not before.isspace() and (before not in _PUNCTUATION or after.isspace() or after in _PUNCTUATION)
        can_open, can_close = left, right
        if run.group()[0] == "_":  # underscores do not emphasise inside a word
            can_open = left and (not right or before in _PUNCTUATION)
            can_close = right and (not left or after in _PUNCTUATION)
        same = by_run.get(run.group())
        opener = same[-1] if same else None
        if can_close and opener is not None:
            for index in [*range(*openers[opener].span()), *span]:
                keep[index] = False
            del openers[opener:]
            for indexes in by_run.values():
                while indexes and indexes[-1] >= opener:
                    indexes.pop()
        elif can_open:
            by_run.setdefault(run.group(), []).append(len(openers))
            openers.append(run)
