"""Output formats, statistics, --output, and baselines."""

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from policylint.cli import main

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

JD = """# Position Description: Peer Support Worker

## Key duties

- Dispense prescribed medication to residents each evening.
- Write progress notes in the medical record.

## Supervision

Clinical supervision with the senior social worker.
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "jd.md").write_text(JD)
    return tmp_path / "set"


def test_sarif_validates_against_the_schema(capsys, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip("shared SARIF schema not present")
    monkeypatch.chdir(FIXTURES.parent)
    code, out, _ = run(capsys, "check", "fixtures", "--format", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert all(r["help"]["text"] and r["properties"]["source"] for r in rules if r["id"][2] != "0")
    results = run_["results"]
    assert results and all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    docx = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".docx")]
    assert docx and all("paragraph" in r["properties"] for r in docx
                        if "region" in r["locations"][0]["physicalLocation"])
    pdf = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".pdf")]
    assert pdf and all("page" in r["properties"] for r in pdf if "region" in r["locations"][0]["physicalLocation"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(u.startswith("fixtures/") for u in uris)


def test_github_annotations(capsys, folder):
    code, out, _ = run(capsys, "check", folder / "jd.md", "--format", "github")
    lines = out.splitlines()
    assert code == 1 and lines
    assert any(line.startswith("::error file=") and "line=5,col=3" in line and "title=PL305 no-clinicalised-duties"
               in line for line in lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_junit_xml(capsys, folder):
    code, out, _ = run(capsys, "check", folder, "--format", "junit")
    root = ET.fromstring(out)
    cases = root.findall("./testsuite/testcase")
    assert any(c.get("name").endswith("jd.md") and c.findall("failure") for c in cases)
    assert {f.get("message").split()[0] for c in cases for f in c.findall("failure")} >= {"PL305"}


def test_output_file_and_statistics(capsys, folder, tmp_path):
    target = tmp_path / "out" / "report.json"
    code, out, _ = run(capsys, "check", folder, "--format", "json", "--output", target)
    assert code == 1 and out == "" and json.loads(target.read_text())["findings"]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temporary left behind
    code, out, _ = run(capsys, "check", folder, "--statistics")
    rows = [line.split() for line in out.splitlines()]
    assert ["2", "PL305", "no-clinicalised-duties", "[error]"] in rows


def test_no_color_when_not_a_terminal_or_no_color(capsys, folder, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run(capsys, "check", folder)
    assert "\x1b[" not in out


def test_baseline_reports_only_new_findings_and_survives_edits(capsys, folder, tmp_path):
    base = tmp_path / "baseline.json"
    code, _, err = run(capsys, "check", folder, "--write-baseline", base)
    assert code == 0 and base.is_file()
    code, out, _ = run(capsys, "check", folder, "--baseline", base, "--format", "json")
    assert code == 0 and [f for f in json.loads(out)["findings"] if f["rule"] != "PL010"] == []
    # Edit elsewhere: lines move, old findings stay baselined; a new problem is reported.
    (folder / "jd.md").write_text("# Position Description: Peer Support Worker\n\nIntro paragraph.\n\n"
                                  + JD.split("\n", 2)[2] + "\n- Collect urine samples for drug screening.\n")
    code, out, _ = run(capsys, "check", folder, "--baseline", base, "--format", "json")
    new = json.loads(out)["findings"]
    assert code == 1 and [f["evidence"] for f in new if f["rule"] == "PL305"] == ["Collect urine samples"]


def test_bad_baseline_is_a_usage_error(capsys, folder, tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("{}")
    assert run(capsys, "check", folder, "--baseline", bad)[0] == 2


def test_progress_is_off_when_not_a_terminal(capsys, folder):
    _, _, err = run(capsys, "check", folder)
    assert "[" not in err
