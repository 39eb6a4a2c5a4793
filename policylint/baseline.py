"""Baselines: record today's findings, then report only new ones.

A finding's fingerprint is its rule, its file (relative to the baseline
file's folder) and its evidence with case and spacing normalised (the message
for a missing element) — never its line, so edits elsewhere in a document do
not resurface old findings. Identical fingerprints are counted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path

from policylint.findings import Finding
from policylint.io import write_atomic

VERSION = 1


def _relative(path: str, base: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
    except ValueError:
        return Path(path).as_posix()


def fingerprint(f: Finding, base: Path) -> str:
    text = f.evidence if f.evidence is not None else f.message
    norm = re.sub(r"\s+", " ", text).strip().lower()
    key = "\0".join((f.name, _relative(f.path, base), norm))
    # surrogateescape: a file name that is not UTF-8 hashes as its own bytes.
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def write(path: Path, findings: list[Finding]) -> None:
    base = path.resolve().parent
    entries = sorted(
        ({"fingerprint": fingerprint(f, base), "rule": f.code, "name": f.name,
          "path": _relative(f.path, base), "evidence": f.evidence} for f in findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    data = {"version": VERSION, "tool": "policylint", "findings": entries}
    from policylint.report.json_format import dumps  # escapes what UTF-8 cannot hold (a non-UTF-8 file name)

    write_atomic(path, (dumps(data) + "\n").encode("utf-8"))


class BaselineError(ValueError):
    pass


def load(path: Path) -> Counter:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r}")
        return Counter(e["fingerprint"] for e in data["findings"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, BaselineError):
            raise
        raise BaselineError(f"{path}: not a policylint baseline ({exc})") from None


def new_findings(findings: list[Finding], path: Path) -> list[Finding]:
    """Findings not in the baseline at ``path``."""
    remaining = load(path)
    base = path.resolve().parent
    out = []
    for f in findings:
        fp = fingerprint(f, base)
        if remaining[fp] > 0:
            remaining[fp] -= 1
        else:
            out.append(f)
    return out
