"""Findings and their filtering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policylint.document import Location

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: str
    path: str
    message: str
    location: Location = field(default_factory=Location)
    evidence: str | None = None  # the exact text matched; None for a missing element
    suggestions: tuple[str, ...] = ()
    source: str = ""
    rationale: str = ""
    # (block index, start char, end char) of the evidence, for writers; None if no evidence.
    span: tuple[int, int, int] | None = None
    # For a missing element: the block index of the heading it belongs under.
    anchor_block: int | None = None
    documents: tuple[str, ...] = ()  # set-level: the documents looked at

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.code,
            "name": self.name,
            "severity": self.severity,
            "path": self.path,
            "location": self.location.as_dict(),
            "message": self.message,
            "evidence": self.evidence,
            "suggestions": list(self.suggestions),
            "source": self.source,
        }
        if self.documents:
            out["documents"] = list(self.documents)
        return out

    def sort_key(self) -> tuple[str, int, int, int, int, str]:
        loc = self.location
        return (self.path, loc.page or 0, loc.paragraph or 0, loc.line or 0, loc.column or 0, self.code)


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
