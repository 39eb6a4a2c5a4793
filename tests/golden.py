"""What policylint makes of the bundled fixtures, in a form stored under
``tests/golden/``: the JSON findings of ``check``, the scorecard page of
``report`` and the Word parts ``annotate --suggest`` writes. A change of
structure must leave them as they are (``tests/test_golden.py``); a change of
behaviour updates them on purpose, and the diff shows what changed:

    python tests/golden.py --update
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
DAY = "2026-01-02"
_DATE_ATTR = re.compile(r'\s(w:date|w14:paraId|w14:textId|w:rsid\w*)="[^"]*"')


def _relative(text: str) -> str:
    return text.replace(str(FIXTURES) + "/", "fixtures/").replace(str(FIXTURES), "fixtures")


def _options():
    from policylint.config import resolve
    from policylint.run import Options

    return Options(config=resolve([FIXTURES], None), jobs=1, cache_dir=None)


def check_json() -> str:
    """``policylint check fixtures/ --format json``, paths relative to the project."""
    from policylint.report import renderer
    from policylint.run import check, make_engine

    options = _options()
    engine = make_engine(options)
    result = check([FIXTURES], options, engine=engine)
    return _relative(renderer("json")(result, engine.rules))


def report_html() -> str:
    """``policylint report fixtures/`` on a fixed day."""
    from policylint.report.html import collect, render_html

    collected = collect([FIXTURES], _options())
    page = render_html(collected.result, collected.documents, collected.rules, sets=collected.sets,
                       assessed=collected.assessed, paths=[FIXTURES], generated=DAY)
    return _relative(page)


def annotate_parts() -> str:
    """The comments and the document part of each reviewed fixture DOCX
    (``annotate --suggest`` at a fixed time), as one JSON text."""
    from policylint.annotate import annotate_paths

    sources = sorted(FIXTURES.rglob("*.docx"))
    out: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="policylint-golden-") as tmp:
        outcomes = annotate_paths(sources, Path(tmp), _options(), suggest=True, now=NOW)
        for outcome in outcomes:
            name = str(Path(outcome.source).relative_to(ROOT))
            if outcome.output is None:
                out[name] = {"error": str(outcome.error or outcome.skipped)}
                continue
            with zipfile.ZipFile(outcome.output) as z:
                parts = {p: z.read(p).decode("utf-8") for p in ("word/document.xml", "word/comments.xml")
                         if p in z.namelist()}
            out[name] = {p: _DATE_ATTR.sub("", text) for p, text in parts.items()}
    return json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


PRODUCERS = {"check.json": check_json, "report.html": report_html, "annotate.json": annotate_parts}


def main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print(__doc__)
        return 2
    GOLDEN.mkdir(exist_ok=True)
    for name, produce in PRODUCERS.items():
        (GOLDEN / name).write_text(produce(), encoding="utf-8")
        print(f"wrote {GOLDEN / name}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
