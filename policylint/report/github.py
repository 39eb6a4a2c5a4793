"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policylint.engine.rules import Rule
    from policylint.run import Result

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
# Control characters other than tab and line breaks (line breaks are encoded
# below), and lone surrogates: written as escapes, so a file name cannot
# colour the log or fail to be written.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _data(text: str) -> str:
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Result, rules: Iterable[Rule] = ()) -> str:
    lines = []
    for f in result.findings:
        loc = f.location
        props = [f"file={_prop(f.path)}"]
        line = loc.line if loc.line is not None else loc.paragraph
        if line is not None:
            props.append(f"line={line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
        props.append(f"title={_prop(f'{f.code} {f.name}')}")
        message = f.message
        if f.suggestions:
            message += f"\nSuggested: {f.suggestions[0]}"
        lines.append(f"::{LEVELS[f.severity]} {','.join(props)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
