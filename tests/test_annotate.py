"""``policylint annotate``: reviewed Word copies with findings as comments on
the exact words, tracked-change suggestions, repeat runs, safety; and the DOCX
reader's ``policylint: ignore`` Word-comment directives.

Assertions are on rule codes and names and on anchored text, never on
message wording."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from lxml import etree

from policylint import annotate as ann
from policylint.document import Limits, Role
from policylint.findings import Finding
from policylint.readers import docx as reader
from policylint.readers.docx import ParagraphText
from policylint.run import Options, check

ROOT = Path(__file__).resolve().parent.parent
HARBOUR = ROOT / "fixtures" / "harbour-city"
CORPUS = Path("/work/shared/corpus/docx")
NOW = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)

TITLE = "Position Description: Peer Support Worker"
DUTY = "Dispense and administer medication to residents each evening."
CELL = "Carry a caseload of 12 residents."
HEADER_TEXT = "Peer Support Worker - medication round duties"


# -- helpers -----------------------------------------------------------------------


def job_description(path: Path, *, header: bool = True) -> Path:
    """A peer job description whose first duty is split over runs with
    different formatting, with a table and a page header."""
    d = docx.Document()
    d.add_heading(TITLE, 0)
    d.add_heading("Key duties", 1)
    p = d.add_paragraph(style="List Bullet")
    for text, fmt in (("Dispense ", "bold"), ("and admin", "italic"), ("ister medi", "underline"),
                      ("cation to residents each evening.", None)):
        run = p.add_run(text)
        if fmt:
            setattr(run, fmt, True)
    d.add_paragraph("Share your own recovery story when it helps.", style="List Bullet")
    d.add_heading("Caseload", 1)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Duty"
    cell_p = table.cell(0, 1).paragraphs[0]
    cell_p.add_run("Carry a case").bold = True
    cell_p.add_run("load of 12 residents.")
    d.add_heading("Supervision", 1)
    d.add_paragraph("Line management by the team leader.")
    if header:
        hp = d.sections[0].header.paragraphs[0]
        hp.add_run("Peer Support Worker - ")
        hp.add_run("medication").italic = True
        hp.add_run(" round duties")
    d.save(path)
    return path


def read(path: Path):
    return reader.read(path, Limits())


def block_index(doc, text: str) -> int:
    return next(i for i, b in enumerate(doc.blocks) if b.text == text)


def finding(doc, block: int, evidence: str, code: str = "PL305", name: str = "no-clinicalised-duties",
            suggestions: tuple[str, ...] = ()) -> Finding:
    text = doc.blocks[block].text
    start = text.index(evidence)
    return Finding(code, name, "error", doc.path, f"about {evidence}", doc.blocks[block].locate(start),
                   evidence, suggestions, "test", "Because. More.", span=(block, start, start + len(evidence)))


def missing(doc, block: int, code: str = "PL502", name: str = "peer-career-pathway",
            suggestions: tuple[str, ...] = ()) -> Finding:
    return Finding(code, name, "warning", doc.path, "missing", doc.blocks[block].locate(0), None,
                   suggestions, "test", "Because.", anchor_block=block)


def annotate_to(src: Path, out: Path, findings: list[Finding], *, suggest: bool = False, doc=None):
    doc = doc or read(src)
    result = ann.annotate(docx.Document(str(src)), doc, findings, suggest=suggest, now=NOW)
    out.write_bytes(result.data)
    return result


def _story_parts(d) -> list[tuple[object, etree._Element]]:
    out = []
    for part in d.part.package.iter_parts():
        if part.content_type.endswith(("main+xml", "header+xml", "footer+xml", "footnotes+xml", "endnotes+xml")):
            out.append((part, part.element if hasattr(part, "element") else etree.fromstring(part.blob)))
    return out


def _story_roots(d) -> list[etree._Element]:
    return [root for _, root in _story_parts(d)]


def anchored(path: Path) -> list[tuple[str, str, str]]:
    """(author, first line of the comment, the text between its range marks),
    read straight from the XML (w:t and w:delText only), in document order."""
    d = docx.Document(str(path))
    comments = {str(c.comment_id): c for c in d.comments}
    out = []
    for root in _story_roots(d):
        open_: dict[str, list[str]] = {}
        for el in root.iter(etree.Element):
            if el.tag == qn("w:commentRangeStart"):
                open_[el.get(qn("w:id"))] = []
            elif el.tag == qn("w:commentRangeEnd"):
                cid = el.get(qn("w:id"))
                c = comments[cid]
                out.append((c.author, c.text.split("\n")[0], "".join(open_.pop(cid))))
            elif el.tag in (qn("w:t"), qn("w:delText")):
                for parts in open_.values():
                    parts.append(el.text or "")
    return out


def own(path: Path) -> list[tuple[str, str]]:
    """(code, anchored text) of policylint's comments."""
    return [(first.split()[0], text) for author, first, text in anchored(path) if author == ann.AUTHOR]


