"""The analysis stage: each block run through the language pipeline once,
with the labels that give it context (headings above it, the lead-in
paragraph of a list, the header cells of a table)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policylint.document import Block, Document, Role
from policylint.engine import context
from policylint.engine.blocktext import BlockText
from policylint.engine.patterns import PhraseIndex, active_index, sets_matched
from policylint.limits import Deadline

if TYPE_CHECKING:
    import re

    from spacy.language import Language
    from spacy.tokens import Doc

    from policylint.engine.patterns import PhraseSet


@dataclass
class AnalysedBlock:
    index: int
    block: Block
    text: BlockText  # the block's Doc and what the engine has worked out about it
    lead_in: str  # list lead-in, table column/row headers, a short label paragraph before it
    disclaimer: bool  # under a heading or lead-in that says what is NOT done

    @property
    def doc(self) -> Doc:
        return self.text.doc

    @property
    def labels(self) -> tuple[str, ...]:
        """Context texts, nearest first: lead-in, then headings innermost first."""
        return (self.lead_in, *reversed(self.block.section))


@dataclass
class Analysed:
    document: Document
    blocks: list[AnalysedBlock]
    # Per-document answers the checks share, by name or (name, phrase set id).
    memo: dict[object, Any] = field(default_factory=dict)

    def body(self) -> Iterator[AnalysedBlock]:
        """Blocks that are text of the document (not its title or headings)."""
        return (b for b in self.blocks if b.block.role not in (Role.HEADING, Role.TITLE))

    def matched(self, phrases: PhraseSet) -> bool:
        """Whether a PhraseSet has a raw match in some block (its matches may
        still be negated or excused)."""
        if phrases.id < 0:
            return False
        if self.blocks and not self.blocks[0].text.covers(phrases.id):
            return any(phrases.search(b.text) for b in self.blocks)
        return phrases.id in self._by_set()

    def candidates(self, phrases: PhraseSet) -> Sequence[AnalysedBlock]:
        """The blocks that may hold a match of a PhraseSet, in order: those
        with a raw match (every block for a set outside the selection)."""
        if self.blocks and not self.blocks[0].text.covers(phrases.id):
            return self.blocks
        return self._by_set().get(phrases.id, ())

    def _by_set(self) -> dict[int, list[AnalysedBlock]]:
        """The blocks where each phrase set has a raw match, by set id."""
        index: dict[int, list[AnalysedBlock]] | None = self.memo.get("by_set")
        if index is None:
            index = self.memo["by_set"] = {}
            for b in self.blocks:
                for set_id in sets_matched(b.text):
                    index.setdefault(set_id, []).append(b)
        return index

    def hits(self, phrases: PhraseSet, body: bool = False) -> Iterator[tuple[AnalysedBlock, tuple[int, int, int]]]:
        """Each (block, match) of a PhraseSet, in document order; only the
        blocks that hold a match are looked at. ``body``: not in headings."""
        for b in self.candidates(phrases):
            if body and b.block.role in (Role.HEADING, Role.TITLE):
                continue
            for match in phrases.matches(b.text):
                yield b, match

    def find_heading(self, pattern: re.Pattern[str]) -> AnalysedBlock | None:
        for b in self.blocks:
            if b.block.role in (Role.HEADING, Role.TITLE) and pattern.search(b.block.text):
                return b
        return None

    def first_block(self) -> AnalysedBlock | None:
        for b in self.blocks:
            if b.block.role in (Role.TITLE, Role.HEADING):
                return b
        return self.blocks[0] if self.blocks else None


def _short(text: str) -> bool:
    """At most five words (split no further than needed to tell)."""
    return len(text.split(None, 5)) <= 5


def _lead_ins(blocks: tuple[Block, ...]) -> list[str]:
    """For each block, the text that introduces it."""
    out = [""] * len(blocks)
    cells: dict[tuple[int, int, int], str] = {}
    for b in blocks:
        if b.cell is not None:
            cells.setdefault(b.cell, b.text)  # first paragraph of a cell
    last_intro = ""
    for i, b in enumerate(blocks):
        if b.cell is not None:
            table, row, col = b.cell
            parts = []
            if col > 0:
                parts.append(cells.get((table, row, 0), ""))
            if row > 0:
                parts.append(cells.get((table, 0, col), ""))
            out[i] = " | ".join(p for p in parts if p)
            continue
        if b.role == Role.LIST_ITEM:
            out[i] = last_intro
            continue
        if b.role in (Role.HEADING, Role.TITLE):
            last_intro = ""
            continue
        prev_short = i > 0 and _short(blocks[i - 1].text) and blocks[i - 1].role not in (Role.HEADING, Role.TITLE)
        out[i] = blocks[i - 1].text if prev_short and blocks[i - 1].cell is None else ""
        last_intro = b.text if (b.text.rstrip().endswith(":") or _short(b.text)) else ""
    return out


def analyse(document: Document, nlp: Language, sets: frozenset[int] | None = None,
            deadline: Deadline | None = None, index: PhraseIndex | None = None) -> Analysed:
    """``sets``: the phrase sets the checks will need (None: any), in
    ``index`` (the engine's; by default the one phrase sets register in now).
    ``deadline``: checked between blocks (a ``ReadError`` PL005 once past)."""
    from policylint.nlp import tokenizable

    if index is None:
        index = active_index()
    blocks = document.blocks
    lead = _lead_ins(blocks)
    texts = [tokenizable(b.text) for b in blocks]
    docs = nlp.pipe(texts, batch_size=256)
    out = []
    for i, (b, doc) in enumerate(zip(blocks, docs)):
        if deadline is not None and not i % 64:
            deadline.check(f"while analysing block {i + 1} of {len(blocks)}")
        disclaimer = context.is_disclaimer(lead[i]) or any(
            context.is_disclaimer(h) for h in b.section
        )
        out.append(AnalysedBlock(i, b, BlockText(doc, sets, index, texts[i]), lead[i], disclaimer))
    return Analysed(document, out)
