"""Reading a starter template: its front matter, its blocks and the notes
that say why each section is there, with one country's vocabulary put in.

The format is a small Markdown subset (``README.md`` in this folder), so the
templates read as documents in review and need no code to change. What a
template says is data; this module only turns it into ``Block`` values that
the Markdown and Word writers render the same way.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from policylint.kinds import KINDS
from policylint.placeholders import PLACEHOLDER_RE

TITLE, HEADING, PARAGRAPH, BULLET = "title", "heading", "paragraph", "bullet"
ORGANISATION = "Organisation name"  # the placeholder --organisation fills
DEFAULT_COUNTRY = "au"

_VARIABLE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_BEFORE_PUNCTUATION = re.compile(r" ([.,;:)])")
_FRONT_KEYS = {"kind", "summary"}
# Inline: **bold** (no asterisk inside) or a [[placeholder]].
_INLINE = re.compile(rf"\*\*([^*\n]+)\*\*|{PLACEHOLDER_RE.pattern}")


class TemplateError(ValueError):
    """A template or vocabulary file that does not follow the format (a bug
    in policylint's own data, caught by the tests)."""


@dataclass(frozen=True)
class Note:
    """Why a section is there and the rules it serves ("PL401
    peer-led-supervision-in-jd"): a Word comment on the heading, an HTML
    comment under it in Markdown."""

    why: str
    rules: tuple[str, ...]

    @property
    def served(self) -> str:
        return f"Serves: {', '.join(self.rules)}." if self.rules else ""

    def text(self) -> str:
        return f"{self.why} {self.served}".strip()


@dataclass(frozen=True)
class Block:
    role: str  # TITLE, HEADING, PARAGRAPH or BULLET
    text: str  # inline Markdown: **bold** and [[placeholders]]
    level: int = 0  # a heading's level: 1 for "##", 2 for "###"
    note: Note | None = None


@dataclass(frozen=True)
class Run:
    """A piece of a block's text: plain, bold, a placeholder to fill, or
    the value given for one (``filled``: text from the user, not the template)."""

    text: str
    bold: bool = False
    placeholder: bool = False
    filled: bool = False


@dataclass(frozen=True)
class Starter:
    """A template rendered for one country, with the values given for some
    placeholders (``fills``: placeholder name -> text). The writers put the
    fills in, each escaping them for its format."""

    kind: str
    country: str
    summary: str
    blocks: tuple[Block, ...]
    fills: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return "".join(r.text for r in self.runs(self.blocks[0]))

    def runs(self, block: Block) -> list[Run]:
        """``block``'s text as runs, filled placeholders as plain text."""
        fills = dict(self.fills)
        out: list[Run] = []
        at = 0
        for m in _INLINE.finditer(block.text):
            if m.start() > at:
                out.append(Run(block.text[at:m.start()]))
            if m.group(1) is not None:
                out.append(Run(m.group(1), bold=True))
            elif m.group(2).strip() in fills:
                out.append(Run(fills[m.group(2).strip()], filled=True))
            else:
                out.append(Run(m.group(0), placeholder=True))
            at = m.end()
        if at < len(block.text):
            out.append(Run(block.text[at:]))
        return out

    def placeholders(self) -> list[str]:
        """Every placeholder left to fill, in order, as written (``[[...]]``)."""
        return [r.text for b in self.blocks for r in self.runs(b) if r.placeholder]


# -- the data files ------------------------------------------------------------------


def _files() -> Any:
    return resources.files("policylint.starters")


@functools.cache
def vocabulary() -> dict[str, dict[str, str]]:
    """Country code -> variable -> text, from ``vocabulary.yaml``; every
    country names the same variables."""
    import yaml

    data = yaml.safe_load(_files().joinpath("vocabulary.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise TemplateError("vocabulary.yaml: must map country codes to their words")
    names: set[str] | None = None
    out: dict[str, dict[str, str]] = {}
    for country, words in data.items():
        if not isinstance(words, dict) or not all(isinstance(v, str) for v in words.values()):
            raise TemplateError(f"vocabulary.yaml: {country}: must map names to text")
        if names is not None and set(words) != names:
            raise TemplateError(f"vocabulary.yaml: {country}: names {sorted(set(words) ^ names)} differ")
        names = set(words)
        out[str(country)] = {str(k): " ".join(v.split()) for k, v in words.items()}
    return out


def countries() -> dict[str, str]:
    """Country code -> the country's name, in the order of the vocabulary."""
    return {code: words["country"] for code, words in vocabulary().items()}


def available() -> dict[str, str]:
    """Kind -> one-line summary of its template, in the order of the kinds table."""
    return {kind: _template(kind)[0]["summary"] for kind in KINDS if _files().joinpath(f"{kind}.md").is_file()}


@functools.cache
def _template(kind: str) -> tuple[dict[str, str], list[str]]:
    """A kind's template: its front matter and body lines, read once."""
    source = _files().joinpath(f"{kind}.md")
    if not source.is_file():
        raise TemplateError(f"no template for {kind!r}")
    return _split(source.read_text(encoding="utf-8"), kind)


def _split(text: str, kind: str) -> tuple[dict[str, str], list[str]]:
    """The front matter (checked) and the body lines of a template."""
    import yaml

    lines = text.splitlines()
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise TemplateError(f"{kind}.md: must start with front matter between '---' lines")
    end = lines.index("---", 1)
    front = yaml.safe_load("\n".join(lines[1:end]))
    if not isinstance(front, dict) or set(front) != _FRONT_KEYS or not all(isinstance(v, str) for v in front.values()):
        raise TemplateError(f"{kind}.md: front matter must give exactly {sorted(_FRONT_KEYS)} as text")
    if front["kind"] != kind:
        raise TemplateError(f"{kind}.md: front matter names kind {front['kind']!r}")
    return front, lines[end + 1:]


# -- rendering -----------------------------------------------------------------------


def render(kind: str, country: str = DEFAULT_COUNTRY, organisation: str | None = None) -> Starter:
    """The template for ``kind`` in ``country``'s words; ``organisation``
    fills the ``[[Organisation name]]`` placeholder."""
    front, body = _template(kind)
    words = vocabulary().get(country)
    if words is None:
        raise TemplateError(f"no vocabulary for country {country!r}")
    blocks = _blocks(kind, body, words)
    fills = ((ORGANISATION, organisation),) if organisation else ()
    return Starter(kind, country, front["summary"], tuple(blocks), fills)


def _substitute(kind: str, text: str, words: dict[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        if m.group(1) not in words:
            raise TemplateError(f"{kind}.md: no vocabulary for {{{m.group(1)}}}")
        return words[m.group(1)]

    # An empty value leaves no gap before the punctuation that followed it.
    return _BEFORE_PUNCTUATION.sub(r"\1", " ".join(_VARIABLE.sub(value, text).split()))


def _blocks(kind: str, body: list[str], words: dict[str, str]) -> list[Block]:
    """Blocks from the body lines: ``#`` title, ``##``/``###`` headings, each
    followed by its ``> why:`` and ``> serves:`` lines, ``- `` bullets and
    paragraphs (wrapped lines joined). A block whose text is empty once the
    vocabulary is in (a sentence one country does not need) is dropped."""
    blocks: list[Block] = []
    notes: dict[int, dict[str, str]] = {}  # block index -> "why"/"serves" text
    pending: list[str] = []
    role = PARAGRAPH

    def flush() -> None:
        nonlocal pending
        text = _substitute(kind, " ".join(pending), words)
        if pending and text:
            blocks.append(Block(role, text))
        pending = []

    for number, line in enumerate(body, 1):
        heading = re.match(r"(#{1,3}) (.+)", line)
        if heading or line.startswith(("- ", "> ")) or not line.strip():
            flush()
        if heading:
            level = len(heading.group(1)) - 1
            blocks.append(Block(TITLE if level == 0 else HEADING, _substitute(kind, heading.group(2).strip(), words),
                                level))
        elif line.startswith("> "):
            key, _, text = line[2:].partition(":")
            if key not in ("why", "serves") or not blocks or blocks[-1].role not in (TITLE, HEADING):
                raise TemplateError(f"{kind}.md: line {number}: '> why:' and '> serves:' follow a heading")
            notes.setdefault(len(blocks) - 1, {})[key] = text.strip()
        elif line.startswith("- "):
            role, pending = BULLET, [line[2:]]
        elif line.strip():
            if not pending:
                role = PARAGRAPH
            pending.append(line.strip())
    flush()
    if not blocks or blocks[0].role != TITLE or sum(b.role == TITLE for b in blocks) != 1:
        raise TemplateError(f"{kind}.md: must have one '#' title, first")
    bare = [b.text for i, b in enumerate(blocks) if b.role == HEADING and b.level == 1
            and not notes.get(i, {}).get("serves")]
    if bare:
        raise TemplateError(f"{kind}.md: every '##' section needs '> why:' and '> serves:' lines ({bare[0]!r})")
    codes = _rule_codes()
    for i, note in notes.items():
        names = [n.strip() for n in note.get("serves", "").split(",") if n.strip()]
        unknown = [n for n in names if n not in codes]
        if unknown or "why" not in note:
            raise TemplateError(f"{kind}.md: the note on {blocks[i].text!r} needs '> why:' and known rules "
                                f"(unknown: {unknown})")
        blocks[i] = Block(blocks[i].role, blocks[i].text, blocks[i].level,
                          Note(_substitute(kind, note["why"], words), tuple(f"{codes[n]} {n}" for n in names)))
    return blocks


@functools.cache
def _rule_codes() -> dict[str, str]:
    """Rule name -> code, read from the rule files without compiling them."""
    from policylint.engine.rules import placements

    return {p.name: p.code for p in placements()}
