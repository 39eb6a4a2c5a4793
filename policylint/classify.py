"""Decide what kind of document each one is, say why, and how sure we are.

An explicit kind (``--kind`` or a configured glob) always wins. Otherwise the
kind comes from what the document *does*, not from one keyword: every kind
collects evidence from families of cues (a job advert has duties, criteria,
a reporting line, pay and job-board furniture; a policy has policy furniture
and a subject; a mission page speaks about the organisation in headings such
as "who we are"). Evidence counts more in the title lines than in other
headings, more in headings than in the opening text, and more in the opening
text than further down. The best-scoring kind wins; the runner-up and a
confidence (from the margin between them and the strength of the evidence)
are kept so a reviewer can see a close call. File names are never used.

A job description becomes a peer job description only when the role itself
is a designated Lived Experience role: its title line or role summary names
a peer role (RULES-CATALOG.md 1.2), or lived experience is an essential
requirement. A nurse who "works alongside peer workers" stays a job
description.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from policylint.document import Block, Document, Role
from policylint.kinds import HR, JD, KINDS, MISSION, OTHER, PEER_JD, SUPERVISION, TRAINING

# Where a line sits, and how much a cue found there counts.
T_ZONE, H_ZONE, L_ZONE, B_ZONE = "title", "heading", "lead", "body"
ZONE_WEIGHT = {T_ZONE: 3.0, H_ZONE: 2.0, L_ZONE: 1.25, B_ZONE: 1.0}
ZONE_WORDS = {T_ZONE: "title lines", H_ZONE: "heading", L_ZONE: "opening text", B_ZONE: "body"}
TITLE_LINES = 6  # the title zone: up to this many heading-like lines of three words or more at the top ...
TITLE_REACH = 12  # ... within this many lines (job boards open with "Jobs", "Sign in", "Full time")
LEAD_CHARS = 1500  # the opening text: roughly the first screen of a page
MAX_CHARS = 60_000  # enough of any document to know what it is
MENU_REACH = 100  # blocks from the top where a site's menu is looked for
DENSITY = 0.25  # each further hit of a cue adds this share of its weight ...
HEADING_DENSITY = 0.5  # ... or this, for a heading cue: several such headings say more than one
DENSITY_CAP = 8  # ... up to this many further hits
POLICY = "policy"  # pseudo-kind: policy furniture, shared by the policy kinds
HEADINGS = frozenset({T_ZONE, H_ZONE})
TEXT = frozenset({L_ZONE, B_ZONE})
TITLE_ONLY = frozenset({T_ZONE})

WEAK = 4.0  # a best score under this is weak evidence
FLOOR = 1.5  # under this (one passing phrase), nothing points anywhere: other
CLOSE = 0.15  # a margin under this share of the best score is a close call


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One source line as the classifier sees it: text readers join a
    paragraph's lines, but job-board furniture and titles live on lines of
    their own, so the lines are split back out of each block."""

    text: str
    zone: str
    heading: bool


@dataclass(frozen=True)
class Cue:
    """A family of wording that is evidence for a kind, with its weight.
    ``zones`` limits where the cue counts: a "Values" heading says mission
    page, the word "values" in a sentence says little."""

    kind: str
    label: str
    pattern: re.Pattern
    weight: float
    zones: frozenset[str] = frozenset(ZONE_WEIGHT)


@dataclass(frozen=True)
class Evidence:
    """What one cue family found: its best hit, where, how often, and the
    points it gives its kind."""

    kind: str
    label: str
    text: str
    zone: str
    hits: int
    points: float


ZONES = {"headings": HEADINGS, "text": TEXT, "title": TITLE_ONLY, "anywhere": frozenset(ZONE_WEIGHT)}
# A cue with ``heading: true`` must be the whole heading line, optionally numbered ("3. Definitions:").
HEADING_LINE = r"^(?:[\divxlc]{1,4}(?:\.\d{1,3})*[.)]?\s+)?(?:%s)\s*[:.]?$"
_WORD_REF = re.compile(r"\$\{([\w-]+)\}")


