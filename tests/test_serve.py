"""``policylint serve``: the review page, driven through Starlette's test
client (the real browser is in test_serve_browser.py).

Assertions are on rule codes and names, finding keys and the words
highlighted, never on message wording."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree
from lxml import html as lhtml

pytest.importorskip("starlette")
pytest.importorskip("python_multipart")

from starlette.testclient import TestClient  # noqa: E402

import hostile  # noqa: E402
from policylint.annotate import finding_key, ignore_text  # noqa: E402
from policylint.config import Config  # noqa: E402
from policylint.document import Limits  # noqa: E402
from policylint.run import Options  # noqa: E402
from policylint.serve import Settings, create_app  # noqa: E402
from policylint.serve.review import CHOSEN_REASON  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HARBOUR = ROOT / "fixtures" / "harbour-city"
PEER_JD = HARBOUR / "pd-peer-recovery-specialist.docx"
BASE = "http://127.0.0.1:8750"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

JD = """# Position Description: Peer Support Worker

## Key duties

- Dispense prescribed medication to residents each evening.
- Write progress notes in the medical record.
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(engine, tmp_path: Path, **settings) -> TestClient:
    options = settings.pop("options", None) or Options()
    s = Settings(options, warm=False, temp_parent=tmp_path, **settings)
    return TestClient(create_app(s, engine), base_url=BASE)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def client(engine, tmp_path, clock):
    with make_client(engine, tmp_path, clock=clock) as c:
        yield c


def state(client: TestClient):
    return client.app.state.serve  # type: ignore[attr-defined]


def upload(client: TestClient, *files: tuple[str, bytes], expect: int = 303):
    r = client.post("/upload", files=[("files", (name, data, "application/octet-stream")) for name, data in files],
                    follow_redirects=False)
    assert r.status_code == expect, r.text[-2000:]
    return r


def wait(client: TestClient, location: str) -> dict:
    """Poll the upload's status until its check is over (bounded; no timing asserted)."""
    for _ in range(1200):
        s = client.get(f"{location}/status").json()
        if s["state"] in ("done", "failed"):
            return s
        time.sleep(0.1)
    raise AssertionError(f"the check of {location} did not end")


def review(client: TestClient, *files: tuple[str, bytes]) -> tuple[str, str]:
    location = upload(client, *files).headers["location"]
    assert wait(client, location)["state"] == "done"
    page = client.get(location)
    assert page.status_code == 200
    return location, page.text


def held(client: TestClient, location: str):
    return state(client).store.get(location.rsplit("/", 1)[1])


def notes(page: str) -> dict[str, dict]:
    """The page's findings by key: code, rule name, element id, and the words highlighted for it."""
    tree = lhtml.fromstring(page)
    found = {}
    for el in tree.xpath("//div[@data-key]"):
        found[el.get("data-key")] = {"code": el.get("data-code"), "name": el.get("data-rule"), "id": el.get("id"),
                                     "classes": el.get("class").split(), "marked": ""}
    by_id = {v["id"]: v for v in found.values()}
    for mark in tree.xpath("//mark[@data-findings]"):
        for fid in mark.get("data-findings").split():
            by_id[f"f{fid}"]["marked"] += mark.text_content()
    return found


def post(client: TestClient, location: str, route: str, **fields) -> None:
    r = client.post(f"{location}/{route}", data=fields, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]


# -- from upload to the findings beside the text ------------------------------------------------


