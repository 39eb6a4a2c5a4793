"""Decide what kind of document each one is, and say why.

Order: an explicit kind (``--kind`` or a configured glob) wins; then the
title; then the headings; then cue words in the text. File names are never
used. A job description becomes a peer job description when its title or
summary names peer or Lived Experience work.
"""

from __future__ import annotations

import re

from policylint.document import HEADING, TITLE, Document

KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("job-description", re.compile(
        r"\b(position description|job description|role description|position profile|role profile"
        r"|duty statement|statement of duties|job advert(isement)?|vacancy|we are hiring|job posting"
        r"|position summary|position title|job title)\b", re.I)),
    ("supervision-policy", re.compile(r"\bsupervision\b.*\b(policy|procedure|framework|guideline|standard)s?\b"
                                      r"|\b(policy|procedure|framework|guideline)s? (on|for) (\w+ )*supervision\b", re.I)),
    ("training-policy", re.compile(
        r"\b(training|learning and development|learning & development|induction|orientation"
        r"|professional development|staff development|education)\b", re.I)),
    ("strategic-plan", re.compile(
        r"\b(strategic plan|strategy|strategic framework|workforce plan|workforce development plan|business plan"
        r"|operational plan|action plan|budget|annual plan|roadmap)\b", re.I)),
    ("mission-statement", re.compile(
        r"\b(mission|vision|values|purpose statement|our purpose|who we are|statement of purpose)\b", re.I)),
    ("hr-policy", re.compile(
        r"\b(recruitment|recruiting|selection|employment|human resources|people and culture|people & culture"
        r"|workplace adjustments?|reasonable adjustments?|flexible work|leave|careers?|code of conduct"
        r"|remuneration|conditions of employment|career (pathway|framework)|disclosure|onboarding"
        r"|performance|grievance|workforce policy|hr policy)\b", re.I)),
]

JD_CUES = re.compile(
    r"\b(reports to|reporting to|key (duties|responsibilities|accountabilities)|selection criteria"
    r"|essential criteria|desirable criteria|position details|classification|about the role|about you"
    r"|employment type|hours of work|salary|award level|tenure|primary purpose of the (role|position))\b", re.I)
POLICY_CUES = re.compile(r"\b(policy|procedure|scope|purpose|responsibilities|review date|document control)\b", re.I)

PEER_RE = re.compile(
    r"\b(peer|peers|lived experience|living experience|lived and living experience|consumer consultant"
    r"|carer consultant|consumer and carer consultant|consumer representative|recovery coach"
    r"|recovery (support )?specialist|peer recovery|expert by experience|experts by experience"
    r"|certified peer|consumer perspective)\b", re.I)
POLICY_WORD = re.compile(r"\b(policy|policies|procedure|framework|guideline|standard|plan|strategy)\b", re.I)


def _title_and_summary(doc: Document) -> tuple[str, list[str], str]:
    title = doc.title or ""
    heads = [b.text for b in doc.blocks if b.role in (HEADING, TITLE)]
    if not title and heads:
        title = heads[0]
    if not title and doc.blocks:
        title = doc.blocks[0].text[:200]
    # The summary: the first few body paragraphs, and any "purpose/summary/about the role" section.
    summary: list[str] = []
    for b in doc.blocks[:40]:
        if b.role in (HEADING, TITLE):
            continue
        sec = " ".join(b.section).lower()
        if len(summary) < 6 or re.search(r"purpose|summary|about the (role|position)|overview|position details", sec):
            summary.append(b.text)
    return title, heads, " ".join(summary)


def _kind_of(text: str) -> str | None:
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return None


def classify(doc: Document, explicit: str | None = None, why: str = "") -> Document:
    if explicit:
        return doc.with_kind(explicit, why or f"kind given as {explicit}")
    title, heads, summary = _title_and_summary(doc)
    body = doc.text[:20000]
    jd_cues = len(set(m.group(0).lower() for m in JD_CUES.finditer(body)))

    kind = None
    reason = ""
    if title:
        kind = _kind_of(title)
        if kind == "training-policy" and not POLICY_WORD.search(title) and jd_cues >= 2:
            kind = "job-description"  # "Trainer" or "Education Officer" job descriptions
        if kind == "mission-statement" and POLICY_WORD.search(title) and not re.search(r"mission|vision", title, re.I):
            kind = _kind_of(re.sub(r"\bvalues\b", "", title, flags=re.I)) or kind
        if kind:
            reason = f"title \"{title[:80]}\" names a {kind.replace('-', ' ')}"
    if kind is None and jd_cues >= 2:
        kind, reason = "job-description", f"{jd_cues} job description cues (reports to, selection criteria, ...)"
    if kind is None:
        for h in heads[1:8]:
            kind = _kind_of(h)
            if kind:
                reason = f"heading \"{h[:80]}\" names a {kind.replace('-', ' ')}"
                break
    if kind is None:
        counts = {k: len(p.findall(body)) for k, p in KIND_PATTERNS}
        best = max(counts, key=counts.get)
        if counts[best] >= 3:
            kind, reason = best, f"text mentions {best.replace('-', ' ')} terms {counts[best]} times"
    if kind is None:
        return doc.with_kind("other", "no title, heading or content cue names a known kind")
    if kind == "job-description":
        m = PEER_RE.search(title) or PEER_RE.search(summary)
        if m:
            where = "title" if PEER_RE.search(title) else "summary"
            return doc.with_kind("peer-job-description", f"{reason}; its {where} names \"{m.group(0)}\"")
    return doc.with_kind(kind, reason)
