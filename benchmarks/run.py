"""policylint's benchmark: each target is a ratio measured side by side in
one run, against a baseline measured in the same process or invocation.

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # smoke mode: tiny inputs, one repeat, no targets enforced

Each baseline and its policylint counterpart run in alternation, and the
ratio shown is the median of the per-pair ratios (the times shown are each
side's median), so a drift in the machine's speed hits both sides alike.

It builds its own inputs in a temporary folder (a few hundred documents in
every format from the fixtures' style, a 500- and a 1,000-page PDF, a long
DOCX), runs each measurement several times and prints medians and ratios.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PY = sys.executable
EXE = str(Path(PY).parent / "policylint")


def paired(base_fn, ours_fn, repeat: int) -> tuple[float, float, float]:
    """Median times of a baseline and of ours, run in alternation, and the
    median of the per-pair ratios: on a shared machine whose speed drifts,
    each pair sees the same conditions."""
    bases, ours, ratios = [], [], []
    for _ in range(repeat):
        b = median_time(base_fn, 1)
        o = median_time(ours_fn, 1)
        bases.append(b)
        ours.append(o)
        ratios.append(o / b)
    return statistics.median(ours), statistics.median(bases), statistics.median(ratios)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_cmd(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, **env} if env else None)


def peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of a child process (ru_maxrss of the waited child)."""
    code = ("import resource, subprocess, sys;"
            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


# -- inputs -------------------------------------------------------------------

def make_pdf(path: Path, pages: int) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(__import__("datetime").datetime(2026, 1, 1))
    para = ("Peer support workers offer mutual support grounded in their own experience of recovery. "
            "They do not administer medication. Supervision is provided monthly by a Lived Experience "
            "supervisor, in paid time, beside line management by the program manager.")
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, f"Section {n + 1}: Peer workforce practice", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for _ in range(6):
            pdf.multi_cell(0, 5, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))


def make_long_docx(path: Path, paragraphs: int) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("Position Description: Peer Support Worker", 0)
    for n in range(paragraphs):
        if n % 40 == 0:
            doc.add_heading(f"Part {n // 40 + 1}", 1)
        style = "List Bullet" if n % 3 else None
        doc.add_paragraph("Offer peer support grounded in your own recovery; help people prepare questions "
                          f"for their prescriber when they ask (item {n}).", style=style)
    table = doc.add_table(rows=3, cols=2)
    for r in range(3):
        for c in range(2):
            table.cell(r, c).text = f"Criterion {r}.{c}: lived experience of recovery."
    doc.save(str(path))


def make_corpus(folder: Path, copies: int) -> int:
    """``copies`` of every fixture document, each Markdown one varied so
    texts differ, spread over organisation-like folders."""
    rng = random.Random(7)
    count = 0
    sources = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".docx", ".pdf", ".md"))
    for i in range(copies):
        org = folder / f"org-{i:03d}"
        org.mkdir(parents=True)
        for src in sources:
            target = org / f"{src.parent.name}-{src.name}"
            if src.suffix == ".md":
                lines = src.read_text(encoding="utf-8").splitlines()
                rng.shuffle(lines[2:])
                target.write_text("\n".join(lines) + f"\n\nRevision {i}.\n", encoding="utf-8")
            else:
                shutil.copy(src, target)
            count += 1
    return count


# -- measurements ---------------------------------------------------------------

