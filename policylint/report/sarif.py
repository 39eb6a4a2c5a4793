"""SARIF 2.1.0 output, for code-scanning tools.

DOCX findings have no lines: the region's ``startLine`` is the paragraph
number (so a code-scanning UI has a line to show) and ``properties`` carries
the page/paragraph/part. Set-level findings point at the folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from policylint import __version__
from policylint.baseline import fingerprint
from policylint.report.json_format import dumps

if TYPE_CHECKING:
    from policylint.engine.rules import Rule
    from policylint.findings import Finding
    from policylint.run import Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _rule_entry(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.rationale}\n\nSource: {rule.source}"
    suggestion = next(iter(rule.suggest), None) or next(
        (s for g in rule.spec.get("patterns", []) if isinstance(g, dict) for s in g.get("suggest", [])), None)
    if suggestion:
        help_text += f"\n\nSuggested wording: {suggestion}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.name.replace("-", " ")},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"source": rule.source, "element": rule.element,
                       "appliesTo": list(rule.applies_to), "tags": [rule.element.split("/")[0]]},
    }


def _reader_rule(code: str) -> dict[str, Any]:
    from policylint.problems import READER_CODES

    name, severity = READER_CODES.get(code, ("unused-ignore", "info"))
    return {"id": code, "name": name, "shortDescription": {"text": name.replace("-", " ")},
            "help": {"text": "The file could not be read completely; see the message."},
            "defaultConfiguration": {"level": LEVELS[severity]}}


def _uri(path: str) -> str:
    """Relative to the working folder where possible (what code scanning expects), else a file: URI."""
    p = Path(path)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.resolve().as_uri() + ("/" if p.is_dir() else "")
    # surrogateescape: the undecodable bytes of a non-UTF-8 name become their %XX escapes.
    return quote(rel, errors="surrogateescape") + ("/" if p.is_dir() else "")


def _location(f: Finding) -> dict[str, Any]:
    loc = f.location
    region: dict[str, Any] = {}
    line = loc.line if loc.line is not None else loc.paragraph
    if line is not None:
        region["startLine"] = line
        if loc.column is not None:
            region["startColumn"] = loc.column
            if f.evidence and "\n" not in f.evidence:
                region["endColumn"] = loc.column + len(f.evidence)
        if f.evidence:
            region["snippet"] = {"text": f.evidence}
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.path)}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


def render(result: Result, rules: Iterable[Rule] = ()) -> str:
    listed = list(rules)
    entries = [_rule_entry(r) for r in listed]
    index = {r.code: i for i, r in enumerate(listed)}
    for f in result.findings:
        if f.code not in index:
            index[f.code] = len(entries)
            entries.append(_reader_rule(f.code))
    results = []
    base = Path.cwd()
    for f in result.findings:
        props = {k: v for k, v in f.location.as_dict().items() if k in ("page", "paragraph", "part", "line")}
        props["name"] = f.name
        if f.suggestions:
            props["suggestions"] = list(f.suggestions)
        if f.documents:
            props["documents"] = list(f.documents)
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f)],
            "partialFingerprints": {"policylint/v1": fingerprint(f, base)},
            "properties": props,
        })
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policylint", "version": __version__,
                                "semanticVersion": __version__, "rules": entries}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return dumps(doc) + "\n"
