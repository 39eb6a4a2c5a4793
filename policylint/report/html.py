"""``policylint report``: an organisation scorecard as one self-contained HTML page.

The page shows where a policy set stands against the model of best practice
for peer (Lived Experience) employment: the model's elements with a status
each (computed in ``policylint.report.scorecard``), a picture of them, the
three changes that would close the most, a matrix of documents by rules, and
every document's text with the findings highlighted on their words.

It needs the documents' text, and no reporter re-reads a document, so
``collect`` runs ``policylint.run.check`` with an engine that keeps each
``Document`` it is given to analyse. (If ``run.check`` grows a
``keep_documents`` option, ``collect`` becomes a call to it.)

The page is rendered with Jinja2 from ``templates/``; its CSS and SVG are
inline, it loads nothing from anywhere, and it has no script.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from policylint.document import Block, Document, Role
from policylint.findings import SEVERITY_RANK, Finding
from policylint.kinds import LABELS
from policylint.report import scorecard as sc

if TYPE_CHECKING:  # the engine imports spaCy; Jinja2 is imported when a page is rendered
    from jinja2 import Environment

    from policylint.engine import Engine
    from policylint.engine.rules import Rule
    from policylint.run import Options, Result

KIND_LABEL = LABELS
SEVERITY_LABEL = {"error": "Error", "warning": "Warning", "info": "Info"}


# -- running the checks, keeping the documents ---------------------------------


@dataclass
class Collected:
    result: Result
    documents: dict[str, Document]
    rules: list[Rule]
    sets: list[str]
    assessed: set[str] | None = None  # rule names selected in this run; None = all


def policy_sets(paths: Sequence[Path], documents: Iterable[str]) -> list[str]:
    """The folders whose documents form policy sets: each folder holding a
    document, at or under a folder named on the command line (as ``run.discover``)."""
    roots = [p for p in paths if Path(p).is_dir()]
    found: dict[str, None] = {}
    for doc in documents:
        parent = Path(doc).parent
        if any(parent == r or Path(r) in parent.parents for r in roots):
            found.setdefault(str(parent), None)
    return list(found)


def collect(paths: Sequence[Path], options: Options | None = None, engine: Engine | None = None) -> Collected:
    """Check ``paths`` with the one flow (``run.check``), keeping the documents."""
    from policylint import filters, run
    from policylint.config import resolve

    options = options or run.Options(config=resolve(list(paths), None))
    engine = engine or run.make_engine(options)
    result = run.check(list(paths), options, engine=engine, keep=True)
    documents = {path: analysed.document for path, analysed in result.analysed.items()}
    rules = list(engine.rules)
    chosen, ignored = options.selected(), options.ignored()
    assessed = {r.name for r in rules
                if filters.select([Finding(r.code, r.name, "info", "", "")], chosen, ignored)}
    sets = policy_sets(paths, (p for p, d in documents.items() if d.complete))
    return Collected(result, documents, rules, sets, assessed)


# -- the view --------------------------------------------------------------------


def _where(f: Finding) -> str:
    loc = f.location
    bits = []
    if loc.page is not None:
        bits.append(f"page {loc.page}")
    if loc.line is not None:
        bits.append(f"line {loc.line}")
    elif loc.paragraph is not None:
        bits.append(f"paragraph {loc.paragraph}")
    if loc.part and loc.part != "body":
        bits.append(loc.part)
    return ", ".join(bits)


@dataclass
class Segment:
    text: str
    severity: str | None = None  # worst severity of the findings covering it
    covering: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)


def segments(text: str, spans: Sequence[tuple[int, int, int, str]]) -> list[Segment]:
    """Split ``text`` at every finding boundary; spans are (finding id, start, end, severity).
    Overlapping findings give segments covered by several findings."""
    n = len(text)
    clean = [(fid, max(0, min(s, n)), max(0, min(e, n)), sev) for fid, s, e, sev in spans]
    clean = [c for c in clean if c[2] > c[1]]
    bounds = sorted({0, n, *(c[1] for c in clean), *(c[2] for c in clean)})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        covering = [c for c in clean if c[1] <= a and b <= c[2]]
        worst = max((c[3] for c in covering), key=lambda s: SEVERITY_RANK[s], default=None)
        out.append(Segment(text[a:b], worst, [c[0] for c in covering],
                           [c[0] for c in clean if c[1] == a], [c[0] for c in clean if c[2] == b]))
    return out or [Segment(text)]


def short_source(source: str) -> str:
    """The first of a rule's sources ("Byrne et al. 2021 (...)"); the rules table has them all."""
    depth, cut = 0, len(source)
    for i, ch in enumerate(source):
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == ";" and depth == 0:
            cut = i
            break
    return source[:cut].strip()