def rows_engine(quick: bool, repeat: int) -> list[tuple]:
    from policylint.engine import Engine
    from policylint.readers.text import parse_string

    texts = [p.read_text(encoding="utf-8") for p in FIXTURES.rglob("*.md")]
    from policylint.readers import read_document

    for p in sorted(FIXTURES.rglob("*.docx")):
        texts.append("\n\n".join(b.text for b in read_document(p).blocks))
    texts = texts * (1 if quick else 4)
    docs = [parse_string(t, f"doc{i}.md", "markdown").with_kind("peer-job-description", "bench")
            for i, t in enumerate(texts)]
    import spacy

    # The baseline is spaCy's own pipeline: blank English, sentencizer and
    # spaCy's lookup lemmatizer (policylint's pipeline replaces the last two
    # with one component of its own).
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    engine = Engine()
    blocks = [b.text for d in docs for b in d.blocks]

    def bare():
        for _ in nlp.pipe(blocks, batch_size=256):
            pass

    def full():
        for d in docs:
            engine.check(engine.analyse(d))

    list(nlp.pipe(blocks[:50]))
    engine.check(engine.analyse(docs[0]))  # rules compiled before timing: start-up is measured below
    ours, base, ratio = paired(bare, full, repeat)
    rows = [("rule engine vs bare spaCy pipeline (same text)", ours, base, ratio, 3.0, "<=")]
    # Another prose linter on the same plain text (its own checks, all enabled by default).
    from proselint.checks import __register__
    from proselint.config import DEFAULT
    from proselint.registry import CheckRegistry
    from proselint.tools import LintFile

    CheckRegistry().register_many(__register__)
    settings = {**DEFAULT, "max_errors": 10**9}  # every finding, as policylint reports every finding
    plain = ["\n\n".join(b.text for b in d.blocks) for d in docs]

    def prose() -> None:
        for text in plain:
            LintFile("bench", text).lint(settings)

    prose()
    ours, base, ratio = paired(prose, full, repeat)
    rows.append(("rule engine vs proselint (same plain text)", ours, base, ratio, 1.0, "<="))
    return rows


def rows_readers(tmp: Path, quick: bool, repeat: int) -> list[tuple]:
    import pypdfium2 as pdfium
    from docx import Document as WordDocument

    from policylint.document import Limits
    from policylint.readers import read_document

    pdf = tmp / "read-test.pdf"
    make_pdf(pdf, 20 if quick else 100)
    docx = tmp / "read-test.docx"
    make_long_docx(docx, 200 if quick else 2000)

    def bare_pdf():
        doc = pdfium.PdfDocument(str(pdf))
        try:
            for i in range(len(doc)):
                page = doc[i]
                tp = page.get_textpage()
                tp.get_text_range()
                tp.close()
                page.close()
        finally:
            doc.close()

    def bare_docx():
        "\n".join(p.text for p in WordDocument(str(docx)).paragraphs)

    limits = Limits()
    out = []
    ours, base, ratio = paired(bare_pdf, lambda: read_document(pdf, limits), repeat)
    out.append(("read PDF vs pypdfium2 text extraction", ours, base, ratio, 2.0, "<="))
    ours, base, ratio = paired(bare_docx, lambda: read_document(docx, limits), repeat)
    out.append(("read DOCX vs python-docx paragraphs", ours, base, ratio, 2.0, "<="))
    return out


