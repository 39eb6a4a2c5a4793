"""The command line, in process (main(argv)) and as an installed console script."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policylint.cli import main

JD = """# Position Description: Peer Support Worker

## Position details

Reports to: Team Manager

## Key duties

- Dispense prescribed medication to residents each evening.
- Peer workers do not hold a caseload.

## Supervision

Clinical supervision fortnightly with the senior social worker.
"""


@pytest.fixture()
def jd(tmp_path):
    p = tmp_path / "org" / "jd.md"
    p.parent.mkdir()
    p.write_text(JD, encoding="utf-8")
    return p


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_text_output_and_exit_1(capsys, jd):
    code, out, _ = run(capsys, "check", str(jd))
    assert code == 1
    assert f"{jd}:9:3: error PL305 no-clinicalised-duties" in out
    assert "PL401 peer-led-supervision-in-jd" in out
    assert "do not hold" not in out.split("evidence:")[-1]


def test_check_json_contract(capsys, jd):
    code, out, _ = run(capsys, "check", str(jd), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["version"] == 1
    entry = data["files"][0]
    assert data["files"] == [{"path": str(jd), "kind": "peer-job-description", "kind_reason": entry["kind_reason"],
                              "error": None, "kind_runner_up": entry["kind_runner_up"],
                              "kind_confidence": entry["kind_confidence"]}]
    assert entry["kind_runner_up"] != "peer-job-description" and 0 <= entry["kind_confidence"] <= 1
    by_rule = {f["name"]: f for f in data["findings"]}
    clin = by_rule["no-clinicalised-duties"]
    assert clin["rule"] == "PL305" and clin["evidence"] == "Dispense prescribed medication"
    assert clin["location"] == {"line": 9, "column": 3} and clin["suggestions"] and clin["source"]
    sup = by_rule["peer-led-supervision-in-jd"]
    assert sup["evidence"] == "Clinical supervision"


def test_fail_on_and_select(capsys, jd):
    assert run(capsys, "check", str(jd), "--fail-on", "never")[0] == 0
    code, out, _ = run(capsys, "check", str(jd), "--select", "PL4", "--format", "json")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"PL401"}
    code, out, _ = run(capsys, "check", str(jd), "--ignore", "no-clinicalised-duties,PL4", "--format", "json")
    assert not {f["rule"] for f in json.loads(out)["findings"]} & {"PL305", "PL401"}


def test_kind_option_overrides_classifier(capsys, jd):
    code, out, _ = run(capsys, "check", str(jd), "--kind", "job-description", "--format", "json")
    data = json.loads(out)
    assert data["files"][0]["kind"] == "job-description"
    assert not [f for f in data["findings"] if f["name"] == "no-clinicalised-duties"]


def test_usage_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "check", str(tmp_path / "missing.docx"))[0] == 2
    assert run(capsys, "check", "--format", "nope", str(tmp_path))[0] == 2
    assert run(capsys, "explain", "no-such-rule")[0] == 2


def test_unreadable_files_are_findings_and_the_run_goes_on(capsys, tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (tmp_path / "fake.pdf").write_text("not a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "jd.md").write_text(JD)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    data = json.loads(out)
    codes = {Path(f["path"]).name: f["rule"] for f in data["findings"] if f["rule"].startswith("PL0")}
    assert codes == {"old.doc": "PL002", "fake.pdf": "PL008", "broken.docx": "PL001"}
    assert any(f["name"] == "no-clinicalised-duties" for f in data["findings"])
    assert code == 1


def test_rules_and_explain(capsys):
    code, out, _ = run(capsys, "rules", "--format", "json")
    rules = json.loads(out)
    assert code == 0 and {"no-clinicalised-duties", "le-named-in-mission"} <= {r["name"] for r in rules}
    for r in rules:
        assert run(capsys, "explain", r["code"])[0] == 0
        code, out, _ = run(capsys, "explain", r["name"])
        assert code == 0 and r["code"] in out


def test_version_and_help(capsys):
    assert run(capsys, "--version")[0] == 0
    assert run(capsys, "--help")[0] == 0


def test_console_script_in_a_subprocess(tmp_path, jd):
    """The installed entry point, run from another folder."""
    exe = shutil.which("policylint", path=str(Path(sys.executable).parent))
    assert exe, "console script not installed"
    proc = subprocess.run([exe, "check", str(jd), "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert any(f["rule"] == "PL305" for f in json.loads(proc.stdout)["findings"])
    proc = subprocess.run([sys.executable, "-m", "policylint", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "policylint" in proc.stdout
