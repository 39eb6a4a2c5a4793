"""--jobs 1, --jobs 2 and a cached run give the same JSON."""

import json
import shutil
from pathlib import Path

from policylint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_json(capsys, *argv):
    code = main([str(a) for a in argv] + ["--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    return json.loads(out)


def test_jobs_and_cache_give_identical_results(capsys, tmp_path, monkeypatch):
    work = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, work)
    monkeypatch.chdir(tmp_path)  # the cache goes in the working folder when no config file is found
    one = run_json(capsys, "check", "fixtures", "--jobs", "1", "--no-cache")
    two = run_json(capsys, "check", "fixtures", "--jobs", "2", "--no-cache")
    assert one == two
    first = run_json(capsys, "check", "fixtures", "--jobs", "2")
    cache = tmp_path / ".policylint_cache"
    assert cache.is_dir() and len(list(cache.rglob("*"))) > len(one["files"])
    cached = run_json(capsys, "check", "fixtures", "--jobs", "1")
    assert first == one and cached == one


def test_cache_follows_content_not_names(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = tmp_path / "set" / "jd.md"
    doc.parent.mkdir()
    doc.write_text("# Position Description: Peer Support Worker\n\n- Dispense medication to residents.\n")
    first = run_json(capsys, "check", "set")
    doc.write_text("# Position Description: Peer Support Worker\n\n- Peer workers never dispense medication.\n")
    second = run_json(capsys, "check", "set")
    assert any(f["rule"] == "PL305" for f in first["findings"])
    assert not any(f["rule"] == "PL305" for f in second["findings"])
    moved = tmp_path / "set" / "copy.md"
    shutil.copy(doc, moved)
    third = run_json(capsys, "check", "set")
    assert {f["path"] for f in third["files"]} == {"set/copy.md", "set/jd.md"}


def test_read_ahead_gives_what_reading_in_the_worker_gives():
    # The reader process started before the engine is built: what it sends
    # back must be exactly what a worker would have read itself.
    from policylint.parallel import _ReadAhead
    from policylint.run import Options, read_and_classify

    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    options = Options()
    ahead = _ReadAhead(files, list(range(len(files))), options)
    ahead.process.join(timeout=120)  # let it read everything
    read = ahead.stop()
    assert sorted(read) == list(range(len(files)))
    for i, path in enumerate(files):
        doc, info, findings = read[i]
        expected = read_and_classify(path, options)
        assert (doc, info, findings) == expected, path
    assert any(doc is not None and doc.blocks for doc, _, _ in read.values())


def test_read_ahead_stopped_at_once_is_clean():
    from policylint.parallel import _ReadAhead
    from policylint.run import Options

    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    ahead = _ReadAhead(files, list(range(len(files))), Options())
    read = ahead.stop()  # most likely mid-read: whatever arrived whole, nothing else
    assert set(read) <= set(range(len(files)))
    assert not ahead.process.is_alive() and not ahead.thread.is_alive()


def test_jobs_2_in_a_fresh_process_reads_ahead_and_agrees(capsys, tmp_path, monkeypatch):
    # In a fresh process spaCy is not yet imported, so --jobs 2 starts the
    # reader while the engine is built; the output must not change.
    import os
    import subprocess
    import sys

    work = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, work)
    monkeypatch.chdir(tmp_path)
    one = run_json(capsys, "check", "fixtures", "--jobs", "1", "--no-cache")
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", "fixtures", "--jobs", "2", "--no-cache",
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ), timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout) == one