def rows_startup(tmp: Path, repeat: int) -> list[tuple]:
    small = FIXTURES / "wattle-grove" / "pd-clinical-nurse.docx"
    import_spacy = lambda: run_cmd([PY, "-c", "import spacy"])  # noqa: E731
    blank = lambda: run_cmd([PY, "-c", "import spacy; spacy.blank('en')"])  # noqa: E731
    version, spacy_import, version_ratio = paired(import_spacy, lambda: run_cmd([EXE, "--version"]), repeat)
    helptext, _, help_ratio = paired(import_spacy, lambda: run_cmd([EXE, "--help"]), repeat)
    check_one = lambda: run_cmd([EXE, "check", str(small), "--no-cache", "--jobs", "1"], cwd=tmp)  # noqa: E731
    check_one()  # untimed: fills the benchmark's phrase store
    one, spacy_blank, one_ratio = paired(blank, check_one, repeat)

    def cold():
        # An empty phrase store: the first run after installing or changing the rules.
        store = tempfile.mkdtemp(dir=tmp)
        run_cmd([EXE, "check", str(small), "--no-cache", "--jobs", "1"], cwd=tmp, env={"POLICYLINT_STORE": store})

    first = median_time(cold, max(1, repeat // 2))
    return [
        ("policylint --version vs import spacy", version, spacy_import, version_ratio, 0.3, "<="),
        ("policylint --help vs import spacy", helptext, spacy_import, help_ratio, 0.3, "<="),
        ("check one small DOCX vs spacy.blank('en')", one, spacy_blank, one_ratio, 1.3, "<="),
        ("the same, first run (empty phrase store)", first, spacy_blank, first / spacy_blank, None, ""),
    ]


def rows_folder(tmp: Path, quick: bool, repeat: int) -> list[tuple]:
    corpus = tmp / "corpus"
    n = make_corpus(corpus, 2 if quick else 20)
    cache = tmp / "cachework"
    cache.mkdir()
    # Untimed: fill the phrase store for every document kind (--jobs 2 prepares them all).
    run_cmd([EXE, "check", str(corpus / "org-000"), "--no-cache", "--jobs", "2", "-q"], cwd=tmp)
    j2, j1, slowdown = paired(
        lambda: run_cmd([EXE, "check", str(corpus), "--no-cache", "--jobs", "1", "-q"], cwd=tmp),
        lambda: run_cmd([EXE, "check", str(corpus), "--no-cache", "--jobs", "2", "-q"], cwd=tmp),
        max(1, repeat))
    shutil.rmtree(cache / ".policylint_cache", ignore_errors=True)
    first = median_time(lambda: (shutil.rmtree(cache / ".policylint_cache", ignore_errors=True),
                                 run_cmd([EXE, "check", str(corpus), "--jobs", "1", "-q"], cwd=cache)), 1)
    second = median_time(lambda: run_cmd([EXE, "check", str(corpus), "--jobs", "1", "-q"], cwd=cache), repeat)
    return [
        (f"--jobs 2 vs --jobs 1 on {n} documents (speed-up)", j2, j1, 1 / slowdown, 1.6, ">="),
        (f"cached second run vs first run ({n} documents)", second, first, second / first, 0.1, "<="),
    ]


def rows_pages(tmp: Path, quick: bool, repeat: int) -> list[tuple]:
    small, big = (25, 50) if quick else (500, 1000)
    p1, p2 = tmp / f"p{small}.pdf", tmp / f"p{big}.pdf"
    make_pdf(p1, small)
    make_pdf(p2, big)
    args = ["check", "--no-cache", "--jobs", "1", "-q", "--kind", "strategic-plan"]
    t2, t1, pages_ratio = paired(lambda: run_cmd([EXE, *args, str(p1)], cwd=tmp),
                                 lambda: run_cmd([EXE, *args, str(p2)], cwd=tmp), repeat)
    rss = peak_rss_mb([EXE, *args, str(p1)])
    return [
        (f"{big}-page PDF vs {small}-page PDF (time)", t2, t1, pages_ratio, 2.2, "<="),
        (f"peak memory checking the {small}-page PDF (MB)", rss, 300.0, rss / 300.0, 1.0, "<="),
    ]


def rows_sets(quick: bool, repeat: int) -> list[tuple]:
    from policylint.engine import Engine

    engine = Engine()
    small_n, big_n = (50, 100) if quick else (20000, 40000)
    hits = {r.code: False for r in engine.set_rules}

    def run(n):
        docs = [(f"d{i}.md", "hr-policy" if i % 2 else "peer-job-description", hits) for i in range(n)]
        return lambda: engine.check_set("org", docs)

    # Timed as timeit does, with the garbage collector paused: a collection
    # walks every live object, which would measure the heap, not the rules.
    gc.disable()
    try:
        t2, t1, ratio = paired(run(small_n), run(big_n), repeat)
    finally:
        gc.enable()
    return [(f"set-level rules, {big_n} vs {small_n} documents (time)", t2, t1, ratio, 2.2, "<=")]


def make_prose(path: Path, megabytes: float, seed: int = 11) -> None:
    """Paragraphs of policy-like words, ``megabytes`` of them."""
    rng = random.Random(seed)
    words = ("the peer worker supports people with lived experience of recovery in our service and team each "
             "week through supervision training and reflective practice").split()
    paragraphs, size = [], 0
    while size < megabytes * 1_000_000:
        paragraph = " ".join(rng.choice(words) for _ in range(rng.randint(40, 160))) + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


_BARE_DOCS = """
import sys, spacy
nlp = spacy.blank("en")
text = open(sys.argv[1], encoding="utf-8").read()
docs = list(nlp.pipe(text.split("\\n\\n")))
"""


def rows_memory(tmp: Path, quick: bool) -> list[tuple]:
    """Peak memory on big text: against spaCy's blank pipeline holding the
    same paragraphs (what the rules read), and growth with the text's size."""
    small = 0.4 if quick else 4.0
    one, p1, p2 = tmp / "one-line.txt", tmp / "prose-1.txt", tmp / "prose-2.txt"
    one.write_text("The peer worker supports recovery.\n", encoding="utf-8")
    make_prose(p1, small)
    make_prose(p2, 2 * small, seed=12)
    markers = tmp / "markers.md"
    markers.write_text("- " * int(small * 2_500_000) + "item\n", encoding="utf-8")
    args = ["check", "--no-cache", "--jobs", "1", "-q", "--kind", "peer-job-description"]
    base_one = peak_rss_mb([EXE, *args, str(one)])
    ours_1 = peak_rss_mb([EXE, *args, str(p1)])
    ours_2 = peak_rss_mb([EXE, *args, str(p2)])
    bare_1 = peak_rss_mb([PY, "-c", _BARE_DOCS, str(p1)])
    ours_markers = peak_rss_mb([EXE, *args, str(markers)])
    text_mb = p1.stat().st_size / 1e6
    markers_mb = round(markers.stat().st_size / 1e6)
    return [
        (f"peak memory checking {small:g} MB of prose vs spaCy holding its paragraphs (MB)",
         ours_1, bare_1, ours_1 / bare_1, 1.5, "<="),
        (f"peak memory above a one-line file, {2 * small:g} MB vs {small:g} MB of prose (MB)",
         ours_2 - base_one, ours_1 - base_one, (ours_2 - base_one) / (ours_1 - base_one), 2.2, "<="),
        (f"the same per MB of text: {small:g} MB of prose (MB)",
         ours_1 - base_one, text_mb, (ours_1 - base_one) / text_mb, None, "<="),
        (f"peak memory checking {markers_mb:g} MB of nested list markers, per MB of file (MB)",
         ours_markers, markers_mb, ours_markers / markers_mb, 20.0, "<="),
    ]


def make_pages_docx(path: Path, pages: int) -> None:
    """A DOCX of about ``pages`` pages (some 450 words a page) made from the
    fixtures' own Word text: their headings, paragraphs and list items in turn."""
    from docx import Document

    from policylint.document import Role
    from policylint.readers import read_document

    blocks = [b for p in sorted((FIXTURES / "harbour-city").glob("*.docx")) for b in read_document(p).blocks
              if b.role in (Role.HEADING, Role.TITLE, Role.LIST_ITEM, Role.PARAGRAPH) and b.text.strip()]
    doc = Document()
    doc.add_heading("Position Description: Peer Support Worker", 0)
    words, i = 0, 0
    while words < 450 * pages:
        b = blocks[i % len(blocks)]
        i += 1
        if b.role in (Role.HEADING, Role.TITLE):
            doc.add_heading(b.text, min(max(b.level or 1, 1), 3))
        else:
            doc.add_paragraph(b.text, style="List Bullet" if b.role == Role.LIST_ITEM else None)
        words += len(b.text.split())
    doc.save(str(path))


def _multipart(path: Path) -> tuple[bytes, str]:
    boundary = "policylint-bench-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def rows_serve(tmp: Path, quick: bool, repeat: int) -> list[tuple]:
    """From upload to the page of findings on a running ``policylint serve``
    (warm: the pipeline is built when it starts), against ``policylint
    check`` on the same 10-page DOCX (which starts a process, as a reviewer's
    colleague running it for them would)."""
    import json
    import socket
    import urllib.request

    docx_path = tmp / "ten-pages.docx"
    make_pages_docx(docx_path, 2 if quick else 10)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([EXE, "serve", "--port", str(port)], cwd=tmp, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        server.stderr.readline()  # the address: it is listening
        body, content_type = _multipart(docx_path)

        def review() -> None:
            request = urllib.request.Request(f"{base}/upload", data=body, headers={"Content-Type": content_type})
            with urllib.request.urlopen(request, timeout=300) as response:  # follows the redirect
                location = response.url
            while True:
                with urllib.request.urlopen(f"{location}/status", timeout=60) as r:
                    if json.load(r)["state"] in ("done", "failed"):
                        break
                time.sleep(0.02)
            with urllib.request.urlopen(location, timeout=60) as r:
                page = r.read()
            assert b'class="note' in page
            urllib.request.urlopen(urllib.request.Request(f"{location}/finish", data=b"", method="POST"), timeout=60)

        review()  # untimed: the first upload after the engine is warm
        check = lambda: run_cmd([EXE, "check", str(docx_path), "--no-cache", "--jobs", "1", "-q"], cwd=tmp)  # noqa: E731
        check()
        ours, base_time, ratio = paired(check, review, repeat)
    finally:
        server.terminate()
        server.wait(30)
    return [("serve: upload to findings, 10-page DOCX vs policylint check on it", ours, base_time, ratio, 1.0, "<=")]


_GROUPS = ("engine", "readers", "startup", "folder", "pages", "sets", "memory", "serve")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke mode: tiny inputs, one repeat, targets not enforced")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", action="append", choices=_GROUPS,
                    help="run only this group of rows (repeatable; default: all)")
    args = ap.parse_args(argv)
    groups = args.only or list(_GROUPS)
    repeat = 1 if args.quick else args.repeat
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="policylint-bench-") as tmpdir:
        tmp = Path(tmpdir)
        # A phrase store of the benchmark's own, filled by its first runs.
        os.environ["POLICYLINT_STORE"] = str(tmp / "store")
        if "engine" in groups:
            rows += rows_engine(args.quick, repeat)
        if "readers" in groups:
            rows += rows_readers(tmp, args.quick, repeat)
        if "startup" in groups:
            rows += rows_startup(tmp, repeat)
        if "folder" in groups:
            rows += rows_folder(tmp, args.quick, repeat)
        if "pages" in groups:
            rows += rows_pages(tmp, args.quick, repeat)
        if "sets" in groups:
            rows += rows_sets(args.quick, repeat)
        if "memory" in groups:
            rows += rows_memory(tmp, args.quick)
        if "serve" in groups:
            rows += rows_serve(tmp, args.quick, repeat)
    print("| measurement | policylint | baseline | ratio | target | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    failed = 0
    for name, ours, base, ratio, target, op in rows:
        unit = "" if "MB" in name else " s"
        if target is None:  # shown for information, no target
            print(f"| {name} | {ours:.3f}{unit} | {base:.3f}{unit} | {ratio:.2f} | none | |")
            continue
        met = ratio <= target if op == "<=" else ratio >= target
        failed += not met
        print(f"| {name} | {ours:.3f}{unit} | {base:.3f}{unit} | {ratio:.2f} | {op} {target} "
              f"| {'yes' if met else 'NO'} |")
    targets = sum(1 for row in rows if row[4] is not None)
    print(f"\n{targets - failed} of {targets} targets met (cores: {os.cpu_count()}, quick: {args.quick})")
    return 0 if args.quick or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
