"""The benchmark's quick mode runs end to end (its timings are not checked here)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_quick_mode_prints_every_row():
    pytest.importorskip("fpdf")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 19  # header + 18 measurements (16 with a target)
    for needle in ("rule engine", "read PDF", "read DOCX", "--version", "--help", "small DOCX", "--jobs 2",
                   "cached second run", "-page PDF vs", "peak memory", "set-level", "empty phrase store",
                   "of prose", "list markers", "proselint", "upload to findings"):
        assert any(needle in r for r in rows), needle
