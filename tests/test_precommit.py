"""The pre-commit hook, run for real with `pre-commit try-repo` against this
checkout in a temporary git repository."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BAD = """# Position Description: Peer Support Worker

## Key duties

- Dispense prescribed medication to residents each evening.

## Supervision

Monthly peer supervision with a Lived Experience supervisor.
"""

GOOD = """# Position Description: Peer Support Worker

## Key duties

- Offer peer support grounded in your own experience of recovery.
- Peer workers do not administer medication.

## Supervision

Monthly peer supervision with a Lived Experience supervisor, beside line management.
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_fails_bad_document_and_passes_good_one(tmp_path):
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    repo = tmp_path / "policies"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "peer-worker.md").write_text(BAD)
    # The repository's own configuration is honoured by the hook: fail on errors only.
    (repo / "policylint.toml").write_text('fail-on = "error"\n')
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def hook(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(pre_commit), "try-repo", str(ROOT), "policylint", "--files", *files],
                              cwd=repo, capture_output=True, text=True, env=env, timeout=1200)

    bad = hook("peer-worker.md")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "PL305 no-clinicalised-duties" in bad.stdout and "Dispense prescribed medication" in bad.stdout

    (repo / "peer-worker.md").write_text(GOOD)
    _git(repo, "add", ".")
    good = hook("peer-worker.md")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
