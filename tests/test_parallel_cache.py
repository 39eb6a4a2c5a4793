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
