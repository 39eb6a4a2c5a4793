"""Context around a match: negation, disclaimers, advocacy, learning, and
the essential/desirable qualifier a criterion sits under.

Everything here works on tokens of one sentence (a spaCy Span) and on the
labels the analysis stage attaches to each block (its headings, its lead-in
paragraph, its table column and row headers).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from policylint.engine.blocktext import BlockText, text_of
from policylint.nlp import SENTENCE_STARTS, TOKEN_HASHES

if TYPE_CHECKING:
    from spacy.tokens import Doc

NEGATION_LEMMAS = {
    "not", "never", "no", "nor", "neither", "without", "none", "n't", "nobody",
    "exclude", "excluding", "prohibit", "forbid", "refrain", "avoid",
}
NEGATION_PHRASES = [
    ("other", "than"), ("rather", "than"), ("instead", "of"), ("except",), ("outside", "the", "scope"),
    ("no", "part"), ("not", "part"), ("free", "from"), ("unlike",),
]
NEGATION_WORD_RE = re.compile(r"\b(not|never|no|nor|neither|without|none|n't|exclud\w*|prohibit\w*|forbid\w*"
                              r"|refrain|avoid|other|rather|instead|except|outside|free|unlike)\b", re.I)
_NEGATION_FIRST = frozenset(phrase[0] for phrase in NEGATION_PHRASES)
CLAUSE_BREAK = {";", ":", "but", "however", "although", "whereas", "though", "yet", "while"}
BULLETS = {"-", "•", "*", "–", "—", "·"}

# Headings and lead-ins that introduce what a role or person does NOT do.
DISCLAIMER_RE = re.compile(
    r"\b(not|never|no|n't|exclusions?|excluded|out of scope|outside (the )?scope|boundar(y|ies)"
    r"|limits of (the|this) role|is not|are not)\b",
    re.I,
)

# The person leads, the peer supports: legitimate peer work that shares words
# with clinical tasks.
ADVOCACY_RE = re.compile(
    r"\b(when|if|whenever) (they|the person|the individual|people|participants?|consumers?|clients?"
    r"|residents?|someone)( \w+)? (ask|asks|wish|wishes|want|wants|choose|chooses|request|requests)\b"
    r"|\bat (their|the person's) (own )?request\b"
    r"|\bhelp(ing)? (them|people|the person|someone|participants?|consumers?) (to )?"
    r"(prepare|plan|think|understand|speak|talk|raise|ask)"
    r"|\bprepare (questions|what to ask)\b|\bquestions (for|to ask) (their|the)\b"
    r"|\btheir own (goals|words|terms|plan|recovery)\b|\b(person|self|consumer|participant)[- ](led|directed|defined)\b"
    r"|\bled by the (person|individual|participant)\b|\bof their (own )?choosing\b"
    r"|\b(understand|know|exercise|assert) (their|his|her) rights\b|\badvocat(e|es|ing) for\b",
    re.I,
)

# Learning about a task is not doing it: a learning word before the match in its
# clause ("training in risk assessment", "a course on medication administration"),
# or right after it ("medication awareness"). A learning word elsewhere in the
# sentence ("connect people with employment and education, providing case
# management") says nothing about the task.
LEARNING_BEFORE = frozenset({
    "training", "trained", "train", "course", "courses", "module", "modules", "workshop", "workshops",
    "awareness", "learn", "learns", "learning", "learned", "learnt", "e-learning", "education", "certificate",
    "understanding", "knowledge", "induction", "orientation", "study",
})
LEARNING_AFTER = frozenset({"training", "awareness", "course", "courses", "module", "modules", "workshop",
                            "workshops", "certificate", "e-learning", "education"})
LEARNING_REACH = 8  # tokens before the match a learning word may stand ...
# ... when it governs what follows ("training in", "a course on", "trained to"), or stands
# right before the match; "employment, education and housing, providing ..." is a list.
LEARNING_LINKS = frozenset({"in", "on", "about", "around", "for", "of", "to", "including", "covering", "such"})

QUALIFIER_RE = {
    "essential": re.compile(
        r"\b(essential(?!\s+(job\s+)?(functions?|duties|tasks|responsibilities))|mandatory|(?<!as )required|requirement"
        r"|must (have|hold|be)|key selection criteria)\b", re.I),
    "desirable": re.compile(
        r"\b(desirable|desired|preferred|preferable|advantageous|an advantage|highly regarded|well regarded"
        r"|highly valued|would be (an asset|valued|welcome|beneficial|regarded)|ideally|nice to have|bonus"
        r"|an asset|the ideal (candidate|applicant|person)s? (will|would|might))\b",
        re.I,
    ),
}


class _View:
    """A Doc's tokens as plain lists, built once per Doc (the context checks
    look at the same tokens many times): sentence bounds always; lemmas,
    lower-cased texts and punctuation flags when asked for (``view(doc,
    tokens=True)``). It keeps no reference to the Doc."""

    __slots__ = ("sent_start", "sent_end", "lemmas", "lowers", "punct", "sentence_texts")

    def __init__(self, doc: Doc) -> None:
        n = len(doc)
        starts = doc.user_data.get(SENTENCE_STARTS)
        if starts is None or (starts and starts[-1] >= n):  # a Doc from another pipeline
            starts = [sent.start for sent in doc.sents] if n else []
        self.sent_start: list[int] = []
        self.sent_end: list[int] = []
        for start, end in zip(starts, [*starts[1:], n]):
            self.sent_start += [start] * (end - start)
            self.sent_end += [end] * (end - start)
        self.lemmas: list[str] = []
        self.lowers: list[str] = []
        self.punct: Sequence[int] = []  # 0/1 per token: bytes from policylint's pipeline, else bools
        self.sentence_texts: dict[int, str] = {}  # by first token: filled by the checks as they ask


def view(target: Doc | BlockText, tokens: bool = False) -> _View:
    """The token view of a block's text, made once per analysed block."""
    block = text_of(target)
    doc = block.doc
    found = block.view
    if found is None:
        found = block.view = _View(doc)
    if tokens and len(found.lemmas) != len(doc):
        hashes = doc.user_data.get(TOKEN_HASHES)
        if hashes is not None and len(hashes[0]) == len(doc):  # what policylint's pipeline gives
            found.lemmas = _texts(hashes[0], doc)
            found.lowers = _texts(hashes[1], doc)
            found.punct = hashes[2]
        else:
            toks = list(doc)
            found.lemmas = [t.lemma_ for t in toks]
            found.lowers = [t.lower_ for t in toks]
            found.punct = [t.is_punct for t in toks]
    return found


