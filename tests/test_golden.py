"""The fixtures' outputs are what ``tests/golden/`` stores: a change of
structure leaves every finding, the scorecard and the reviewed Word parts as
they were (``python tests/golden.py --update`` records a deliberate change)."""

from __future__ import annotations

import difflib

import pytest

import golden


def _compare(name: str) -> None:
    stored = (golden.GOLDEN / name).read_text(encoding="utf-8")
    made = golden.PRODUCERS[name]()
    if made != stored:
        diff = "".join(list(difflib.unified_diff(stored.splitlines(True), made.splitlines(True),
                                                 f"stored {name}", f"made {name}", n=1))[:80])
        pytest.fail(f"{name} differs from the stored copy (run tests/golden.py --update if intended):\n{diff}")


def test_check_json_is_unchanged() -> None:
    _compare("check.json")


def test_report_html_is_unchanged() -> None:
    _compare("report.html")


def test_reviewed_word_parts_are_unchanged() -> None:
    _compare("annotate.json")
