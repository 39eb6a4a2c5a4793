"""--jobs: the worker processes never outlive policylint, never hang the run,
and losing one costs one file, not the run.

The signal tests run the real command line in a subprocess on Markdown
documents made from the fixtures (long enough that the workers are busy
for a few seconds), signal it once its children exist, and then check
that each of those children is gone. The tests of lost and stuck workers
run ``parallel.run_all`` with a stand-in engine in a small driver process,
so that a hang or a stray fork can never take pytest down with it.

Every bound on time here only catches a hang; none measures speed.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "fork"),
                                reason="needs fork and /proc")


# -- processes, from /proc -------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children_of(pid: int) -> dict[int, str]:
    """pid -> start time of each living process whose parent is ``pid``."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields and int(fields[1]) == pid and fields[0] != "Z":
                found[int(name)] = fields[19]
    return found


def alive(pid: int, started: str) -> bool:
    """Whether that very process (not a later one given the same pid) still runs."""
    fields = _stat(pid)
    return fields is not None and fields[19] == started and fields[0] not in ("Z", "X")


def wait_for_children(proc: subprocess.Popen, count: int, timeout: float = 120) -> dict[int, str]:
    """Once ``proc`` has ``count`` children: who they are."""
    stop = time.monotonic() + timeout
    found: dict[int, str] = {}
    while time.monotonic() < stop and proc.poll() is None:
        found = children_of(proc.pid)
        if len(found) >= count:
            return found
        time.sleep(0.005)
    kill_leftovers(found)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"policylint never had {count} child processes (exit code {proc.returncode}): {err[-2000:]!r}")


def assert_all_gone(children: dict[int, str], within: float = 10) -> None:
    stop = time.monotonic() + within
    while time.monotonic() < stop:
        left = [pid for pid, started in children.items() if alive(pid, started)]
        if not left:
            return
        time.sleep(0.05)
    pytest.fail(f"child processes {left} still alive {within} s after policylint ended")


def kill_leftovers(children: dict[int, str]) -> None:
    """So that a failing test does not leave its children running."""
    for pid, started in children.items():
        if alive(pid, started):
            os.kill(pid, signal.SIGKILL)