def _load_cues() -> tuple[dict[str, str], tuple[Cue, ...]]:
    """The word lists and cue families of ``cues.yaml`` beside this module:
    the classifier's vocabulary is data, one alternative a line, so widening
    a family is an edit to that file and nothing else."""
    import yaml

    text = Path(__file__).with_name("cues.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    words = {name: "|".join(alternatives) for name, alternatives in data["words"].items()}
    cues = []
    for spec in data["cues"]:
        if spec["kind"] not in KINDS and spec["kind"] != POLICY:
            raise ValueError(f"cues.yaml: unknown kind {spec['kind']!r} in cue {spec['label']!r}")
        pattern = _WORD_REF.sub(lambda m: words[m.group(1)], "|".join(spec["any"]))
        if spec.get("heading"):
            pattern = HEADING_LINE % pattern
        cues.append(Cue(spec["kind"], spec["label"], _rx(pattern), float(spec["weight"]),
                        ZONES[spec.get("zones", "anywhere")]))
    return words, tuple(cues)


WORDS, CUES = _load_cues()
ROLE_NOUN = WORDS["role-noun"]  # what a job title ends in
PEER_TERM = WORDS["peer-term"]  # catalog 1.2: the words that make a role a designated Lived Experience role
PEER_RE = _rx(rf"\b(?:{PEER_TERM})\b")

# A line of a web page's furniture: its items alone or between bars ("Privacy policy |
# Accessibility"), a breadcrumb ("Home > About us > Careers"), or small print. Only short
# lines are looked at: furniture is short, and a long line could make these backtrack.
CHROME_ITEM = _rx(rf"(?:{WORDS['web-chrome']})")
_BETWEEN_ITEMS = re.compile(r"\s*[|·•]\s*")
BREADCRUMB = _rx(r"^\s*(?:[\w'&-]+\s){0,4}[\w'&-]+(?:\s[>»›]\s(?:[\w'&-]+\s){0,4}[\w'&-]+)+\s*$")
SMALL_PRINT = _rx(WORDS["web-small-print"])
FURNITURE_CHARS = 200


def _furniture(line: str) -> bool:
    """A line of a web page's own furniture: its items alone or between bars
    (each item tested alone, so no pattern backtracks over a line of them), a
    breadcrumb, or small print."""
    if len(line) > FURNITURE_CHARS:
        return False
    items = [item for item in _BETWEEN_ITEMS.split(line.strip()) if item]
    if items and all(CHROME_ITEM.fullmatch(item) for item in items):
        return True
    return bool(BREADCRUMB.match(line) or SMALL_PRINT.search(line))


MORE_HEADING = _rx(rf"^\s*(?:{WORDS['web-more']})\s*:?\s*$")  # what follows is not this document
MENU_ITEM = _rx(rf"^(?:{WORDS['web-menu']})$")
MENU_RUN = 4  # this many short lines in a row, two of them menu items, are a site's menu
_SHORT_LINE = _rx(r"^[A-Za-z&'’ -]{1,30}$")


def _menu_lines(lines: list[tuple[str, int]]) -> set[int]:
    """Which of ``lines`` (each a line's text and its line number in the
    source) make up a site's menu, copied with a page's text: in a run of at
    least ``MENU_RUN`` short lines of words alone (no digits, no colon, no
    full stop) with two or more menu items ("Home", "About us", "Careers"),
    the lines from the first menu item to the last. A run keeps one spacing:
    a title set off by a blank line after a menu of adjacent lines is not
    part of it, nor is one that sits closer to the text below it than to
    the run. A job's furniture ("Job type", "Full time") has values
    beside its labels and few menu items."""
    found: set[int] = set()
    run: list[int] = []
    spacing: int | None = None

    def close(after: int | None = None) -> None:
        """End the run; ``after``: the line number of the text that ended it."""
        if run and after is not None and spacing and after - lines[run[-1]][1] < spacing:
            run.pop()  # closer to the text below than to the run: that text's heading
        items = [k for k in run if MENU_ITEM.match(lines[k][0])]
        if len(run) >= MENU_RUN and len(items) >= 2:
            found.update(range(items[0], items[-1] + 1))  # a title may follow the last item
        run.clear()

    for k, (text, number) in enumerate(lines):
        if not (_SHORT_LINE.match(text) and len(text.split()) <= 4):
            close(number)
            continue
        if run:
            gap = number - lines[run[-1]][1]
            if spacing is None:
                spacing = gap
            elif gap != spacing:
                close()
                spacing = None
        else:
            spacing = None
        run.append(k)
    close()
    return found


def _numbered_lines(lines_of_blocks: list[list[tuple[str, int | None]]]) -> list[tuple[str, int]]:
    """Every block's lines, each with a line number: the source line where
    the reader gives one (and it comes after the line before), else one
    after the line before (a new page, a DOCX paragraph)."""
    out: list[tuple[str, int]] = []
    number = 0
    for lines in lines_of_blocks:
        for text, line in lines:
            number = line if line is not None and line > number else number + 1
            out.append((text, number))
    return out


POLICY_KINDS = (SUPERVISION, TRAINING, HR)
JOB_TITLE_WEIGHT = 2.0
MIN_SUBJECT = 4.0  # below this, policy furniture says "some other policy" (catalog: other)
MISSION_FURNITURE_PENALTY = 0.5  # share of the policy furniture taken off a mission reading ...
JOB_FURNITURE_PENALTY = 0.3  # ... and off a job reading


# -- the document as lines -------------------------------------------------------------------------------

def _source_lines(block: Block) -> list[tuple[str, int | None]]:
    """The source lines a block was joined from, each with its line number
    in the source (None where the reader gives none): readers join a
    paragraph's lines into one block, but record where each line began in
    ``anchors``. A block with no text of its own line is one line."""
    cuts = [0]
    numbers = [block.anchors[0][1].line if block.anchors else None]
    prev = None
    for offset, loc in block.anchors:
        key = (loc.page, loc.line)
        if prev is not None and loc.line is not None and key != prev and offset > cuts[-1]:
            cuts.append(offset)
            numbers.append(loc.line)
        prev = key
    cuts.append(len(block.text))
    found = [(block.text[a:b].strip(), line) for (a, b), line in zip(pairwise(cuts), numbers)]
    return [(text, line) for text, line in found if text] or [(block.text.strip(), numbers[0])]


def _title_case(words: list[str]) -> bool:
    """Most longer words capitalised, as in "Peer Support Specialist at County of Pinecrest"."""
    longer = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return bool(longer) and sum(w[0].isupper() for w in longer) >= 0.6 * len(longer)


def _heading_like(text: str, role: str, alone: bool, first: bool = False) -> bool:
    """Whether a line reads as a heading or label: plain-text pages have no
    heading markup, so short lines not ending a sentence (an advert's "What
    you will do!" is a heading), ALL CAPS lines, Title Case lines and
    "Label:" lines count as headings, and so does a first line standing
    alone (a long title is still the title)."""
    if role in (Role.HEADING, Role.TITLE):
        return True
    if role == Role.LIST_ITEM or not text or len(text) > (250 if first else 120) or text[-1] in ".;,":
        return False
    words = text.split()
    if role == Role.TABLE_CELL:
        return len(words) <= 4  # a label cell ("Position title"), not a cell of running text
    if alone and (len(words) <= 12 or (first and len(words) <= 30)):
        return True
    if len(words) <= 5:
        return True
    return len(words) <= 12 and (text.endswith(":") or text.isupper() or _title_case(words))


def _numbered_heading(block: Block, after: Block | None) -> bool:
    """A short list item followed by running text is a numbered section
    heading ("1. Purpose", then its paragraph): plain-text readers see a
    numbered list."""
    words = block.text.split()
    return (block.role == Role.LIST_ITEM and 0 < len(words) <= 5 and block.text[-1] not in ".;,"
            and after is not None and after.role != Role.LIST_ITEM)


def lines_of(doc: Document) -> list[Line]:
    """The document's lines with their zones: the title zone (the title or
    first heading the reader marked up, and heading-like lines at the very
    top before any section heading), other headings, the opening text and
    the rest. Headers, footers and notes are left out: they repeat titles
    and carry boilerplate. A "Label:" line at the top is a heading, not a
    title: "Delivery plan:" on a form names a field, not the document."""
    raw: list[tuple[str, bool, bool, bool]] = []  # text, heading-like, the title, a marked-up section heading
    size, headed = 0, False
    blocks = [b for b in doc.blocks if b.role not in Role.ASIDE]
    lines_of_blocks = [_source_lines(block) for block in blocks]
    menu = _menu_lines(_numbered_lines(lines_of_blocks[:MENU_REACH]))
    k = -1  # the line at hand, counted over every block's lines (as ``menu`` counts them)
    skipped: set[str] = set()  # the page furniture left out
    more = False  # past a heading over other jobs: the rest of the page is not this document
    for n, block in enumerate(blocks):
        title = block.role == Role.TITLE or (block.role == Role.HEADING and (not headed or block.text == doc.title))
        section = block.role == Role.HEADING and not title
        headed = headed or block.role in (Role.HEADING, Role.TITLE)
        parts = [text for text, _ in lines_of_blocks[n]]
        numbered = _numbered_heading(block, blocks[n + 1] if n + 1 < len(blocks) else None)
        for part in parts:
            k += 1
            part = part[:MAX_CHARS]
            if len(part) <= FURNITURE_CHARS and MORE_HEADING.match(part):
                more = True
            if more or k in menu or _furniture(part):
                skipped.add(part)
                continue
            heading = numbered or _heading_like(part, block.role, len(parts) == 1, not raw)
            raw.append((part, heading, title, section))
            size += len(part)
            if size > MAX_CHARS:
                break
        if size > MAX_CHARS:
            break
    if doc.title and doc.title not in skipped and not _furniture(doc.title) \
            and not any(text == doc.title for text, *_ in raw):
        raw.insert(0, (doc.title, True, True, False))
    lines: list[Line] = []
    in_title, chars, substantial = True, 0, 0
    for i, (text, heading, title, section) in enumerate(raw):
        if in_title and (i >= TITLE_REACH or substantial >= TITLE_LINES or not heading or section):
            in_title = False
        substantial += len(text.split()) >= 3
        if title or (heading and in_title and not text.endswith(":")):
            zone = T_ZONE
        elif heading:
            zone = H_ZONE
        else:
            zone = L_ZONE if chars < LEAD_CHARS else B_ZONE
            chars += len(text)
        lines.append(Line(text, zone, heading))
    return lines


# -- gathering and weighing evidence ----------------------------------------------------------------------

def gather(lines: list[Line]) -> list[Evidence]:
    """Every cue family's evidence: its best-placed hit and how many hits.
    A family counts once at its best place, plus a little for each further
    hit, so one repeated word cannot outweigh several kinds of evidence."""
    found: list[Evidence] = []
    for cue in CUES:
        best: tuple[float, str, str] | None = None
        hits = 0
        for line in lines:
            if line.zone not in cue.zones:
                continue
            matches = list(cue.pattern.finditer(line.text))
            if not matches:
                continue
            hits += len(matches)
            weight = ZONE_WEIGHT[line.zone]
            if best is None or weight > best[0]:
                best = (weight, line.zone, matches[0].group(0))
        if best is not None:
            density = HEADING_DENSITY if cue.zones <= HEADINGS else DENSITY
            points = cue.weight * best[0] + cue.weight * density * min(hits - 1, DENSITY_CAP)
            found.append(Evidence(cue.kind, cue.label, best[2].strip(), best[1], hits, points))
    return found


def title_evidence(lines: list[Line]) -> list[Evidence]:
    """A job title in the title lines (or a "Position title:" label) is
    evidence of a job advert: real adverts are headed by the job and the
    service, and rarely say "position description"."""
    titles = job_titles(lines)
    if not titles:
        return []
    text, zone = titles[0]
    return [Evidence(JD, "job title", text, zone, len(titles), JOB_TITLE_WEIGHT * ZONE_WEIGHT[zone])]


def kind_scores(evidence: list[Evidence]) -> tuple[dict[str, float], str]:
    """Each kind's score from the evidence, and the kind that policy
    furniture went to. The furniture belongs to the policy kind whose
    subject is strongest, or to ``other`` (an operational policy) when no
    workforce subject stands out. It also counts against reading the
    document as a mission page or a job advert: policies quote the mission,
    and recruitment policies talk about adverts."""
    raw: dict[str, float] = defaultdict(float)
    for ev in evidence:
        raw[ev.kind] += ev.points
    scores = {kind: raw.get(kind, 0.0) for kind in KINDS}
    furniture = raw.get(POLICY, 0.0)
    owner = max((*POLICY_KINDS, OTHER), key=lambda k: scores[k])
    if owner == OTHER or scores[owner] < MIN_SUBJECT:
        owner = OTHER
    scores[owner] += furniture
    scores[MISSION] = max(0.0, scores[MISSION] - MISSION_FURNITURE_PENALTY * furniture)
    scores[JD] = max(0.0, scores[JD] - JOB_FURNITURE_PENALTY * furniture)
    return scores, owner


# -- is the job a peer job? -------------------------------------------------------------------------------

ROLE_RE = _rx(rf"\b(?:{ROLE_NOUN})\b")  # singular: a job title names one post; "Peer Specialists: ..." is a topic
# Words that turn a line naming a role into a line about something else ("Supervision of Certified Peer
# Specialists", "Becoming a Peer Specialist Supervisor", "Life as a peer support worker").
PREFIX_STOP = frozenset({
    "of", "for", "with", "to", "about", "on", "by", "becoming", "become", "how", "what", "who", "why",
    "working", "life", "as", "our", "your", "their", "the", "a", "an", "supervision", "supervising",
    "training", "policy", "procedure", "guide", "guidance", "module", "rule", "in", "into",
})
ROLE_QUALIFIER = _rx(r"^(?:[(\[\-–—|,/:·]|(?:in|at|for|I{1,3}|\d)\b)")
TITLE_LABEL = _rx(r"^(?:(?:(?:position|post|job|role)\s+title|title of (?:the )?(?:position|post|role)|classification)"
                  r"\s*:?|(?:position|post|job|role)\s*:)\s*(.*)$")
PEER_ROLE = (rf"(?:(?:{PEER_TERM})(?:\s+[\w-]+){{0,3}}?\s+(?:{ROLE_NOUN})s?|recovery\s+coach(?:es)?"
             rf"|experts?\s+by\s+experience)\b")
# How a role summary names the role it is about: anywhere in the opening text ...
ROLE_NAMING = (
    _rx(rf"\b(?:looking for|seeking|hiring|recruiting|appointing|applications (?:for|from))\s+(?:an?|our|the|several"
        rf"|two|three|\w+)\s+(?:[\w-]+,?\s+){{0,3}}?{PEER_ROLE}"),
    _rx(rf"\b(?:in|as) (?:the|our|a|an|this) (?:[\w-]+\s+){{0,3}}?{PEER_ROLE}\s+(?:role|position|post)\b"),
    _rx(rf"\bthis (?:[\w-]+\s+){{0,3}}?{PEER_ROLE}\s+(?:role|position|post|job)\b"),
    _rx(rf"{PEER_ROLE}(?:\s+[\w-]+){{0,2}}?\s+(?:vacanc(?:y|ies)|openings?)\b"),
    # what the post holder does: peer support given to the people served ...
    _rx(r"\b(?:offer(?:s|ing)?|provid(?:e|es|ing)|deliver(?:s|ing)?|giv(?:e|es|ing))\s+(?:[\w-]+\s+){0,2}?"
        r"peer (?:recovery )?(?:support|coaching|mentoring)"
        r"(?! (?:supervision|workers?|staff|team|services? (?:manager|lead)))"
        r"(?:\s+[\w-]+){0,3}?\s+(?:to|for|with) (?:our |the )?"
        r"(?:members|clients|participants|consumers|people|individuals|patients|residents|service users|youth"
        r"|young people|families|guests|anyone|those|others|adults|veterans|women|men)\b"),
    # ... drawing on their own recovery
    _rx(r"\b(?:shar|draw|us)(?:e|es|ing|s)?\s+(?:on\s+)?(?:their|your|his or her|one's)\s+own\s+(?:lived experience"
        r"|recovery|experiences? of (?:recovery|mental|substance|addiction|alcohol|drug))"
        r"|\bshar(?:e|es|ing)\s+(?:their |your |his or her )?personal experiences?\s+(?:of|that led|toward|with|in)\s+"
        r"(?:[\w-]+\s+){0,2}?(?:recovery|rehabilitation|mental|substance|addiction)"),
)
# ... or as the subject of the first sentences ("Peer Specialists deliver ...", "Employees in this job
# deliver peer support"), where a job class specification defines its role.
ROLE_DEFINING = (
    _rx(rf"(?:^|[.!?:]\s+)(?:the |a |an |our |each |every )?(?:[\w-]+\s+){{0,3}}?{PEER_ROLE}\s+(?:will|is|are|has"
        r"|offers?|provides?|delivers?|supports?|works?|builds?|acts?|helps?|engages?|draws?|brings?|shares?|uses?)\b"),
    _rx(r"\b(?:work|job|role|position|class|employees|incumbents?|staff)\b(?:\s+[\w-]+){0,6}?\s+(?:deliver|provide"
        r"|offer|give)s?\s+(?:[\w-]+\s+){0,3}?peer (?:support|recovery|services)"),
    _rx(rf"(?:^|[.!?:]\s+)(?:the |a |an |each |every )?(?:[\w-]+\s+){{0,3}}?{PEER_ROLE}(?:'s|’s)\s+(?:main |primary "
        r"|key |core )?(?:function|role|purpose|job|task|duty|duties|responsibilit(?:y|ies))\b"),
)
DEFINING_CHARS = 600  # the first sentences of the opening text
LE_REQUIRED = _rx(
    r"\b(?:lived|living|personal) experience\b[^.]{0,80}?\b(?:is |are )?(?:essential|required|a must|mandatory)\b"
    r"|\bmust (?:have|bring|hold|self-identify)\b[^.]{0,60}?\b(?:lived|living) experience\b"
    r"|\brequires lived experience\b|\bself-identif(?:y|ies) as\b[^.]{0,60}?\brecovery\b"
    # the applicant's own diagnosis or use of services, asked for
    r"|\bmust\b[^.]{0,40}?\b(?:diagnos(?:is|ed)|(?:currently )?(?:receiv(?:e|ed|ing)|us(?:e|ed|ing)) (?:of )?"
    r"(?:mental health|behavioral health|behavioural health|substance use|addiction) (?:services|treatment))"
    r"|\b(?:has|have) personally (?:used|received|accessed)\b[^.]{0,40}?\b(?:services|treatment)\b"
    # a peer credential the post holder must hold or gain
    r"|\b(?:must|required to|prepared to|expected to|able to|eligible to)\b[^.]{0,30}?\b(?:become|be|obtain|hold"
    r"|maintain|gain)\b[^.]{0,20}?\bcertified (?:as an? )?peer\b"
    r"|\bpeer (?:specialist |support |recovery )?certification\b[^.]{0,30}?\b(?:required|must|within)\b")

PEER_WHERE = {
    "title": "the job title names a peer role",
    "summary": "the role summary names a peer role",
    "heading": "a heading names a peer role",
    "requirement": "lived experience is an essential requirement",
}


@dataclass(frozen=True)
class PeerEvidence:
    """Why a job is a designated peer role: where the role is named that way
    (``title``, ``summary``, ``heading`` or ``requirement``), the words,
    and how strongly that says peer (0..1)."""

    where: str
    text: str
    strength: float


def role_name(line: str) -> str | None:
    """The job title a line names, if the line is one: a role noun (worker,
    specialist, coach, nurse ...) in the singular, led by at most a few
    modifiers and followed only by qualifiers (" - Rowan Ward", " (ACT)",
    " in Marsdon", " I/II"). "Position Description: X" names X."""
    for segment in re.split(r":\s+|:$", line):
        m = ROLE_RE.search(segment)
        if not m:
            continue
        prefix = [w.strip(",.&").lower() for w in segment[:m.start()].split()]
        if len(prefix) > 6 or any(w in PREFIX_STOP for w in prefix):
            continue
        rest = segment[m.end():].strip()
        if rest and not ROLE_QUALIFIER.match(rest) and len(rest.split()) > 3:
            continue
        return segment.strip()
    return None


def job_titles(lines: list[Line]) -> list[tuple[str, str]]:
    """The job titles (with their zones) the title lines name, plus any
    "Position title: X" label near the top (the value may sit on the next
    line or table cell)."""
    titles = [(name, line.zone) for line in lines if line.zone == T_ZONE and (name := role_name(line.text))]
    for i, line in enumerate(lines[:40]):
        m = TITLE_LABEL.match(line.text)
        if m:
            value = m.group(1).strip() or (lines[i + 1].text if i + 1 < len(lines) else "")
            if value and role_name(value):
                titles.append((value, line.zone))
    return titles


def peer_role(lines: list[Line]) -> PeerEvidence | None:
    """Whether the job is a designated Lived Experience role. The job title
    decides when the title lines name one; otherwise the role summary's
    naming of the role, a heading naming a peer role, or lived experience
    as an essential requirement. Peer words elsewhere (duties that involve
    peer workers) do not make a peer job."""
    text = "\n".join(line.text for line in lines)
    required = LE_REQUIRED.search(text)
    titles = [title for title, _ in job_titles(lines)]
    for title in titles:
        if PEER_RE.search(title):
            return PeerEvidence("title", title, 0.8)
    if titles:
        return PeerEvidence("requirement", required.group(0), 0.5) if required else None
    summary = " ".join(line.text for line in lines if line.zone == L_ZONE)[:LEAD_CHARS * 2]
    for patterns, opening in ((ROLE_NAMING, summary), (ROLE_DEFINING, summary[:DEFINING_CHARS])):
        for pattern in patterns:
            if m := pattern.search(opening):
                return PeerEvidence("summary", m.group(0).strip(" .:"), 0.6)
    for line in lines:
        if line.heading and (name := role_name(line.text)) and PEER_RE.search(name):
            return PeerEvidence("heading", name, 0.5)
    return PeerEvidence("requirement", required.group(0), 0.5) if required else None


# -- the decision ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """The classifier's answer: the kind, the runner-up, a confidence in
    [0, 1], the reason in words, and every kind's score."""

    kind: str
    runner_up: str | None
    confidence: float
    reason: str
    scores: dict[str, float]
    close_call: bool = False  # the runner-up's score is within CLOSE of the best


def judge(doc: Document) -> Verdict:
    """Score every kind from the document's content and pick the best."""
    lines = lines_of(doc)
    evidence = gather(lines) + title_evidence(lines)
    scores, owner = kind_scores(evidence)
    peer = peer_role(lines) if scores[JD] > 0 else None
    job = scores[JD]
    if peer is not None:
        scores[PEER_JD], scores[JD] = job, job * (1 - peer.strength)
    elif job > 0 and any(PEER_RE.search(line.text) for line in lines):
        scores[PEER_JD] = job * 0.2
    ranked = sorted(KINDS, key=lambda k: (-scores[k], KINDS.index(k)))
    best, second = ranked[0], ranked[1]
    top, runner = scores[best], scores[second]
    if top <= 0:
        return Verdict(OTHER, None, 0.0, "no evidence of any kind: no job, policy, plan or mission cues", scores)
    if top < FLOOR and best != OTHER:
        cue = max((e for e in evidence if e.kind in _family(best, owner)), key=lambda e: e.points, default=None)
        said = f" ({cue.label} \"{_short(cue.text)}\")" if cue else ""
        reason = f"weak evidence: only a passing cue for {best}{said}, so other"
        return Verdict(OTHER, best, round(0.5 * (1 - top / FLOOR), 2), reason, scores)
    margin = (top - runner) / top
    confidence = round(margin * top / (top + WEAK), 2)
    mine = sorted((e for e in evidence if e.kind in _family(best, owner)), key=lambda e: -e.points)
    reason = _reason(best, mine, peer, top, second if runner > 0 else None, margin)
    close = top >= WEAK and margin < CLOSE and runner > 0
    return Verdict(best, second if runner > 0 else None, confidence, reason, scores, close)


def _family(kind: str, furniture_owner: str) -> tuple[str, ...]:
    """The evidence kinds behind a document kind's score."""
    if kind in (JD, PEER_JD):
        return (JD,)
    return (kind, POLICY) if kind == furniture_owner else (kind,)


def _reason(kind: str, mine: list[Evidence], peer: PeerEvidence | None, top: float, runner: str | None,
            margin: float) -> str:
    """The reason in words: the strongest evidence for the kind (``mine``,
    strongest first), the peer decision, and the runner-up; "weak evidence"
    or "close call" first when the evidence does not settle it."""
    parts = [f"{e.label} \"{_short(e.text)}\" ({ZONE_WORDS[e.zone]})" for e in mine[:3]]
    said = "; ".join(parts) if parts else "no direct cue"
    if kind == PEER_JD and peer is not None:
        said += f"; {PEER_WHERE[peer.where]} (\"{_short(peer.text)}\")"
    elif kind == JD and peer is None:
        said += "; no peer role named in the title or role summary"
    lead = f"{kind.replace('-', ' ')}: {said}"
    if top < WEAK:
        lead = f"weak evidence: {lead}"
    elif margin < CLOSE:
        lead = f"close call: {lead}"
    if runner:
        lead += f"; runner-up {runner}"
    return lead


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def classify(doc: Document, explicit: str | None = None, why: str = "") -> Document:
    """``doc`` with its kind, reason, runner-up and confidence. An explicit
    kind (``--kind`` or a configured glob, with ``why`` saying which) wins
    with confidence 1 and no runner-up."""
    if explicit:
        return doc.with_kind(explicit, why or f"kind given as {explicit}", None, 1.0)
    verdict = judge(doc)
    return doc.with_kind(verdict.kind, verdict.reason, verdict.runner_up, verdict.confidence, verdict.close_call)
