"""JSON output: a versioned contract (see README, "JSON output")."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from policylint import __version__

if TYPE_CHECKING:
    from policylint.engine.rules import Rule
    from policylint.run import Result

SCHEMA_VERSION = 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any) -> str:
    """``data`` as indented JSON, non-ASCII text kept readable. Control
    characters come out as escapes (``json`` does that); so do lone
    surrogates, the undecodable bytes of a file name that is not UTF-8,
    which ``json`` would leave raw and which cannot be written as UTF-8."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render(result: Result, rules: Iterable[Rule] = ()) -> str:
    by = Counter(f.severity for f in result.findings)
    data = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "policylint", "version": __version__},
        "files": [
            {"path": fr.path, "kind": fr.kind, "kind_reason": fr.kind_reason, "error": fr.error,
             "kind_runner_up": fr.kind_runner_up, "kind_confidence": fr.kind_confidence}
            for fr in result.files
        ],
        "findings": [f.as_json() for f in result.findings],
        "summary": {"files": len(result.files), "findings": len(result.findings),
                    "error": by["error"], "warning": by["warning"], "info": by["info"]},
        "notes": list(result.notes),
    }
    return dumps(data) + "\n"
