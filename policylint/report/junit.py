"""JUnit XML: one test case per file checked; each finding a failure.

File names and document text are data: characters XML 1.0 does not allow
(most C0 controls such as ESC, lone surrogates from file names that are not
UTF-8, U+FFFE and U+FFFF) are written as escapes like ``\\x1b``, so the
file always parses."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from policylint.report.text import position

if TYPE_CHECKING:
    from policylint.engine.rules import Rule
    from policylint.run import Result

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids written as an escape."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def render(result: Result, rules: Iterable[Rule] = ()) -> str:
    by_path = defaultdict(list)
    for f in result.findings:
        by_path[f.path].append(f)
    paths = [fr.path for fr in result.files] + [p for p in by_path if p not in {fr.path for fr in result.files}]
    suite = ET.Element("testsuite", name="policylint", tests=str(len(paths)),
                       failures=str(sum(1 for p in paths if by_path.get(p))), errors="0")
    for path in paths:
        case = ET.SubElement(suite, "testcase", classname="policylint", name=xml_safe(path))
        for f in by_path.get(path, []):
            text = f"{position(f)}: {f.code} {f.name}: {f.message}"
            if f.evidence:
                text += f'\nevidence: "{f.evidence}"'
            for s in f.suggestions[:3]:
                text += f"\nsuggest: {s}"
            failure = ET.SubElement(case, "failure", type=f.severity,
                                    message=xml_safe(f"{f.code} {f.name}: {f.message}"))
            failure.text = xml_safe(text)
    root = ET.Element("testsuites", name="policylint")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
