"""The review page in a real browser: ``policylint serve``'s application
under uvicorn on a free local port, driven by Playwright with the system's
Chromium (Debian's ``chromium``; POLICYLINT_CHROMIUM names another binary;
Playwright's own browser downloads are never used). Skipped when Playwright
or Chromium is not installed.

A reviewer's whole path: choose a DOCX with the file picker, read a
finding on its words, dismiss one with a reason, choose a suggestion,
download the reviewed copy -- whose comments and tracked changes are then
read back with python-docx -- with JavaScript, and again without it.

Set POLICYLINT_SCREENSHOTS=<folder> to keep screenshots at 1280 px and
390 px wide for a person to look at.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from conftest import find_chromium
from policylint.annotate import ignore_text

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

ROOT = Path(__file__).resolve().parent.parent
PEER_JD = ROOT / "fixtures" / "harbour-city" / "pd-peer-recovery-specialist.docx"
REASON = "Agreed with the peer workforce lead"


@pytest.fixture(scope="module")
def server(engine, expected, tmp_path_factory):
    """The application under uvicorn in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    from policylint.run import Options
    from policylint.serve import Settings, create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(Options(), port=port, temp_parent=tmp_path_factory.mktemp("serve")), engine)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def expected(engine):
    """The findings ``policylint check`` gives the document, by key."""
    from policylint.annotate import finding_key
    from policylint.run import Options, check

    found = check([PEER_JD], Options(), engine=engine).findings
    assert not any(f.code.startswith("PL0") for f in found), [f.message for f in found]
    return {finding_key(f): f for f in found}


def _pick(expected, code: str, name: str | None = None, evidence: str | None = None):
    from policylint.annotate import finding_key

    f = next(f for f in expected.values()
             if f.code == code and (name is None or f.name == name) and (evidence is None or f.evidence == evidence))
    return finding_key(f), f


def _shoot(page, name: str) -> None:
    folder = os.environ.get("POLICYLINT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _read_back(data: bytes) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(author, first line) of each comment, inserted words, deleted words."""
    d = docx.Document(io.BytesIO(data))
    comments = [(c.author, c.text.split("\n")[0]) for c in d.comments]
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    inserted = ["".join(t.text for t in el.iter(qn("w:t"))) for el in root.iter(qn("w:ins"))
                if el.getparent().tag != qn("w:rPr")]
    deleted = ["".join(t.text for t in el.iter(qn("w:delText"))) for el in root.iter(qn("w:del"))]
    return comments, inserted, deleted


def _review(browser, server, expected, tmp_path, *, script: bool, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=script,
                                  accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400 else None)

    page.goto(f"{server}/")
    _shoot(page, f"serve-upload-{width}")
    page.set_input_files("#files", str(PEER_JD))  # the file picker
    if script:
        assert page.locator("#chosen li").inner_text() == PEER_JD.name
    page.click("#send")
    page.wait_for_selector('.note[data-code="PL305"]', timeout=120_000)  # through the progress page
    _shoot(page, f"serve-review-{width}")
    if script:  # nothing wider than the window: no sideways scrolling on a phone
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"the page is {overflow} px wider than the window")

    # Read a finding: its words are highlighted, and the note beside them says the rule.
    duty_key, duty = _pick(expected, "PL305", evidence="caseload")
    note = page.locator(f'.note[data-key="{duty_key}"]')
    fid = note.get_attribute("id")[1:]
    marked = "".join(page.locator(f'mark[data-findings~="{fid}"]').all_inner_texts())
    assert marked == duty.evidence
    assert note.get_attribute("data-rule") == "no-clinicalised-duties"

    # Dismiss it, with a reason.
    note.locator("summary").click()
    note.locator('input[name="reason"]').fill(REASON)
    note.get_by_role("button", name="Dismiss").click()
    page.wait_for_selector(f'.note.dismissed[data-key="{duty_key}"]')
    assert REASON in page.locator(f'.note[data-key="{duty_key}"]').inner_text()

    # Choose a suggestion for the wording.
    words_key, words = _pick(expected, "PL201", name="recovery-oriented-language", evidence="addicts")
    page.locator(f'.note[data-key="{words_key}"]').get_by_role("button", name="Use this wording").first.click()
    page.wait_for_selector(f'.note[data-key="{words_key}"] .suggest.chosen')
    if os.environ.get("POLICYLINT_SCREENSHOTS"):  # the words and their finding, at the top of the window
        page.evaluate("key => { const m = document.querySelector(`.note[data-key='${key}']`);"
                      " const words = document.getElementById('m' + m.id.slice(1));"
                      " window.scrollTo(0, (words || m).getBoundingClientRect().top + window.scrollY - 12); }",
                      words_key)
        _shoot(page, f"serve-decided-{width}")

    # Download the reviewed copy.
    with page.expect_download() as download:
        page.get_by_role("link", name="Reviewed Word copy").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "pd-peer-recovery-specialist.reviewed.docx"
    context.close()
    return saved.read_bytes(), problems, duty, words


@pytest.mark.parametrize("script", [True, False], ids=["with-javascript", "without-javascript"])
def test_from_a_docx_to_its_reviewed_copy_in_the_browser(browser, server, expected, tmp_path, script):
    data, problems, duty, words = _review(browser, server, expected, tmp_path, script=script)
    assert problems == []  # no script error, no Content-Security-Policy violation
    comments, inserted, deleted = _read_back(data)
    assert ("Reviewer", ignore_text(duty, REASON)) in comments
    own = [first for author, first in comments if author == "policylint"]
    assert len(own) == len(expected) - 1
    # The dismissed finding is the one left out: one comment fewer for its rule.
    assert sum(first.startswith(f"{duty.code} ") for first in own) == \
        sum(f.code == duty.code for f in expected.values()) - 1
    assert len(inserted) == 1 and len(deleted) == 1 and deleted[0] in words.evidence


def test_the_page_at_phone_width(browser, server, expected, tmp_path):
    _, problems, _, _ = _review(browser, server, expected, tmp_path, script=True, width=390, height=844)
    assert problems == []