_TEXTS: dict[int, str] = {}  # string hash -> the string: a dictionary answers faster than the StringStore
_TEXTS_LIMIT = 500_000


def _texts(hashes: Sequence[int], doc: Doc) -> list[str]:
    """The strings of a block's lemma or text hashes."""
    found = list(map(_TEXTS.get, hashes))
    if None in found:
        strings = doc.vocab.strings
        for i, text in enumerate(found):
            if text is None:
                text = found[i] = strings[hashes[i]]
                if len(_TEXTS) < _TEXTS_LIMIT:
                    _TEXTS[hashes[i]] = text
    return found  # type: ignore[return-value]  # every None filled in above


def _clause_bounds(v: _View, start: int, end: int) -> tuple[int, int]:
    """Token range (absolute) of the clause holding [start, end)."""
    s_lo, s_hi = v.sent_start[start], v.sent_end[start]
    lowers = v.lowers
    lo = s_lo
    for i in range(start - 1, s_lo - 1, -1):
        if lowers[i] in CLAUSE_BREAK:
            lo = i + 1
            break
    hi = s_hi
    for i in range(end, s_hi):
        if lowers[i] in CLAUSE_BREAK:
            hi = i
            break
    return lo, hi


def _has_negation(v: _View, lo: int, hi: int) -> bool:
    if lo >= hi:
        return False
    if not NEGATION_LEMMAS.isdisjoint(v.lemmas[lo:hi]):
        return True
    lowers = v.lowers[lo:hi]
    if _NEGATION_FIRST.isdisjoint(lowers):
        return False
    for phrase in NEGATION_PHRASES:
        n = len(phrase)
        if phrase[0] not in lowers:
            continue
        for i in range(len(lowers) - n + 1):
            if tuple(lowers[i:i + n]) == phrase:
                return True
    return False


@functools.lru_cache(maxsize=4096)
def _names_negation(phrase: str) -> bool:
    return NEGATION_WORD_RE.search(phrase) is not None


def is_negated(doc: Doc | BlockText, start: int, end: int, phrase: str = "") -> bool:
    """A negation cue governs the match: before it in the same clause
    ("Peer workers do not administer medication"), inside it when the
    phrase itself names no negation ("Lived experience is never treated as a
    risk"), or right after it when the match opens its clause ("Medication
    administration is not part of this role")."""
    v = view(doc, tokens=True)
    lo, hi = _clause_bounds(v, start, end)
    if _has_negation(v, lo, start):
        return True
    if phrase and not _names_negation(phrase) and _has_negation(v, start, end):
        return True
    punct, lowers = v.punct, v.lowers
    lead = sum(1 for i in range(lo, start) if not punct[i] and lowers[i] not in BULLETS)
    return lead <= 3 and _has_negation(v, end, min(hi, end + 5))


