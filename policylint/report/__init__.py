"""Reporters: one function per format, ``render(result) -> str``. No
reporter re-reads a document."""

from __future__ import annotations

from typing import Callable

FORMATS = ("text", "json")


def renderer(fmt: str) -> Callable:
    if fmt == "json":
        from policylint.report.json import render
    else:
        from policylint.report.text import render
    return render
