"""What the reviewed copy says: the paragraphs of a finding's comment, the
words a suggestion proposes (``wording``: a replacement, an added sentence,
or None for advice that stays in the comment), and the smallest whole-word
change (``_diff``) that turns the old words into the new. Plain text in,
plain text out: nothing here knows about Word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policylint.findings import Finding

_QUOTED = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d")
_SECTION_NAMED = re.compile(r"\bsection\s+(?:\"([^\"]+)\"|\u201c([^\u201d]+)\u201d)", re.IGNORECASE)
# Suggestions that tell the author what to do rather than give the words.
_ADVICE = re.compile(
    r"(?:remove|delete|drop|add|move|describe|replace|rename|reword|rephrase|rewrite|state|say|publish"
    r"|specify|clarify|mention|consider|change|put|record|spell out|make clear|ensure|link|refer|cite"
    r"|or use|use|check|review|name)\b", re.IGNORECASE)
_ABOUT_DOCUMENT = re.compile(r"\b(?:role|job|position) description\b|\bthis (?:document|policy)\b"
                             r"|\bsay so\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The word ending / starting a text, for a pure insertion in ``_diff``.
_LAST_WORD = re.compile(r"\S*$")
_FIRST_WORD = re.compile(r"\s*\S*")


@dataclass(frozen=True)
class Wording:
    """Text a suggestion proposes: ``replace`` the sentence holding the
    evidence, or ``add`` a sentence (under a new heading ``section``)."""

    action: str  # "replace" or "add"
    text: str
    section: str | None = None


def wording(suggestion: str) -> Wording | None:
    """The words a suggestion proposes, or None when it is advice.

    ``Rewrite as: "..."`` and ``Describe X instead: "..."`` replace;
    ``Add ...: "..."`` (optionally ``Add a section "Title": "..."``) adds the
    last quoted sentence; an unquoted suggestion that does not start with an
    instruction ("Remove ...", "Add ...") and does not talk about the
    document is itself the replacement wording."""
    text = " ".join(suggestion.split())
    quotes = [a or b for a, b in _QUOTED.findall(text)]
    if re.match(r"add\b", text, re.IGNORECASE):
        named = _SECTION_NAMED.search(text)
        section = (named.group(1) or named.group(2)) if named else None
        body = [q for q in quotes if q != section]
        return Wording("add", body[-1].strip(), section) if body else None
    if quotes:
        lead = text[:text.find(quotes[0]) - 1].lower()
        if (lead.startswith("rewrite as") or "instead" in lead or lead.rstrip().endswith(":")) \
                and not lead.startswith("or use"):
            return Wording("replace", quotes[-1].strip())
        return None
    if _ADVICE.match(text) or _ABOUT_DOCUMENT.search(text):
        return None
    return Wording("replace", text)


def _why(rationale: str) -> str:
    text = " ".join(rationale.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def comment_text(f: Finding) -> list[str]:
    """The comment's paragraphs: rule, message, why, suggested wording, how to
    keep the words."""
    lines = [f"{f.code} {f.name} ({f.severity})", f.message]
    why = _why(f.rationale)
    if why:
        lines.append(f"Why: {why}")
    for i, s in enumerate(f.suggestions):
        lines.append(("Suggested wording: " if i == 0 else "Or: ") + s)
    if f.evidence is not None and not f.code.startswith("PL0"):
        lines.append(f"To keep these words, add a comment on them starting "
                     f"\u201cpolicylint: ignore {f.name}\u201d and a reason.")
    return lines


def ignore_text(f: Finding, reason: str) -> str:
    """A reviewer's dismissal of ``f`` as the Word comment the DOCX reader
    reads back as an ignore directive: ``policylint: ignore NAME — reason``."""
    reason = " ".join("".join(c if c.isprintable() else " " for c in reason).split())
    return f"policylint: ignore {f.name}" + (f" — {reason}" if reason else "")


def _boundary(x: str, i: int) -> bool:
    return i <= 0 or i >= len(x) or not (x[i - 1].isalnum() and x[i].isalnum())


def _diff(old: str, new: str) -> tuple[int, int, str] | None:
    """The smallest whole-word change turning ``old`` into ``new``:
    ``(start, end, replacement)`` in ``old``; None if they are equal. The
    deleted part is never empty."""
    if old == new:
        return None
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    while p > 0 and not (_boundary(old, p) and _boundary(new, p)):
        p -= 1
    q = 0
    while q < min(len(old), len(new)) - p and old[-1 - q] == new[-1 - q]:
        q += 1
    while q > 0 and not (_boundary(old, len(old) - q) and _boundary(new, len(new) - q)):
        q -= 1
    a, b = p, len(old) - q
    if a == b:  # a pure insertion: take in the word before (or after) it
        if a > 0:
            a = len(old[:a].rstrip())
            word = _LAST_WORD.search(old[:a])
            assert word is not None  # matches every string, if only the empty end
            a = a - len(word.group())
            p = a
        else:
            word = _FIRST_WORD.match(old[b:])
            assert word is not None  # matches every string, if only the empty start
            b = b + len(word.group())
            q = len(old) - b
    return a, b, new[p:len(new) - q]
