"""Reviewed copies on disk: which output each input gets (``plan_outputs``),
the safety rules for writing one (never the input, nothing that is not a
regular file, an existing output only with ``--force``, written atomically),
and the flow for one Word file (read, reject earlier suggestions, check,
annotate) or many (``annotate_paths``). Formats other than DOCX are skipped
with a note, never written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from policylint.annotate.package import AnnotateError, _Package, remove_own
from policylint.annotate.plan import Review
from policylint.annotate.writer import Annotated, annotate
from policylint.document import Document
from policylint.findings import Finding

if TYPE_CHECKING:
    from policylint.config import Config
    from policylint.engine import Engine
    from policylint.run import Options

REVIEWED = ".reviewed"  # jd.docx -> jd.reviewed.docx


@dataclass
class FileOutcome:
    source: Path
    output: Path | None = None
    written: Annotated | None = None
    findings: list[Finding] = field(default_factory=list)  # what the comments are about
    skipped: str | None = None  # nothing written, and why (not an error)
    error: str | None = None


def reviewed_name(source: Path) -> Path:
    return source.with_name(f"{source.stem}{REVIEWED}{source.suffix}")


def plan_outputs(paths: list[Path], output: Path | None, config: Config | None = None) -> list[tuple[Path, Path]]:
    """(input, output) pairs. A folder gives every document in it; a folder
    run writes into ``output`` keeping sub-folders, else beside each input.
    Reviewed copies in a folder are not inputs."""
    from policylint.run import discover

    pairs: list[tuple[Path, Path]] = []
    many = len(paths) > 1 or any(p.is_dir() for p in paths)
    out_dir = output if output is not None and (many or output.is_dir() or str(output).endswith(("/", "\\"))) \
        else None
    for root in paths:
        files = discover([root], config)[0] if root.is_dir() else [root]
        for f in files:
            if root.is_dir() and f.stem.endswith(REVIEWED):
                continue
            if out_dir is not None and root.is_dir() and _inside(f, out_dir):
                continue
            if out_dir is not None:
                rel = f.relative_to(root) if root.is_dir() else Path(f.name)
                pairs.append((f, out_dir / rel))
            elif output is not None:
                pairs.append((f, output))
            else:
                pairs.append((f, reviewed_name(f)))
    return pairs


def _output_problem(target: Path, inputs: list[Path]) -> str | None:
    """Why ``target`` must not be written (it is an input, or exists and is
    not a regular file: a device, a FIFO, a folder), or None."""
    from policylint.io import OutputError, check_output

    try:
        check_output(target, inputs)
    except OutputError as exc:
        return str(exc)
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.resolve() in path.resolve().parents
    except OSError:
        return False


NOT_WORD = ("no reviewed copy for {fmt} files yet: nothing written. "
            "See the findings with `policylint check {path}` (text output) or `policylint report`.")


def annotate_file(source: Path, target: Path, options: Options, engine: Engine | None, *, suggest: bool = False,
                  force: bool = False, now: dt.datetime | None = None, review: Review | None = None) -> FileOutcome:
    """Annotate one file into ``target``; never writes ``source``. ``engine``
    may be None only when ``source`` is not a Word document. ``review``: a
    reviewer's dismissals and chosen suggestions (the review page's)."""
    from policylint.io import write_atomic
    from policylint.readers import UNSUPPORTED_HINTS, format_of

    out = FileOutcome(source)
    fmt = format_of(source)
    if fmt is None:
        hint = UNSUPPORTED_HINTS.get(source.suffix.lower(), "not a format policylint reads")
        out.skipped = f"not annotated: {hint}"
        return out
    if fmt != "docx":
        what = {"pdf": "PDF", "markdown": "Markdown", "text": "text"}.get(fmt, fmt)
        out.skipped = NOT_WORD.format(fmt=what, path=source)
        return out
    if source.suffix.lower() != ".docx":
        out.error = (f"cannot annotate a {source.suffix} file (macro-enabled or template); "
                     "save it as .docx and annotate that")
        return out
    problem = _output_problem(target, [source])  # the input itself, a device, a FIFO, a folder
    if problem:
        out.error = problem
        return out
    if target.exists() and not force:
        out.error = f"{target} exists: use --force to replace it"
        return out
    try:
        written, found = _annotate_docx(source, options, engine, suggest, now, review)
    except AnnotateError as exc:
        out.error = str(exc)
        return out
    except Exception as exc:  # a bug must not stop a folder run
        out.error = f"internal error while annotating: {type(exc).__name__}: {exc} (please report this file)"
        return out
    write_atomic(target, written.data)
    out.output, out.written, out.findings = target, written, found
    return out


def _annotate_docx(source: Path, options: Options, engine: Engine | None, suggest: bool,
                   now: dt.datetime | None, review: Review | None = None) -> tuple[Annotated, list[Finding]]:
    import docx

    from policylint.run import check_document, read_and_classify

    doc, _, findings = read_and_classify(source, options)
    if doc is None:
        reasons = "; ".join(f.message for f in findings) or "unreadable"
        raise AnnotateError(f"cannot annotate {source}: {reasons}")
    try:
        wdoc = docx.Document(io.BytesIO(source.read_bytes()))
    except Exception as exc:  # python-docx refuses what Word would repair
        raise AnnotateError(f"cannot annotate {source}: python-docx cannot open it "
                            f"({type(exc).__name__}: {exc}); open it in Word and save it again") from exc
    pkg = _Package(wdoc)
    cleanup = remove_own(pkg)
    if cleanup.changes:
        # Earlier suggestions were rejected in memory: check the text as it now is.
        doc, findings = _reread(pkg, source, options)
    if engine is None:  # a caller's mistake, reported by annotate_file as an internal error
        raise TypeError("annotating a Word document needs an engine")
    analysed, found = check_document(doc, findings, options, engine)
    result = annotate(wdoc, doc, found, analysed=analysed, suggest=suggest, now=now, pkg=pkg, review=review)
    return dataclasses.replace(result, removed=cleanup.comments), found


def _reread(pkg: _Package, source: Path, options: Options) -> tuple[Document, list[Finding]]:
    """Read the in-memory package as if it were ``source`` (same name, same
    configured kind)."""
    from policylint.classify import classify
    from policylint.readers import read_document
    from policylint.run import reader_finding

    data = pkg.save()
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / source.name
        copy_path.write_bytes(data)
        doc = read_document(copy_path, options.limits)
    doc = dataclasses.replace(doc, path=str(source))
    findings = [reader_finding(str(source), pr.code, pr.message, None, pr.location) for pr in doc.problems]
    configured = options.config.kind_for(source) if options.kind is None else None
    doc = classify(doc, *configured) if configured else classify(doc, options.kind)
    return doc, findings


def annotate_paths(paths: list[Path], output: Path | None, options: Options, engine: Engine | None = None, *,
                   suggest: bool = False, force: bool = False, now: dt.datetime | None = None,
                   progress: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    from policylint.run import make_engine

    pairs = plan_outputs(paths, output, options.config)
    now = now or dt.datetime.now(dt.UTC)  # one date for every comment of the run
    outcomes: list[FileOutcome] = []
    # Every input, not only each target's own: `annotate a/x.docx b/x.docx -o a/ --force`
    # would otherwise write b's copy over the input a/x.docx.
    inputs = [*(s for s, _ in pairs), *([options.config.path] if options.config.path else [])]
    for source, target in pairs:
        problem = _output_problem(target, inputs)
        if problem:
            outcome = FileOutcome(source, error=problem)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
            continue
        if engine is None and source.suffix.lower() == ".docx":
            engine = make_engine(options)
        outcome = annotate_file(source, target, options, engine, suggest=suggest, force=force, now=now)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes
