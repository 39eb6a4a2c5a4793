"""``policylint new``: templates that check clean against their own kind, in
every country's words and both formats, with a finding for each placeholder
until it is filled; the command's options; the Word document's structure
and comments; and a render by LibreOffice where it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from policylint.cli import main
from policylint.commands import new as new_command
from policylint.placeholders import PLACEHOLDER_RE
from policylint.run import Options, check
from policylint.starters import available, countries, render, write

KINDS = ("mission-statement", "strategic-plan", "peer-job-description", "supervision-policy", "training-policy",
         "hr-policy")
COUNTRIES = ("au", "uk", "us", "nz", "ca", "ie")
PLACEHOLDER = ("PL901", "unfilled-placeholder", "info")

# What a person might write in place of each placeholder. A template that adds a
# placeholder adds a plausible value here, so the filled document is checked too.
FILLS = {
    "Organisation name": "Harbour City Health",
    "Team and location": "Community Recovery Team, Harbour City",
    "Title of the line manager": "Team Leader, Community Recovery",
    "Hours per week": "30 hours a week",
    "Award or enterprise agreement, and level": "Level 4 of our enterprise agreement",
    "Agenda for Change band (NHS), or your own grade and pay scale": "Band 4",
    "Hourly rate or salary range, and benefits": "$24 to $27 an hour, with health insurance and paid leave",
    "Collective agreement or pay scale, and step": "Step 3 of our collective agreement",
    "Collective agreement or pay band, and rate": "Band 5 of our collective agreement",
    "HSE consolidated salary scale point, or your own pay scale": "Point 3 of our pay scale",
    "Closing date": "30 June 2027",
    "Contact name and email address": "Sam Lee, sam.lee@example.org",
    "Review date": "July 2028",
    "Approving body or role": "the Board",
    "Plan years": "2026-2030",
    "Number of designated Lived Experience roles and FTE": "14 designated Lived Experience roles (11.2 FTE)",
    "Number of teams": "nine",
    "Target share, for example 20": "20",
    "Name of the Lived Experience module": "Peer Work Foundations",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def fill_markdown(path: Path) -> None:
    """What a person does in an editor: type over each placeholder (the
    HTML comments under the headings mention "[[...]]" and stay as they are)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line if line.startswith("<!--") else PLACEHOLDER_RE.sub(lambda m: FILLS[m.group(1)], line)
                              for line in lines) + "\n", encoding="utf-8")


def fill_docx(path: Path) -> None:
    """What a person does in Word: type over each highlighted placeholder."""
    import docx

    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        for run_ in paragraph.runs:
            if PLACEHOLDER_RE.search(run_.text):
                run_.text = PLACEHOLDER_RE.sub(lambda m: FILLS[m.group(1)], run_.text)
                run_.font.highlight_color = None
    document.save(str(path))


def write_all(folder: Path, kind: str) -> dict[Path, int]:
    """Every country's template for ``kind`` in both formats: path -> placeholders left."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for country in COUNTRIES:
        starter = render(kind, country)
        for fmt in ("docx", "md"):
            path = folder / f"{kind}-{country}.{fmt}"
            path.write_bytes(write(starter, fmt))
            out[path] = len(starter.placeholders())
    return out


def findings_by_file(engine, paths: list[Path], kind: str | None) -> tuple[dict[str, str | None], dict[str, list]]:
    result = check(paths, Options(kind=kind), engine=engine)
    kinds = {f.path: f.kind for f in result.files}
    found: dict[str, list] = {str(p): [] for p in paths}
    for f in result.findings:
        found[f.path].append(f)
    return kinds, found


# -- what exists -------------------------------------------------------------------


def test_templates_exist_for_the_six_kinds_and_countries() -> None:
    assert tuple(available()) == KINDS == new_command.KINDS
    assert tuple(countries()) == COUNTRIES == new_command.COUNTRIES


def test_list_shows_every_template_and_country(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "new", "--list")
    assert code == 0 and list(tmp_path.iterdir()) == []
    assert [line.split()[0] for line in out.splitlines()[:len(KINDS)]] == list(KINDS)
    assert all(f"{c} (" in out for c in COUNTRIES)


# -- every template checks clean, placeholders aside ------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_country_and_format_checks_clean_but_for_its_placeholders(engine, tmp_path, kind) -> None:
    written = write_all(tmp_path, kind)
    paths = list(written)
    for given in (kind, None):  # --kind KIND, and the classifier's own choice
        kinds, found = findings_by_file(engine, paths, given)
        assert set(kinds.values()) == {kind}, kinds
        for path, left in written.items():
            findings = found[str(path)]
            assert {(f.code, f.name, f.severity) for f in findings} <= {PLACEHOLDER}, [
                (f.name, f.evidence) for f in findings if f.name != PLACEHOLDER[1]]
            assert len(findings) == left > 0, path.name
            assert all(PLACEHOLDER_RE.fullmatch(f.evidence or "") for f in findings)
            assert len({(f.location.paragraph, f.location.line, f.location.column) for f in findings}) == left
    for path in paths:
        (fill_docx if path.suffix == ".docx" else fill_markdown)(path)
    for given in (kind, None):
        kinds, found = findings_by_file(engine, paths, given)
        assert set(kinds.values()) == {kind}, kinds
        assert {p: [(f.name, f.evidence) for f in fs] for p, fs in found.items() if fs} == {}


def test_the_six_templates_make_a_complete_policy_set(engine, tmp_path) -> None:
    for kind in KINDS:
        (tmp_path / f"{kind}.docx").write_bytes(write(render(kind, "au", "Harbour City Health"), "docx"))
    result = check([tmp_path], Options(), engine=engine)
    assert not result.notes  # set-level rules ran
    assert {(f.code, f.name, f.severity) for f in result.findings} == {PLACEHOLDER}  # no set-level finding


def test_each_placeholder_finding_points_at_its_placeholder(engine, tmp_path) -> None:
    import docx

    written = write_all(tmp_path, "peer-job-description")
    _, found = findings_by_file(engine, list(written), "peer-job-description")
    for path in written:
        if path.suffix == ".docx":
            paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
            expected = [(i + 1, m.start() + 1, m.group(0)) for i, text in enumerate(paragraphs)
                        for m in PLACEHOLDER_RE.finditer(text)]
            got = sorted((f.location.paragraph, f.location.column, f.evidence) for f in found[str(path)])
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            expected = [(i + 1, m.start() + 1, m.group(0)) for i, line in enumerate(lines)
                        for m in PLACEHOLDER_RE.finditer(line) if not line.startswith("<!--")]
            got = sorted((f.location.line, f.location.column, f.evidence) for f in found[str(path)])
        assert got == sorted(expected) and got, path.name


# -- options --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "md"])
def test_organisation_fills_its_placeholder(engine, capsys, tmp_path, fmt) -> None:
    target = tmp_path / f"pd.{fmt}"
    name = "Harbour *City* [Health] & Co"
    code, _, _ = run(capsys, "new", "peer-job-description", "-o", str(target), "--organization", name)
    assert code == 0
    _, found = findings_by_file(engine, [target], "peer-job-description")
    evidence = [f.evidence for f in found[str(target)]]
    others = [p for p in render("peer-job-description").placeholders() if p != "[[Organisation name]]"]
    assert sorted(evidence) == sorted(others)
    from policylint.readers import read_document

    assert read_document(target).title.startswith(name)  # in Markdown too: the name's markup characters escaped


def test_organisation_names_that_cannot_be_written_are_refused(capsys, tmp_path) -> None:
    for bad in ("Bad\x07Name", "x" * 201, "[[Organisation name]]", "  "):
        code, _, err = run(capsys, "new", "hr-policy", "-o", str(tmp_path / "x.docx"), "--organisation", bad)
        assert code == 2 and "organisation" in err.lower(), bad
    assert list(tmp_path.iterdir()) == []


def test_country_changes_the_vocabulary() -> None:
    def text(country: str) -> str:
        return " ".join(b.text for b in render("peer-job-description", country).blocks)

    assert "Agenda for Change" in text("uk") and "Agenda for Change" not in text("au")
    assert "certification" in text("us").lower() and "tāngata whai ora" in text("nz")
    assert "Peer Support Canada" in text("ca") and "HSE" in text("ie") and "award" in text("au").lower()


def test_the_output_name_and_format(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "new", "training-policy")[0] == 0
    assert zipfile.is_zipfile(tmp_path / "training-policy.docx")
    assert run(capsys, "new", "training-policy", "--format", "md")[0] == 0
    assert (tmp_path / "training-policy.md").read_text(encoding="utf-8").startswith("# [[Organisation name]]")
    assert run(capsys, "new", "mission-statement", "-o", "ours.markdown")[0] == 0
    assert (tmp_path / "ours.markdown").read_text(encoding="utf-8").startswith("# ")
    for argv in (["-o", "x.txt"], ["-o", "x.md", "--format", "docx"], []):
        code, _, err = run(capsys, "new", *(["mission-statement"] if argv else []), *argv)
        assert code == 2 and err, argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.markdown", "training-policy.docx",
                                                           "training-policy.md"]


def test_an_existing_file_is_replaced_only_with_force(capsys, tmp_path) -> None:
    target = tmp_path / "pd.docx"
    target.write_bytes(b"mine")
    code, _, err = run(capsys, "new", "peer-job-description", "-o", str(target))
    assert code == 2 and "--force" in err and target.read_bytes() == b"mine"
    assert run(capsys, "new", "peer-job-description", "-o", str(target), "--force")[0] == 0
    assert zipfile.is_zipfile(target)
    (tmp_path / "folder.docx").mkdir()
    assert run(capsys, "new", "peer-job-description", "-o", str(tmp_path / "folder.docx"), "--force")[0] == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


# -- the Word document -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_docx_has_word_styles_and_a_policylint_comment_on_each_section(tmp_path, kind) -> None:
    import docx

    from policylint.engine.rules import load_rules

    starter = render(kind, "uk")
    path = tmp_path / "t.docx"
    path.write_bytes(write(starter, "docx"))
    document = docx.Document(str(path))
    styles = [p.style.name for p in document.paragraphs]
    assert styles[0] == "Title" and styles.count("Title") == 1
    assert "Heading 1" in styles and "List Bullet" in styles
    sections = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert sections and all(p._p.xpath("./w:commentRangeStart") for p in sections)
    comments = list(document.comments)
    assert {c.author for c in comments} == {"policylint"}
    assert len(comments) == sum(b.note is not None for b in starter.blocks) > len(sections)
    codes = {r.name: r.code for r in load_rules()}
    for c in comments[1:]:  # the first is on the title; each section names the rules it serves
        served = re.findall(r"(PL\d{3}) ([a-z-]+)", c.text)
        assert served and all(codes[name] == code for code, name in served), c.text
    with zipfile.ZipFile(path) as z:
        assert "word/comments.xml" in z.namelist()
        assert z.read("word/comments.xml").count(b'w:author="policylint"') == len(comments)
    paper = document.sections[0].page_width
    assert abs(paper.cm - 21.0) < 0.01  # A4 outside North America


def test_a_placeholder_is_one_highlighted_run(tmp_path) -> None:
    import docx

    path = tmp_path / "t.docx"
    path.write_bytes(write(render("strategic-plan", "us"), "docx"))
    document = docx.Document(str(path))
    runs = [r for p in document.paragraphs for r in p.runs if "[[" in r.text]
    assert runs and all(PLACEHOLDER_RE.fullmatch(r.text) and r.bold and r.font.highlight_color for r in runs)
    assert abs(document.sections[0].page_width.cm - 21.59) < 0.01  # US Letter


def test_libreoffice_renders_page_one(tmp_path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    import pypdfium2

    (tmp_path / "pd.docx").write_bytes(write(render("peer-job-description"), "docx"))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "pd.docx")],
                   check=True, capture_output=True, timeout=180)
    pdf = pypdfium2.PdfDocument(str(tmp_path / "pd.pdf"))
    assert len(pdf) >= 1
    image = pdf[0].render(scale=60 / 72).to_pil().convert("L")
    image.save(tmp_path / "page-1.png")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert image.size[0] > 400 and dark > 2000  # a page with text on it, not a blank one
    assert "Organisation name" in pdf[0].get_textpage().get_text_range()


# -- the template format ---------------------------------------------------------------


GOOD = """---
kind: hr-policy
summary: A test template
---
# [[Organisation name]] {word} policy
> why: What it is.