class FindingView:
    def __init__(self, fid: int, f: Finding, number: int, rules: Mapping[str, sc.RuleInfo]):
        self.id = f"f{fid}"
        self.fid = fid
        self.number = number
        self.f = f
        self.code, self.name, self.severity = f.code, f.name, f.severity
        self.severity_label = SEVERITY_LABEL.get(f.severity, f.severity)
        self.message = f.message
        self.evidence = f.evidence
        self.suggestions = list(f.suggestions)
        self.source = f.source
        self.source_short = short_source(f.source)
        self.where = _where(f)
        self.missing = f.evidence is None
        self.highlighted = False
        info = rules.get(f.name)
        self.rule_anchor = f"rule-{info.code}" if info else None
        key = sc.rule_element().get(f.name)  # what sc.RULE_ELEMENT gives, with its type
        self.element = sc.element_by_key()[key] if key else None
        self.documents = [PurePath(d).name for d in f.documents]


def _block_class(b: Block) -> str:
    if b.role == Role.TITLE:
        return "b-title"
    if b.role == Role.HEADING:
        return f"b-h b-h{min(max(b.level or 1, 1), 4)}"
    if b.role == Role.TABLE_CELL or b.cell is not None:
        return "b-cell b-cell-label" if b.cell and b.cell[2] == 0 else "b-cell"
    if b.role in Role.MARGINS:
        return "b-runner"
    if b.role in Role.NOTES:
        return "b-fn"
    return "b-p"


def document_items(doc: Document, views: list[FindingView]) -> tuple[list[dict], list[FindingView]]:
    """The document as a list of render items, with each finding beside the
    words it is about (or, for a missing element, under the block it belongs
    to); also the findings that belong to no block."""
    by_block: dict[int, list[FindingView]] = {}
    missing_at: dict[int, list[FindingView]] = {}
    loose: list[FindingView] = []
    nblocks = len(doc.blocks)
    for v in views:
        f = v.f
        if f.span is not None and 0 <= f.span[0] < nblocks and f.span[2] > f.span[1]:
            by_block.setdefault(f.span[0], []).append(v)
            v.highlighted = True
        elif f.anchor_block is not None and 0 <= f.anchor_block < nblocks:
            missing_at.setdefault(f.anchor_block, []).append(v)
        elif f.span is not None and 0 <= f.span[0] < nblocks:
            by_block.setdefault(f.span[0], []).append(v)
        else:
            loose.append(v)
    items: list[dict] = []
    seen_runners: set[tuple[str, str]] = set()
    page = None
    for i, b in enumerate(doc.blocks):
        notes = by_block.get(i, [])
        missing = missing_at.get(i, [])
        if b.role in Role.MARGINS and not notes and not missing:
            if (b.role, b.text) in seen_runners:
                continue
            seen_runners.add((b.role, b.text))
        if doc.format == "pdf" and b.location.page is not None and b.location.page != page:
            if page is not None:
                items.append({"type": "page", "page": b.location.page})
            page = b.location.page
        spans = [(v.fid, span[1], span[2], v.severity) for v in notes
                 if v.highlighted and (span := v.f.span) is not None]  # highlighted: it has a span
        block = {
            "type": "block", "index": i, "cls": _block_class(b), "segments": segments(b.text, spans),
            "notes": notes, "missing": missing,
        }
        if b.role == Role.LIST_ITEM:
            if items and items[-1]["type"] == "list":
                items[-1]["blocks"].append(block)
            else:
                items.append({"type": "list", "blocks": [block]})
        else:
            items.append(block)
    return items, loose


def _default_title(paths: Sequence[Path]) -> str:
    names = []
    for p in paths:
        p = Path(p)
        name = (p.resolve().name if p.is_dir() else p.stem) or str(p)
        names.append(" ".join(w.capitalize() for w in name.replace("_", "-").split("-") if w))
    return " and ".join(names) if names else "Policy documents"


