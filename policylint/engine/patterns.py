"""Compile the phrase syntax of rule files into spaCy Matcher patterns.

A phrase is a space-separated list of items; each item matches one token
unless it is a gap:

``word``          the token's lemma equals the lemma of ``word`` ("administers"
                  matches "administer")
``a|b|c``         any of the alternatives
``(a b|c)``       alternatives of several words: "(lived experience|peer) worker"
``=word``         the lower-cased token text equals ``word`` exactly
``pre*``          the lower-cased token text starts with ``pre``
``item?``         the item is optional
``*``             a gap of up to 4 tokens; ``**`` up to 10

Alternatives that tokenise to several tokens ("co-design", "key worker")
expand into separate patterns.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

MAX_VARIANTS = 256


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class _Tok:
    attr: str  # "LEMMA" | "LOWER" | "PREFIX"
    value: str


def _tokenize(text: str) -> list[str]:
    from policylint.nlp import build

    return [t.text for t in build().tokenizer(text)]


def _lemma(word: str) -> str:
    from policylint.nlp import build

    nlp = build()
    doc = nlp(word)
    return doc[0].lemma_ if len(doc) == 1 else word.lower()


def _alternative(word: str) -> list[_Tok]:
    if word.startswith("="):
        return [_Tok("LOWER", t.lower()) for t in _tokenize(word[1:])]
    if word.endswith("*") and len(word) > 1:
        return [_Tok("PREFIX", word[:-1].lower())]
    return [_Tok("LEMMA", _lemma(t)) for t in _tokenize(word)]


def _item_variants(item: str) -> list[list[dict]]:
    """Token-pattern variants for one item of a phrase."""
    if item == "*":
        return [[{"OP": "{0,4}", "IS_SPACE": False}]]
    if item == "**":
        return [[{"OP": "{0,10}", "IS_SPACE": False}]]
    optional = item.endswith("?") and len(item) > 1
    if optional:
        item = item[:-1]
    if item.startswith("(") and item.endswith(")"):
        item = "|".join("_".join(alt.split()) for alt in item[1:-1].split("|"))
    singles: dict[str, set[str]] = {}
    multis: list[list[_Tok]] = []
    for alt in item.replace("_", " ").split("|"):
        if not alt:
            raise PatternError(f"empty alternative in {item!r}")
        toks = _alternative(alt) if " " not in alt else [t for w in alt.split() for t in _alternative(w)]
        if len(toks) == 1 and toks[0].attr != "PREFIX":
            singles.setdefault(toks[0].attr, set()).add(toks[0].value)
        else:
            multis.append(toks)
    variants: list[list[dict]] = []
    for attr, values in singles.items():
        variants.append([{attr: {"IN": sorted(values)}}])
    for toks in multis:
        seq = []
        for t in toks:
            if t.attr == "PREFIX":
                seq.append({"LOWER": {"REGEX": "^" + re.escape(t.value)}})
            else:
                seq.append({t.attr: t.value})
        variants.append(seq)
    if optional:
        if all(len(v) == 1 for v in variants):
            return [[dict(v[0], OP="?") for v in variants]] if len(variants) == 1 else \
                [[dict(v[0], OP="?")] for v in variants] + [[]]
        variants.append([])
    return variants


def compile_phrase(phrase: str) -> list[list[dict]]:
    """All Matcher token patterns for one phrase."""
    check_syntax(phrase)
    items = ITEM_RE.findall(phrase)
    if not items:
        raise PatternError("empty phrase")
    per_item = [_item_variants(i) for i in items]
    count = 1
    for v in per_item:
        count *= len(v)
    if count > MAX_VARIANTS:
        raise PatternError(f"phrase {phrase!r} expands to {count} patterns (limit {MAX_VARIANTS})")
    patterns = []
    for combo in itertools.product(*per_item):
        pat = [tok for part in combo for tok in part]
        if not any(t.get("OP") not in ("?", "{0,4}", "{0,10}") for t in pat):
            raise PatternError(f"phrase {phrase!r} can match nothing but gaps")
        # A pattern may not start or end with a gap.
        while pat and pat[0].get("OP") in ("{0,4}", "{0,10}"):
            pat.pop(0)
        while pat and pat[-1].get("OP") in ("{0,4}", "{0,10}"):
            pat.pop()
        patterns.append(pat)
    return patterns


ITEM_RE = re.compile(r"\([^()]*\)\??|[^\s()]+")


def check_syntax(phrase: str) -> None:
    """The errors ``compile_phrase`` would raise that need no language
    pipeline, so a malformed rule fails at load without importing spaCy."""
    if phrase.count("(") != phrase.count(")"):
        raise PatternError(f"unbalanced parentheses in {phrase!r}")
    items = ITEM_RE.findall(phrase)
    if not items:
        raise PatternError("empty phrase")
    if all(i in ("*", "**") or i.endswith("?") for i in items):
        raise PatternError(f"phrase {phrase!r} can match nothing but gaps")
    count = 1
    for item in items:
        if item in ("*", "**"):
            continue
        body = item[:-1] if item.endswith("?") and len(item) > 1 else item
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        alternatives = body.split("|")
        if any(not a.strip() for a in alternatives):
            raise PatternError(f"empty alternative in {item!r}")
        count *= len(alternatives) + item.endswith("?")
    if count > MAX_VARIANTS * 16:
        raise PatternError(f"phrase {phrase!r} has too many alternatives")


GAP_SIZES = {"{0,4}": 4, "{0,10}": 10}


def split_gaps(pattern: list[dict]) -> tuple[list[list[dict]], list[int]]:
    """A pattern's gap-free segments and the largest gap after each one.

    Gaps are matched outside spaCy's Matcher: a Matcher state per optional
    wildcard token multiplies with every gap, so "a ** b ** c" is costly
    there, while joining segment matches by distance is cheap. A segment of
    optional tokens only becomes part of the gap around it."""
    segments: list[list[dict]] = [[]]
    gaps: list[int] = []
    for tok in pattern:
        size = GAP_SIZES.get(tok.get("OP", ""))
        if size is None:
            segments[-1].append(tok)
            continue
        if segments[-1]:
            segments.append([])
            gaps.append(size)
        elif gaps:
            gaps[-1] += size
    if not segments[-1]:
        segments.pop()
    out_segments: list[list[dict]] = []
    out_gaps: list[int] = []
    for n, seg in enumerate(segments):
        optional_only = all(t.get("OP") in ("?", "*") for t in seg)
        if optional_only and out_segments and n < len(segments) - 1:
            out_gaps[-1] += len(seg) + gaps[n]
            continue
        out_segments.append(seg)
        if n < len(gaps):
            out_gaps.append(gaps[n])
    return out_segments, out_gaps[:len(out_segments) - 1]


def _join(hits: list[list[tuple[int, int]]], gaps: list[int], sent_of: list[int]) -> list[tuple[int, int]]:
    """Whole matches from segment matches: each next segment starts at most
    ``gap`` tokens after the previous one ends, in the same sentence; for
    each start, the longest."""
    best: dict[tuple[int, int], int] = {(s, e): e for s, e in hits[-1] if sent_of[s] == sent_of[e - 1]}
    for k in range(len(hits) - 2, -1, -1):
        nxt = best
        best = {}
        for s, e in hits[k]:
            ends = [end for (s2, _), end in nxt.items() if e <= s2 <= e + gaps[k] and sent_of[s2] == sent_of[s]]
            if ends:
                best[(s, e)] = max(ends)
    by_start: dict[int, int] = {}
    for (s, _), end in best.items():
        by_start[s] = max(end, by_start.get(s, end))
    return sorted(by_start.items())


class _Combined:
    """Every PhraseSet's patterns, cut into gap-free segments, in one Matcher
    run once per Doc; segment matches are joined across gaps in Python and
    the results cached on the Doc. Many rules then cost little more than one."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, ...]] = []
        self.ids: dict[tuple[str, ...], int] = {}
        self.added = 0  # how many sets are compiled
        self.matcher = None  # one Matcher holding every gap-free segment
        self.entries: list[tuple[tuple[int, int, int], int]] = []  # (variant key, segment number)
        self.owner: dict[int, int] = {}  # match key -> entry number
        self.shapes: dict[tuple[int, int, int], list[int]] = {}  # variant key -> gaps between segments

    def register(self, phrases: tuple[str, ...]) -> int:
        """The id of this list of phrases; identical lists share one (every
        Engine in a process loads the same rules)."""
        if phrases not in self.ids:
            self.ids[phrases] = len(self.sets)
            self.sets.append(phrases)
        return self.ids[phrases]

    def _sync(self) -> None:
        if self.added == len(self.sets):
            return
        from spacy.matcher import Matcher

        from policylint.nlp import build

        vocab = build().vocab
        if self.matcher is None:
            self.matcher = Matcher(vocab)
        for set_id in range(self.added, len(self.sets)):
            for i, phrase in enumerate(self.sets[set_id]):
                for v, pattern in enumerate(compile_phrase(phrase)):
                    segments, gaps = split_gaps(pattern)
                    key = (set_id, i, v)
                    self.shapes[key] = gaps
                    for k, segment in enumerate(segments):
                        name = f"s{len(self.entries)}"
                        self.matcher.add(name, [segment])
                        self.owner[vocab.strings[name]] = len(self.entries)
                        self.entries.append((key, k))
        self.added = len(self.sets)

    def matches(self, doc) -> dict[int, list[tuple[int, int, int]]]:
        """Per set id: (phrase index, start, end) of every raw match in ``doc``."""
        self._sync()
        cached = doc.user_data.get("policylint_matches")
        if cached is not None and cached[0] == self.added:
            return cached[1]
        segment_hits: dict[tuple[int, int, int], dict[int, list[tuple[int, int]]]] = {}
        for match_id, s, e in self.matcher(doc):
            if e > s:
                key, k = self.entries[self.owner[match_id]]
                segment_hits.setdefault(key, {}).setdefault(k, []).append((s, e))
        by_set: dict[int, set[tuple[int, int, int]]] = {}
        sent_of: list[int] = []
        if any(self.shapes[key] for key in segment_hits):
            sent_of = [0] * len(doc)
            for sent in doc.sents:
                sent_of[sent.start:sent.end] = [sent.start] * (sent.end - sent.start)
        for key, per_segment in segment_hits.items():
            gaps = self.shapes[key]
            if len(per_segment) != len(gaps) + 1:
                continue
            hits = [per_segment[k] for k in range(len(gaps) + 1)]
            whole = hits[0] if not gaps else _join(hits, gaps, sent_of)
            set_id, idx, _ = key
            by_set.setdefault(set_id, set()).update((idx, s, e) for s, e in whole)
        result = {set_id: sorted(found) for set_id, found in by_set.items()}
        doc.user_data["policylint_matches"] = (self.added, result)
        return result