## Scope
> why: Why it is there.
> serves: le-named-in-policies

A paragraph that
wraps, with **bold**. {empty}

- A bullet that
  wraps.
- {empty}
"""


@pytest.mark.parametrize(("change", "problem"), [
    (("", ""), None),
    (("> serves: le-named-in-policies\n", ""), "needs '> why:' and '> serves:'"),
    (("le-named-in-policies", "no-such-rule"), "unknown: ['no-such-rule']"),
    (("{word}", "{nothing}"), "no vocabulary for {nothing}"),
    (("kind: hr-policy", "kind: training-policy"), "names kind"),
    (("summary: A test template\n", ""), "front matter"),
    (("# [[Organisation name]]", "## [[Organisation name]]"), "one '#' title, first"),
    (("A paragraph that", "> note: A paragraph that"), "follow a heading"),
])
def test_the_template_format_is_checked(tmp_path, monkeypatch, change, problem) -> None:
    from policylint.starters import template

    (tmp_path / "hr-policy.md").write_text(GOOD.replace(*change), encoding="utf-8")
    (tmp_path / "vocabulary.yaml").write_text("xx:\n  country: X\n  word: staff\n  empty: ''\n", encoding="utf-8")
    monkeypatch.setattr(template, "_files", lambda: tmp_path)
    template._template.cache_clear()
    template.vocabulary.cache_clear()
    try:
        if problem is None:
            starter = template.render("hr-policy", "xx", "Acme")
            assert [(b.role, b.text) for b in starter.blocks] == [
                ("title", "[[Organisation name]] staff policy"), ("heading", "Scope"),
                ("paragraph", "A paragraph that wraps, with **bold**."), ("bullet", "A bullet that wraps.")]
            assert starter.title == "Acme staff policy" and starter.placeholders() == []
            assert starter.blocks[1].note == template.Note("Why it is there.", ("PL102 le-named-in-policies",))
        else:
            with pytest.raises(template.TemplateError, match=re.escape(problem)):
                template.render("hr-policy", "xx")
    finally:
        template._template.cache_clear()
        template.vocabulary.cache_clear()


def test_every_country_names_the_same_words(tmp_path, monkeypatch) -> None:
    from policylint.starters import template

    (tmp_path / "vocabulary.yaml").write_text("a:\n  country: A\n  x: one\nb:\n  country: B\n", encoding="utf-8")
    monkeypatch.setattr(template, "_files", lambda: tmp_path)
    template.vocabulary.cache_clear()
    try:
        with pytest.raises(template.TemplateError, match=r"b: names \['x'\] differ"):
            template.vocabulary()
    finally:
        template.vocabulary.cache_clear()
