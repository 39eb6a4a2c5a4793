"""A starter as Markdown: what policylint's own Markdown reader reads back
with the same structure (title, headings, bullets), each section's note as
an HTML comment under its heading, which renders as nothing and is not
document text."""

from __future__ import annotations

import re

from policylint.starters.template import BULLET, HEADING, TITLE, Block, Run, Starter

# Characters a filled-in value must not let act as Markdown (emphasis, links, code, HTML).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def to_markdown(starter: Starter) -> str:
    parts: list[str] = []
    for i, block in enumerate(starter.blocks):
        if i:  # the items of a list on consecutive lines, everything else a paragraph apart
            tight = block.role == BULLET and starter.blocks[i - 1].role == BULLET
            parts.append("\n" if tight else "\n\n")
        parts.append(_block(starter, block))
    return "".join(parts) + "\n"


def _run(run: Run) -> str:
    if run.filled:
        return _SPECIAL.sub(r"\\\1", run.text)
    return f"**{run.text}**" if run.bold else run.text


def _block(starter: Starter, block: Block) -> str:
    text = "".join(_run(r) for r in starter.runs(block))
    if block.role == TITLE:
        out = f"# {text}"
    elif block.role == HEADING:
        out = f"{'#' * (block.level + 1)} {text}"
    elif block.role == BULLET:
        out = f"- {text}"
    else:
        out = text
    if block.note is not None:
        # "--" cannot stand inside an HTML comment.
        out += "\n\n<!-- Why this section: " + block.note.text().replace("--", "\u2013") + " -->"
    return out
