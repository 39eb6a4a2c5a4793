"""Hostile inputs around the checks themselves: a planted result cache or
phrase store entry, a YAML alias bomb in a rule file, outputs aimed at the
inputs or at devices, configuration mistakes that used to pass silently,
file names that forge output, and Ctrl-C.

Every assertion is on outcomes (exit codes, rule codes, file hashes, a
marker file a payload would create), never on the wording of a message.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import resource
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from policylint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PEER_JD = "# Position Description: Peer Support Worker\n\n- Dispense medication to residents.\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


class _System:
    """Unpickles to a call of os.system: what a planted pickle would run."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def payload(marker: Path) -> bytes:
    return pickle.dumps(_System(f"touch {marker}"))


# -- 1. the result cache ----------------------------------------------------------------


def _cache_for(doc: Path):
    from policylint.cache import DIR_NAME, Cache
    from policylint.config import resolve
    from policylint.run import Options, make_engine

    options = Options(config=resolve([doc], None))
    return Cache(options.config.root / DIR_NAME, make_engine(options), options)


def test_planted_cache_entries_run_nothing_and_are_rewritten(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configuration file: the cache is in the working folder
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    plain = run(capsys, "check", doc.name, "--format", "json", "--jobs", "1", "--no-cache")
    assert plain[0] == 1 and any(f["rule"] == "PL305" for f in json.loads(plain[1])["findings"])

    cache = _cache_for(doc)
    key = cache._key(doc)
    entry = tmp_path / ".policylint_cache" / key[:2] / key
    marker = tmp_path / "pwned"
    good_shape = {"format": "policylint-result", "version": 2, "kind": None, "set_hits": None,
                  "file": {"kind": None, "kind_reason": None, "error": None}, "directives": []}
    planted = {
        "pickle payload": payload(marker),
        "pickle of the wrong type": pickle.dumps({"info": None, "findings": 1}),
        "JSON of the wrong shape": json.dumps({"findings": "none"}).encode(),
        "JSON with a wrongly typed field": json.dumps({**good_shape, "findings": [{"code": 305}]}).encode(),
        "JSON hiding every finding, wrong version": json.dumps({**good_shape, "version": 1, "findings": []}).encode(),
        "garbage": os.urandom(512),
    }
    for what, data in planted.items():
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_bytes(data)
        cached = run(capsys, "check", doc.name, "--format", "json", "--jobs", "1")
        assert not marker.exists(), what
        assert cached[:2] == plain[:2], what
        rewritten = entry.read_bytes()
        assert rewritten != data, what
        assert cache.get(doc) is not None, what  # a good entry now: the next run hits it
    again = run(capsys, "check", doc.name, "--format", "json", "--jobs", "1")
    assert again[:2] == plain[:2]
    folder = tmp_path / ".policylint_cache"
    assert "*" in (folder / ".gitignore").read_text().split()
    assert (folder / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")


def test_a_linked_cache_entry_or_folder_is_not_followed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    plain = run(capsys, "check", doc.name, "--format", "json", "--jobs", "1", "--no-cache")
    run(capsys, "check", doc.name, "--format", "json", "--jobs", "1")  # fills the cache
    cache = _cache_for(doc)
    key = cache._key(doc)
    entry = tmp_path / ".policylint_cache" / key[:2] / key
    # A well-formed entry that claims the document has no findings, reached through a link.
    claim = json.loads(entry.read_text())
    claim["findings"] = []
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(claim))
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert run(capsys, "check", doc.name, "--format", "json", "--jobs", "1")[:2] == plain[:2]
    assert not entry.is_symlink()  # replaced by a real entry; the link's target left alone
    assert json.loads(elsewhere.read_text())["findings"] == []

    # The whole cache folder a link (say, committed to the project): not used, nothing written there.
    shutil.rmtree(tmp_path / ".policylint_cache")
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / ".policylint_cache").symlink_to(target)
    assert run(capsys, "check", doc.name, "--format", "json", "--jobs", "1")[:2] == plain[:2]
    assert list(target.iterdir()) == []


# -- 2. the phrase store ----------------------------------------------------------------


