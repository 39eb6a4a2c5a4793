"""The text format leads with what needs doing: errors, then warnings, then
information; a document's info-level absences fold into one line unless
asked for one by one. JSON keeps every finding."""

from __future__ import annotations

from policylint.document import Location
from policylint.findings import Finding
from policylint.report.text import render
from policylint.run import FileResult, Result


def _finding(code: str, name: str, severity: str, line: int, evidence: str | None) -> Finding:
    return Finding(code, name, severity, "jd.md", "message", Location(line=line, column=1), evidence, (), "source", "")


def _result() -> Result:
    return Result(files=[FileResult("jd.md", "peer-job-description", "test")], findings=[
        _finding("PL601", "le-networks-and-cpd", "info", 1, None),
        _finding("PL502", "peer-career-pathway", "info", 1, None),
        _finding("PL201", "recovery-oriented-language", "info", 3, "addict"),
        _finding("PL303", "le-essential-criterion", "warning", 4, None),
        _finding("PL305", "no-clinicalised-duties", "error", 9, "administer medication"),
    ])


def test_errors_then_warnings_then_info() -> None:
    text = render(_result(), show_info=True)
    codes = [line.split()[2] for line in text.splitlines() if line.startswith("  jd.md:")]
    assert codes == ["PL305", "PL303", "PL601", "PL502", "PL201"]


def test_info_absences_fold_into_one_line() -> None:
    text = render(_result())
    lines = [line for line in text.splitlines() if line.startswith("  jd.md")]
    codes = [line.split()[2] for line in lines if line.startswith("  jd.md:") and "also asks" not in line]
    assert codes == ["PL305", "PL303", "PL201"]  # an info finding with evidence stays on its own line
    folded = [line for line in lines if "le-networks-and-cpd" in line]
    assert len(folded) == 1 and "peer-career-pathway" in folded[0]
    assert "Found 5 findings" in text.splitlines()[-1]  # the count is of every finding


def test_show_info_on_the_command_line(tmp_path) -> None:
    from click.testing import CliRunner

    from policylint.cli import cli

    path = tmp_path / "jd.md"
    path.write_text("# Peer Support Worker\n\n## Duties\n\n- Support people in their recovery.\n")
    runner = CliRunner()
    folded = runner.invoke(cli, ["check", "--no-cache", "-j1", "--kind", "peer-job-description", str(path)])
    listed = runner.invoke(cli, ["check", "--no-cache", "-j1", "--kind", "peer-job-description", "--show-info",
                                 str(path)])
    listed_names = {line.split()[3].rstrip(":") for line in listed.output.splitlines() if " info PL" in line}
    assert len(listed_names) >= 2
    assert not [line for line in folded.output.splitlines() if " info PL" in line]
    # one line for the file names every info-level absence the long form lists
    folded_lines = [line for line in folded.output.splitlines() if line.startswith("  ") and " info " in line]
    assert len(folded_lines) == 1 and all(name in folded_lines[0] for name in listed_names)
