"""JUnit XML: one test case per file checked; each finding a failure."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from policylint.report.text import position


def render(result, rules=()) -> str:
    by_path = defaultdict(list)
    for f in result.findings:
        by_path[f.path].append(f)
    paths = [fr.path for fr in result.files] + [p for p in by_path if p not in {fr.path for fr in result.files}]
    suite = ET.Element("testsuite", name="policylint", tests=str(len(paths)),
                       failures=str(sum(1 for p in paths if by_path.get(p))), errors="0")
    for path in paths:
        case = ET.SubElement(suite, "testcase", classname="policylint", name=path)
        for f in by_path.get(path, []):
            text = f"{position(f)}: {f.code} {f.name}: {f.message}"
            if f.evidence:
                text += f'\nevidence: "{f.evidence}"'
            for s in f.suggestions[:3]:
                text += f"\nsuggest: {s}"
            failure = ET.SubElement(case, "failure", type=f.severity, message=f"{f.code} {f.name}: {f.message}")
            failure.text = text
    root = ET.Element("testsuites", name="policylint")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
