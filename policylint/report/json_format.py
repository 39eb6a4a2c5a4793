"""JSON output: a versioned contract (see README, "JSON output")."""

from __future__ import annotations

import json
from collections import Counter

from policylint import __version__

SCHEMA_VERSION = 1


def render(result, rules=()) -> str:
    by = Counter(f.severity for f in result.findings)
    data = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "policylint", "version": __version__},
        "files": [
            {"path": fr.path, "kind": fr.kind, "kind_reason": fr.kind_reason, "error": fr.error}
            for fr in result.files
        ],
        "findings": [f.as_json() for f in result.findings],
        "summary": {"files": len(result.files), "findings": len(result.findings),
                    "error": by["error"], "warning": by["warning"], "info": by["info"]},
        "notes": list(result.notes),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
