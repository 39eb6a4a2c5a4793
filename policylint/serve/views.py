"""What the review page shows of a checked upload: per document its kind
and why, its text with each finding highlighted on its words (the
scorecard's own ``document_items``), and beside each paragraph the
findings on it, errors first, with the reviewer's decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from policylint.findings import SEVERITY_RANK
from policylint.report.html import FindingView, document_items

if TYPE_CHECKING:
    from policylint.findings import Finding
    from policylint.report import scorecard as sc
    from policylint.serve.store import Checked, Upload

SEVERITIES = ("error", "warning", "info")


@dataclass
class Suggestion:
    index: int
    text: str
    usable: bool  # can be written into the Word copy as a tracked change
    chosen: bool = False


class Note(FindingView):
    """A finding as the review page shows it: the scorecard's view plus the
    reviewer's decision and the suggestions they can choose."""

    def __init__(self, fid: int, f: Finding, number: int, rules: dict[str, sc.RuleInfo], upload: Upload,
                 word: bool) -> None:
        from policylint.annotate import finding_key, wording
        from policylint.annotate.wording import _why

        super().__init__(fid, f, number, rules)
        self.key = finding_key(f)
        self.why = _why(f.rationale)
        self.dismissed = upload.dismissed.get(f.path, {}).get(self.key)
        chosen = upload.chosen.get(f.path, {}).get(self.key)
        self.options = []
        for i, s in enumerate(f.suggestions):
            w = wording(s)
            usable = word and w is not None and (w.action == "add" or f.span is not None)
            self.options.append(Suggestion(i, s, usable, chosen == i))
        self.chosen = chosen
        self.reader = f.code.startswith("PL0")  # a file that could not be read: nothing to decide

    @property
    def rank(self) -> tuple[int, int]:
        return (-SEVERITY_RANK.get(self.severity, 0), self.number)


@dataclass
class DocumentView:
    id: str
    index: int
    path: str
    name: str
    title: str
    kind: str | None
    kind_reason: str | None
    chosen_kind: bool
    error: str | None
    word: bool  # a DOCX: a reviewed copy can be downloaded
    notes: list[Note] = field(default_factory=list)  # errors first
    body: list[dict[str, Any]] = field(default_factory=list)
    loose: list[Note] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    dismissed: int = 0
    pages: int | None = None


def page(checked: Checked, upload: Upload) -> dict[str, Any]:
    """The review page's values for the templates."""
    from policylint.report import scorecard as sc

    infos = {r.name: sc.RuleInfo.from_rule(r) for r in checked.rules}
    by_path: dict[str, list[Finding]] = {}
    for f in checked.result.findings:
        by_path.setdefault(f.path, []).append(f)
    fid = 0
    views: dict[int, Note] = {}
    docs: list[DocumentView] = []
    for index, fr in enumerate(checked.result.files):
        doc = checked.documents.get(fr.path)
        word = PurePosixPath(fr.path).suffix.lower() == ".docx" and doc is not None
        notes: list[Note] = []
        for number, f in enumerate(by_path.get(fr.path, []), 1):
            note = Note(fid, f, number, infos, upload, word)
            views[fid] = note
            notes.append(note)
            fid += 1
        # Dismissed findings are listed apart. In rank order here, so every block's notes
        # and the loose ones keep it (document_items keeps the order it is given).
        shown = sorted((n for n in notes if n.dismissed is None), key=lambda n: n.rank)
        body, laid = document_items(doc, list[FindingView](shown)) if doc is not None else ([], shown)
        loose = cast("list[Note]", laid)  # the notes it was given, those on no block
        docs.append(DocumentView(
            id=f"doc-{index + 1}", index=index, path=fr.path, name=PurePosixPath(fr.path).name,
            title=(doc.title if doc is not None and doc.title else PurePosixPath(fr.path).name),
            kind=fr.kind, kind_reason=fr.kind_reason, chosen_kind=fr.path in upload.kinds, error=fr.error,
            word=word, notes=sorted(notes, key=lambda n: n.rank), body=body,
            loose=loose,
            counts={s: sum(1 for n in shown if n.severity == s) for s in SEVERITIES},
            dismissed=len(notes) - len(shown), pages=doc.pages if doc is not None else None))
    sets: list[dict[str, Any]] = []
    known = {fr.path for fr in checked.result.files}
    for folder in sorted({f.path for f in checked.result.findings} - known):
        notes = []
        for number, f in enumerate(by_path[folder], 1):
            note = Note(fid, f, number, infos, upload, False)
            views[fid] = note
            notes.append(note)
            fid += 1
        notes.sort(key=lambda n: n.rank)
        sets.append({"path": folder, "name": "the uploaded files" if folder == "." else folder, "notes": notes})
    active = [v for v in views.values() if v.dismissed is None]
    not_checked = sorted(set(upload.files) - known)
    return {
        "docs": docs, "sets": sets, "views": views, "not_checked": not_checked,
        "counts": {s: sum(1 for v in active if v.severity == s) for s in SEVERITIES},
        "dismissed": len(views) - len(active), "notes": checked.result.notes,
        "several": len(checked.result.files) > 1 or bool(sets),
        "seconds": checked.seconds,
    }
