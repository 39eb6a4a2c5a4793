"""Configuration: discovery, every key, unknown keys, command-line precedence."""

import json
import sys
import textwrap
from pathlib import Path

import pytest

from policylint.cli import main
from policylint.config import ConfigError, find_config, parse

JD = """# Position Description: Peer Support Worker

## Key duties

- Dispense prescribed medication to residents each evening.
- Assist residents with their shopping.

## Supervision

Monthly peer supervision with our Lived Experience supervisor.
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def findings(capsys, *argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code in (0, 1), err
    return json.loads(out)


@pytest.fixture()
def repo(tmp_path):
    (tmp_path / "policies" / "jds").mkdir(parents=True)
    (tmp_path / "policies" / "jds" / "peer.md").write_text(JD)
    return tmp_path


def write_cfg(repo, body, name="policylint.toml"):
    path = repo / name
    path.write_text(textwrap.dedent(body))
    return path


def test_config_found_by_walking_up_pyproject_and_dotfile(repo):
    write_cfg(repo, "[tool.other]\nx = 1\n", "pyproject.toml")
    assert find_config(repo / "policies" / "jds" / "peer.md") is None
    write_cfg(repo, "[tool.policylint]\nfail-on = 'error'\n", "pyproject.toml")
    assert find_config(repo / "policies" / "jds") == repo / "pyproject.toml"
    write_cfg(repo / "policies", "fail-on = 'info'\n", ".policylint.toml")
    assert find_config(repo / "policies" / "jds" / "peer.md") == repo / "policies" / ".policylint.toml"


def test_unknown_keys_are_errors_naming_the_key():
    with pytest.raises(ConfigError, match="colour"):
        parse({"colour": True})
    with pytest.raises(ConfigError, match="rules.no-clinicalised-duties.bogus"):
        parse({"rules": {"no-clinicalised-duties": {"bogus": []}}})
    with pytest.raises(ConfigError, match="limits.max-sheep"):
        parse({"limits": {"max-sheep": 1}})
    with pytest.raises(ConfigError, match="kinds"):
        parse({"kinds": {"*.md": "memo"}})


def test_unknown_key_in_file_exits_2(capsys, repo):
    cfg = write_cfg(repo, "selct = ['PL3']\n")
    code, _, err = run(capsys, "check", repo / "policies", "--config", cfg)
    assert code == 2 and "selct" in err


def test_select_ignore_extend_select_and_cli_precedence(capsys, repo):
    write_cfg(repo, "select = ['PL4']\nextend-select = ['PL502']\n")
    got = {f["rule"] for f in findings(capsys, "check", repo / "policies")["findings"]}
    assert got <= {"PL401", "PL502"} and "PL305" not in got
    got = {f["rule"] for f in findings(capsys, "check", repo / "policies", "--select", "PL305")["findings"]}
    assert "PL305" in got  # the command line replaces select
    write_cfg(repo, "ignore = ['no-clinicalised-duties']\n")
    got = {f["rule"] for f in findings(capsys, "check", repo / "policies")["findings"]}
    assert "PL305" not in got


def test_per_file_ignores_kinds_and_exclude(capsys, repo):
    (repo / "policies" / "jds" / "nurse.md").write_text("# Clinical Nurse\n\n- Dispense prescribed medication.\n")
    write_cfg(repo, """
        [kinds]
        "jds/*.md" = "peer-job-description"
        [per-file-ignores]
        "jds/peer.md" = ["PL305"]
    """.replace("jds/", "policies/jds/"))
    data = findings(capsys, "check", repo / "policies")
    kinds = {Path(f["path"]).name: (f["kind"], f["kind_reason"]) for f in data["files"]}
    assert kinds["nurse.md"][0] == "peer-job-description" and "configured" in kinds["nurse.md"][1]
    by_file = {(Path(f["path"]).name, f["rule"]) for f in data["findings"]}
    assert ("nurse.md", "PL305") in by_file and ("peer.md", "PL305") not in by_file
    write_cfg(repo, "exclude = ['nurse.md']\n")
    data = findings(capsys, "check", repo / "policies")
    assert {Path(f["path"]).name for f in data["files"]} == {"peer.md"}


def test_fail_on_from_config_and_cli(capsys, repo):
    write_cfg(repo, "fail-on = 'never'\n")
    assert run(capsys, "check", repo / "policies")[0] == 0
    assert run(capsys, "check", repo / "policies", "--fail-on", "error")[0] == 1


def test_rule_options_extend_vocabulary(capsys, repo):
    (repo / "policies" / "jds" / "peer.md").write_text(JD.replace("Assist residents with their shopping",
                                                                  "Complete the Kessler-10 screen at each visit"))
    before = [f for f in findings(capsys, "check", repo / "policies")["findings"] if f["rule"] == "PL305"]
    write_cfg(repo, """
        [rules.no-clinicalised-duties]
        extra-patterns = ["kessler-10|k10 screen"]
    """)
    after = [f for f in findings(capsys, "check", repo / "policies")["findings"] if f["rule"] == "PL305"]
    assert len(after) == len(before) + 1
    assert any(f["evidence"] == "Kessler-10 screen" for f in after)
    write_cfg(repo, "[rules.no-such-rule]\nseverity = 'info'\n")
    assert run(capsys, "check", repo / "policies")[0] == 2


def test_limits_key_reaches_the_readers(capsys, repo):
    write_cfg(repo, "[limits]\nmax-file-bytes = 10\n")
    data = findings(capsys, "check", repo / "policies")
    assert [f["rule"] for f in data["findings"]] == ["PL005"]


def test_extra_rules_folder(capsys, repo):
    rules = repo / "house-rules" / "c-local"
    rules.mkdir(parents=True)
    (rules / "no-shopping-duties.yaml").write_text(textwrap.dedent("""
        code: PL390
        name: no-shopping-duties
        element: strategies/role-authenticity
        applies-to: [peer-job-description]
        kind: forbid
        severity: warning
        message: "Errand in a peer role: {evidence}"
        rationale: Errands are not peer work.
        source: House style guide 2026.
        suggest: ["Describe the peer relationship instead."]
        patterns: ["assist * with * shopping"]
        examples:
          fires: ["Assist residents with their shopping."]
          passes: ["Residents do their own shopping."]
    """))
    write_cfg(repo, "extra-rules = ['house-rules']\n")
    data = findings(capsys, "check", repo / "policies")
    assert any(f["name"] == "no-shopping-duties" for f in data["findings"])


def test_show_settings(capsys, repo):
    write_cfg(repo, "ignore = ['PL502']\n[limits]\nmax-pages = 9\n")
    code, out, _ = run(capsys, "check", repo / "policies", "--show-settings", "--ignore", "PL1")
    data = json.loads(out)
    assert code == 0 and data["effective-ignore"] == ["PL1", "PL502"] and data["limits"]["max-pages"] == 9


def test_installed_rule_pack_registers_through_entry_point(tmp_path):
    """Install a tiny rule pack (a real pip install into a target folder) and
    load it through the policylint.rules entry-point group."""
    import subprocess

    pack = tmp_path / "pack"
    (pack / "tinypack" / "rules" / "c-pack").mkdir(parents=True)
    (pack / "tinypack" / "__init__.py").write_text("")
    (pack / "tinypack" / "rules" / "c-pack" / "no-errands.yaml").write_text(textwrap.dedent("""
        code: PL391
        name: no-errands
        element: strategies/role-authenticity
        applies-to: [peer-job-description]
        kind: forbid
        severity: info
        message: "Errand: {evidence}"
        rationale: Errands are not peer work.
        source: Tiny pack.
        suggest: ["Drop the errand."]
        patterns: ["run errands"]
        examples:
          fires: ["Run errands for the team."]
          passes: ["Staff never run errands."]
    """))
    (pack / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tinypack"
        version = "0.1"
        [project.entry-points."policylint.rules"]
        tiny = "tinypack"
        [tool.setuptools]
        packages = ["tinypack"]
        [tool.setuptools.package-data]
        tinypack = ["rules/*/*.yaml"]
    """))
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--target", str(target), str(pack)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot build the test pack here: {proc.stderr[-300:]}")
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "from policylint.engine.rules import load_rules;"
            "print(','.join(r.name for r in load_rules()))")
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True)
    assert "no-errands" in out.stdout.strip().split(",")
