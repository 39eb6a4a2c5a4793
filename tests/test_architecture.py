"""How the pieces fit: process-wide decisions belong to the command line,
not to the library a program embeds."""

from __future__ import annotations

import gc

from policylint.engine import Engine


def test_building_the_engine_does_not_freeze_the_callers_heap() -> None:
    before = gc.get_freeze_count()
    Engine().nlp  # noqa: B018 - builds the pipeline
    assert gc.get_freeze_count() == before
    assert gc.isenabled()


def test_the_program_decides_what_happens_after_the_build() -> None:
    calls: list[str] = []
    engine = Engine(after_build=lambda: calls.append("built"))
    engine.nlp  # noqa: B018
    engine.nlp  # noqa: B018 - built once, told once
    assert calls == ["built"]
