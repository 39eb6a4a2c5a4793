"""Reporters: one function per format, ``render(result, rules) -> str``. No
reporter re-reads a document."""

from __future__ import annotations

import importlib
from collections.abc import Callable

FORMATS = ("text", "json", "sarif", "github", "junit")


def renderer(fmt: str) -> Callable:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"policylint.report.{'json_format' if fmt == 'json' else fmt}")
    return module.render
