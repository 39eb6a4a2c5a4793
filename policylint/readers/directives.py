"""``policylint:`` directives written as HTML comments in Markdown and text.

    <!-- policylint: ignore no-clinicalised-duties -->   the block it stands in, or the next one
    <!-- policylint: disable PL305, PL401 -->            from here ...
    <!-- policylint: enable PL305 -->                    ... to here (or the end)

Anything after the rule list, following " -- ", " — " or ":", is the reason.
An empty rule list means every rule.
"""

from __future__ import annotations

import re

from policylint.document import Block, Directive, Location

COMMENT_RE = re.compile(r"<!--\s*policylint:\s*(ignore|disable|enable)\b(.*?)-->", re.S | re.I)
REASON_SPLIT = re.compile(r"\s+(?:--|—|–)\s+|:\s+")


def _rules(text: str) -> tuple[tuple[str, ...], str]:
    parts = REASON_SPLIT.split(text.strip(), maxsplit=1)
    names = tuple(r for r in re.split(r"[,\s]+", parts[0]) if r)
    return names, (parts[1].strip() if len(parts) > 1 else "")


def _line_span(block: Block) -> tuple[int, int]:
    lines = [a[1].line for a in block.anchors if a[1].line is not None] or [block.location.line or 0]
    return min(lines), max(lines)


def from_text(text: str, blocks: tuple[Block, ...]) -> tuple[Directive, ...]:
    """Directives in ``text`` (the decoded file), resolved to block ranges."""
    if "policylint:" not in text:
        return ()
    spans = [_line_span(b) for b in blocks]
    out: list[Directive] = []
    open_ranges: list[tuple[tuple[str, ...], int, Location, str]] = []
    for m in COMMENT_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        action = m.group(1).lower()
        rules, reason = _rules(m.group(2))
        loc = Location(line=line, column=m.start() - text.rfind("\n", 0, m.start()))
        inside = next((i for i, (lo, hi) in enumerate(spans) if lo <= line <= hi), None)
        after = next((i for i, (lo, _) in enumerate(spans) if lo > line), len(blocks))
        if action == "ignore":
            target = inside if inside is not None else after
            if target < len(blocks):
                out.append(Directive(rules, target, target, loc, origin="comment", reason=reason))
            else:
                out.append(Directive(rules, len(blocks), len(blocks) - 1, loc, origin="comment", reason=reason))
        elif action == "disable":
            open_ranges.append((rules, after if inside is None else inside, loc, reason))
        else:  # enable: close matching ranges (all of them when no rules are named)
            keep = []
            for r in open_ranges:
                if not rules or set(r[0]) & set(rules):
                    out.append(Directive(r[0], r[1], (inside if inside is not None else after) - 1, r[2],
                                         origin="range", reason=r[3]))
                else:
                    keep.append(r)
            open_ranges = keep
    for rules, first, loc, reason in open_ranges:
        out.append(Directive(rules, first, len(blocks) - 1, loc, origin="range", reason=reason))
    return tuple(out)