def reject_changes(path: Path, out: Path) -> Path:
    """What Word's "Reject All Changes" gives (for the markup policylint writes)."""
    d = docx.Document(str(path))
    for part, root in _story_parts(d):
        for el in list(root.iter(qn("w:ins"))):
            if el.getparent().tag == qn("w:rPr"):
                p = el.getparent().getparent().getparent()
                el.getparent().remove(el)
                p.set("data-inserted", "1")
            else:
                el.getparent().remove(el)
        for el in list(root.iter(qn("w:del"))):
            for t in el.iter(qn("w:delText")):
                t.tag = qn("w:t")
            for child in list(el):
                el.addprevious(child)
            el.getparent().remove(el)
        for p in list(root.iter(qn("w:p"))):
            if p.get("data-inserted"):
                p.getparent().remove(p)
        if not hasattr(part, "element"):  # footnotes, endnotes: python-docx keeps bytes
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    d.save(str(out))
    return out


def texts(path: Path) -> list[str]:
    return [b.text for b in read(path).blocks]


def pipeline(path: Path, engine) -> list[Finding]:
    return check([path], Options(), engine=engine).findings


def key(f: Finding):
    return f.code, f.name, f.evidence, f.location.paragraph, f.location.column


def run_cli(*args: str):
    from policylint.commands.annotate import command

    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def quick_cli(monkeypatch, small_engine):
    """The command with the one-rule engine: these tests are about files, not rules."""
    import policylint.run

    monkeypatch.setattr(policylint.run, "make_engine", lambda options: small_engine)


# -- anchoring ----------------------------------------------------------------------


