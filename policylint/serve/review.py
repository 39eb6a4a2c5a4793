"""The review page's work on an upload, all through the project's own
flow and writers: checking (``report.html.collect``, i.e. ``run.check``
keeping the documents), the reviewer's choice of a document's kind (a
``kinds`` entry in the run's configuration, so the one flow decides as it
would for a configured glob), and the downloads -- the reviewed Word copy
(``annotate.annotate_file`` with the reviewer's ``Review``), the findings as
JSON and SARIF (``report.renderer``) and the scorecard
(``report.html.render_html``).

Paths in everything the reviewer sees or downloads are relative to the
upload (the names the files were uploaded with); the temporary folder's
name never appears. Findings the reviewer dismissed are left out of the
JSON, SARIF and scorecard downloads; in the reviewed Word copy they become
the reviewer's ignore comments."""

from __future__ import annotations

import dataclasses
import glob
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from policylint.findings import Finding
from policylint.serve.store import Checked, Upload

if TYPE_CHECKING:
    from policylint.engine import Engine
    from policylint.run import FileResult, Options, Result

CHOSEN_REASON = "chosen on the review page"


def options_for(upload: Upload, options: Options) -> Options:
    """The run's options with the kinds the reviewer chose, as configured
    ``kinds`` globs naming exactly those files (they come first, so they win
    over the configuration's own)."""
    if not upload.kinds:
        return options
    chosen = {glob.escape(str(upload.inbox / path)): kind for path, kind in upload.kinds.items()}
    if options.kind is not None:  # --kind: every other document keeps it
        chosen["*"] = options.kind
    else:
        chosen.update(options.config.kinds)
    config = dataclasses.replace(options.config, kinds=chosen)
    return dataclasses.replace(options, config=config, kind=None)


def targets(upload: Upload) -> list[Path]:
    """What is checked: a single uploaded file by itself; several files, or
    a folder from a zip, as the upload's folder, so each folder of
    documents is a policy set (set-level rules and the scorecard)."""
    if len(upload.files) == 1 and "/" not in upload.files[0]:
        return [upload.inbox / upload.files[0]]
    return [upload.inbox]


def check(upload: Upload, options: Options, engine: Engine,
          progress: Callable[[int, int, str], None] | None = None) -> Checked:
    """Check the upload with the one flow, keeping the documents' text."""
    from policylint.report.html import collect

    start = time.perf_counter()
    run_options = dataclasses.replace(options_for(upload, options), progress=progress, jobs=1, cache_dir=None,
                                      baseline=None)
    collected = collect(targets(upload), run_options, engine)
    collected.result.analysed = {}  # the spaCy documents: the text (``documents``) is all the page needs
    checked = Checked(collected.result, collected.documents, collected.rules, collected.sets, collected.assessed)
    checked = relative(checked, upload)
    add_problems(checked, upload)
    checked.seconds = time.perf_counter() - start
    return checked


def add_problems(checked: Checked, upload: Upload) -> None:
    """Uploads that never reached the flow (a zip that was not unpacked) as
    the findings the flow gives a file it cannot read."""
    from policylint.run import FileResult, reader_finding

    for path, code, reason, hint in upload.problems:
        checked.result.files.append(FileResult(path, error=reason))
        checked.result.findings.append(reader_finding(path, code, reason, hint))
    checked.result.findings.sort(key=Finding.sort_key)


def relative(checked: Checked, upload: Upload) -> Checked:
    """Every path as the reviewer knows it: relative to the upload."""
    root = upload.inbox
    prefix = f"{root}/"

    def text(t: str) -> str:
        return t.replace(prefix, "").replace(str(root), "the uploaded documents")

    def rel(path: str) -> str:
        try:
            return PurePosixPath(Path(path).relative_to(root).as_posix()).as_posix()
        except ValueError:
            return path

    def finding(f: Finding) -> Finding:
        return dataclasses.replace(f, path=rel(f.path), documents=tuple(rel(d) for d in f.documents),
                                   message=text(f.message), suggestions=tuple(text(s) for s in f.suggestions))

    def file(fr: FileResult) -> FileResult:
        path = rel(fr.path)
        reason = CHOSEN_REASON if path in upload.kinds and fr.kind == upload.kinds[path] else fr.kind_reason
        return dataclasses.replace(fr, path=path, kind_reason=reason,
                                   error=text(fr.error) if fr.error else None)

    result = checked.result
    result.files = [file(fr) for fr in result.files]
    result.findings = [finding(f) for f in result.findings]
    result.notes = [text(n) for n in result.notes]
    documents = {rel(p): dataclasses.replace(d, path=rel(d.path)) for p, d in checked.documents.items()}
    return dataclasses.replace(checked, documents=documents, sets=[rel(s) for s in checked.sets])


# -- downloads ---------------------------------------------------------------------------


def kept(checked: Checked, upload: Upload) -> Result:
    """The result less the findings the reviewer dismissed."""
    from policylint.annotate import finding_key

    findings = [f for f in checked.result.findings if finding_key(f) not in upload.dismissed.get(f.path, {})]
    return dataclasses.replace(checked.result, findings=findings)


def findings_file(checked: Checked, upload: Upload, fmt: str) -> str:
    """The findings as ``json`` or ``sarif``, as ``policylint check --format`` writes them."""
    from policylint.report import renderer

    text: str = renderer(fmt)(kept(checked, upload), checked.rules)
    return text


def title(upload: Upload) -> str:
    """The name of what was uploaded: one file's name, else the folder's, else a plain phrase."""
    tops = {PurePosixPath(f).parts[0] for f in upload.files} | {p for p, *_ in upload.problems}
    if len(tops) == 1:
        return PurePosixPath(next(iter(tops))).stem
    return "Uploaded documents"


def scorecard(checked: Checked, upload: Upload) -> str:
    from policylint.report.html import render_html

    return render_html(kept(checked, upload), checked.documents, checked.rules, title=title(upload),
                       sets=checked.sets, assessed=checked.assessed)


def reviewed_copy(upload: Upload, path: str, options: Options, engine: Engine) -> tuple[Path | None, str | None]:
    """Write the reviewed Word copy of the uploaded ``path`` into the upload's
    outbox, with the reviewer's dismissals and chosen wording: (the file,
    None) or (None, why there is none)."""
    from policylint.annotate import Review, annotate_file, reviewed_name

    source = upload.inbox / path
    target = upload.outbox / reviewed_name(Path(PurePosixPath(path).name))
    review = Review(dismissed=dict(upload.dismissed.get(path, {})), chosen=dict(upload.chosen.get(path, {})))
    outcome = annotate_file(source, target, options_for(upload, options), engine, force=True, review=review)
    if outcome.output is None:
        reason = outcome.error or outcome.skipped or "no reviewed copy was written"
        return None, reason.replace(f"{upload.inbox}/", "").replace(str(upload.inbox), "")
    return outcome.output, None
