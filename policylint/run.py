"""The flow: discover -> read -> classify -> analyse -> check -> filter.

Each stage takes the previous stage's value. A document is read once and
analysed once; every rule runs over that same analysed document. A file that
cannot be read becomes a finding and the run goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from policylint import filters
from policylint.classify import classify
from policylint.config import Config
from policylint.document import Directive, Document, Limits, Location, ReadError
from policylint.findings import Finding
from policylint.limits import Deadline
from policylint.problems import READER_CODES
from policylint.readers import FORMATS, UNSUPPORTED_HINTS, read_document

if TYPE_CHECKING:  # the engine imports spaCy: only when a file is checked
    from policylint.engine import Engine
    from policylint.engine.analyse import Analysed

# Files in a folder that are about the folder, not policy documents.
SKIP_NAMES = ("readme", "changelog", "license", "licence", "contributing")


@dataclass
class FileResult:
    path: str
    kind: str | None = None
    kind_reason: str | None = None
    error: str | None = None
    kind_runner_up: str | None = None  # the classifier's second choice, if it chose
    kind_confidence: float | None = None  # 0..1, 1.0 when the kind was given


@dataclass
class Result:
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # With ``check(..., keep=True)``: each checked document, analysed, by path
    # (for outputs that show the text, such as the scorecard).
    analysed: dict[str, Analysed] = field(default_factory=dict)


@dataclass
class Options:
    """What one run does: the configuration, with command-line choices applied."""

    config: Config = field(default_factory=Config)
    kind: str | None = None  # --kind: every document is this kind
    select: set[str] | None = None  # --select: replaces the configured select
    ignore: set[str] = field(default_factory=set)  # --ignore: added to the configured ignore
    baseline: Path | None = None
    report_unused_ignores: bool = True
    jobs: int = 1
    cache_dir: Path | None = None  # None: no cache
    progress: Callable[[int, int, str], None] | None = None
    after_build: Callable[[], None] | None = None  # see Engine: the command line freezes the heap there
    # Check files in a worker process even with one job, so the time limit is
    # a hard one (a parser stuck inside one C call is killed): the command
    # line's choice; a program embedding the library keeps its own process.
    isolate: bool = False

    @property
    def limits(self) -> Limits:
        return self.config.limits

    @property
    def model(self) -> str | None:
        return self.config.model

    def selected(self) -> set[str] | None:
        chosen = self.select if self.select is not None else self.config.select
        if chosen is None:
            return None
        return chosen | self.config.extend_select

    def ignored(self) -> set[str]:
        return self.config.ignore | self.ignore


def discover(paths: list[Path], config: Config | None = None) -> tuple[list[Path], list[Path]]:
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
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and not (config is not None and config.excluded(Path(dirpath) / d)))
            for name in sorted(filenames):
                p = Path(dirpath) / name
                suffix = p.suffix.lower()
                if name.startswith(".") or (suffix not in FORMATS and suffix not in UNSUPPORTED_HINTS):
                    continue
                if p.stem.lower().split(".")[0] in SKIP_NAMES:
                    continue
                if config is not None and config.excluded(p):
                    continue
                if p.is_symlink():
                    try:
                        target = p.resolve(strict=True)
                    except (OSError, RuntimeError):
                        continue  # a dangling link or a loop: nothing to read
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
    configured = options.config.kind_for(path) if options.kind is None else None
    if configured:
        doc = classify(doc, configured[0], configured[1])
    else:
        doc = classify(doc, options.kind)
    return doc, FileResult(p, doc.kind, doc.kind_reason, kind_runner_up=doc.kind_runner_up,
                           kind_confidence=doc.kind_confidence), findings


def make_engine(options: Options) -> Engine:
    from policylint.engine import Engine

    cfg = options.config
    return Engine(model=cfg.model, extra_rules=cfg.extra_rules, rule_options=cfg.rule_options,
                  after_build=options.after_build)


@dataclass
class Outcome:
    """Everything the run keeps of one file: small and picklable, so it can
    come back from a worker process or from the cache."""

    info: FileResult
    findings: list[Finding]
    directives: tuple[Directive, ...] = ()
    set_hits: dict[str, bool | None] | None = None  # None: not part of set-level checks
    kind: str | None = None
    analysed: Analysed | None = None  # only when kept (never cached, never sent between processes)


def process(path: Path, options: Options, engine: Engine, keep: bool = False) -> Outcome:
    """Read, classify, analyse and check one file, all within the file's time limit."""
    deadline = Deadline.of(options.limits)
    return finish(read_and_classify(path, options), engine, options.limits, deadline, keep)


def finish(read: tuple[Document | None, FileResult, list[Finding]], engine: Engine, limits: Limits | None = None,
           deadline: Deadline | None = None, keep: bool = False) -> Outcome:
    """Analyse and check one file that ``read_and_classify`` has read.

    A document whose time runs out (``deadline``, else
    ``limits.timeout_seconds`` from now) or that the engine fails on becomes
    a finding for that file; the run goes on. ``keep``: the outcome holds
    the analysed document."""
    doc, info, findings = read
    if doc is None:
        return Outcome(info, findings)
    deadline = deadline or Deadline.of(limits or Limits())
    try:
        analysed = engine.analyse(doc, deadline)
        findings.extend(engine.check(analysed, deadline))
        hits = engine.set_hits(analysed) if doc.complete else None
    except ReadError as exc:
        return _failed(info, findings, exc)
    except RecursionError as exc:
        return _failed(info, findings, ReadError("PL005", f"the text is nested too deeply ({exc})",
                                                           "flatten the nesting (lists or tables inside each "
                                                           "other) and save the file again"))
    except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the run
        reason = f"internal error while checking: {type(exc).__name__}: {exc}"
        return _failed(info, findings, ReadError("PL001", reason, "please report this file"))
    return Outcome(info, findings, doc.directives, hits, doc.kind, analysed if keep else None)


def _failed(info: FileResult, findings: list[Finding], exc: ReadError) -> Outcome:
    """The outcome of a file that was read but could not be checked to the end."""
    info = replace(info, error=exc.reason)
    return Outcome(info, [*findings, reader_finding(info.path, exc.code, exc.reason, exc.hint)])


def check(paths: list[Path], options: Options, engine: Engine | None = None, keep: bool = False) -> Result:
    """The flow, for every command and front end: discover, read, classify,
    analyse, check (in workers and from the cache as the options say), run
    the set-level rules and filter. ``keep``: ``Result.analysed`` holds every
    checked document; the files are then checked in this process and the
    cache is not used, since analysed documents live in this process only."""
    from policylint import parallel

    engine = engine or make_engine(options)
    files, sets = discover(paths, options.config)
    result = Result()
    if keep:
        quiet = replace(options, progress=None)
        outcomes = []
        for done, path in enumerate(files, 1):
            if options.progress:
                options.progress(done, len(files), str(path))
            outcomes.append(process(path, quiet, engine, keep=True))
        result.analysed = {o.info.path: o.analysed for o in outcomes if o.analysed is not None}
    else:
        outcomes = parallel.run_all(files, options, engine)
    by_dir: dict[Path, list] = {}
    directives: dict[str, tuple[Directive, ...]] = {}
    for path, outcome in zip(files, outcomes):
        result.files.append(outcome.info)
        result.findings.extend(outcome.findings)
        if outcome.directives:
            directives[outcome.info.path] = outcome.directives
        if outcome.set_hits is not None:
            by_dir.setdefault(path.parent, []).append((outcome.info.path, outcome.kind, outcome.set_hits))
    for folder in sets:
        docs = by_dir.get(folder, [])
        if docs:
            result.findings.extend(engine.check_set(str(folder), docs))
    if engine.set_rules and not sets and files:
        result.notes.append("set-level rules skipped: they judge a whole folder; check a folder to run them")
    result.findings = filter_findings(result.findings, options, directives)
    return result


def check_document(doc: Document, findings: list[Finding], options: Options,
                   engine: Engine) -> tuple[Analysed, list[Finding]]:
    """The flow for one document already in memory (a Word package being
    annotated): analyse, check and filter it as ``check`` would, with the
    findings its reading gave; returns the analysed document and the
    findings on it."""
    analysed = engine.analyse(doc)
    found = filter_findings([*findings, *engine.check(analysed)], options,
                            {doc.path: doc.directives} if doc.directives else {})
    return analysed, [f for f in found if f.path == doc.path]


def filter_findings(findings: list[Finding], options: Options,
                    directives: dict[str, tuple[Directive, ...]]) -> list[Finding]:
    """select/ignore, per-file ignores, in-document directives, baseline."""
    from policylint import baseline

    cfg = options.config
    kept = filters.select(findings, options.selected(), options.ignored())
    if cfg.per_file_ignores:
        kept = [f for f in kept if not filters.matches(f, cfg.ignored_for(f.path))]
    kept = filters.apply_directives(kept, directives, options.report_unused_ignores)
    kept = filters.select(kept, options.selected(), options.ignored())
    if options.baseline is not None:
        kept = baseline.new_findings(kept, options.baseline)
    return sorted(kept, key=Finding.sort_key)