def is_advocacy(sentence_text: str) -> bool:
    return bool(ADVOCACY_RE.search(sentence_text))


def is_learning(doc: Doc | BlockText, start: int, end: int) -> bool:
    """The match is what someone learns about, not what they do."""
    v = view(doc, tokens=True)
    lo, hi = _clause_bounds(v, start, end)
    lowers = v.lowers
    for k in range(max(lo, start - LEARNING_REACH), start):
        if lowers[k] in LEARNING_BEFORE and (k + 1 == start or lowers[k + 1] in LEARNING_LINKS):
            return True
    return not LEARNING_AFTER.isdisjoint(lowers[end:min(hi, end + 2)])


@functools.lru_cache(maxsize=4096)
def is_disclaimer(label: str) -> bool:
    """A heading or lead-in that introduces what is not done."""
    return bool(label) and bool(DISCLAIMER_RE.search(label))


def qualifier(*texts: str) -> str | None:
    """'essential' or 'desirable' from the first text that names one."""
    for text in texts:
        if text:
            found = _qualifier_of(text)
            if found:
                return found
    return None


@functools.lru_cache(maxsize=8192)
def _qualifier_of(text: str) -> str | None:
    d = QUALIFIER_RE["desirable"].search(text)
    e = QUALIFIER_RE["essential"].search(text)
    if d and (not e or d.start() < e.start()):
        return "desirable"
    if e:
        return "essential"
    return None


def in_quotes(sentence_text: str, start: int, end: int) -> bool:
    """The match [start, end) (char offsets in the sentence) stands inside quotation marks."""
    before = sentence_text[:start]
    after = sentence_text[end:]
    if before.count('"') % 2 == 1 and '"' in after:
        return True
    for open_q, close_q in (("“", "”"), ("‘", "’")):
        if before.count(open_q) > before.count(close_q) and close_q in after:
            return True
    return False


CLINICAL_ROLES = {
    "clinician", "nurse", "nursing", "doctor", "psychiatrist", "psychologist", "gp", "prescriber", "medical",
    "clinical", "treating", "pharmacist", "registrar", "physician", "therapist", "counsellor", "counselor",
    "practitioner", "team",
}
_ROLES_NOT_TEAM = CLINICAL_ROLES - {"team"}
_RESPONSIBLE = {"responsible", "responsibility", "accountable"}
_SUBJECT_SKIP = {"the", "our", "a", "an", "all", "registered", "qualified", "licensed", "authorised",
                 "authorized", "appropriately", "only", "staff", "'s", "team"}


def attributed_elsewhere(doc: Doc | BlockText, start: int, end: int) -> bool:
    """The clause says someone else does it: a clinical role is the clause's
    subject ("Nursing staff administer all medication"), or the sentence puts
    the responsibility on clinicians ("clinicians remain responsible for
    treatment planning")."""
    v = view(doc, tokens=True)
    lo, _ = _clause_bounds(v, start, end)
    punct, lowers, lemmas = v.punct, v.lowers, v.lemmas
    for i in range(lo, start):
        if punct[i] or lowers[i] in BULLETS:
            continue
        if lemmas[i] in CLINICAL_ROLES:
            return True
        if lowers[i] in _SUBJECT_SKIP:
            continue
        break
    role_seen = False
    for lemma in v.lemmas[v.sent_start[start]:v.sent_end[start]]:
        if lemma in _ROLES_NOT_TEAM:
            role_seen = True
        elif role_seen and lemma in _RESPONSIBLE:
            return True
    return False


CRITERIA_RE = re.compile(
    r"\b(selection criteria|criteria|qualifications?|requirements|about you|skills and experience"
    r"|knowledge,? skills|capabilities|experience required|who we are looking for|what you bring)\b", re.I)


LABEL_WORDS = 12  # a field label is short: "Professional Licensure/Special Skills and Certification Required:"


def is_label(block_text: str) -> bool:
    """The block is a field label that names what follows ("Licensure
    Required:"), not a statement of its own: what is required is said under
    it, and judged there."""
    text = block_text.strip()
    return text.endswith(":") and len(text.split()) <= LABEL_WORDS


def is_criteria(sentence_text: str, labels: tuple[str, ...]) -> bool:
    """The sentence is a selection criterion, not a duty: it is qualified as
    essential or desirable, or sits under a criteria heading or column."""
    if qualifier(sentence_text, *labels[:2]) is not None:
        return True
    return any(CRITERIA_RE.search(label) for label in labels if label)
