"""The flow: discover -> read -> classify -> analyse -> check -> filter.

Each stage takes the previous stage's value. A document is read once and
analysed once; every rule runs over that same analysed document. A file that
cannot be read becomes a finding and the run goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from policylint.classify import classify
from policylint.document import Document, Limits, Location, ReadError
from policylint.findings import Finding, select
from policylint.problems import READER_CODES
from policylint.readers import FORMATS, UNSUPPORTED_HINTS, read_document

# Files in a folder that are about the folder, not policy documents.
SKIP_NAMES = ("readme", "changelog", "license", "licence", "contributing")


@dataclass
class FileResult:
    path: str
    kind: str | None = None
    kind_reason: str | None = None
    error: str | None = None


@dataclass
class Result:
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Options:
    kind: str | None = None
    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    limits: Limits = field(default_factory=Limits)
    model: str | None = None


def discover(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files to check, and the folders whose documents form policy sets.

    A file named on the command line is always checked. In a folder, every
    document format policylint reads or knows it cannot read is picked up;
    hidden entries, README-like files and links that leave the folder are not.
    """
    files: list[Path] = []
    sets: list[Path] = []
    for root in paths:
        if not root.is_dir():
            files.append(root)
            continue
        real_root = root.resolve()
        set_dirs: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                p = Path(dirpath) / name
                suffix = p.suffix.lower()
                if name.startswith(".") or (suffix not in FORMATS and suffix not in UNSUPPORTED_HINTS):
                    continue
                if p.stem.lower().split(".")[0] in SKIP_NAMES:
                    continue
                if p.is_symlink():
                    target = p.resolve()
                    if real_root not in target.parents:
                        continue
                files.append(p)
                set_dirs.add(Path(dirpath))
        sets.extend(sorted(set_dirs))
    return files, sets


def reader_finding(path: str, code: str, message: str, hint: str | None = None,
                   location: Location | None = None) -> Finding:
    name, severity = READER_CODES[code]
    return Finding(code, name, severity, path, message, location or Location(), None,
                   (hint,) if hint else (), "policylint reader", "")


def read_and_classify(path: Path, options: Options) -> tuple[Document | None, FileResult, list[Finding]]:
    p = str(path)
    try:
        doc = read_document(path, options.limits)
    except ReadError as exc:
        return None, FileResult(p, error=exc.reason), [reader_finding(p, exc.code, exc.reason, exc.hint)]
    except Exception as exc:  # a reader bug must not stop the run
        reason = f"internal error while reading: {type(exc).__name__}: {exc}"
        return None, FileResult(p, error=reason), [reader_finding(p, "PL001", reason, "please report this file")]
    findings = [reader_finding(p, pr.code, pr.message, None, pr.location) for pr in doc.problems]
    if not doc.blocks:
        if not doc.problems:
            findings.append(reader_finding(p, "PL006", "the document has no text", "check the file is the right one"))
        return None, FileResult(p, error="no text"), findings
    doc = classify(doc, options.kind)
    return doc, FileResult(p, doc.kind, doc.kind_reason), findings


def check(paths: list[Path], options: Options, engine=None) -> Result:
    from policylint.engine import Engine

    engine = engine or Engine(model=options.model)
    files, sets = discover(paths)
    result = Result()
    analysed_by_dir: dict[Path, list] = {}
    for path in files:
        doc, info, findings = read_and_classify(path, options)
        result.files.append(info)
        result.findings.extend(findings)
        if doc is None:
            continue
        analysed = engine.analyse(doc)
        result.findings.extend(engine.check(analysed))
        if doc.complete:
            analysed_by_dir.setdefault(path.parent, []).append(analysed)
    set_rules = any(r.compiled.get("set") is not None for r in engine.rules)
    for folder in sets:
        docs = analysed_by_dir.get(folder, [])
        if docs:
            result.findings.extend(engine.check_set(str(folder), docs))
    if set_rules and not sets and files:
        result.notes.append("set-level rules skipped: they judge a whole folder; check a folder to run them")
    result.findings = sorted(select(result.findings, options.select, options.ignore), key=Finding.sort_key)
    return result
