"""The text format a person reads: findings grouped by file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING

from policylint.findings import Finding

if TYPE_CHECKING:
    from policylint.engine.rules import Rule
    from policylint.run import Result

# What a terminal would act on instead of showing: C0 and C1 controls (ESC
# starts colour and cursor sequences, a newline would start a forged
# finding line), line and paragraph separators, the bidirectional overrides
# and isolates that reorder what is shown, and lone surrogates (the bytes of
# a file name that is not UTF-8), which cannot be written out at all.
# Everything else, accents, other scripts, emoji, non-breaking spaces, is
# shown as it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with what a terminal would act on written as an escape
    (``\\n``, ``\\x1b``, ``\\u202e``): file names and document text are
    data, and must neither forge lines nor colour or move the cursor."""
    return _UNSAFE.sub(_escape, text)


def position(f: Finding) -> str:
    """``path:line:col`` (text), ``path:page:line:col`` (PDF), ``path:paragraph:col`` (DOCX)."""
    loc = f.location
    parts = [terminal_safe(f.path)]
    if loc.page is not None:
        parts.append(str(loc.page))
    if loc.line is not None:
        parts.append(str(loc.line))
    elif loc.paragraph is not None:
        parts.append(str(loc.paragraph))
    if loc.column is not None and len(parts) > 1:
        parts.append(str(loc.column))
    return ":".join(parts)


def summary(findings: list[Finding], files: int) -> str:
    if not findings:
        return f"No findings in {files} file{'s' if files != 1 else ''}."
    by = Counter(f.severity for f in findings)
    counts = ", ".join(f"{by[s]} {s if s == 'info' else s + ('s' if by[s] != 1 else '')}"
                       for s in ("error", "warning", "info") if by[s])
    n = len(findings)
    return f"Found {n} finding{'s' if n != 1 else ''} ({counts}) in {files} file{'s' if files != 1 else ''}."


COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


_ORDER = {"error": 0, "warning": 1, "info": 2}


def _folded(f: Finding) -> bool:
    """An info-level finding about something missing: the model asks for
    more than most documents of a kind carry, so these are listed on one
    line unless asked for one by one."""
    return f.severity == "info" and f.evidence is None and not f.code.startswith("PL0")


def render(result: Result, rules: Iterable[Rule] = (), color: bool = False, show_info: bool = False) -> str:
    """Findings grouped by file, errors first, then warnings, then info; a
    file's info-level absences folded into one line unless ``show_info``."""
    import click

    def sev(s: str) -> str:
        return click.style(s, fg=COLOURS[s], bold=s == "error") if color else s

    def bold(s: str) -> str:
        return click.style(s, bold=True) if color else s

    safe = terminal_safe
    kinds = {fr.path: fr for fr in result.files}
    lines: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.path):
        fr = kinds.get(path)
        header = safe(path)
        if fr is not None and fr.kind:
            header += f"  [{fr.kind}: {safe(fr.kind_reason or '')}]"
        elif fr is None:
            header += "  [policy set]"
        lines.append(bold(header))
        found = sorted(group, key=lambda f: _ORDER.get(f.severity, 3))  # stable: positions keep their order
        folded = [] if show_info else [f for f in found if _folded(f)]
        for f in found:
            if folded and _folded(f):
                continue
            lines.append(f"  {position(f)}: {sev(f.severity)} {f.code} {f.name}: {safe(f.message)}")
            if f.evidence:
                lines.append(f"      evidence: \"{safe(f.evidence)}\"")
            for s in f.suggestions[:3]:
                lines.append(f"      suggest:  {safe(s)}")
            if f.documents:
                lines.append(f"      looked at {len(f.documents)} documents")
        if folded:
            names = ", ".join(dict.fromkeys(f.name for f in folded))
            lines.append(f"  {safe(path)}: {sev('info')} the model also asks for: {names} "
                         "(--show-info lists them)")
        lines.append("")
    for note in result.notes:
        lines.append(f"note: {safe(note)}")
    lines.append(summary(result.findings, len(result.files)))
    return "\n".join(lines) + "\n"


def statistics(findings: list[Finding]) -> str:
    """Counts by rule, most frequent first (``--statistics``)."""
    counts = Counter((f.code, f.name, f.severity) for f in findings)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "".join(f"{n:5}  {code}  {name}  [{sev}]\n" for (code, name, sev), n in rows)