# -- the command line, signalled -----------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Six Markdown documents made of the fixtures' own, each repeated so
    that checking takes the two workers a few seconds."""
    folder = tmp_path / "docs"
    folder.mkdir()
    sources = sorted(p for p in FIXTURES.rglob("*.md") if p.parent != FIXTURES)
    assert sources
    for n in range(6):
        text = sources[n % len(sources)].read_text(encoding="utf-8")
        (folder / f"policy-{n}.md").write_text("\n\n".join([text] * 1000), encoding="utf-8")
    return folder


def start_check(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "policylint", "check", str(folder), "-j2", "--no-cache",
                             "--format", "json"], cwd=folder.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def signal_and_finish(proc: subprocess.Popen, children: dict[int, str], signum: int) -> int:
    """Send ``signum`` to policylint; its stdout and stderr must close (no
    child holds them) and it must end. Its exit code."""
    try:
        os.kill(proc.pid, signum)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("policylint's output stayed open: a child process still holds it")
        assert_all_gone(children)
    finally:
        kill_leftovers(children)
        proc.kill()
        proc.wait()
    return proc.returncode


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_policylint(folder, signum):
    proc = start_check(folder)
    workers = wait_for_children(proc, 2)  # the reader process is alone; two children are the workers
    code = signal_and_finish(proc, workers, signum)
    assert code == -signum


def test_reader_process_dies_with_policylint(folder):
    # In a fresh process the first child is the reader, reading ahead while
    # spaCy loads; killed now, it must not stay blocked on a full pipe.
    proc = start_check(folder)
    reader = wait_for_children(proc, 1)
    assert signal_and_finish(proc, reader, signal.SIGKILL) == -signal.SIGKILL


@pytest.mark.parametrize("children", [1, 2], ids=["reader", "workers"])
def test_ctrl_c_kills_and_reaps_the_children(folder, children):
    proc = start_check(folder)
    found = wait_for_children(proc, children)
    code = signal_and_finish(proc, found, signal.SIGINT)
    assert code != 0  # 130 once the command line maps KeyboardInterrupt


# -- lost and stuck workers, with a stand-in engine --------------------------------------

DRIVER = textwrap.dedent('''
    """Runs parallel.run_all with a stand-in engine; writes what came back."""
    import os, pickle, signal, sys, time
    from pathlib import Path

    from policylint.config import Config
    from policylint.document import Limits
    from policylint.findings import Finding
    from policylint.parallel import run_all
    from policylint.run import Options, process

    mode, jobs, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    files = [Path(p) for p in sys.argv[5:]]

    class Engine:
        """What run.finish needs of an engine; misbehaves on the files named for it."""

        def prepare(self):
            pass

        def analyse(self, doc, deadline=None):
            name = Path(doc.path).name
            if name.startswith("die") or mode == "all-die":
                os.kill(os.getpid(), signal.SIGKILL)
            if name.startswith("hang"):
                time.sleep(3600)
            if name.startswith("raise"):
                raise ValueError(f"a bug, on {name}")
            return doc

        def check(self, analysed, deadline=None):
            return [Finding("PL999", "stand-in", "info", analysed.path,
                            f"{len(analysed.blocks)} blocks in {analysed.kind}")]

        def set_hits(self, analysed):
            return {"PL999": bool(analysed.blocks)}

    options = Options(config=Config(limits=Limits(timeout_seconds=seconds)), jobs=jobs, isolate=mode == "isolate")
    engine = Engine()
    result = {}
    try:
        result["outcomes"] = run_all(files, options, engine)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"

    def parent_of(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return None

    result["children"] = [p for p in os.listdir("/proc") if p.isdigit() and parent_of(p) == os.getpid()]
    result["expected"] = {}
    for p in files:  # what checking each file in this process gives
        if mode != "all-die" and not p.name.startswith(("die", "hang")):
            try:
                result["expected"][str(p)] = process(p, options, engine)
            except Exception as exc:
                result["expected"][str(p)] = f"{type(exc).__name__}: {exc}"
    Path(out).write_bytes(pickle.dumps(result))
''')


def run_driver(tmp_path: Path, names: list[str], mode: str = "", jobs: int = 2, seconds: float = 60) -> dict:
    folder = tmp_path / "docs"
    folder.mkdir()
    sources = sorted(p for p in FIXTURES.rglob("*.md") if p.parent != FIXTURES)
    files = []
    for n, name in enumerate(names):
        path = folder / name
        path.write_text(sources[n % len(sources)].read_text(encoding="utf-8") + f"\n\nCopy {n}.\n",
                        encoding="utf-8")
        files.append(str(path))
    driver, out = tmp_path / "driver.py", tmp_path / "result.pickle"
    driver.write_text(DRIVER, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(driver), mode, str(jobs), str(seconds), str(out), *files],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = pickle.loads(out.read_bytes())
    assert result["children"] == [], "run_all left child processes behind"
    result["files"] = files
    return result


def assert_normal(result: dict, skip: str) -> None:
    """Every file but ``skip`` has the outcome it has when checked alone, in order."""
    assert "error" not in result, result.get("error")
    outcomes, expected = result["outcomes"], result["expected"]
    assert [o.info.path for o in outcomes] == result["files"]
    for path, outcome in zip(result["files"], outcomes):
        if Path(path).name != skip:
            assert outcome == expected[path], path
            assert any(f.code == "PL999" for f in outcome.findings), path


def test_a_worker_killed_costs_only_its_file(tmp_path):
    names = ["a.md", "b.md", "die.md", "c.md", "d.md", "e.md"]
    result = run_driver(tmp_path, names)
    assert_normal(result, "die.md")
    outcome = result["outcomes"][2]
    assert outcome.info.error
    assert [(f.code, f.name, f.path) for f in outcome.findings] == [("PL001", "unreadable-file", result["files"][2])]


def test_a_file_whose_analysis_never_ends_is_stopped_at_the_time_limit(tmp_path):
    names = ["a.md", "hang.md", "b.md", "c.md", "d.md"]
    result = run_driver(tmp_path, names, seconds=1)
    assert_normal(result, "hang.md")
    outcome = result["outcomes"][1]
    assert outcome.info.error
    assert [(f.code, f.name) for f in outcome.findings] == [("PL005", "limit-exceeded")]


@pytest.mark.parametrize("names", [["a.md", "hang.md", "b.md"], ["hang.md"]])
def test_one_job_isolated_is_stopped_at_the_time_limit_too(tmp_path, names):
    # The command line checks with one worker even for --jobs 1 or a single
    # file, so a stuck parser is stopped there as well.
    result = run_driver(tmp_path, names, mode="isolate", jobs=1, seconds=1)
    assert_normal(result, "hang.md")
    outcome = result["outcomes"][names.index("hang.md")]
    assert [(f.code, f.name) for f in outcome.findings] == [("PL005", "limit-exceeded")]


def test_workers_that_keep_dying_do_not_loop_for_ever(tmp_path):
    names = [f"f{n}.md" for n in range(12)]
    result = run_driver(tmp_path, names, mode="all-die")
    assert "error" not in result, result.get("error")
    assert len(result["outcomes"]) == len(names)
    for outcome in result["outcomes"]:
        assert [f.code for f in outcome.findings] == ["PL001"]
        assert outcome.info.error


def test_an_engine_error_in_a_worker_ends_as_in_this_process(tmp_path):
    # Whatever an engine error gives with --jobs 1 (a finding, or the
    # exception), it gives with --jobs 2.
    result = run_driver(tmp_path, ["a.md", "raise.md", "b.md"])
    expected = result["expected"][result["files"][1]]
    if isinstance(expected, str):
        assert result["error"] == expected == "ValueError: a bug, on raise.md"
    else:
        assert "ValueError: a bug, on raise.md" in expected.info.error
        assert result["outcomes"][1] == expected
        assert_normal(result, "raise.md")


def test_outcomes_from_the_pool_are_cached_but_not_a_lost_workers(tmp_path, monkeypatch):
    # A file lost to a worker's death or to the clock says something about
    # the machine at that moment, not about the file: it is checked again
    # next time, not served from the cache.
    from policylint import parallel

    stored: list[str] = []

    class Store:
        def __init__(self, *args):
            pass

        def get(self, path):
            return None

        def put(self, path, outcome):
            stored.append(Path(path).name)

    monkeypatch.setattr(parallel.result_cache, "Cache", Store)
    pool_outcomes = {0: "fine", 1: "lost"}

    class FakePool:
        def __init__(self, work, seconds, failed):
            self.failed, self.workers = failed, [object()]

        def start(self, size):
            pass

        def run(self, order, done):
            for i in order:
                done(i, pool_outcomes[i], pool_outcomes[i] == "fine")

        def close(self):
            pass

    class Engine:
        def prepare(self):
            pass

    monkeypatch.setattr(parallel, "_Pool", FakePool)
    from policylint.run import Options

    files = [tmp_path / "fine.md", tmp_path / "lost.md"]
    for path in files:
        path.write_text("# Policy\n\nText.\n", encoding="utf-8")
    outcomes = parallel.run_all(files, Options(jobs=2, cache_dir=tmp_path / "cache"), Engine())
    assert outcomes == ["fine", "lost"]
    assert stored == ["fine.md"]
