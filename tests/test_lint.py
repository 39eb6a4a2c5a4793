"""The code is linted and type-checked as part of the test run: ruff over the
package, the tests and the benchmarks, and mypy over the package (untyped
definitions refused), both configured in pyproject.toml and installed by the
test extras. A finding of either fails the run with its report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    """The tool installed beside the running Python (the test extras)."""
    found = shutil.which(name, path=str(BIN))
    if found is None:
        pytest.fail(f"{name} is not installed beside {sys.executable}: install the test extras ('.[test]')")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    env.pop("MYPY_FORCE_COLOR", None)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_ruff() -> None:
    done = _run(_tool("ruff"), "check", "--no-fix", "policylint", "tests", "benchmarks")
    assert done.returncode == 0, f"ruff reports:\n{done.stdout}{done.stderr}"


def test_mypy() -> None:
    # The files and options come from [tool.mypy]; the cache (.mypy_cache) keeps a re-run quick.
    done = _run(_tool("mypy"), "--config-file", str(ROOT / "pyproject.toml"))
    assert done.returncode == 0, f"mypy reports:\n{done.stdout}{done.stderr}"