def test_upload_shows_every_finding_highlighted_on_its_exact_words(client):
    location, page = review(client, (PEER_JD.name, PEER_JD.read_bytes()))
    up = held(client, location)
    result = up.checked.result
    assert [f.path for f in result.files] == [PEER_JD.name]  # relative: no temporary folder in sight
    assert str(up.folder) not in page
    shown = notes(page)
    assert {f.code for f in result.findings} >= {"PL305", "PL201", "PL502"}
    document = up.checked.documents[PEER_JD.name]
    for f in result.findings:
        note = shown[finding_key(f)]
        assert (note["code"], note["name"]) == (f.code, f.name)
        if f.span is not None:
            block, start, end = f.span
            assert note["marked"] == document.blocks[block].text[start:end] == f.evidence
        else:
            assert note["marked"] == "" and "missing" in note["classes"]
    # Errors first beside each paragraph: within every notes column, severities never rise.
    tree = lhtml.fromstring(page)
    rank = {"sev-info": 0, "sev-warning": 1, "sev-error": 2}
    for column in tree.xpath('//div[@class="notes"]'):
        levels = [next(rank[c] for c in n.get("class").split() if c in rank) for n in column.xpath("./div")]
        assert levels == sorted(levels, reverse=True)


def test_a_pdf_of_several_pages_is_shown_page_by_page(client):
    pdf = HARBOUR / "pd-lead-peer-recovery-specialist.pdf"
    location, page = review(client, (pdf.name, pdf.read_bytes()))
    result = held(client, location).checked.result
    assert result.findings and {f.path for f in result.findings} == {pdf.name}
    shown = notes(page)
    assert {finding_key(f) for f in result.findings} <= shown.keys()


def test_the_page_says_the_kind_and_a_changed_kind_checks_again(client):
    location, page = review(client, (PEER_JD.name, PEER_JD.read_bytes()))
    assert held(client, location).checked.result.files[0].kind == "peer-job-description"
    post(client, location, "kind", path=PEER_JD.name, kind="hr-policy")
    assert wait(client, location)["state"] == "done"
    up = held(client, location)
    info = up.checked.result.files[0]
    assert info.kind == "hr-policy" and info.kind_reason == CHOSEN_REASON
    assert not any(f.code == "PL305" for f in up.checked.result.findings)  # a peer job description's rule
    page = client.get(location).text
    assert CHOSEN_REASON in page and str(up.folder) not in page
    post(client, location, "kind", path=PEER_JD.name, kind="auto")
    wait(client, location)
    assert held(client, location).checked.result.files[0].kind == "peer-job-description"


def _comments(data: bytes) -> list[tuple[str, str, str]]:
    """(author, text, anchored words) of each comment in a reviewed copy."""
    d = docx.Document(io.BytesIO(data))
    texts = {str(c.comment_id): (c.author, c.text) for c in d.comments}
    root = d.element
    out, open_ = [], {}
    for el in root.iter():
        if el.tag == qn("w:commentRangeStart"):
            open_[el.get(qn("w:id"))] = []
        elif el.tag == qn("w:commentRangeEnd"):
            cid = el.get(qn("w:id"))
            out.append((*texts[cid], "".join(open_.pop(cid, []))))
        elif el.tag in (qn("w:t"), qn("w:delText")):
            for words in open_.values():
                words.append(el.text or "")
    return out