def test_store_payloads_run_nothing_and_change_nothing(capsys, tmp_path, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("POLICYLINT_STORE", str(store))
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    first = run(capsys, "check", doc, "--format", "json", "--jobs", "1", "--no-cache")
    entries = sorted(store.glob("*.pkl"))
    assert entries
    marker = tmp_path / "pwned"
    for entry in entries:
        entry.write_bytes(payload(marker))
        entry.chmod(0o600)
    second = run(capsys, "check", doc, "--format", "json", "--jobs", "1", "--no-cache")
    assert not marker.exists()
    assert second[:2] == first[:2]


def test_store_is_used_only_when_private(tmp_path, monkeypatch):
    from policylint.engine import store

    folder = tmp_path / "store"
    monkeypatch.setenv("POLICYLINT_STORE", str(folder))
    store.save("probe", {"plain": (1, 2)})
    assert store.load("probe") == {"plain": (1, 2)}
    assert stat.S_IMODE((folder / "probe.pkl").stat().st_mode) & 0o077 == 0  # entries are owner-only

    (folder / "probe.pkl").chmod(0o620)  # an entry others may write
    assert store.load("probe") is None
    (folder / "probe.pkl").chmod(0o600)
    folder.chmod(0o777)  # a folder others may write: neither read nor written
    assert store.load("probe") is None
    store.save("other", 1)
    assert not (folder / "other.pkl").exists()
    folder.chmod(0o700)
    assert store.load("probe") == {"plain": (1, 2)}
    if os.geteuid() == 0:  # only root can give a folder away
        os.chown(folder, 4321, -1)
        assert store.load("probe") is None


def test_run_with_an_unsafe_store_gives_the_same_output(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "store"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("POLICYLINT_STORE", str(folder))
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    first = run(capsys, "check", doc, "--format", "json", "--jobs", "1", "--no-cache")
    folder.chmod(0o777)
    second = run(capsys, "check", doc, "--format", "json", "--jobs", "1", "--no-cache")
    assert second[:2] == first[:2]


# -- 3. YAML alias bombs in rule files -------------------------------------------------------


def _limit_memory():  # in the child: 2 GB of address space, so a bomb fails instead of eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _rule_with(notes_yaml: str) -> str:
    return textwrap.dedent("""\
        code: PL990
        name: bomb-rule
        element: commitment/x
        applies-to: [all]
        kind: forbid
        severity: info
        message: m
        rationale: r
        source: s
        patterns: ["zebra crossing"]
        examples:
          fires: ["a zebra crossing"]
          passes: ["a horse"]
        """) + notes_yaml


def _check_with_rules(tmp_path: Path, rule_text: str) -> subprocess.CompletedProcess:
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "bomb-rule.yaml").write_text(rule_text)
    (tmp_path / "policylint.toml").write_text('extra-rules = ["myrules"]\n')
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    return subprocess.run([sys.executable, "-m", "policylint", "check", str(doc), "--jobs", "1"],
                          cwd=tmp_path, capture_output=True, text=True, preexec_fn=_limit_memory)


def test_yaml_alias_bomb_in_a_rule_file_fails_fast(tmp_path):
    lines = ['  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    bomb = _rule_with("notes:\n" + "\n".join(lines) + "\n")
    assert len(bomb.encode()) < 2000
    done = _check_with_rules(tmp_path, bomb)
    assert done.returncode == 2
    assert "bomb-rule.yaml" in done.stderr  # the file is named


def test_recursive_yaml_in_a_rule_file_is_refused(tmp_path):
    done = _check_with_rules(tmp_path, _rule_with("notes: &loop [a, *loop]\n"))
    assert done.returncode == 2
    assert "bomb-rule.yaml" in done.stderr


def test_a_few_aliases_are_fine(tmp_path):
    done = _check_with_rules(tmp_path, _rule_with("notes:\n  a: &shared [x, y]\n  b: *shared\n  c: *shared\n"))
    assert done.returncode in (0, 1), done.stderr


# -- 4. outputs never replace inputs or devices ------------------------------------------------


@pytest.fixture
def docs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "jd.md").write_text(PEER_JD)
    (folder / "notes.md").write_text("# Notes\n\nPeer workers never dispense medication.\n")
    return folder


def test_check_refuses_to_write_over_its_inputs(capsys, docs, tmp_path):
    doc = docs / "jd.md"
    before = sha256(doc)
    link = tmp_path / "hard-link.md"
    os.link(doc, link)
    attempts = [
        ("check", doc, "-o", doc),
        ("check", doc, "-o", docs / ".." / "policies" / "jd.md"),
        ("check", doc, "-o", link),  # a hard link to the input
        ("check", docs, "-o", doc),  # a document in the folder being checked
        ("check", docs, "--format", "json", "-o", docs / "notes.md"),
        ("check", doc, "--write-baseline", doc),
        ("check", docs, "--write-baseline", docs / "notes.md"),
    ]
    notes = sha256(docs / "notes.md")
    for argv in attempts:
        code, _, _ = run(capsys, *argv, "--jobs", "1", "--no-cache")
        assert code == 2, argv
        assert sha256(doc) == before and sha256(docs / "notes.md") == notes, argv
    # An output beside the inputs is still written.
    code, _, _ = run(capsys, "check", docs, "-o", tmp_path / "report.txt", "--jobs", "1", "--no-cache")
    assert code == 1 and (tmp_path / "report.txt").stat().st_size > 0


def test_outputs_refuse_fifos_and_folders(capsys, docs, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for argv in (("-o", fifo), ("--write-baseline", fifo), ("-o", folder)):
        code, _, _ = run(capsys, "check", docs / "jd.md", *argv, "--jobs", "1", "--no-cache")
        assert code == 2, argv
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir()


def test_report_refuses_inputs_and_fifos(docs, tmp_path):
    from click.testing import CliRunner

    from policylint.commands.report import command

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = sha256(docs / "jd.md")
    for output in (docs / "jd.md", fifo):
        res = CliRunner().invoke(command, [str(docs), "-o", str(output)])
        assert res.exit_code == 2, res.output
    assert sha256(docs / "jd.md") == before and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_annotate_refuses_inputs_and_fifos(capsys, tmp_path):
    source = FIXTURES / "wattle-grove" / "pd-clinical-nurse.docx"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(source, a / "pd.docx")
    shutil.copy(source, b / "pd.docx")
    before = sha256(a / "pd.docx")
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    # b's reviewed copy would land on the input a/pd.docx.
    code, _, _ = run(capsys, "annotate", a / "pd.docx", b / "pd.docx", "-o", a, "--force")
    assert code == 2 and sha256(a / "pd.docx") == before
    code, _, _ = run(capsys, "annotate", a / "pd.docx", "-o", fifo, "--force")
    assert code == 2 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


# -- 5. configuration mistakes are errors ---------------------------------------------------


def test_malformed_pyproject_on_the_way_up_is_an_error(capsys, tmp_path):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    doc = project / "docs" / "jd.md"
    doc.write_text(PEER_JD)
    (project / "pyproject.toml").write_text("[tool.policylint\nignore = ['PL305']\n")
    code, _, err = run(capsys, "check", doc, "--jobs", "1", "--no-cache")
    assert code == 2 and "pyproject.toml" in err
    # A valid pyproject.toml without [tool.policylint] is passed over.
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, out, _ = run(capsys, "check", doc, "--jobs", "1", "--no-cache", "--format", "json")
    assert code == 1 and any(f["rule"] == "PL305" for f in json.loads(out)["findings"])


@pytest.mark.parametrize("setting", [
    "max-file-bytes = 5e7",
    "max-blocks = 1.5",
    "max-pages = true",
    "timeout-seconds = nan",
    "timeout-seconds = inf",
    "timeout-seconds = -1",
    "max-compression-ratio = nan",
])
def test_bad_limits_are_configuration_errors(capsys, tmp_path, setting):
    doc = tmp_path / "jd.md"
    doc.write_text(PEER_JD)
    (tmp_path / "policylint.toml").write_text(f"[limits]\n{setting}\n")
    code, _, err = run(capsys, "check", doc, "--jobs", "1", "--no-cache")
    assert code == 2
    assert "policylint.toml" in err and setting.split(" = ")[0] in err


def test_good_limits_still_load(tmp_path):
    from policylint.config import load_config

    path = tmp_path / "policylint.toml"
    path.write_text("[limits]\nmax-file-bytes = 50_000_000\ntimeout-seconds = 30\nmax-compression-ratio = 150.5\n")
    limits = load_config(path).limits
    assert limits.max_file_bytes == 50_000_000 and type(limits.max_file_bytes) is int
    assert limits.timeout_seconds == 30.0 and limits.max_compression_ratio == 150.5


# -- 6. file names are data ---------------------------------------------------------------


FINDING_LINE = re.compile(r"^  \S.*: (error|warning|info) PL\d{3} [a-z0-9-]+: ")


def test_hostile_file_names_cannot_forge_output(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "docs"
    folder.mkdir()
    evil = "evil\n  forged.md:1:1: error PL305 no-clinicalised-duties: forged\n\x1b[31mfake\u202e.md"
    (folder / evil).write_text(PEER_JD)
    (folder / os.fsdecode(b"latin-\xe9t\xe9.md")).write_text(PEER_JD)  # not UTF-8
    (folder / "café ünïcode.md").write_text(PEER_JD)
    outputs = {}
    for fmt in ("json", "text", "sarif", "junit", "github"):
        code, out, _ = run(capsys, "check", folder, "--format", fmt, "-o", tmp_path / f"out.{fmt}",
                           "--jobs", "1", "--no-cache", "--show-info")  # every finding on its own line
        assert code == 1, fmt
        outputs[fmt] = (tmp_path / f"out.{fmt}").read_text(encoding="utf-8")
    data = json.loads(outputs["json"])
    assert str(folder / evil) in {f["path"] for f in data["findings"]}  # the name, exactly, as data
    text = outputs["text"]
    assert "\x1b" not in text and "\u202e" not in text
    assert sum(1 for line in text.splitlines() if FINDING_LINE.match(line)) == len(data["findings"])
    assert "café ünïcode.md" in text  # ordinary names are shown as they are
    sarif = json.loads(outputs["sarif"])
    assert len(sarif["runs"][0]["results"]) == len(data["findings"])
    suite = ET.fromstring(outputs["junit"].encode("utf-8"))
    assert sum(len(case.findall("failure")) for case in suite.iter("testcase")) == len(data["findings"])
    assert "\x1b" not in outputs["github"]
    assert len(outputs["github"].splitlines()) == len(data["findings"])


def test_hostile_file_name_on_the_terminal(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a\x1b]0;title\x07\x1b[2Jb.md").write_text(PEER_JD)
    code, out, err = run(capsys, "check", ".", "--jobs", "1", "--no-cache")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out


# -- 7. Ctrl-C ------------------------------------------------------------------------------


def test_keyboard_interrupt_exits_130(capsys, monkeypatch):
    import policylint.cli as cli
    import policylint.commands.rules as rules_command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rules_command, "load", interrupted)
    assert main(["rules"]) == 130
    monkeypatch.setattr(cli.cli, "main", interrupted)  # an interrupt outside any command
    assert main(["rules"]) == 130


@pytest.mark.parametrize("proc", [True, False], ids=["proc", "fallback"])
def test_the_umask_is_read_without_opening_files_to_the_world(monkeypatch: pytest.MonkeyPatch, proc: bool) -> None:
    """The review page writes from several threads: reading the umask must
    never leave it at 0, even for a moment, and must give what is set."""
    import builtins

    from policylint import io

    if not proc:
        real_open = builtins.open

        def no_proc(file: Any, *args: Any, **kwargs: Any) -> Any:
            if str(file).startswith("/proc/"):
                raise OSError("no /proc here")
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", no_proc)
    seen: list[int] = []
    real_umask = os.umask

    def watch(mask: int) -> int:
        seen.append(mask)
        return real_umask(mask)

    old = real_umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", watch)
        assert io.current_umask() == 0o027
        assert 0 not in seen
    finally:
        real_umask(old)
