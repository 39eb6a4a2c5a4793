"""The language stage stays bounded on hostile text: punctuation storms and
endless chunks tokenize in linear time, a paragraph over spaCy's length
limit is checked like any other, the per-file time limit covers analysing
and checking, and one file's failure is that file's finding, never the
end of the run. Only generous bounds catch a hang; nothing here is a
benchmark (see benchmarks/run.py for that)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policylint.config import Config
from policylint.document import Limits
from policylint.limits import Deadline
from policylint.nlp import PIECE, build, tokenizable
from policylint.run import Options, check, finish, read_and_classify

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STORMS = {
    "underscores.txt": "_" * 20_000,
    "brackets.txt": "[" * 20_000,
    "parentheses.txt": "(" * 20_000 + ")" * 20_000,
    "mixed.md": "*_`[<" * 10_000,
}
DUTY = "The peer worker will administer medication to residents each evening."


def _words(count: int, seed: int = 7) -> str:
    vocabulary = "the peer worker supports people with lived experience of recovery in our team each week".split()
    rng = random.Random(seed)
    return " ".join(rng.choice(vocabulary) for _ in range(count))


def _cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policylint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


# -- tokenizing ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "short words only",
    "a" * (PIECE - 1),
    "a" * PIECE,
    "x" * 1000 + " tail",
    "ok " + "(" * 500 + " then words",
    "https://example.org/" + "segment/" * 40,
])
def test_tokenizable_text_keeps_every_offset(text: str) -> None:
    out = tokenizable(text)
    assert len(out) == len(text)
    assert all(o == t or o == " " for o, t in zip(out, text))
    assert max(len(chunk) for chunk in out.split() or [""]) < PIECE


def test_ordinary_text_is_tokenized_unchanged() -> None:
    text = "Peer workers do not administer medication; they support recovery (see section 3)."
    assert tokenizable(text) is text


@pytest.mark.parametrize("name", sorted(STORMS))
def test_a_punctuation_storm_is_tokenized_in_one_pass(name: str) -> None:
    nlp = build()
    doc = nlp(tokenizable(STORMS[name]))
    # every token is a short piece of its chunk, and the text is all there
    assert len(doc.text) == len(STORMS[name])
    assert max(len(t) for t in doc) < PIECE


def test_a_match_after_a_storm_keeps_its_exact_evidence(tmp_path: Path) -> None:
    path = tmp_path / "duties.md"
    path.write_text("# Peer Support Worker\n\n## Duties\n\n" + "(" * 5000 + ")" * 5000 + " " + DUTY + "\n")
    result = check([path], Options(kind="peer-job-description"))
    found = [f for f in result.findings if f.name == "no-clinicalised-duties"]
    assert found and all(f.evidence and f.evidence in DUTY for f in found)
    assert found[0].location.line == 5


# -- spaCy's length limit and long sentences -------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_a_paragraph_over_a_million_characters_is_checked(tmp_path: Path, suffix: str) -> None:
    filler = _words(180_000)  # about 1.1 million characters, hard-wrapped with no blank line
    body = textwrap.fill(f"{filler} {DUTY} {filler}", 100)
    path = tmp_path / f"long{suffix}"
    path.write_text(body + "\n")
    other = tmp_path / "other.md"
    other.write_text("# Peer Worker\n\n" + DUTY + "\n")
    result = check([path, other], Options(kind="peer-job-description"))
    assert all(f.code not in ("PL001", "PL005") for f in result.findings)
    names = {(Path(f.path).name, f.name) for f in result.findings}
    assert (path.name, "no-clinicalised-duties") in names
    assert ("other.md", "no-clinicalised-duties") in names


# -- the time limit covers the language stage ------------------------------------------


def _read(tmp_path: Path, text: str, name: str = "jd.md"):
    path = tmp_path / name
    path.write_text(text)
    return read_and_classify(path, Options(kind="peer-job-description"))


def test_the_time_limit_covers_analysing_and_checking(tmp_path: Path, engine) -> None:
    read = _read(tmp_path, "# Peer Worker\n\n" + DUTY + "\n")
    expired = Deadline(0.0, clock=iter([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).__next__)
    outcome = finish(read, engine, Limits(), expired)
    assert [f.code for f in outcome.findings] == ["PL005"]
    assert outcome.info.error
    assert outcome.set_hits is None  # a file not checked to the end takes no part in set-level rules


def test_a_document_over_the_text_limit_is_its_own_finding(tmp_path: Path) -> None:
    big, small = tmp_path / "big.md", tmp_path / "small.md"
    big.write_text("# Peer Worker\n\n" + _words(400) + "\n")
    small.write_text("# Peer Worker\n\n" + DUTY + "\n")
    options = Options(kind="peer-job-description", config=Config(limits=Limits(max_text_chars=1_000)))
    result = check([big, small], options)
    assert {(Path(f.path).name, f.code) for f in result.findings if f.code.startswith("PL0")} == {("big.md", "PL005")}
    assert any(Path(f.path).name == "small.md" and f.name == "no-clinicalised-duties" for f in result.findings)


def test_an_engine_failure_is_that_files_finding(tmp_path: Path, engine, monkeypatch) -> None:
    bad, good = tmp_path / "bad.md", tmp_path / "good.md"
    bad.write_text("# Peer Worker\n\nboom " + DUTY + "\n")
    good.write_text("# Peer Worker\n\n" + DUTY + "\n")
    real = type(engine).check

    def failing(self, analysed, deadline=None):
        if analysed.document.path.endswith("bad.md"):
            raise ValueError("a bug in a rule")
        return real(self, analysed, deadline)

    monkeypatch.setattr(type(engine), "check", failing)
    result = check([bad, good], Options(kind="peer-job-description"), engine=engine)
    by_file = {(Path(f.path).name, f.code) for f in result.findings}
    assert ("bad.md", "PL001") in by_file
    assert ("good.md", "PL305") in by_file or any(
        Path(f.path).name == "good.md" and f.name == "no-clinicalised-duties" for f in result.findings)
    assert [r.error is not None for r in result.files] == [True, False]


def test_text_limit_from_configuration(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "big.md").write_text("# Peer Worker\n\n" + _words(2_000) + "\n")
    (docs / "small.md").write_text("# Peer Worker\n\n" + DUTY + "\n")
    (tmp_path / "policylint.toml").write_text("[limits]\nmax-text-chars = 5000\n")
    run = _cli("check", "--no-cache", "-j1", "--kind", "peer-job-description", "--format", "json", str(docs),
               cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    assert {(Path(f["path"]).name, f["rule"]) for f in findings if f["rule"] == "PL005"} == {("big.md", "PL005")}
    assert any(Path(f["path"]).name == "small.md" and f["name"] == "no-clinicalised-duties" for f in findings)


# -- a folder of hostile text is answered, with every other file checked -----------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_folder_of_storms_is_answered_and_the_rest_checked(tmp_path: Path, jobs: str) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    for name, text in STORMS.items():
        (folder / name).write_text(text + "\n")
    (folder / "wrapped.txt").write_text(textwrap.fill(_words(60_000), 90) + "\n")
    for name in ("pd-peer-support-worker.docx", "supervision-policy.docx", "mission-vision-values.md"):
        shutil.copy(FIXTURES / "wattle-grove" / name, folder / name)
    (tmp_path / "policylint.toml").write_text("[limits]\ntimeout-seconds = 20\n")
    run = _cli("check", "--no-cache", "-j", jobs, "--format", "json", str(folder), cwd=tmp_path, timeout=90)
    assert run.returncode in (0, 1), run.stderr
    out = json.loads(run.stdout)
    assert len(out["files"]) == 8
    assert not [f for f in out["findings"] if f["rule"] in ("PL001", "PL005")]
    alone = _cli("check", "--no-cache", "-j1", "--format", "json",
                 str(folder / "pd-peer-support-worker.docx"), cwd=tmp_path)
    expected = {(f["rule"], json.dumps(f["location"], sort_keys=True)) for f in json.loads(alone.stdout)["findings"]}
    got = {(f["rule"], json.dumps(f["location"], sort_keys=True)) for f in out["findings"]
           if f["path"].endswith("pd-peer-support-worker.docx")}
    assert got == expected


# -- memory ---------------------------------------------------------------------------


def _peak_rss_mb(code: str) -> float:
    """The peak resident memory of ``code`` run in a new Python: VmHWM, which
    belongs to the process's own memory map (``ru_maxrss`` would also count
    the test process it was forked from)."""
    probe = (f"{code}\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return int(out.stdout.split()[-1]) / 1024


def test_twenty_megabytes_of_list_markers_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "markers.md"
    path.write_text("- " * 10_000_000 + "item\n")
    peak = _peak_rss_mb(textwrap.dedent(f"""
        from pathlib import Path
        from policylint.document import Limits
        from policylint.readers import read_document
        doc = read_document(Path({str(path)!r}), Limits(max_text_chars=50_000_000))
        assert len(doc.blocks) == 1
    """))
    # 1.5 GB before the thematic-break test stopped keeping state per marker
    assert peak < 400, peak