def test_dismiss_and_use_this_wording_make_the_reviewed_copy(client):
    location, _ = review(client, (PEER_JD.name, PEER_JD.read_bytes()))
    result = held(client, location).checked.result
    duty = next(f for f in result.findings if f.code == "PL305" and f.evidence == "caseload")
    language = next(f for f in result.findings if f.name == "recovery-oriented-language" and f.span is not None)
    post(client, location, "decide", path=PEER_JD.name, key=finding_key(duty), action="dismiss",
         reason="agreed with the peer workforce lead", anchor="f3")
    post(client, location, "decide", path=PEER_JD.name, key=finding_key(language), action="choose", choice="0")
    shown = notes(client.get(location).text)
    assert "dismissed" in shown[finding_key(duty)]["classes"] and shown[finding_key(duty)]["marked"] == ""

    r = client.get(f"{location}/reviewed/0")
    assert r.status_code == 200 and r.headers["content-type"] == DOCX_TYPE
    assert "pd-peer-recovery-specialist.reviewed.docx" in r.headers["content-disposition"]
    comments = _comments(r.content)
    mine = [(text, words) for author, text, words in comments if author == "Reviewer"]
    assert mine == [(ignore_text(duty, "agreed with the peer workforce lead"), "caseload")]
    assert sum(1 for author, *_ in comments if author == "policylint") == len(result.findings) - 1
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml"))
    inserted = [el for el in root.iter(qn("w:ins")) if el.getparent().tag != qn("w:rPr")]
    deleted = ["".join(t.text for t in el.iter(qn("w:delText"))) for el in root.iter(qn("w:del"))]
    assert len(inserted) == 1 and len(deleted) == 1 and deleted[0] in language.evidence

    # The findings downloads leave the dismissed finding out.
    data = json.loads(client.get(f"{location}/findings.json").text)
    assert data["version"] == 1 and data["files"][0]["path"] == PEER_JD.name
    assert len(data["findings"]) == len(result.findings) - 1
    assert not any(f["rule"] == "PL305" and f["evidence"] == "caseload" for f in data["findings"])
    # Undo brings it back.
    post(client, location, "decide", path=PEER_JD.name, key=finding_key(duty), action="restore")
    assert len(json.loads(client.get(f"{location}/findings.json").text)["findings"]) == len(result.findings)


def test_sarif_download_validates_and_names_files_as_uploaded(client):
    jsonschema = pytest.importorskip("jsonschema")
    location, _ = review(client, ("jd.md", JD.encode()))
    r = client.get(f"{location}/findings.sarif")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = json.loads(r.text)
    if SARIF_SCHEMA.is_file():
        jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in doc["runs"][0]["results"]}
    assert uris == {"jd.md"}
    assert {res["ruleId"] for res in doc["runs"][0]["results"]} >= {"PL305"}


