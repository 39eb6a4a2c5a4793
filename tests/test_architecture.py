"""How the pieces fit: process-wide decisions belong to the command line,
not to the library a program embeds."""

from __future__ import annotations

import gc

from policylint.engine import Engine


def test_building_the_engine_does_not_freeze_the_callers_heap() -> None:
    before = gc.get_freeze_count()
    Engine().nlp  # noqa: B018 - builds the pipeline
    assert gc.get_freeze_count() <= before  # nothing newly frozen (frozen objects that die leave it)
    assert gc.isenabled()


def test_the_program_decides_what_happens_after_the_build() -> None:
    calls: list[str] = []
    engine = Engine(after_build=lambda: calls.append("built"))
    engine.nlp  # noqa: B018
    engine.nlp  # noqa: B018 - built once, told once
    assert calls == ["built"]


def test_one_flow_keeps_the_documents_for_outputs_that_show_them(engine) -> None:
    from pathlib import Path

    from policylint.run import Options, check

    folder = Path(__file__).resolve().parent.parent / "fixtures" / "wattle-grove"
    plain = check([folder], Options(jobs=1), engine=engine)
    kept = check([folder], Options(jobs=1), engine=engine, keep=True)
    assert kept.findings == plain.findings and kept.files == plain.files
    readable = {f.path for f in kept.files if f.error is None}
    assert set(kept.analysed) == readable and not plain.analysed
    assert all(a.document.path == p for p, a in kept.analysed.items())


def test_the_scorecard_the_reviewed_copy_and_the_review_page_use_the_flow() -> None:
    from pathlib import Path

    import policylint

    # No orchestration of their own: neither calls the engine's stages directly.
    package = Path(policylint.__file__).parent
    sources = [*sorted((package / "annotate").glob("*.py")), package / "report" / "html.py",
               *sorted((package / "serve").glob("*.py"))]
    assert len(sources) > 2
    for path in sources:
        source = path.read_text(encoding="utf-8")
        assert "engine.analyse(" not in source and "engine.check(" not in source, path.name