_COMBINED = _Combined()


class PhraseSet:
    """A set of phrases. Its patterns join one combined Matcher, compiled on
    first use (so loading rules does not need the language pipeline)."""

    def __init__(self, phrases: list[str], label: str = "p"):
        self.phrases = list(phrases)
        self.label = label
        for phrase in self.phrases:
            check_syntax(phrase)
        self.id = _COMBINED.register(tuple(self.phrases)) if self.phrases else -1

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def _raw(self, doc) -> list[tuple[int, int, int]]:
        """Raw matches in a Doc, or in a Span (positions relative to its Doc)."""
        if not self.phrases:
            return []
        if hasattr(doc, "doc") and doc.doc is not doc:  # a Span
            span = doc
            return [m for m in _COMBINED.matches(span.doc).get(self.id, ())
                    if m[1] >= span.start and m[2] <= span.end]
        return _COMBINED.matches(doc).get(self.id, [])

    def matches(self, doc) -> list[tuple[int, int, int]]:
        """(phrase index, start token, end token), sentence-internal,
        non-overlapping, leftmost and then longest first."""
        found = []
        for idx, start, end in self._raw(doc):
            if doc[start].sent.start != doc[end - 1].sent.start:
                continue
            found.append((start, -(end - start), idx))
        found.sort()
        out: list[tuple[int, int, int]] = []
        last_end = -1
        for start, neg_length, idx in found:
            if start >= last_end:
                out.append((idx, start, start - neg_length))
                last_end = start - neg_length
        return out

    def search(self, doc) -> bool:
        """Any match in a Doc or Span."""
        return bool(self._raw(doc))