def test_several_files_are_a_policy_set_with_a_scorecard(client):
    about = (HARBOUR / "about-us.md").read_bytes()
    location, page = review(client, ("jd.md", JD.encode()), ("about-us.md", about))
    up = held(client, location)
    assert {f.path for f in up.checked.result.files} == {"jd.md", "about-us.md"}
    assert up.checked.sets == ["."]
    assert any(f.path == "." for f in up.checked.result.findings)  # set-level rules ran
    assert f"{location}/scorecard.html" in page
    r = client.get(f"{location}/scorecard.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="scorecard"' in r.text and "jd.md" in r.text and str(up.folder) not in r.text
    # A Markdown file has no reviewed copy.
    assert client.get(f"{location}/reviewed/0").status_code == 404


def test_a_zip_of_a_policy_folder_is_unpacked_into_its_own_folder(client):
    members = [hostile.deflated(f"policies/{p.name}", p.read_bytes()) for p in sorted(HARBOUR.glob("*.md"))]
    members.append(hostile.deflated("policies/jds/jd.md", JD.encode()))
    members.append(hostile.deflated("__MACOSX/policies/._jd.md", b"\0\0"))
    location, _ = review(client, ("policies.zip", hostile.zip_bytes(members)))
    up = held(client, location)
    assert sorted(f.path for f in up.checked.result.files) == ["policies/about-us.md", "policies/jds/jd.md"]
    assert sorted(up.checked.sets) == ["policies", "policies/jds"]


# -- what cannot be read, and hostile uploads --------------------------------------------------


def test_an_unreadable_file_is_its_finding_never_a_trace(client):
    location, page = review(client, ("broken.docx", b"PK\x03\x04 not really a zip"), ("jd.md", JD.encode()))
    up = held(client, location)
    broken = next(f for f in up.checked.result.files if f.path == "broken.docx")
    assert broken.error
    assert any(f.code == "PL001" and f.path == "broken.docx" for f in up.checked.result.findings)
    assert "Traceback" not in page
    assert any(n["code"] == "PL001" for n in notes(page).values())  # shown on the page
    assert any(f.code == "PL305" for f in up.checked.result.findings)  # the other file is checked as usual


def test_a_zip_bomb_is_answered_with_its_finding_and_the_server_stays_up(client):
    bombs = [("bomb.docx", hostile.text_node_bomb(hostile.GIB)),
             ("lying.docx", hostile.lying_bomb(hostile.GIB)),
             ("folder.zip", hostile.zip_bytes([hostile.bomb("policies/huge.md", b"# Policy\n", b"A", hostile.GIB,
                                                             b"\n")])),
             ("jd.md", JD.encode())]
    location, page = review(client, *bombs)
    up = held(client, location)
    codes = {f.path: f.code for f in up.checked.result.findings if f.code.startswith("PL0")}
    # The lying directory is caught by reading: the member stops at its declared size (as check reports it).
    assert codes == {"bomb.docx": "PL005", "lying.docx": "PL001", "folder.zip": "PL005"}
    assert any(f.path == "jd.md" and f.code == "PL305" for f in up.checked.result.findings)
    assert not (up.inbox / "folder").exists() and not (up.inbox / "folder.zip").exists()
    assert client.get("/").status_code == 200


def test_a_zip_that_would_write_outside_its_folder_is_not_unpacked(client, tmp_path):
    for name in ("../escaped.md", "/etc/escaped.md", "C:/escaped.md", "a/../../escaped.md", "..\\escaped.md"):
        archive = hostile.zip_bytes([hostile.deflated("ok.md", JD.encode()), hostile.deflated(name, JD.encode())])
        location, _ = review(client, ("set.zip", archive))
        up = held(client, location)
        assert [(f.path, f.code) for f in up.checked.result.findings] == [("set.zip", "PL001")], name
        assert list(up.inbox.iterdir()) == []
        assert not list(tmp_path.rglob("escaped.md")) and not list(Path(up.folder.parent.parent).glob("escaped*"))
    # A link inside the archive is refused too.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("policies/link.md")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    location, _ = review(client, ("links.zip", buf.getvalue()))
    assert [f.code for f in held(client, location).checked.result.findings] == ["PL001"]


def test_hostile_names_and_text_are_shown_as_text(client):
    name = '<script>alert("name")</script>{{ 7*7 }}.txt'
    text = ('Position Description: Peer Worker <script>alert("text")</script>\n\nKey duties\n\n'
            '- Dispense medication {{ 7*7 }} {% raw %} <img src=x onerror=alert(1)> to residents.\n')
    location, page = review(client, (name, text.encode()))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;text&#34;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(%22name%22)&lt;_script&gt;" in page  # the client sends " as %22 (HTML's rule)
    assert "&lt;img src=x" in page
    assert "{{ 7*7 }}" in page and "{% raw %}" in page
    assert page.count("<script") == 1  # the page's own script, with the response's nonce
    up = held(client, location)
    assert len(up.files) == 1 and "/" not in up.files[0] and (up.inbox / up.files[0]).is_file()
    r = client.get(f"{location}/findings.json")
    assert json.loads(r.text)["files"][0]["path"] == up.files[0]


# -- limits ------------------------------------------------------------------------------------------


def test_limits_refuse_an_upload_too_big_or_too_many_and_keep_nothing(engine, tmp_path):
    small = Options(config=Config(limits=Limits(max_file_bytes=2000, max_total_bytes=5000)))
    with make_client(engine, tmp_path, options=small, max_files=3) as c:
        r = upload(c, ("big.md", b"x" * 2001), expect=413)
        assert "big.md" in r.text and 'data-setting="max-file-bytes"' in r.text and "Traceback" not in r.text
        r = upload(c, *[(f"f{i}.md", b"# x\n") for i in range(4)], expect=413)
        assert 'data-setting="--max-files"' in r.text
        r = upload(c, *[(f"f{i}.md", b"y" * 1900) for i in range(3)], expect=413)
        assert 'data-setting="max-total-bytes"' in r.text
        r = c.post("/upload", content=b"x" * 80000, headers={"content-type": "multipart/form-data; boundary=b"},
                   follow_redirects=False)
        assert r.status_code == 413
        assert c.post("/upload", data={"x": "1"}, follow_redirects=False).status_code == 400
        zipped = hostile.zip_bytes([hostile.deflated(f"p/{i}.md", b"# x\n") for i in range(4)])
        location, _ = review(c, ("p.zip", zipped))
        assert [f.code for f in held(c, location).checked.result.findings] == ["PL005"]
        kept = [location.rsplit("/", 1)[1]]
        # The file count is the whole upload's, however many zips bring it: the second zip is refused.
        pair = [hostile.zip_bytes([hostile.deflated(f"{z}/{i}.md", b"# x\n") for i in range(2)]) for z in "ab"]
        location, _ = review(c, ("a.zip", pair[0]), ("b.zip", pair[1]))
        checked = held(c, location).checked.result
        assert [f.path for f in checked.files if f.error is None] == ["a/0.md", "a/1.md"]
        assert [(f.path, f.code) for f in checked.findings if f.code == "PL005"] == [("b.zip", "PL005")]
        kept.append(location.rsplit("/", 1)[1])
        store = state(c).store  # the refused uploads kept nothing
        assert len(store) == 2 and sorted(p.name for p in store.root.iterdir()) == sorted(kept)


# -- the Host check, the origin of forms, the headers ------------------------------------------------


def test_host_header_must_name_this_server(engine, tmp_path):
    with make_client(engine, tmp_path, allow_hosts=("review.example.org",)) as c:
        for host in ("127.0.0.1:8750", "localhost:8750", "[::1]:8750", "review.example.org"):
            assert c.get("/", headers={"host": host}).status_code == 200, host
        for host in ("evil.example", "evil.example:8750", "127.0.0.1.evil.example", "localhost.evil.example", ""):
            r = c.get("/", headers={"host": host})
            assert r.status_code == 400, host
            assert "policylint" not in r.text
        assert c.post("/upload", headers={"host": "evil.example"}).status_code == 400


def test_forms_from_another_sites_page_are_refused(client):
    files = [("files", ("jd.md", JD.encode(), "text/markdown"))]
    r = client.post("/upload", files=files, headers={"origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/upload", files=files, headers={"sec-fetch-site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/upload", files=files, headers={"origin": BASE, "sec-fetch-site": "same-origin"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_every_page_carries_a_csp_whose_nonce_is_the_scripts(client):
    pages = [client.get("/"), client.get("/r/unknown"), client.get("/static/serve.css")]
    nonces = set()
    for r in pages:
        policy = r.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert r.headers["x-content-type-options"] == "nosniff"
        nonce = policy.split("'nonce-")[1].split("'")[0]
        nonces.add(nonce)
        if r.headers["content-type"].startswith("text/html"):
            tree = lhtml.fromstring(r.text)
            scripts = tree.xpath("//script")
            assert [(s.get("src"), s.get("nonce")) for s in scripts] == [("/static/serve.js", nonce)]
            assert not tree.xpath("//@*[starts-with(name(), 'on')]") and not tree.xpath("//@style")
    assert len(nonces) == len(pages)
    assert client.get("/r/unknown").status_code == 404
    assert client.get("/static/app.py").status_code == 404  # only the page's own files are served


# -- several uploads at once, and the life of an upload's folder -------------------------------------


def test_two_uploads_at_once_are_both_served(engine, tmp_path):
    with make_client(engine, tmp_path, workers=2) as c:
        out: dict[str, tuple[str, str]] = {}
        other = JD.replace("Dispense prescribed medication", "Complete the intake risk assessment")

        def go(name: str, text: str) -> None:
            out[name] = review(c, (name, text.encode()))

        threads = [threading.Thread(target=go, args=a) for a in (("one.md", JD), ("two.md", other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert set(out) == {"one.md", "two.md"}
        one, two = (held(c, out[n][0]).checked.result for n in ("one.md", "two.md"))
        assert [f.path for f in one.files] == ["one.md"] and [f.path for f in two.files] == ["two.md"]
        assert any(f.evidence and "Dispense" in f.evidence for f in one.findings)
        assert any(f.evidence and "risk assessment" in f.evidence for f in two.findings)
        assert not any(f.evidence and "Dispense" in f.evidence for f in two.findings)


def test_an_upload_is_deleted_after_its_download_and_after_its_time(engine, tmp_path, clock):
    with make_client(engine, tmp_path, clock=clock, after_download_seconds=0) as c:
        location, _ = review(c, ("jd.md", JD.encode()))
        folder = held(c, location).folder
        assert folder.is_dir()
        assert c.get(f"{location}/findings.json").status_code == 200
        assert not folder.exists() and held(c, location) is None
        assert c.get(location).status_code == 404
    with make_client(engine, tmp_path, clock=clock, idle_seconds=60, after_download_seconds=30) as c:
        location, _ = review(c, (PEER_JD.name, PEER_JD.read_bytes()))
        up = held(c, location)
        clock.now += 59
        assert held(c, location) is up  # looked at: kept 60 s more
        assert c.get(f"{location}/reviewed/0").status_code == 200
        assert list(up.outbox.iterdir()) == []  # the download itself is gone once sent
        clock.now += 29
        assert held(c, location) is up
        clock.now += 31
        state(c).store.sweep()
        assert not up.folder.exists() and held(c, location) is None
        location, _ = review(c, ("jd.md", JD.encode()))
        up = held(c, location)
        clock.now += 61
        state(c).store.sweep()
        assert not up.folder.exists()
        location, _ = review(c, ("jd.md", JD.encode()))
        up = held(c, location)
        assert c.post(f"{location}/finish").status_code == 200
        assert not up.folder.exists()
        root = state(c).store.root
    assert not root.exists()  # the server stopped: nothing left behind


def test_a_failing_check_is_that_uploads_message_only(engine, tmp_path, monkeypatch):
    from policylint.serve import review as review_module

    real = review_module.check

    def flaky(upload, options, engine, progress=None):
        if any("boom" in f for f in upload.files):
            raise RuntimeError("internal detail that must not reach the page")
        return real(upload, options, engine, progress)

    monkeypatch.setattr(review_module, "check", flaky)
    with make_client(engine, tmp_path) as c:
        location = upload(c, ("boom.md", JD.encode())).headers["location"]
        assert wait(c, location)["state"] == "failed"
        r = c.get(location)
        assert r.status_code == 500 and "internal detail" not in r.text and "Traceback" not in r.text
        review(c, ("fine.md", JD.encode()))


# -- the command ---------------------------------------------------------------------------------------


def test_serve_command_prints_its_address_and_serves_the_page(tmp_path):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "policylint", "serve", "--port", str(port)], cwd=tmp_path,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert f"http://127.0.0.1:{port}/" in line
        page = None
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert page is not None and 'action="/upload"' in page
    finally:
        proc.terminate()
        proc.wait(30)
    assert not list(tmp_path.glob("policylint-serve-*"))  # stopped: its uploads' folder is gone


def test_serve_refuses_a_wildcard_host():
    from policylint.cli import main

    assert main(["serve", "--allow-host", "*"]) == 2



def test_an_engine_that_cannot_be_built_fails_the_upload_not_the_server(tmp_path, monkeypatch):
    from policylint import run

    def broken(options):
        raise RuntimeError("no engine today")

    monkeypatch.setattr(run, "make_engine", broken)
    with make_client(None, tmp_path) as c:  # no engine handed in: the worker must build one
        location = upload(c, ("jd.md", JD.encode())).headers["location"]
        assert wait(c, location)["state"] == "failed"
        assert c.get(location).status_code == 500 and "no engine today" not in c.get(location).text
        assert c.get("/").status_code == 200
