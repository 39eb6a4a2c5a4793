"""The scorecard page in a real browser: headless Chromium (Debian's
``chromium``; set POLICYLINT_CHROMIUM to use another binary). Skipped when no
Chromium is installed.

Set POLICYLINT_SCREENSHOTS=<folder> to keep the screenshots (1280 px and
390 px wide) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import find_chromium
from policylint.report.html import collect, render_html

ROOT = Path(__file__).resolve().parent.parent


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
         "--mute-audio", "--hide-scrollbars"]


def browse(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           *extra, url], capture_output=True, text=True, timeout=60)


CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? ?(.*)")
PROBLEM = re.compile(r"Uncaught|Refused to|violates the following Content Security Policy|Failed to load"
                     r"|net::ERR_|error", re.I)


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to the console (Chromium logs it as INFO:CONSOLE lines)."""
    return [m.group(1) for line in stderr.splitlines() if (m := CONSOLE.search(line))]


@pytest.fixture(scope="module")
def page(engine, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    org = ROOT / "fixtures" / "harbour-city"
    c = collect([org], engine=engine)
    html = render_html(c.result, c.documents, c.rules, sets=c.sets, assessed=c.assessed, paths=[org])
    path = tmp / "scorecard.html"
    path.write_text(html, encoding="utf-8")
    return path, c


def test_console_capture_works(tmp_path):
    """The harness sees console errors and blocked requests (so a clean run means something)."""
    probe = tmp_path / "probe.html"
    probe.write_text("<!doctype html><meta http-equiv='Content-Security-Policy' content=\"default-src 'none';"
                     " script-src 'unsafe-inline'\"><p>x</p><img src='https://example.invalid/x.png'>"
                     "<script>console.error('policylint-probe'); missingFunction();</script>")
    run = browse(probe.as_uri(), tmp_path, "--dump-dom")
    messages = console_messages(run.stderr)
    assert any("policylint-probe" in m for m in messages), run.stderr[-2000:]
    assert any("Uncaught" in m for m in messages)
    assert any("Content Security Policy" in m for m in messages)


def test_page_loads_cleanly_with_scorecard_matrix_and_highlights(page, tmp_path):
    path, collected = page
    run = browse(path.as_uri(), tmp_path, "--dump-dom", "--window-size=1280,900")
    assert run.returncode == 0, run.stderr[-2000:]
    problems = [m for m in console_messages(run.stderr) if PROBLEM.search(m)]
    assert problems == [], problems
    dom = run.stdout
    assert 'id="scorecard"' in dom and 'class="wide"' in dom and dom.count('class="tile ') == 26
    assert dom.count('<article class="el ') == 13
    assert '<table class="matrix">' in dom and dom.count('data-status="not-met"') >= 5
    spans = sum(1 for f in collected.result.findings if f.span is not None)
    assert spans and dom.count('<mark class="hl ') >= spans


def _probe_copy(path: Path, tmp: Path) -> Path:
    """The page plus a measuring script (allowed by a loosened policy in this copy only)."""
    script = """<script>
    function probe() {
      const vw = document.documentElement.clientWidth;
      const wide = document.querySelector('figure.chart svg.wide');
      const narrow = document.querySelector('figure.chart svg.narrow');
      const offenders = [];
      for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.scroll') || el.closest('.sprite') || el.closest('.vh') || el.closest('.skip')) continue;
        const r = el.getBoundingClientRect();
        if (r.width && r.right > vw + 1) offenders.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
      }
      const marks = [...document.querySelectorAll('mark.hl')];
      const visible = (el) => el && el.getBoundingClientRect().width > 0;
      const small = [...document.querySelectorAll('main p, main li, main td, main th')]
        .filter(el => el.textContent.trim() && parseFloat(getComputedStyle(el).fontSize) < 12).length;
      document.body.dataset.probe = JSON.stringify({
        vw, scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10),
        wide: visible(wide), narrow: visible(narrow), marks: marks.length,
        marksVisible: marks.filter(visible).length, small,
        skipFirst: document.querySelector('body a') === document.querySelector('a.skip'),
      });
    }
    addEventListener('load', probe);
    </script>"""
    html = path.read_text(encoding="utf-8")
    html = html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    html = html.replace("</body>", script + "</body>", 1)
    out = tmp / "probe.html"
    out.write_text(html, encoding="utf-8")
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_layout_fits_the_screen(page, tmp_path, width):
    path, _ = page
    probe = _probe_copy(path, tmp_path)
    run = browse(probe.as_uri(), tmp_path, "--dump-dom", f"--window-size={width},900")
    m = re.search(r'data-probe="([^"]*)"', run.stdout)
    assert m, run.stderr[-2000:]
    data = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    # Headless Chromium will not make a window narrower than 500 px; the phone layout starts at 640.
    phone = width < 640
    assert (data["vw"] < 640) == phone, data
    assert data["scrollWidth"] <= data["vw"], data["offenders"]
    assert data["offenders"] == []
    assert data["wide"] != phone and data["narrow"] == phone, "the chart switches layout"
    assert data["marks"] and data["marks"] == data["marksVisible"]
    assert data["small"] == 0, "no text smaller than 12px"
    assert data["skipFirst"]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(page, tmp_path, width):
    path, _ = page
    shot = tmp_path / f"scorecard-{width}.png"
    run = browse(path.as_uri(), tmp_path, f"--screenshot={shot}", f"--window-size={width},1600")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert _png_size(shot) == (width, 1600)
    assert shot.stat().st_size > 20_000, "the screenshot is not blank"
    keep = os.environ.get("POLICYLINT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
