"""Score policylint against a labelled set (an ``expected.yaml`` beside the
documents): per-rule true/false positives and negatives, precision, recall,
and document-kind accuracy.

    .venv/bin/python tests/evaluate.py fixtures/expected.yaml [--rules a,b]

Labels (see fixtures/expected.yaml for the full description):
``fires`` entries are a rule name or ``{rule, evidence}``; ``passes`` rule
names; ``must-not-flag`` ``{rule, text}``; ``sets`` per folder
``rule: fires|passes``. Only rules that are loaded are scored.
"""

from __future__ import annotations

import functools
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _overlaps(evidence: str | None, text: str) -> bool:
    if not evidence:
        return False
    a, b = _norm(evidence), _norm(text)
    return a in b or b in a


def _trap_hit(f, trap_text: str, blocks_of) -> bool:
    """The finding's evidence lies inside an occurrence of the trap text
    (not merely shares words with it somewhere else)."""
    if not _overlaps(f.evidence, trap_text):
        return False
    if f.span is None:
        return True
    blocks = blocks_of(f.path)
    if blocks is None or f.span[0] >= len(blocks):
        return True
    text = blocks[f.span[0]]
    pattern = r"\s+".join(re.escape(w) for w in trap_text.split())
    return any(m.start() <= f.span[1] and f.span[2] <= m.end() for m in re.finditer(pattern, text, re.I))


def evaluate(expected_path: Path, rule_names: set[str] | None = None):

    from policylint.readers import read_document
    from policylint.run import Options, check

    @functools.cache
    def blocks_of(path: str):
        try:
            return [b.text for b in read_document(path).blocks]
        except Exception:
            return None

    expected = yaml.safe_load(Path(expected_path).read_text(encoding="utf-8"))
    root = Path(expected_path).parent
    folders = sorted({root / Path(p).parts[0] for p in expected["files"]})
    result = check(folders, Options())
    from policylint.engine.rules import load_rules

    names = {r.name for r in load_rules()}
    if rule_names:
        names &= rule_names
    by_doc: dict[tuple[str, str], list] = defaultdict(list)
    for f in result.findings:
        by_doc[(Path(f.path).resolve().as_posix(), f.name)].append(f)
    scores: dict[str, Score] = defaultdict(Score)
    kinds_right, kinds_wrong = 0, []
    got_kind = {Path(fr.path).resolve().as_posix(): fr.kind for fr in result.files}
    for rel, spec in expected["files"].items():
        path = (root / rel).resolve().as_posix()
        if got_kind.get(path) == spec["kind"]:
            kinds_right += 1
        else:
            kinds_wrong.append(f"{rel}: expected {spec['kind']}, got {got_kind.get(path)}")
        fires = defaultdict(list)
        for entry in spec.get("fires") or []:
            name, evidence = (entry, None) if isinstance(entry, str) else (entry["rule"], entry.get("evidence"))
            fires[name].append(evidence)
        for name, evidences in fires.items():
            if name not in names:
                continue
            found = by_doc.get((path, name), [])
            for ev in evidences:
                hit = found and (ev is None or any(_overlaps(f.evidence, ev) for f in found)
                                 or not any(f.evidence for f in found))
                if hit:
                    scores[name].tp += 1
                else:
                    scores[name].fn += 1
                    scores[name].notes.append(f"missed {rel}: {ev or '(absence)'}")
        for name in spec.get("passes") or []:
            if name in names and by_doc.get((path, name)):
                scores[name].fp += 1
                ev = by_doc[(path, name)][0].evidence
                scores[name].notes.append(f"false positive {rel}: {ev or '(absence)'}")
        for trap in spec.get("must-not-flag") or []:
            name = trap["rule"]
            if name not in names or name in {n for n, e in fires.items()
                                             if any(_overlaps(x, trap["text"]) for x in e if x)}:
                continue
            bad = [f for f in by_doc.get((path, name), []) if _trap_hit(f, trap["text"], blocks_of)]
            if bad:
                scores[name].fp += 1
                scores[name].notes.append(f"trap flagged {rel}: {bad[0].evidence}")
    for folder, spec in (expected.get("sets") or {}).items():
        fpath = (root / folder).resolve().as_posix()
        for name, verdict in spec.items():
            if name not in names or verdict not in ("fires", "passes"):
                continue
            hit = bool(by_doc.get((fpath, name)))
            if verdict == "fires":
                if hit:
                    scores[name].tp += 1
                else:
                    scores[name].fn += 1
                    scores[name].notes.append(f"missed set {folder}")
            elif hit:
                scores[name].fp += 1
                scores[name].notes.append(f"false positive set {folder}")
    return scores, kinds_right, kinds_wrong


def totals(scores: dict[str, Score]) -> Score:
    total = Score()
    for s in scores.values():
        total.tp += s.tp
        total.fp += s.fp
        total.fn += s.fn
    return total


def report(scores, kinds_right, kinds_wrong, verbose: bool = True) -> str:
    lines = [f"{'rule':40} {'tp':>3} {'fp':>3} {'fn':>3} {'prec':>5} {'rec':>5}"]
    for name in sorted(scores):
        s = scores[name]
        lines.append(f"{name:40} {s.tp:3} {s.fp:3} {s.fn:3} {s.precision:5.2f} {s.recall:5.2f}")
        if verbose:
            lines.extend(f"    {n}" for n in s.notes)
    t = totals(scores)
    lines.append(f"{'ALL':40} {t.tp:3} {t.fp:3} {t.fn:3} {t.precision:5.2f} {t.recall:5.2f}")
    lines.append(f"kinds: {kinds_right}/{kinds_right + len(kinds_wrong)} right")
    lines.extend(f"    {k}" for k in kinds_wrong)
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if "--rules" in args:
        i = args.index("--rules")
        only = set(args[i + 1].split(","))
        del args[i:i + 2]
    print(report(*evaluate(Path(args[0] if args else "fixtures/expected.yaml"), only)))