def test_comment_spans_runs_with_different_formatting(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    duty = block_index(doc, DUTY)
    out = tmp_path / "out.docx"

    annotate_to(src, out, [finding(doc, duty, "and administer medication")])

    assert own(out) == [("PL305", "and administer medication")]
    # The runs were split at the boundaries and each piece kept its formatting.
    p = docx.Document(str(out)).paragraphs[2]
    runs = [(r.text, r.bold, r.italic, r.underline) for r in p.runs if r.text]
    assert runs == [("Dispense ", True, None, None), ("and admin", None, True, None),
                    ("ister medi", None, None, True), ("cation", None, None, None),
                    (" to residents each evening.", None, None, None)]
    assert texts(out) == texts(src)


def test_comment_in_a_table_cell_and_in_a_header(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    cell = block_index(doc, CELL)
    head = block_index(doc, HEADER_TEXT)
    assert doc.blocks[head].role == Role.HEADER
    out = tmp_path / "out.docx"

    annotate_to(src, out, [finding(doc, cell, "caseload"), finding(doc, head, "medication round")])

    got = anchored(out)
    assert [(a, f.split()[0], t) for a, f, t in got] == [
        ("policylint", "PL305", "caseload"), ("policylint", "PL305", "medication round")]
    # The range marks are on the header's words; the reference mark is in the
    # body (at the end of the title), since a reference in a header makes
    # LibreOffice refuse the file and Word takes no comment there; the comment
    # says where its words are.
    reviewed = docx.Document(str(out))
    header = etree.tostring(reviewed.sections[0].header._element).decode()
    assert "commentRangeStart" in header and "commentReference" not in header
    title = reviewed.paragraphs[0]
    assert title.text == TITLE and title._p.find(".//" + qn("w:commentReference")) is not None
    assert "\u201cmedication round\u201d" in list(reviewed.comments)[1].text
    assert texts(out) == texts(src)


def test_missing_element_comment_sits_on_its_heading_or_the_title(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    supervision = block_index(doc, "Supervision")
    out = tmp_path / "out.docx"
    no_anchor = Finding("PL999", "made-up", "info", doc.path, "m", doc.blocks[0].locate(0), None)

    annotate_to(src, out, [missing(doc, supervision, "PL401", "peer-led-supervision-in-jd"), no_anchor])

    assert sorted(own(out)) == [("PL401", "Supervision"), ("PL999", TITLE)]


def test_several_findings_in_one_paragraph_and_overlapping(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    duty = block_index(doc, DUTY)
    out = tmp_path / "out.docx"
    fs = [finding(doc, duty, "Dispense and administer medication"), finding(doc, duty, "medication"),
          finding(doc, duty, "residents each evening", "PL201", "x")]

    annotate_to(src, out, fs)

    assert sorted(own(out)) == [("PL201", "residents each evening"),
                                ("PL305", "Dispense and administer medication"), ("PL305", "medication")]
    assert texts(out) == texts(src)


def test_comment_carries_rule_why_and_suggestion(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    f = finding(doc, block_index(doc, DUTY), "medication", suggestions=("Help them prepare questions.",))
    out = tmp_path / "out.docx"

    annotate_to(src, out, [f])

    comment = next(iter(docx.Document(str(out)).comments))
    assert comment.author == "policylint" and comment.initials == "PL"
    lines = comment.text.split("\n")
    assert lines[0].startswith("PL305 no-clinicalised-duties")
    assert f.message in lines and "Help them prepare questions." in comment.text
    assert "Because." in comment.text and "More." not in comment.text  # one sentence of why
    assert comment._comment_elm.date == NOW.replace(tzinfo=None) or comment._comment_elm.date == NOW


# -- the fixtures, through the pipeline ------------------------------------------------
#
# The rule engine is the slow part (seconds per document), so each fixture is
# annotated once for the module and the tests share the results.


@pytest.fixture(scope="module")
def small_engine():
    """Only the clinical-duties rule: enough to exercise suggestions and ignores quickly."""
    from policylint.engine import Engine, load_rules

    return Engine(rules=[r for r in load_rules() if r.name == "no-clinicalised-duties"], verify_examples=False)


@pytest.fixture(scope="module")
def reviewed(engine, tmp_path_factory):
    """Every harbour-city DOCX annotated once: name -> (input digest, outcome)."""
    folder = tmp_path_factory.mktemp("reviewed")
    out = {}
    for src in sorted(HARBOUR.glob("*.docx")):
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        out[src.name] = (digest, ann.annotate_file(src, folder / src.name, Options(), engine, now=NOW))
    return out


def _expected(doc, f: Finding) -> tuple[str, str]:
    if f.evidence is not None:
        return f.code, f.evidence
    block = f.anchor_block if f.anchor_block is not None else 0
    return f.code, doc.blocks[block].text


def _shape(doc):
    return ([(b.text, b.role, b.level, b.section, b.cell, b.location) for b in doc.blocks],
            doc.title, doc.directives, doc.problems)


@pytest.mark.parametrize("name", sorted(p.name for p in HARBOUR.glob("*.docx")))
def test_fixture_docx_one_comment_per_finding_on_its_evidence(reviewed, name):
    src = HARBOUR / name
    digest, outcome = reviewed[name]
    doc = read(src)

    assert outcome.error is None and outcome.output is not None
    assert sorted(own(outcome.output)) == sorted(_expected(doc, f) for f in outcome.findings)
    assert len(list(docx.Document(str(outcome.output)).comments)) == len(outcome.findings)
    assert outcome.written.loose == []
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest  # the input is untouched
    # Round trip: the reader sees the very same document, so every rule sees the same text.
    assert _shape(read(outcome.output)) == _shape(doc)


def test_fixture_findings_are_the_check_pipeline_findings(reviewed, engine):
    """End to end on the quickest fixture: annotate's findings are check's, on
    the original and on the reviewed copy."""
    name = "recruitment-employment-policy.docx"
    _, outcome = reviewed[name]
    original = pipeline(HARBOUR / name, engine)
    again = pipeline(outcome.output, engine)
    assert original and [key(f) for f in outcome.findings] == [key(f) for f in original]
    assert [key(f) for f in again] == [key(f) for f in original]


def test_peer_job_description_fixture_has_clinical_duty_comments(reviewed):
    _, outcome = reviewed["pd-peer-recovery-specialist.docx"]
    assert {"PL305", "PL401"} <= {code for code, _ in own(outcome.output)}


@pytest.fixture(scope="module")
def suggested(reviewed, engine, tmp_path_factory):
    """The peer job description annotated with --suggest (findings reused)."""
    src = HARBOUR / "pd-peer-recovery-specialist.docx"
    _, outcome = reviewed[src.name]
    doc = outcome_doc = read(src)
    from policylint.classify import classify

    outcome_doc = classify(doc, None)
    result = ann.annotate(docx.Document(str(src)), outcome_doc, outcome.findings,
                          analysed=engine.analyse(outcome_doc), suggest=True, now=NOW)
    out = tmp_path_factory.mktemp("suggested") / src.name
    out.write_bytes(result.data)
    return src, out, result, outcome.findings


def test_suggest_writes_tracked_changes_that_reject_to_the_original(suggested, tmp_path):
    src, out, result, findings = suggested

    assert result.changes >= 1 and result.additions >= 1
    d = docx.Document(str(out))
    changes = [el for root in _story_roots(d) for el in root.iter(qn("w:ins"), qn("w:del"))]
    assert changes and {el.get(qn("w:author")) for el in changes} == {"policylint"}
    assert {el.get(qn("w:date")) for el in changes} == {"2025-03-04T05:06:07Z"}
    # Rejecting every change gives back the original text exactly.
    assert texts(reject_changes(out, tmp_path / "rejected.docx")) == texts(src)
    # Accepting them (what the reader sees) replaces the duties that had a peer-work rewrite.
    original, accepted = read(src), texts(out)
    rewritten = [f for f in findings if f.code == "PL305" and f.evidence in ("caseload", "progress note")]
    assert len(rewritten) == 2
    for f in rewritten:
        assert original.blocks[f.span[0]].text not in accepted
        assert ann.wording(f.suggestions[0]).text in accepted
    # Every finding still has its comment, on its evidence.
    doc = read(src)
    assert sorted(own(out)) == sorted(_expected(doc, f) for f in findings)


def test_suggest_substitution_changes_only_the_words(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    duty = block_index(doc, DUTY)
    rewrite = 'Rewrite as: "Dispense and administer medication to people each evening."'
    f = finding(doc, duty, "residents", "PL201", "person-first-language", (rewrite,))
    out = tmp_path / "out.docx"

    result = annotate_to(src, out, [f], suggest=True)

    assert result.changes == 1
    body = docx.Document(str(out)).element.body
    deleted = ["".join(t.text for t in el.iter(qn("w:delText"))) for el in body.iter(qn("w:del"))]
    inserted = ["".join(t.text for t in el.iter(qn("w:t"))) for el in body.iter(qn("w:ins"))]
    assert deleted == ["residents"] and inserted == ["people"]
    assert own(out) == [("PL201", "residents")]
    assert texts(reject_changes(out, tmp_path / "r.docx")) == texts(src)
    assert DUTY.replace("residents", "people") in texts(out)


def test_suggest_inserts_missing_sentence_at_the_end_of_its_section(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    duties = block_index(doc, "Key duties")
    add = 'Add: "Offer mutual support grounded in your own experience."'
    out = tmp_path / "out.docx"

    annotate_to(src, out, [missing(doc, duties, "PL301", "x", (add,))], suggest=True)

    got = texts(out)
    assert got.index("Offer mutual support grounded in your own experience.") == got.index("Caseload") - 1
    assert texts(reject_changes(out, tmp_path / "r.docx")) == texts(src)


def test_advice_is_not_written_into_the_text():
    assert ann.wording("Remove the assessment duty. Peer workers can talk openly.") is None
    assert ann.wording("Peer workers take no part in restraint; say so in the role description.") is None
    assert ann.wording('Or use "person" instead of "client"') is None
    assert ann.wording("Offer peer support to people who choose it.") == ann.Wording(
        "replace", "Offer peer support to people who choose it.")
    assert ann.wording('Rewrite as: "Support people."') == ann.Wording("replace", "Support people.")
    assert ann.wording('Describe the peer relationship instead: "Offer mutual support."') == ann.Wording(
        "replace", "Offer mutual support.")
    assert ann.wording('Add a section "Career pathway": "Three grades."') == ann.Wording(
        "add", "Three grades.", "Career pathway")
    assert ann.wording('Add under Supervision: "Monthly peer supervision."') == ann.Wording(
        "add", "Monthly peer supervision.")


@pytest.mark.parametrize("old,new,want", [
    ("Support the addicts here.", "Support the people who use drugs here.",
     (12, 19, "people who use drugs")),
    ("mental illness is common.", "mental health conditions are common.", (7, 17, "health conditions are")),
    ("the consumer said", "the consumers said", (4, 12, "consumers")),
    ("Support people.", "Support people in recovery.", (8, 14, "people in recovery")),
    ("same", "same", None),
])
def test_diff_is_whole_words(old, new, want):
    got = ann._diff(old, new)
    assert got == want
    if got:
        a, b, text = got
        assert old[:a] + text + old[b:] == new


# -- repeat runs, other authors, ignores ------------------------------------------------


def test_annotating_a_reviewed_copy_replaces_policylint_comments_only(tmp_path, small_engine):
    src = job_description(tmp_path / "jd.docx")
    d = docx.Document(str(src))
    d.add_comment(d.paragraphs[0].runs, text="Looks fine to me.", author="Reviewer", initials="R")
    d.save(str(src))
    first, second = tmp_path / "r1.docx", tmp_path / "r2.docx"

    one = ann.annotate_file(src, first, Options(), small_engine, suggest=True, now=NOW)
    two = ann.annotate_file(first, second, Options(), small_engine, suggest=True, now=NOW)

    assert one.written.comments >= 2 and one.written.changes >= 1
    assert two.written.removed == one.written.comments
    assert sorted(own(second)) == sorted(own(first))
    assert [a for a, _, _ in anchored(second)].count("Reviewer") == 1
    d1, d2 = docx.Document(str(first)), docx.Document(str(second))
    assert len(d2.paragraphs) == len(d1.paragraphs)
    count = lambda d, tag: len(list(d.element.body.iter(qn(tag))))  # noqa: E731
    assert (count(d2, "w:ins"), count(d2, "w:del")) == (count(d1, "w:ins"), count(d1, "w:del"))
    assert texts(reject_changes(second, tmp_path / "rej.docx")) == texts(src)


def test_word_ignore_comment_suppresses_in_check_and_annotate(tmp_path, small_engine):
    src = job_description(tmp_path / "jd.docx", header=False)
    d = docx.Document(str(src))
    cell = d.tables[0].cell(0, 1).paragraphs[0]
    words = cell.runs[1]  # "load of 12 residents."
    d.add_comment([cell.runs[0], words], text="Policylint: ignore no-clinicalised-duties \u2013 agreed with the panel",
                  author="Reviewer", initials="R")
    d.save(str(src))

    doc = read(src)
    (directive,) = doc.directives
    assert (directive.rules, directive.origin, directive.reason) == (
        ("no-clinicalised-duties",), "word-comment", "agreed with the panel")
    block = block_index(doc, CELL)
    assert (directive.first_block, directive.last_block, directive.start, directive.end) == (
        block, block, 0, len(CELL))

    found = pipeline(src, small_engine)
    assert "caseload" not in {f.evidence for f in found}
    assert found and all(f.code == "PL305" for f in found)  # the duty is still reported
    out = tmp_path / "out.docx"
    outcome = ann.annotate_file(src, out, Options(), small_engine, now=NOW)
    assert [key(f) for f in outcome.findings] == [key(f) for f in found]
    assert "caseload" not in {t for _, t in own(out)} and len(own(out)) == len(found)
    assert ("Reviewer", "Policylint: ignore no-clinicalised-duties \u2013 agreed with the panel", CELL) \
        in anchored(out)


# -- the reader's Word-comment directives ---------------------------------------------


def test_reader_directive_offsets_follow_the_block_text(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    d = docx.Document(str(src))
    p = d.paragraphs[2]
    d.add_comment(p.runs[1:3], text="policylint: ignore PL305, peer-led-supervision-in-jd: agreed", author="R")
    cell_runs = d.tables[0].cell(0, 1).paragraphs[0].runs
    d.add_comment(cell_runs[0], text="policylint:ignore", author="R")  # every rule
    d.add_comment(d.paragraphs[3].runs, text="Please check this.", author="R")  # not a directive
    d.save(str(src))

    doc = read(src)

    by_rules = {x.rules: x for x in doc.directives}
    assert set(by_rules) == {("PL305", "peer-led-supervision-in-jd"), ()}
    duty = by_rules[("PL305", "peer-led-supervision-in-jd")]
    block = doc.blocks[duty.first_block].text
    assert duty.first_block == duty.last_block and block[duty.start:duty.end] == "and administer medi"
    assert duty.reason == "agreed" and duty.origin == "word-comment"
    assert duty.location.paragraph == duty.first_block + 1
    cell = by_rules[()]
    assert doc.blocks[cell.first_block].text[cell.start:cell.end] == "Carry a case"


def test_reader_directive_across_paragraphs_tabs_and_without_a_range(tmp_path):
    d = docx.Document()
    d.add_paragraph("Intro words.")
    a = d.add_paragraph()
    a.add_run("Tabs\t\t")
    first = a.add_run("start here")
    b = d.add_paragraph()
    last = b.add_run("end")
    b.add_run(" and more.")
    d.add_comment([first, last], text="policylint: ignore PL305 - spans two paragraphs", author="R")
    c = d.add_paragraph("No range here.")
    d.add_comment(c.runs, text="policylint: ignore PL401", author="R")
    # Leave only the reference of the second comment (Word's point comment).
    for tag in ("w:commentRangeStart", "w:commentRangeEnd"):
        for el in list(c._p.iter(qn(tag))):
            c._p.remove(el)
    path = tmp_path / "d.docx"
    d.save(str(path))

    doc = read(path)

    span, point = sorted(doc.directives, key=lambda x: x.first_block)
    assert [b.text for b in doc.blocks[span.first_block:span.last_block + 1]] == ["Tabs start here", "end and more."]
    assert doc.blocks[span.first_block].text[span.start:] == "start here"
    assert doc.blocks[span.last_block].text[:span.end] == "end"
    assert span.reason == "spans two paragraphs"
    assert doc.blocks[point.first_block].text == "No range here."
    assert (point.first_block, point.start, point.end) == (point.last_block, None, None)


def test_paragraph_text_is_the_block_text_for_every_fixture_block():
    for path in sorted(HARBOUR.glob("*.docx")):
        doc = read(path)
        d = docx.Document(str(path))
        pkg = ann._Package(d)
        for b in doc.blocks:
            assert ParagraphText(pkg.paragraph(b.handle)).text == b.text


# -- robustness over real-world files ---------------------------------------------------


def _reader_anchors(path: Path):
    with zipfile.ZipFile(path) as zf:
        r = reader._Reader(reader._Package(zf), Limits())
        doc = r.read(path)
    return doc, r.anchors


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no corpus of real-world DOCX files here")
def test_random_spans_in_real_world_files_anchor_exactly(tmp_path):
    rng = random.Random(7)
    checked = 0
    for path in sorted(CORPUS.glob("*.docx")):
        try:
            with zipfile.ZipFile(path) as zf:
                if sum(i.file_size for i in zf.infolist() if i.filename.endswith(".xml")) > 2_000_000:
                    continue  # a big stress file: slow, and nothing the small ones do not cover
            doc = read(path)
            d = docx.Document(str(path))
        except Exception:  # unreadable on purpose (corrupt, Strict, not Word...)
            continue
        candidates = [i for i, b in enumerate(doc.blocks) if len(b.text) > 3]
        picks = rng.sample(candidates, min(6, len(candidates)))
        findings = []
        for i in picks:
            text = doc.blocks[i].text
            s = rng.randrange(0, len(text) - 1)
            e = rng.randrange(s + 1, len(text) + 1)
            findings.append(Finding("PL305", "x", "error", doc.path, "m", doc.blocks[i].locate(s), text[s:e],
                                    span=(i, s, e)))
        if not findings:
            continue
        out = tmp_path / path.name
        result = ann.annotate(d, doc, findings, now=NOW)
        out.write_bytes(result.data)
        again, anchors = _reader_anchors(out)
        assert [b.text for b in again.blocks] == [b.text for b in doc.blocks], path.name
        got = {}
        for cid, marks in anchors.items():
            if "start" in marks and "end" in marks:
                (b1, s1), (b2, e2) = marks["start"], marks["end"]
                got.setdefault(cid, (b1, s1, e2) if b1 == b2 else None)
        wanted = sorted(f.span for f in findings)
        exact = sorted(v for v in got.values() if v is not None)
        assert len(exact) + len(result.loose) >= len(wanted), path.name
        for span in wanted:
            if span not in exact:
                assert any("whole" in n for n in result.loose), (path.name, span)
        checked += len(findings)
    assert checked > 50


# -- files and the command --------------------------------------------------------------


def test_command_writes_reviewed_copy_beside_input_and_needs_force(tmp_path, quick_cli):
    src = job_description(tmp_path / "jd.docx")
    before = src.read_bytes()

    first = run_cli(src)
    assert first.exit_code == 0, first.output
    out = tmp_path / "jd.reviewed.docx"
    assert out.exists() and src.read_bytes() == before
    assert docx.Document(str(out)) is not None

    again = run_cli(src)
    assert again.exit_code == 2 and "--force" in again.output
    forced = run_cli(src, "--force")
    assert forced.exit_code == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_command_refuses_to_write_over_its_input(tmp_path, quick_cli):
    src = job_description(tmp_path / "jd.docx")
    before = src.read_bytes()
    for target in (src, tmp_path / "." / "jd.docx"):
        result = run_cli(src, "-o", target, "--force")
        assert result.exit_code == 2 and "input" in result.output
    assert src.read_bytes() == before


def test_pdf_and_text_inputs_get_no_copy(tmp_path):
    for name in ("pd-lead-peer-recovery-specialist.pdf", "about-us.md"):
        src = tmp_path / name
        shutil.copy(HARBOUR / name, src)
        result = run_cli(src, "-o", tmp_path / "out.docx")
        assert result.exit_code == 2
        assert "policylint report" in result.output and "policylint check" in result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            n for n in ("pd-lead-peer-recovery-specialist.pdf", "about-us.md") if (tmp_path / n).exists())


def test_command_annotates_a_folder_into_an_output_folder(tmp_path, quick_cli):
    folder = tmp_path / "policies"
    (folder / "jobs").mkdir(parents=True)
    job_description(folder / "peer-worker.docx")
    job_description(folder / "jobs" / "senior-peer-worker.docx", header=False)
    for name in ("pd-lead-peer-recovery-specialist.pdf", "about-us.md"):
        shutil.copy(HARBOUR / name, folder / name)
    out = tmp_path / "reviewed"

    result = run_cli(folder, "-o", out, "--suggest")

    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["jobs/senior-peer-worker.docx", "peer-worker.docx"]
    assert "no reviewed copy for PDF" in result.output and "no reviewed copy for Markdown" in result.output
    assert own(out / "peer-worker.docx")
    # Again into the same folder: existing copies need --force.
    assert run_cli(folder, "-o", out).exit_code == 2
    assert run_cli(folder, "-o", out, "--force").exit_code == 0
    # Beside the inputs; reviewed copies are never inputs themselves.
    assert run_cli(folder).exit_code == 0
    assert (folder / "peer-worker.reviewed.docx").exists()
    assert run_cli(folder, "--force").exit_code == 0
    assert not list(folder.rglob("*.reviewed.reviewed.docx"))


# -- LibreOffice --------------------------------------------------------------------------


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_reviewed_copies_to_pdf(tmp_path, suggested, reviewed):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    fs = [finding(doc, block_index(doc, DUTY), "and administer medication"),
          finding(doc, block_index(doc, CELL), "caseload"),
          finding(doc, block_index(doc, HEADER_TEXT), "medication round"),
          missing(doc, block_index(doc, "Supervision"), "PL401", "x", ('Add: "Monthly peer supervision."',))]
    ours = tmp_path / "annotated.docx"
    annotate_to(src, ours, fs, suggest=True)
    inputs = [ours, suggested[1], reviewed["pd-peer-recovery-specialist.docx"][1].output]
    names = ["ours.docx", "suggest.docx", "plain.docx"]
    for path, name in zip(inputs, names):
        shutil.copy(path, tmp_path / name)

    done = subprocess.run(
        [_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *(str(tmp_path / n) for n in names)],
        capture_output=True, text=True, timeout=240)

    # soffice exits 0 even when it cannot load a file: look for every PDF.
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stdout + done.stderr, done.stdout + done.stderr
    for name in names:
        pdf = tmp_path / "pdf" / name.replace(".docx", ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


@pytest.mark.parametrize("text,want", [
    ("policylint: ignore PL305", (("PL305",), "")),
    ("Policylint: Ignore pl305, No-Clinicalised-Duties \u2014 agreed by the panel",
     (("PL305", "no-clinicalised-duties"), "agreed by the panel")),
    ("policylint: ignore peer-led-supervision-in-jd: external supervision is arranged",
     (("peer-led-supervision-in-jd",), "external supervision is arranged")),
    ("policylint:ignore - this whole paragraph is quoted\nfrom the old policy",
     ((), "this whole paragraph is quoted from the old policy")),
    ("policylint: ignore: PL401", (("PL401",), "")),
    ("Please ignore this: policylint: ignore PL305", None),
    ("policylint: disable PL305", None),
])
def test_reader_parses_ignore_comments(text, want):
    assert reader._parse_ignore(text) == want


def test_suggest_proposes_the_same_words_once(tmp_path):
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    rewrite = ("Offer peer support to people who choose it.",)
    fs = [finding(doc, block_index(doc, DUTY), "Dispense and administer medication", suggestions=rewrite),
          finding(doc, block_index(doc, CELL), "caseload", suggestions=rewrite)]
    out = tmp_path / "out.docx"

    result = annotate_to(src, out, fs, suggest=True)

    assert result.changes == 1 and len(own(out)) == 2
    assert sum(t == rewrite[0] for t in texts(out)) == 1


# -- a reviewer's decisions (the review page's Review) ------------------------------------------


def test_a_dismissal_outside_the_body_is_the_ignore_alone(tmp_path):
    # policylint's own comment on a header's words says where they are; the reviewer's
    # ignore comment must not, or the reader would take that line as part of the reason.
    src = job_description(tmp_path / "jd.docx")
    doc = read(src)
    header = finding(doc, block_index(doc, HEADER_TEXT), "medication round")
    review = ann.Review(dismissed={ann.finding_key(header): "agreed"})
    out = tmp_path / "reviewed.docx"
    out.write_bytes(ann.annotate(docx.Document(str(src)), doc, [header], now=NOW, review=review).data)
    texts = [c.text for c in docx.Document(str(out)).comments if c.author == review.reviewer]
    assert texts == [ann.ignore_text(header, "agreed")]


def test_review_dismissal_is_the_reviewers_ignore_and_a_chosen_suggestion_the_only_change(engine, tmp_path):
    src = HARBOUR / "pd-peer-recovery-specialist.docx"
    findings = pipeline(src, engine)
    language = next(f for f in findings if f.name == "recovery-oriented-language" and f.evidence == "tests dirty")
    duty = next(f for f in findings if f.code == "PL305" and f.evidence == "caseload")
    review = ann.Review(dismissed={ann.finding_key(duty): "agreed with the peer team\x07 in March"},
                        chosen={ann.finding_key(language): 0}, reviewer="Sam Reviewer")
    out = tmp_path / "reviewed.docx"
    outcome = ann.annotate_file(src, out, Options(), engine, now=NOW, review=review)
    assert outcome.error is None and outcome.written is not None
    assert outcome.written.changes == 1 and outcome.written.additions == 0
    notes = anchored(out)
    mine = [(first, text) for author, first, text in notes if author == "Sam Reviewer"]
    assert mine == [(f"policylint: ignore {duty.name} \u2014 agreed with the peer team in March", "caseload")]
    assert ("PL305", "caseload") not in own(out)
    assert len(own(out)) == len(findings) - 1
    root = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    inserted = ["".join(t.text for t in ins.iter(qn("w:t"))) for ins in root.iter(qn("w:ins"))]
    deleted = ["".join(t.text for t in d.iter(qn("w:delText"))) for d in root.iter(qn("w:del"))]
    assert len(inserted) == 1 and len(deleted) == 1 and deleted[0] in language.evidence
    # Checked again, the reviewer's comment keeps the dismissed words from being flagged.
    again = pipeline(out, engine)
    assert not any(f.code == "PL305" and f.evidence == "caseload" for f in again)
    assert not any(f.name == "unused-ignore" for f in again)