def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("policylint.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["kind_label"] = lambda k: KIND_LABEL.get(k or "", k or "unknown kind")
    env.filters["basename"] = lambda p: PurePath(p).name or p
    env.filters["stem"] = lambda p: PurePath(p).stem or p
    env.filters["plural"] = lambda n, word, many=None: f"{n} {word if n == 1 else (many or word + 's')}"
    return env


def element_lines(card: sc.Scorecard, infos: Mapping[str, sc.RuleInfo], doc_ids: Mapping[str, str]) -> dict:
    """For each element: a one-line summary, and for each of its rules where
    it is met, met with advice and not met (with links)."""
    out = {}
    for e in card.elements:
        rules = []
        for name in e.rules_assessed:
            groups: dict[str, list[dict]] = {sc.NOT_MET: [], sc.ADVICE: [], sc.MET: []}
            for t in card.targets:
                c = card.cell(name, t.path)
                if c.status not in groups:
                    continue
                label = "the policy set" if t.is_set else t.label
                href = f"#f{c.findings[0]}" if c.findings else f"#{doc_ids.get(t.path, 'documents')}"
                groups[c.status].append({"label": label, "href": href})
            rules.append({"info": infos[name], "groups": groups, "any": any(groups.values())})
        applicable = [c for c in e.checks if c.applicable]
        met = sum(1 for c in applicable if c.status == sc.MET)
        if applicable:
            summary = f"{met} of {len(applicable)} check{'s' if len(applicable) != 1 else ''} met"
            advice = sum(1 for c in applicable if c.status == sc.ADVICE)
            if advice:
                summary += f", {advice} more met with advice"
            summary += "."
        elif e.rules_assessed:
            summary = "No document in the set is of a kind its rules judge."
        else:
            summary = "None of its rules is available in this run."
        out[e.element.key] = {"summary": summary, "rules": rules}
    return out


def display_groups(card: sc.Scorecard) -> list[tuple[str, str, str, list[sc.ElementResult]]]:
    """The model's parts as the page shows them: commitment and culture together
    (one element each), then strategies, then challenges. (key, title, summary, elements)"""
    parts = {p.key: p for p in sc.PARTS}
    return [
        ("commitment-culture", "Commitment and culture",
         parts["commitment"].summary + " " + parts["culture"].summary,
         card.part("commitment") + card.part("culture")),
        ("strategies", parts["strategies"].title, parts["strategies"].summary, card.part("strategies")),
        ("challenges", parts["challenges"].title, parts["challenges"].summary, card.part("challenges")),
    ]


def chart_tiles(card: sc.Scorecard, columns: int, width: int, gap: int = 12, tile_h: int = 100,
                label_h: int = 30, font: int = 16) -> dict:
    """Tile positions for the model picture: rows of at most ``columns`` tiles,
    with a label above each part."""
    groups = [(title, elements) for _, title, _, elements in display_groups(card)]
    tiles, labels = [], []
    y = 0
    for label, elements in groups:
        if not elements:
            continue
        labels.append({"text": label, "x": 0, "y": y + 20})
        y += label_h
        for start in range(0, len(elements), columns):
            row = elements[start:start + columns]
            w = (width - gap * (len(row) - 1)) / len(row)
            for j, e in enumerate(row):
                lines = e.element.short or (e.element.title,)
                tiles.append({
                    "e": e, "x": round(j * (w + gap), 1), "y": y, "w": round(w, 1), "h": tile_h,
                    "lines": lines, "bar": round((w - 24) * (e.score or 0), 1), "track": round(w - 24, 1),
                })
            y += tile_h + gap
        y += 6
    return {"tiles": tiles, "labels": labels, "height": y, "width": width, "font": font}


def make_scorecard(result: Result, documents: Mapping[str, Document], rules: Iterable[Rule | sc.RuleInfo],
                   sets: Sequence[str] = (), assessed: set[str] | None = None) -> sc.Scorecard:
    """The scorecard: one column per file checked, then one per policy set."""
    targets: list[sc.Target] = []
    for fr in result.files:
        targets.append(sc.Target(fr.path, fr.kind, error=fr.error))
    for folder in sets:
        members = [d for d in documents.values() if str(PurePath(d.path).parent) == folder and d.complete]
        targets.append(sc.Target(folder, None, is_set=True, kinds=tuple(sorted({d.kind for d in members if d.kind})),
                                 documents=tuple(d.path for d in members)))
    return sc.build(rules, targets, list(result.findings), assessed)


def render_html(result: Result, documents: Mapping[str, Document] | Iterable[Document],
                rules: Iterable[Rule | sc.RuleInfo],
                *, title: str | None = None, sets: Sequence[str] = (), assessed: set[str] | None = None,
                generated: str | None = None, paths: Sequence[Path] = ()) -> str:
    """The scorecard page for a ``Result`` (from ``run.check``), the documents it
    checked (keyed by path) and the rules that ran."""
    from policylint import __version__

    if not isinstance(documents, Mapping):
        documents = {d.path: d for d in documents}
    rules = list(rules)
    infos = {r.name: (r if isinstance(r, sc.RuleInfo) else sc.RuleInfo.from_rule(r)) for r in rules}
    findings: list[Finding] = list(result.findings)

    doc_paths = [fr.path for fr in result.files]
    set_paths = list(sets)
    card = make_scorecard(result, documents, infos.values(), set_paths, assessed)

    # Findings by where they belong.
    per_path: dict[str, list[FindingView]] = {}
    views: dict[int, FindingView] = {}
    for fid, f in enumerate(findings):
        group = per_path.setdefault(f.path, [])
        v = FindingView(fid, f, len(group) + 1, infos)
        group.append(v)
        views[fid] = v

    doc_ids = {p: f"doc-{n}" for n, p in enumerate(doc_paths, 1)}
    doc_ids.update({p: f"set-{n}" for n, p in enumerate(set_paths, 1)})
    docs_view = []
    for fr in result.files:
        doc = documents.get(fr.path)
        vs = per_path.get(fr.path, [])
        items, loose = document_items(doc, vs) if doc is not None else ([], vs)
        counts = {s: sum(1 for v in vs if v.severity == s) for s in ("error", "warning", "info")}
        docs_view.append({
            "id": doc_ids[fr.path], "path": fr.path, "name": PurePath(fr.path).name,
            "title": (doc.title if doc is not None and doc.title else PurePath(fr.path).name),
            "kind": fr.kind, "kind_reason": fr.kind_reason, "error": fr.error,
            "body": items, "loose": loose, "findings": vs, "counts": counts,
            "text_missing": doc is None and not fr.error,
            "pages": doc.pages if doc is not None else None,
        })
    sets_view = []
    for t in card.targets:
        if t.is_set:
            vs = per_path.get(t.path, [])
            sets_view.append({"id": doc_ids[t.path], "path": t.path, "name": PurePath(t.path).name or t.path,
                              "findings": vs, "documents": [PurePath(d).name for d in t.documents]})
    # Findings on paths that are neither a document nor a set (should not happen) still get shown.
    known = set(doc_paths) | set(set_paths)
    stray = [v for p, vs in per_path.items() if p not in known for v in vs]

    counts_by_sev = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    wide = chart_tiles(card, 4, 960, font=17)
    narrow = chart_tiles(card, 2, 400, font=15)
    not_loaded = [n for e in card.elements for n in e.rules_missing]
    matrix_groups: list[dict[str, object]] = []
    for e in card.elements:
        rows = [infos[n] for n in e.rules_assessed]
        if rows:
            matrix_groups.append({"title": e.element.title, "id": e.element.key, "status": e.status, "rules": rows})
    extra = [r for r in card.rules if r.name in card.unmapped]
    if extra:
        matrix_groups.append({"title": "Other rules", "id": "other", "status": None, "rules": extra})

    env = _env()
    template = env.get_template("report.html.j2")
    return template.render(
        title=title or _default_title(list(paths) or [Path(p) for p in set_paths]),
        generated=generated or _dt.date.today().isoformat(),
        version=__version__,
        card=card, groups=display_groups(card), docs=docs_view, sets=sets_view, stray=stray, views=views,
        doc_ids=doc_ids, set_paths=set_paths, findings=findings, counts_by_sev=counts_by_sev,
        wide=wide, narrow=narrow, matrix_groups=matrix_groups, infos=infos,
        not_loaded=not_loaded, lines=element_lines(card, infos, doc_ids), notes=list(getattr(result, "notes", [])),
        status_label=sc.STATUS_LABEL, cell_label=sc.CELL_LABEL, kind_label=KIND_LABEL,
        sc=sc,
    )


def collected_summary(collected: Collected) -> str:
    """One line for the terminal: element statuses and findings."""
    card = make_scorecard(collected.result, collected.documents, collected.rules, collected.sets, collected.assessed)
    c = card.counts
    n = len(collected.result.findings)
    return (f"{c['met']} of {len(card.elements)} elements met, {c['partly-met']} partly met, "
            f"{c['not-met']} not met, {c['not-assessed']} not assessed; "
            f"{n} finding{'s' if n != 1 else ''} in {len(collected.result.files)} files")
