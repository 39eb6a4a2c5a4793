"""The labelled evaluation set (tests/labelled/): six invented organisations'
policy sets, scored against their hand-written labels in
tests/labelled/expected.yaml.

The scores cover whichever rules are loaded today, so adding a rule adds its
labels to the score. The labels are the truth: if a score falls short, fix the
rule, not the labels.
"""

import re
from pathlib import Path

import pytest
import yaml

from evaluate import evaluate, report, totals

LABELLED = Path(__file__).resolve().parent / "labelled"
EXPECTED = LABELLED / "expected.yaml"

PJD, JD, MS, SP = "peer-job-description", "job-description", "mission-statement", "strategic-plan"
SUP, TRN, HR, OTH = "supervision-policy", "training-policy", "hr-policy", "other"
KINDS = {MS, SP, PJD, JD, SUP, TRN, HR, OTH}

# Which document kinds each rule applies to (RULES-CATALOG.md, section 2).
# Set-level-only rules are labelled under `sets`.
APPLIES: dict[str, tuple[str, ...]] = {
    "le-named-in-mission": (MS, SP),
    "le-named-in-policies": (HR, SUP, TRN),
    "sustainable-le-funding": (PJD, SP),
    "peer-roles-not-optional": (SP, OTH, PJD),
    "recovery-oriented-language": tuple(KINDS),
    "co-produced-with-le": (PJD, HR),
    "le-essential-criterion": (PJD,),
    "no-clinical-qualification-required": (PJD,),
    "lived-experience-defined-inclusively": (PJD, HR),
    "peer-role-defined-as-distinct": (PJD,),
    "no-clinicalised-duties": (PJD,),
    "no-coercive-duties": (PJD, SUP, OTH),
    "funding-rules-not-driving-peer-work": (PJD, SUP),
    "le-in-recruitment-process": (HR, PJD),
    "peer-led-supervision-in-jd": (PJD,),
    "peer-led-supervision-in-policy": (SUP,),
    "managers-trained-in-peer-role": (SUP, TRN),
    "peer-career-pathway": (HR, PJD, SP),
    "disclosure-and-adjustments": (HR, PJD),
    "whole-workforce-le-training": (TRN, SP),
    "le-in-orientation": (TRN, HR),
    "le-training-recurring": (TRN,),
    "peer-specific-training": (PJD, TRN),
    "le-networks-and-cpd": (HR, TRN, PJD),
    "sufficient-peer-ratio": (SP, PJD, OTH),
    "diversity-and-cultural-inclusion": (SP, HR, PJD, TRN),
}
SET_RULES = {"senior-le-roles", "leadership-commitment-stated", "le-named-in-policies",
             "peer-career-pathway", "sufficient-peer-ratio"}
ALL_RULES = set(APPLIES) | SET_RULES


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def labels():
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scored():
    return evaluate(EXPECTED)


def test_labels_are_consistent(labels):
    """Every labelled file exists and is read; every label applies to its
    document's kind; evidence and trap texts are in one block of the document
    as policylint reads it."""
    from policylint.readers import read_document

    problems = []
    for rel, spec in labels["files"].items():
        path = LABELLED / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        kind = spec["kind"]
        if kind not in KINDS:
            problems.append(f"{rel}: unknown kind {kind}")
        blocks = [_norm(b.text) for b in read_document(path).blocks]
        fires = {e if isinstance(e, str) else e["rule"] for e in spec.get("fires") or []}
        passes = set(spec.get("passes") or [])
        unlabelled = set(spec.get("unlabelled") or {})
        traps = spec.get("must-not-flag") or []
        if fires & passes or fires & unlabelled or passes & unlabelled:
            problems.append(f"{rel}: a rule is in more than one of fires, passes, unlabelled")
        for name in fires | passes | unlabelled:
            if name not in APPLIES:
                problems.append(f"{rel}: {name} is not a per-document rule")
            elif kind not in APPLIES[name]:
                problems.append(f"{rel}: {name} does not apply to {kind}")
        texts = [(e["rule"], e["evidence"]) for e in spec.get("fires") or []
                 if isinstance(e, dict) and e.get("evidence")]
        texts += [(t["rule"], t["text"]) for t in traps]
        for name, text in texts:
            if name not in ALL_RULES:
                problems.append(f"{rel}: unknown rule {name}")
            if not any(_norm(text) in b for b in blocks):
                problems.append(f"{rel}: not in any one block: {text!r}")
    folders = {Path(rel).parts[0] for rel in labels["files"]}
    for folder, spec in labels["sets"].items():
        if folder not in folders:
            problems.append(f"sets: {folder} has no labelled files")
        for name, verdict in spec.items():
            if name in ALL_RULES and verdict not in ("fires", "passes"):
                problems.append(f"sets: {folder} {name}: {verdict!r}")
            if name.startswith("le-named-in-policies-"):
                for rel in verdict:
                    if rel not in labels["files"] or labels["files"][rel]["kind"] not in (HR, SUP, TRN):
                        problems.append(f"sets: {folder} {name}: {rel} is not a labelled workforce policy")
    for folder in folders:
        on_disk = {p.relative_to(LABELLED).as_posix() for p in (LABELLED / folder).iterdir()
                   if p.is_file() and not p.name.startswith(".")}
        if on_disk - set(labels["files"]):
            problems.append(f"{folder}: unlabelled documents {sorted(on_disk - set(labels['files']))}")
    assert not problems, "\n".join(problems)


def test_every_rule_has_enough_labels(labels):
    """At least three `fires` and three `passes`/`must-not-flag` labels per
    rule across the set (set-level verdicts count)."""
    fires: dict[str, int] = dict.fromkeys(ALL_RULES, 0)
    clean: dict[str, int] = dict.fromkeys(ALL_RULES, 0)
    for spec in labels["files"].values():
        for e in spec.get("fires") or []:
            fires[e if isinstance(e, str) else e["rule"]] += 1
        for name in spec.get("passes") or []:
            clean[name] += 1
        for trap in spec.get("must-not-flag") or []:
            if spec["kind"] in APPLIES.get(trap["rule"], ()):
                clean[trap["rule"]] += 1
    for spec in labels["sets"].values():
        for name, verdict in spec.items():
            if name in ALL_RULES:
                (fires if verdict == "fires" else clean)[name] += 1
    short = {n: (fires[n], clean[n]) for n in sorted(ALL_RULES) if fires[n] < 3 or clean[n] < 3}
    assert not short, short


def test_every_labelled_document_gets_its_kind(scored):
    _, right, wrong = scored
    assert not wrong, "\n".join(wrong)
    assert right >= 30


def test_precision_and_recall_over_the_labelled_set(scored):
    scores, right, wrong = scored
    total = totals(scores)
    print(report(scores, right, wrong))
    assert total.precision >= 0.90 and total.recall >= 0.80, report(scores, right, wrong)
