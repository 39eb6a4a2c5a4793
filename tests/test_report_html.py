"""``policylint report``: the scorecard's computation and the HTML page's
structure, without a browser (tests/test_report_browser.py renders it)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from policylint.commands.report import command
from policylint.document import Block, Document, Location, Role
from policylint.findings import Finding
from policylint.report import scorecard as sc
from policylint.report.html import collect, render_html, segments
from policylint.run import FileResult, Result

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TEMPLATES = resources.files("policylint.report") / "templates"  # as installed: package data

# The 28 rules of RULES-CATALOG.md §2, by name.
CATALOG = (
    "le-named-in-mission", "le-named-in-policies", "leadership-commitment-stated", "sustainable-le-funding",
    "peer-roles-not-optional", "recovery-oriented-language", "co-produced-with-le", "le-essential-criterion",
    "no-clinical-qualification-required", "lived-experience-defined-inclusively", "peer-role-defined-as-distinct",
    "no-clinicalised-duties", "no-coercive-duties", "funding-rules-not-driving-peer-work",
    "le-in-recruitment-process", "peer-led-supervision-in-jd", "peer-led-supervision-in-policy",
    "managers-trained-in-peer-role", "senior-le-roles", "peer-career-pathway", "disclosure-and-adjustments",
    "whole-workforce-le-training", "le-in-orientation", "le-training-recurring", "peer-specific-training",
    "le-networks-and-cpd", "sufficient-peer-ratio", "diversity-and-cultural-inclusion",
)


# -- a small DOM, enough to check structure ---------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.text_parts: list[str] = []

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        out = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            if all((n.attrs.get(k.rstrip("_")) or "").split().__contains__(v) if k == "class_"
                   else n.attrs.get(k) == v for k, v in attrs.items()):
                out.append(n)
        return out

    def find(self, tag: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def has_class(self, cls: str) -> bool:
        return cls in (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        return "".join(self.text_parts) + "".join(c.text for c in self.children)

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.order: list[Node] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        self.order.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        self.order.append(node)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        assert n is not None, f"stray </{tag}>"
        self.cur = n.parent

    def handle_data(self, data):
        # Keep text in document order: as a text child.
        t = Node("#text", {}, self.cur)
        t.text_parts.append(data)
        self.cur.children.append(t)


# -- rendering the fixtures once ----------------------------------------------------


@pytest.fixture(scope="module")
def pages(engine):
    out = {}
    for org in ("wattle-grove", "harbour-city"):
        path = FIXTURES / org
        c = collect([path], engine=engine)
        html = render_html(c.result, c.documents, c.rules, sets=c.sets, assessed=c.assessed, paths=[path],
                           generated="2025-01-01")
        out[org] = (c, html, Tree(html).root)
    return out


def statuses(root: Node) -> dict[str, str]:
    return {n.attrs["data-element"]: n.attrs["data-status"] for n in root.find_all("article")}


# -- the model mapping ---------------------------------------------------------------


def test_every_catalog_rule_belongs_to_exactly_one_element():
    names = [n for e in sc.ELEMENTS for n in e.rules]
    assert sorted(names) == sorted(CATALOG)
    assert len(names) == len(set(names)) == 28
    assert [e.key for e in sc.ELEMENTS] == [
        "commitment", "culture", "senior-roles", "career-pathway", "peer-supervision", "workforce-training",
        "recruitment", "hr-policies", "peer-training", "diversity", "clinicalised-duties", "funding",
        "peers-optional"]
    assert {e.part for e in sc.ELEMENTS} == {p.key for p in sc.PARTS}


def test_every_loaded_rule_is_on_the_scorecard(engine):
    # A rule file whose name is not in the catalog (a typo) would silently fall off the scorecard.
    # Rules about the document itself (rules/i-document/) are outside the model, under "Other rules".
    assert [r.name for r in engine.rules if r.name not in sc.RULE_ELEMENT] == ["unfilled-placeholder"]
    assert all(r.element.startswith("document/") for r in engine.rules if r.name not in sc.RULE_ELEMENT)


# -- computing the scorecard -----------------------------------------------------------


def info(name, code, kinds=("peer-job-description",), set_level=False, per_document=True, kind="require",
         set_needs=()):
    return sc.RuleInfo(code, name, kinds, per_document, set_level, set_needs, kind)


def finding(name, path, severity="warning", evidence="x", suggestion="Do it.", documents=()):
    return Finding("PL999", name, severity, path, "msg", Location(), evidence, (suggestion,), "src", "",
                   documents=documents)


JD, JD2, MISSION, SET = "org/jd.md", "org/jd2.md", "org/mission.md", "org"
TARGETS = [sc.Target(JD, "peer-job-description"), sc.Target(JD2, "peer-job-description"),
           sc.Target(MISSION, "mission-statement"),
           sc.Target(SET, None, is_set=True, kinds=("mission-statement", "peer-job-description"))]


def test_rules_not_loaded_leave_the_element_not_assessed():
    card = sc.build([info("no-clinicalised-duties", "PL305")], TARGETS, [])
    by = {e.element.key: e for e in card.elements}
    assert by["clinicalised-duties"].status == "met"
    assert by["clinicalised-duties"].rules_missing == ["no-coercive-duties", "peer-role-defined-as-distinct"]
    assert by["diversity"].status == "not-assessed" and by["diversity"].score is None
    assert "not available" in by["diversity"].why
    assert card.counts == {"met": 1, "partly-met": 0, "not-met": 0, "not-assessed": 12}


def test_no_applicable_document_is_not_assessed():
    card = sc.build([info("le-named-in-mission", "PL101", kinds=("mission-statement",))],
                    [sc.Target(JD, "peer-job-description")], [])
    e = next(e for e in card.elements if e.element.key == "commitment")
    assert e.status == "not-assessed"
    assert "no document" in e.why
    assert card.cell("le-named-in-mission", JD).status == sc.NA


def test_met_partly_met_and_not_met():
    rules = [info("no-clinicalised-duties", "PL305"), info("no-coercive-duties", "PL306")]
    one = [finding("no-clinicalised-duties", JD, "error")]
    card = sc.build(rules, TARGETS, one)
    e = next(e for e in card.elements if e.element.key == "clinicalised-duties")
    assert e.status == "partly-met" and e.percent == 75  # 3 of 4 checks (2 rules x 2 peer JDs)
    assert card.cell("no-clinicalised-duties", JD).status == sc.NOT_MET
    assert card.cell("no-clinicalised-duties", MISSION).status == sc.NA
    assert card.cell("no-clinicalised-duties", SET).status == sc.NA  # not a set-level rule
    assert "not met in jd.md" in e.why and "met in jd2.md" in e.why

    every = [finding(r.name, p, "warning") for r in rules for p in (JD, JD2)]
    e = next(e for e in sc.build(rules, TARGETS, every).elements if e.element.key == "clinicalised-duties")
    assert e.status == "not-met" and e.percent == 0


def test_info_findings_are_met_with_advice_and_count_half(monkeypatch):
    monkeypatch.setitem(sc.SCORE, sc.ADVICE, 0.5)
    rules = [info("peer-roles-not-optional", "PL105")]
    card = sc.build(rules, TARGETS, [finding("peer-roles-not-optional", JD, "info")])
    assert card.cell("peer-roles-not-optional", JD).status == sc.ADVICE
    e = next(e for e in card.elements if e.element.key == "peers-optional")
    assert e.status == "partly-met" and e.percent == 75
    assert "advice for jd.md" in e.why


def test_set_level_checks():
    rules = [info("senior-le-roles", "PL501", kinds=("strategic-plan",), set_level=True, per_document=False,
                  kind="set"),
             info("peer-career-pathway", "PL502", set_level=True, set_needs=("hr-policy",))]
    card = sc.build(rules, TARGETS, [finding("senior-le-roles", SET, evidence=None)])
    assert card.cell("senior-le-roles", SET).status == sc.NOT_MET
    assert card.cell("senior-le-roles", JD).status == sc.NA  # a set-level-only rule
    assert card.cell("peer-career-pathway", SET).status == sc.NA  # the set has no HR policy
    assert card.cell("peer-career-pathway", JD).status == sc.MET
    assert next(e for e in card.elements if e.element.key == "senior-roles").status == "not-met"


def test_unreadable_document_is_not_assessed():
    card = sc.build([info("no-clinicalised-duties", "PL305")],
                    [sc.Target("org/old.doc", None, error="cannot read .doc files")], [])
    assert card.cell("no-clinicalised-duties", "org/old.doc").status == sc.UNREAD
    assert next(e for e in card.elements if e.element.key == "clinicalised-duties").status == "not-assessed"


def test_deselected_rules_are_not_assessed():
    rules = [info("no-clinicalised-duties", "PL305"), info("no-coercive-duties", "PL306")]
    card = sc.build(rules, TARGETS, [], assessed={"no-coercive-duties"})
    assert [r.name for r in card.rules] == ["no-coercive-duties"]
    e = next(e for e in card.elements if e.element.key == "clinicalised-duties")
    assert "no-clinicalised-duties" in e.rules_missing


def test_changes_group_what_one_edit_closes_and_rank_by_severity():
    rules = {r.name: r for r in [
        info("no-clinicalised-duties", "PL305", kind="forbid"),
        info("peer-career-pathway", "PL502", set_level=True),
        info("recovery-oriented-language", "PL201", kind="substitute", kinds=("all",)),
    ]}
    fs = [
        finding("no-clinicalised-duties", JD, "error", suggestion="Remove medication duties."),
        finding("no-clinicalised-duties", JD2, "error", suggestion="Remove medication duties."),
        finding("no-clinicalised-duties", JD2, "error", suggestion="Remove testing."),
        finding("peer-career-pathway", JD, "info", evidence=None, suggestion="Add a section."),
        finding("peer-career-pathway", JD2, "info", evidence=None, suggestion="Add a section."),
        finding("peer-career-pathway", SET, "warning", evidence=None, suggestion="Publish a framework.",
                documents=(JD, JD2)),
        finding("recovery-oriented-language", MISSION, "warning", evidence="addicts", suggestion="Rewrite as: a"),
        finding("recovery-oriented-language", JD, "info", evidence="suffering from", suggestion="Rewrite as: b"),
    ]
    changes = sc.group_changes(fs, rules, limit=None)
    assert [(c.rule, c.weight, len(c.findings)) for c in changes] == [
        ("no-clinicalised-duties", 6, 2),  # one wording closes two errors
        ("peer-career-pathway", 4, 3),  # the missing provision, written once for the set
        ("recovery-oriented-language", 3, 2),  # a tie: the change touching more documents first
        ("no-clinicalised-duties", 3, 1),
    ]
    assert changes[0].text == "Remove medication duties."
    assert changes[1].text == "Publish a framework."  # the set-level wording wins
    assert "\u201caddicts\u201d" in changes[2].text and "\u201csuffering from\u201d" in changes[2].text
    assert len(sc.group_changes(fs, rules)) == 3


def test_reader_problems_are_not_changes():
    fs = [Finding("PL002", "unsupported-format", "error", "a.doc", "cannot read")]
    assert sc.group_changes(fs, {}) == []


# -- highlighting -------------------------------------------------------------------------


def test_segments_split_overlapping_findings():
    segs = segments("Complete biopsychosocial intake assessments daily",
                    [(1, 0, 31, "error"), (2, 25, 43, "warning")])
    assert [(s.text, s.covering, s.severity) for s in segs] == [
        ("Complete biopsychosocial ", [1], "error"),
        ("intake", [1, 2], "error"),
        (" assessments", [2], "warning"),
        (" daily", [], None),
    ]
    assert segs[1].ends == [1] and segs[2].ends == [2] and segs[1].starts == [2]


def test_segments_ignore_empty_and_out_of_range_spans():
    assert [s.text for s in segments("abc", [(1, 2, 2, "info"), (2, 1, 99, "info")])] == ["a", "bc"]
    assert segments("", [])[0].text == ""


# -- the page --------------------------------------------------------------------------------


def test_page_is_self_contained(pages):
    for org, (_, html, root) in pages.items():
        assert html.lstrip().lower().startswith("<!doctype html>")
        assert not root.find_all("script"), "the page has no script"
        assert not [n for n in root.find_all("link") if n.attrs.get("rel") != "icon"]
        for n in root.iter():
            for attr in ("src", "href", "xlink:href", "action", "poster", "srcset"):
                v = n.attrs.get(attr)
                if v is not None:
                    assert v.startswith("#") or v.startswith("data:"), f"{org}: external {attr}={v!r}"
        assert not re.search(r"url\(\s*['\"]?(?!data:|#)", html), "CSS loads nothing"
        assert "@import" not in html and "@font-face" not in html
        csp = root.find("meta", **{"http-equiv": "Content-Security-Policy"}).attrs["content"]
        assert "default-src 'none'" in csp


def test_landmarks_skip_link_and_focus(pages):
    _, html, root = pages["harbour-city"]
    body = root.find("body")
    first_link = body.find("a")
    assert first_link.attrs["href"] == "#main" and "skip" in first_link.text.lower()
    assert len(root.find_all("header")) == 1 and len(root.find_all("main")) == 1
    assert len(root.find_all("footer")) == 1
    nav = root.find("nav")
    assert nav.attrs.get("aria-label")
    assert root.find("main").attrs["id"] == "main"
    assert root.find("html").attrs["lang"] == "en"
    assert root.find("meta", name="viewport")
    assert ":focus-visible" in html and "outline" in html
    for href in (a.attrs["href"] for a in nav.find_all("a")):
        assert root.find_all(id=href[1:]), href


def test_headings_are_in_order(pages):
    for org, (_, _, root) in pages.items():
        levels = [int(n.tag[1]) for n in root.iter() if re.fullmatch(r"h[1-6]", n.tag)]
        assert levels[0] == 1 and levels.count(1) == 1
        for a, b in zip(levels, levels[1:]):
            assert b <= a + 1, f"{org}: h{a} followed by h{b}"
        for n in root.iter():
            if re.fullmatch(r"h[1-6]", n.tag):
                assert n.text.strip(), f"{org}: empty heading"


def test_ids_are_unique_and_every_link_lands(pages):
    for org, (_, _, root) in pages.items():
        ids = [n.attrs["id"] for n in root.iter() if "id" in n.attrs]
        assert len(ids) == len(set(ids)), f"{org}: duplicate ids"
        ids = set(ids)
        for n in root.iter():
            href = n.attrs.get("href")
            if href and href.startswith("#") and len(href) > 1:
                assert href[1:] in ids, f"{org}: {href} goes nowhere"
        for n in root.iter():
            for attr in ("aria-labelledby", "aria-describedby"):
                for ref in (n.attrs.get(attr) or "").split():
                    assert ref in ids, f"{org}: {attr}={ref}"


def test_tables_have_scoped_headers_and_scroll_regions_are_reachable(pages):
    _, _, root = pages["harbour-city"]
    for th in root.find_all("th"):
        assert th.attrs.get("scope") in ("col", "row", "rowgroup", "colgroup"), th.text
    for region in root.find_all(class_="scroll"):
        assert region.attrs.get("tabindex") == "0" and region.attrs.get("role") == "region"
        assert region.attrs.get("aria-labelledby")


def test_status_is_never_colour_alone(pages):
    _, _, root = pages["harbour-city"]
    for badge in root.find_all(class_="badge"):
        assert badge.find_all("use") and badge.text.strip() in sc.STATUS_LABEL.values()
    for td in root.find_all("td", class_="c"):
        assert td.find_all("use"), "every cell has a symbol"
        assert td.text.strip() or td.find("a").attrs.get("aria-label")
    for mark in root.find_all("mark"):
        assert any(mark.has_class(f"sev-{s}") for s in ("error", "warning", "info"))
    # Highlight underline styles differ by severity, not only their colour.
    css = (TEMPLATES / "report.css").read_text()
    styles = {s: re.search(rf"mark\.sev-{s} \{{[^}}]*border-bottom: \d+px (\w+)", css).group(1)
              for s in ("error", "warning", "info")}
    assert len(set(styles.values())) == 3


def test_scorecard_chart_and_elements(pages):
    for _, _, root in pages.values():
        svgs = root.find("figure").find_all("svg")
        charts = [s for s in svgs if s.attrs.get("role") == "img"]
        assert {s.attrs["class"] for s in charts} == {"wide", "narrow"}
        for s in charts:
            assert s.find("title").text.strip() and s.find("desc").text.strip()
            assert len(s.find_all("g", class_="tile")) == 13
        assert len(root.find_all("article")) == 13
        assert set(statuses(root)) == {e.key for e in sc.ELEMENTS}


def test_good_organisation_is_mostly_met(pages):
    _, _, root = pages["wattle-grove"]
    st = statuses(root)
    assessed = [s for s in st.values() if s != "not-assessed"]
    assert assessed, "some element is assessed"
    assert "not-met" not in assessed
    assert assessed.count("met") >= 0.75 * len(assessed)
    assert not root.find_all("mark", class_="sev-error")


def test_problem_organisation_shows_its_gaps(pages):
    collected, _, root = pages["harbour-city"]
    st = statuses(root)
    loaded = {r.name for r in collected.rules}
    for key in ("clinicalised-duties", "peer-supervision"):
        if any(r in loaded for r in sc.ELEMENT_BY_KEY[key].rules):
            assert st[key] == "not-met", key
    assessed = [s for s in st.values() if s != "not-assessed"]
    assert "met" not in assessed, "every element it is judged on has gaps"
    assert assessed.count("not-met") >= 2


def test_three_changes_ranked(pages):
    _, _, root = pages["harbour-city"]
    changes = root.find("section", id="changes").find_all("li", class_="change")
    assert len(changes) == 3
    weights = [int(c.attrs["data-weight"]) for c in changes]
    assert weights == sorted(weights, reverse=True)
    for c in changes:
        assert c.find("p", class_="change-text").text.strip()
    _, _, good = pages["wattle-grove"]
    assert not good.find("section", id="changes").find_all("li", class_="change")


@pytest.mark.parametrize("org", ["harbour-city", "wattle-grove"])
def test_matrix_of_documents_by_rules(pages, org):
    collected, _, root = pages[org]
    table = root.find("table", class_="matrix")
    cols = table.find("thead").find_all("th", scope="col")
    assert len(cols) == 1 + len(collected.result.files) + len(collected.sets)
    rows = [r for r in table.find_all("tr") if "data-rule" in r.attrs]
    assert {r.attrs["data-rule"] for r in rows} == {r.name for r in collected.rules}
    seen = set()
    notes = {n.attrs["id"]: n for n in root.find_all("div", class_="note")}
    for row in rows:
        cells = row.find_all("td")
        assert len(cells) == len(cols) - 1
        for td in cells:
            seen.add(td.attrs["data-status"])
            if td.attrs["data-status"] in ("not-met", "advice"):
                target = td.find("a").attrs["href"][1:]
                assert notes[target].attrs["data-rule"] == row.attrs["data-rule"]
    assert {"met" if org == "wattle-grove" else "not-met", "n/a"} <= seen


def test_every_finding_has_a_note_and_highlights_sit_on_their_words(pages):
    for org, (collected, _, root) in pages.items():
        findings = collected.result.findings
        notes = {n.attrs["id"] for n in root.find_all("div", class_="note")}
        assert notes == {f"f{i}" for i in range(len(findings))}
        for i, f in enumerate(findings):
            if f.span is None:
                continue
            anchor = root.find("span", id=f"m{i}")
            para = anchor.parent
            marked = "".join(m.text for m in para.find_all("mark"))
            words = "".join(n.text for n in para.children if not (n.tag == "a" and n.has_class("fref")))
            assert f.evidence in words and all(w in marked for w in f.evidence.split()), (org, f.evidence)
            ref = para.find("a", href=f"#f{i}")
            assert ref.has_class(f"sev-{f.severity}")


def test_notes_carry_message_source_and_suggested_wording(pages):
    collected, _, root = pages["harbour-city"]
    for i, f in enumerate(collected.result.findings):
        note = root.find("div", id=f"f{i}")
        assert f.message in note.text
        if f.suggestions:
            assert f.suggestions[0] in note.find("p", class_="suggest").text
        if f.source:
            assert note.find("p", class_="src").text.strip().startswith("Source:")


def test_missing_elements_are_shown_where_they_belong(pages):
    collected, _, root = pages["harbour-city"]
    doc_sections = {}
    for sec in root.find_all("section", class_="doc"):
        doc_sections[sec.find("p", class_="file").text.split(" · ")[0].strip()] = sec
    missing = [(i, f) for i, f in enumerate(collected.result.findings)
               if f.evidence is None and f.anchor_block is not None]
    assert missing, "the fixture has absence findings"
    for i, f in missing:
        note = doc_sections[f.path].find("div", id=f"f{i}")
        assert note.has_class("missing") and "Missing" in note.text
        assert any(a.has_class("txt") for a in note.ancestors()), "shown in the text, under its block"
    set_findings = [i for i, f in enumerate(collected.result.findings) if f.documents]
    for i in set_findings:
        assert root.find("section", id="set-1").find_all("div", id=f"f{i}")


def test_document_text_is_shown(pages):
    collected, _, root = pages["wattle-grove"]
    for doc in collected.documents.values():
        body = " ".join(root.find("main").text.split())
        for b in doc.blocks[:5]:
            assert " ".join(b.text.split()) in body


# -- contrast -----------------------------------------------------------------------------------


def _hex(value: str) -> tuple[float, float, float]:
    v = value.lstrip("#")
    if len(v) == 3:
        v = "".join(ch * 2 for ch in v)
    return tuple(int(v[i:i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour: str) -> float:
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def css_rules(css: str):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        selector = m.group(1).strip().split("{")[-1].strip()
        decls = {}
        for d in m.group(2).split(";"):
            if ":" in d:
                k, v = d.split(":", 1)
                decls[k.strip()] = v.strip()
        yield selector, decls


def test_contrast_meets_wcag_aa():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    css = (TEMPLATES / "report.css").read_text()
    variables = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", css))

    def resolve(value: str) -> str | None:
        m = re.fullmatch(r"var\((--[\w-]+)\)", value.replace(" !important", ""))
        if m:
            return variables[m.group(1)]
        return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None

    surfaces = [variables["--bg"], variables["--surface"]]
    checked = 0
    for selector, decls in css_rules(css):
        fg = resolve(decls.get("color", ""))
        if fg is None:
            continue
        bg = resolve(decls.get("background", decls.get("background-color", "")))
        for back in ([bg] if bg else surfaces):
            assert contrast(fg, back) >= 4.5, f"{selector}: {fg} on {back} is {contrast(fg, back):.2f}"
            checked += 1
    assert checked > 40
    # Text drawn in the chart's tiles and on highlights, which set their colours as SVG fills.
    for status in ("met", "partly", "notmet", "na"):
        tint = variables[f"--{status}-tint"]
        assert contrast(variables["--ink"], tint) >= 4.5
        assert contrast(variables[f"--{status}-ink"], tint) >= 4.5
        assert contrast(variables[f"--{status}"], tint) >= 3, "status borders and bars are visible"
    for mark in ("--err-mark", "--warn-mark", "--info-mark"):
        assert contrast(variables["--ink"], variables[mark]) >= 4.5
    assert contrast(variables["--muted"], variables["--bg"]) >= 4.5
    for back in surfaces:
        assert contrast(variables["--focus"], back) >= 3, "focus ring is visible"
    assert contrast(variables["--focus-on-dark"], variables["--head-bg"]) >= 3
    assert contrast(variables["--muted"], variables["--surface"]) >= 4.5


# -- rendering details ----------------------------------------------------------------------------


def _result_and_doc(text="Dispense <script>alert(1)</script> medication & \"more\"."):
    blocks = (Block("Peer Worker", Role.HEADING, Location(line=1), 1, (), ()),
              Block(text, Role.PARAGRAPH, Location(line=3), None, ("Peer Worker",), ()))
    doc = Document("org/jd.md", "markdown", blocks, title="Peer <Worker>", kind="peer-job-description",
                   kind_reason="test")
    f = Finding("PL305", "no-clinicalised-duties", "error", "org/jd.md", "Clinical task: <b>",
                Location(line=3, column=1), text[:8], ("Say <i>this</i> instead",), "Src & co", "",
                span=(1, 0, 8))
    result = Result([FileResult("org/jd.md", "peer-job-description", "test")], [f], [])
    return result, doc


def test_text_from_documents_and_rules_is_escaped():
    result, doc = _result_and_doc()
    html = render_html(result, [doc], [info("no-clinicalised-duties", "PL305", kind="forbid")],
                       title="A & B <Org>", generated="2025-01-01")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "Say &lt;i&gt;this&lt;/i&gt; instead" in html
    assert "A &amp; B &lt;Org&gt;" in html
    root = Tree(html).root
    assert root.find("mark").text == "Dispense"


def test_render_without_sets_or_paths():
    result, doc = _result_and_doc("Plain words.")
    result.findings = []
    html = render_html(result, {doc.path: doc}, [], generated="2025-01-01")
    root = Tree(html).root
    assert root.find("h1").text == "Policy documents"
    assert set(statuses(root).values()) == {"not-assessed"}


# -- the command --------------------------------------------------------------------------------------


@pytest.fixture()
def fast_engine(monkeypatch, engine):
    import policylint.run as run

    monkeypatch.setattr(run, "make_engine", lambda options: engine)
    return engine


ORG = {
    "jd.md": "# Position Description: Peer Support Worker\n\n## Key duties\n\n"
             "- Dispense prescribed medication to residents each evening.\n\n"
             "## Supervision\n\nClinical supervision fortnightly with the senior social worker.\n",
    "mission.md": "# Our mission\n\nPeer leadership is central to how we work.\n",
}


@pytest.fixture()
def org(tmp_path):
    folder = tmp_path / "sunny-side"
    folder.mkdir()
    for name, text in ORG.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_command_writes_the_page(fast_engine, org, tmp_path):
    out = tmp_path / "out" / "scorecard.html"
    res = CliRunner().invoke(command, [str(org), "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    root = Tree(html).root
    assert root.find("h1").text == "Sunny Side"
    assert statuses(root)["clinicalised-duties"] in ("not-met", "partly-met")
    row = next(r for r in root.find_all("tr") if r.attrs.get("data-rule") == "no-clinicalised-duties")
    assert [td.attrs["data-status"] for td in row.find_all("td")] == ["not-met", "n/a", "n/a"]  # jd, mission, set
    assert "Wrote" in res.output and "elements met" in res.output
    assert [p.name for p in out.parent.iterdir()] == ["scorecard.html"], "no temporary file left behind"


def test_command_title_and_kind(fast_engine, org, tmp_path):
    out = tmp_path / "s.html"
    res = CliRunner().invoke(command, [str(org / "mission.md"), "-o", str(out), "--title", "Sunny & Co",
                                       "--kind", "peer-job-description"])
    assert res.exit_code == 0, res.output
    root = Tree(out.read_text()).root
    assert root.find("h1").text == "Sunny & Co"
    assert "Sunny & Co" in root.find("title").text
    assert root.find("table", class_="matrix").find("thead").find("span", class_="kind").text == \
        "peer job description"
    assert not root.find_all("section", id="set-1"), "a single file is not a policy set"


def test_command_refuses_to_overwrite_an_input(fast_engine, org):
    target = org / "jd.md"
    before = target.read_bytes()
    res = CliRunner().invoke(command, [str(org), "-o", str(target)])
    assert res.exit_code == 2 and "being checked" in res.output
    assert target.read_bytes() == before
    res = CliRunner().invoke(command, [str(target), "-o", str(target)])
    assert res.exit_code == 2 and target.read_bytes() == before


def test_command_needs_an_output(fast_engine, org):
    res = CliRunner().invoke(command, [str(org)])
    assert res.exit_code == 2 and "--output" in res.output


def test_command_reports_unreadable_files_without_crashing(fast_engine, org, tmp_path):
    (org / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really")
    out = tmp_path / "s.html"
    res = CliRunner().invoke(command, [str(org), "-o", str(out)])
    assert res.exit_code == 0, res.output
    root = Tree(out.read_text()).root
    assert "not-read" in {td.attrs["data-status"] for td in root.find_all("td", class_="c")}
    assert "could not be read" in root.find("main").text
