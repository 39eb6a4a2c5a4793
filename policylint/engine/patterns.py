"""Compile the phrase syntax of rule files into token patterns (lists of
token specs in the shape of spaCy's Matcher patterns, plus ``PREFIX``), and
find every rule's phrases in a Doc in one pass.

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

Outside parentheses ``|`` binds tighter than a space: ``peer work|worker``
is "peer (work|worker)". Writing whole phrases as alternatives without
parentheses (``fixed term|fixed-term``, which means "fixed (term|fixed-term)"
and never matches "fixed-term") is refused when it shows: an alternative
that spells the words beside it again, or one listed twice. Whole phrases
go in parentheses: ``(fixed term|fixed-term)``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, KeysView
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from policylint.engine.blocktext import BlockText, text_of
from policylint.engine.trie import SegmentIndex, Test
from policylint.nlp import SENTENCE_STARTS

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer
    from spacy.tokens import Doc

    # Per set id, its raw matches as (phrase index, token spans) pieces.
    _Pieces: TypeAlias = dict[int, list[tuple[int, list[tuple[int, int]]]]]
    # What a Doc caches: (sets compiled, the selection used, the pieces).
    _Cache: TypeAlias = tuple[int, "_Selection", _Pieces]

MAX_VARIANTS = 256


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class _Tok:
    attr: str  # "LEMMA" | "LOWER" | "PREFIX"
    value: str


_PLAIN_WORD = re.compile(r"[A-Za-z]+")


@functools.cache
def _tokenize(text: str) -> tuple[str, ...]:
    from policylint.nlp import build

    # Language types its tokenizer as any callable; a blank or trained pipeline has spaCy's Tokenizer.
    tokenizer = cast("Tokenizer", build().tokenizer)
    if _PLAIN_WORD.fullmatch(text) and text not in tokenizer.rules:
        return (text,)  # what the tokenizer gives a word of letters with no special case
    return tuple(t.text for t in tokenizer(text))


@functools.cache
def _lemma(word: str) -> str:
    """The lemma the pipeline gives ``word`` on its own (from the tokenizer
    and the lemma table, without running the whole pipeline)."""
    from policylint.nlp import lemma_of, lemma_table

    tokens = _tokenize(word)
    return lemma_of(tokens[0], tokens[0].lower(), lemma_table()) if len(tokens) == 1 else word.lower()


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
        seq: list[dict[str, Any]] = []
        for t in toks:
            if t.attr == "PREFIX":
                seq.append({"LOWER": {"PREFIX": t.value}})
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
    _check_alternations(phrase, items)


def _squash(item: str) -> str:
    """An item's letters and digits, lower-cased: "=Fixed-term" -> "fixedterm"."""
    return re.sub(r"[^0-9a-z]", "", item.lower())


def _plain(item: str) -> bool:
    """A word or punctuation matched as written: not a gap, an alternation,
    a parenthesised item or a prefix."""
    return item not in ("*", "**") and "|" not in item and not item.startswith("(") \
        and not item.rstrip("?").endswith("*")


def _spelled_out(items: list[str], k: int) -> tuple[str, int, int] | None:
    """An alternative of item ``k`` that is the plain words before the item
    followed by another alternative ("fixed" + "term" = "fixed-term"), or
    another alternative followed by the words after it (a few letters of
    inflection may follow: "fixed-terms"). Returns it with the slice of
    items the author meant as one phrase."""
    alternatives = items[k].rstrip("?").split("|")
    squashed = [_squash(a) for a in alternatives]
    # (the words beside the item, squashed; the slice of items they make with it; whether before it)
    spans: list[tuple[str, int, int, bool]] = []
    lo = k
    while lo > 0 and _plain(items[lo - 1]):
        lo -= 1
        spans.append(("".join(_squash(i) for i in items[lo:k]), lo, k + 1, True))
    hi = k + 1
    while hi < len(items) and _plain(items[hi]):
        hi += 1
        spans.append(("".join(_squash(i) for i in items[k + 1:hi]), k, hi, False))
    for n, s in enumerate(squashed):
        others = [o for m, o in enumerate(squashed) if m != n and o]
        for context, start, stop, before in spans:
            if not context or not s:
                continue
            for o in others:
                joined = context + o if before else o + context
                if s.startswith(joined) and len(s) - len(joined) <= 3:
                    return alternatives[n], start, stop
    return None


def _check_alternations(phrase: str, items: list[str]) -> None:
    """Refuse the mistake of reading ``|`` as looser than a space.

    ``fixed term|fixed-term`` means "fixed (term|fixed-term)": the author
    wanted "fixed term" or "fixed-term", and the phrase never matches
    "fixed-term" alone. Where an alternative outside parentheses spells the
    words beside it again ("fixed-term" after "fixed") or is listed twice
    ("under the influence|impaired|influence of"), the author almost
    certainly meant whole phrases, so the phrase is an error that says how
    to write them. Ordinary alternations ("peer work|worker") pass."""
    if sum(1 for i in items if i not in ("*", "**")) < 2:
        return  # a single item: nothing for "|" to bind against
    for k, item in enumerate(items):
        if "|" not in item or item.startswith("("):
            continue
        reading = " ".join(f"({i})" if n == k else i for n, i in enumerate(items))
        lowered = [a.lower() for a in item.rstrip("?").split("|")]
        repeated = next((a for a in lowered if lowered.count(a) > 1), None)
        if repeated is not None:
            raise PatternError(
                f"phrase {phrase!r} means {reading!r} ('|' binds tighter than a space) and lists "
                f"{repeated!r} twice; to offer whole phrases as alternatives put them in parentheses, "
                f"as in \"(fixed term|fixed-term)\"")
        spelled = _spelled_out(items, k)
        if spelled is not None:
            alternative, lo, hi = spelled
            meant = " ".join([*items[:lo], "(" + " ".join(items[lo:hi]) + ")", *items[hi:]])
            hint = f"write {meant!r}" if not item.endswith("?") else "put the whole phrases in parentheses"
            raise PatternError(
                f"phrase {phrase!r} means {reading!r} ('|' binds tighter than a space), so {alternative!r} "
                f"repeats the words beside it; for whole phrases as alternatives {hint}")


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


def _join(hits: list[list[tuple[int, int]]], gaps: list[int], sent_of: list[int] | None) -> list[tuple[int, int]]:
    """Whole matches from segment matches (each list sorted): each next
    segment starts at most ``gap`` tokens after the previous one ends, in the
    same sentence (``sent_of``: each token's sentence; None when the text is
    one sentence); for each start, the longest."""
    # (start, end of the whole match so far), sorted by start
    tail = hits[-1] if sent_of is None else [(s, e) for s, e in hits[-1] if sent_of[s] == sent_of[e - 1]]
    for k in range(len(hits) - 2, -1, -1):
        starts = [s for s, _ in tail]
        joined = []
        for s, e in hits[k]:
            lo, hi = bisect.bisect_left(starts, e), bisect.bisect_right(starts, e + gaps[k])
            if lo == hi:
                continue
            if sent_of is None:
                joined.append((s, max([end for _, end in tail[lo:hi]])))
                continue
            ends = [end for s2, end in tail[lo:hi] if sent_of[s2] == sent_of[s]]
            if ends:
                joined.append((s, max(ends)))
        tail = joined
    by_start: dict[int, int] = {}
    for s, end in tail:
        by_start[s] = max(end, by_start.get(s, end))
    return sorted(by_start.items())


def _specificity(segment: list[dict]) -> tuple[int, int]:
    """How unlikely a segment is to match: more required tokens, then fewer
    alternatives for them."""
    required = [t for t in segment if t.get("OP") != "?"]
    choices = sum(len(v["IN"]) if isinstance(v, dict) and "IN" in v else 1
                  for t in required for k, v in t.items() if k != "OP")
    return len(required), -choices


def _sentence_of(text: BlockText) -> list[int] | None:
    """For each token of a block's text, the first token of its sentence; None
    when the text is one sentence."""
    starts = text.doc.user_data.get(SENTENCE_STARTS)
    if starts is not None and len(starts) == 1 and starts[0] == 0:
        return None
    return sentence_starts(text)


def sentence_starts(text: BlockText) -> list[int]:
    """For each token of a block's text, the index of the first token of its sentence."""
    from policylint.engine.context import view

    return view(text).sent_start


class _Selection:
    """The part of the compiled phrases that some documents need (those of
    the rules that apply to their kind): a trie of just their segments, and
    just their shapes' owners."""

    def __init__(self, combined: PhraseIndex, sets: frozenset[int] | None, state: tuple | None = None):
        self.sets = sets  # None: every set
        self._plans: dict[int, tuple[list, dict[int, list[tuple]], frozenset[int]]] | None = None
        self.index: SegmentIndex
        self.anchored: dict[int, list[int]]  # anchor segment -> shapes
        self.owners: dict[int, tuple[tuple[int, int], ...]]  # shape -> (set id, phrase index)
        if state is not None:
            index, self.anchored, self.owners = state
            self.index = SegmentIndex.from_state(index)
            return
        self.index = SegmentIndex()
        self.anchored = {}
        self.owners = {}
        added: set[int] = set()
        for shape_id, (seg_ids, _, _, anchor, _) in enumerate(combined.shapes):
            owners = tuple(o for o in combined.owners[shape_id] if sets is None or o[0] in sets)
            if not owners:
                continue
            self.owners[shape_id] = owners
            self.anchored.setdefault(anchor, []).append(shape_id)
            for seg_id in seg_ids:
                if seg_id not in added:
                    added.add(seg_id)
                    self.index.add(seg_id, combined.segments[seg_id])

    def covers(self, set_id: int) -> bool:
        return self.sets is None or set_id in self.sets

    def state(self) -> tuple:
        return self.index.state(), self.anchored, self.owners

    def plans(self, combined: PhraseIndex) -> dict[int, tuple[list, dict[int, list[tuple]], frozenset[int]]]:
        """Per anchor segment, what to do when it matches: the owners of its
        one-segment shapes, whose matches are the anchor's; its other shapes
        by their second segment (the next least likely to match), each with
        its segments, gaps, other segments and owners; and the set of those
        second segments. A common anchor leads to many shapes, most of which
        the second segment rules out at once."""
        if self._plans is None:
            self._plans = {}
            for anchor, shape_ids in self.anchored.items():
                alone: list[tuple[int, int]] = []
                by_second: dict[int, list[tuple]] = {}
                for shape_id in shape_ids:
                    seg_ids, gaps, others, _, second = combined.shapes[shape_id]
                    if not gaps:
                        alone.extend(self.owners[shape_id])
                    else:
                        by_second.setdefault(second, []).append((seg_ids, gaps, others, self.owners[shape_id]))
                self._plans[anchor] = (alone, by_second, frozenset(by_second))
        return self._plans


class PhraseIndex:
    """The patterns of every PhraseSet an engine's rules make, cut into gap-free segments that a token
    trie finds in one pass over a Doc; segment matches are joined across gaps
    in Python and the results kept on the block's analysed text. Many rules
    then cost little more than one.

    Each Engine owns one, filled while it loads its rules (``collecting``);
    identical phrase lists share an id, and compiled tables are kept in the
    store by their content, so a second engine with the same rules loads
    them instead of compiling them. A block's text may carry a selection of
    sets: then only those sets' segments are looked for, and a set outside
    it is matched on request."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, ...]] = []
        self.ids: dict[tuple[str, ...], int] = {}
        self.added = 0  # how many sets are compiled
        self.segment_ids: dict[str, int] = {}
        self.segments: list[list[Test]] = []  # every distinct gap-free segment
        # A shape is a list of segments with the gaps between them; every
        # phrase variant with that shape is one of its owners (set id, phrase
        # index). A shape is looked at only when its anchor, the segment least
        # likely to match, has matched.
        self.shape_ids: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        # (segments, gaps, the segments other than the anchor, the anchor, the second: the most
        # specific of the others, or -1)
        self.shapes: list[tuple[tuple[int, ...], tuple[int, ...], frozenset[int], int, int]] = []
        self.owners: list[set[tuple[int, int]]] = []  # per shape
        self.selections: dict[frozenset[int] | None, _Selection] = {}
        self.segments_from: str | None = None  # the store entry holding the segments, not yet loaded

    def register(self, phrases: tuple[str, ...]) -> int:
        """The id of this list of phrases; identical lists share one (every
        Engine in a process loads the same rules)."""
        if phrases not in self.ids:
            self.ids[phrases] = len(self.sets)
            self.sets.append(phrases)
        return self.ids[phrases]

    def _segment(self, pattern: list[dict]) -> int:
        key = repr(pattern)
        seg_id = self.segment_ids.get(key)
        if seg_id is None:
            seg_id = self.segment_ids[key] = len(self.segments)
            self.segments.append([Test.from_spec(spec) for spec in pattern])
        return seg_id

    def _store_key(self, *parts: object) -> str:
        from policylint.engine import store

        return store.key(tuple(self.sets), *parts)

    def _state(self) -> tuple:
        return ([(seg_ids, gaps, tuple(others), anchor, second)
                 for seg_ids, gaps, others, anchor, second in self.shapes],
                [sorted(owners) for owners in self.owners])

    def _restore(self, state: tuple) -> None:
        shapes, owners = state
        self.shapes = [(seg_ids, gaps, frozenset(others), anchor, second)
                       for seg_ids, gaps, others, anchor, second in shapes]
        self.shape_ids = {(seg_ids, gaps): i for i, (seg_ids, gaps, *_) in enumerate(self.shapes)}
        self.owners = [set(o) for o in owners]

    def _need_segments(self) -> None:
        """The segments themselves, needed only to build a trie or to add
        sets: stored apart from the shapes and loaded when needed."""
        if self.segments_from is None:
            return
        from policylint.engine import store

        name, self.segments_from = self.segments_from, None
        state = store.load(name)
        try:
            segments, self.segment_ids = state
            self.segments = [[Test(*t) for t in tests] for tests in segments]
            return
        except (TypeError, ValueError):
            pass
        # The stored segments are gone: compile everything again.
        self._forget()
        self.sync(use_store=False)

    def _forget(self) -> None:
        """Drop everything compiled; keep the registered sets."""
        self.segment_ids, self.segments, self.shape_ids, self.shapes, self.owners = {}, [], {}, [], []
        self.added = 0

    def sync(self, use_store: bool = True) -> None:
        """Compile the sets registered since the last call (from the store
        when an earlier run compiled the same sets)."""
        if self.added == len(self.sets):
            return
        from policylint.engine import store

        fresh = self.added == 0
        if fresh and use_store:
            key = self._store_key()
            state = store.load("phrases-" + key)
            if state is not None:
                try:
                    with store.collector_paused():
                        self._restore(state)
                    self.added = len(self.sets)
                    self.selections.clear()
                    self.segments_from = "segments-" + key
                    return
                except (TypeError, ValueError):  # not what this version stores: compile afresh
                    self._forget()
        self._need_segments()
        for set_id in range(self.added, len(self.sets)):
            for i, phrase in enumerate(self.sets[set_id]):
                for pattern in compile_phrase(phrase):
                    segments, gaps = split_gaps(pattern)
                    seg_ids = tuple(self._segment(segment) for segment in segments)
                    shape = (seg_ids, tuple(gaps))
                    shape_id = self.shape_ids.get(shape)
                    if shape_id is None:
                        shape_id = self.shape_ids[shape] = len(self.shapes)
                        ranked = sorted(range(len(segments)), key=lambda k: _specificity(segments[k]),
                                        reverse=True)  # stable: the first of equals stays first
                        anchor = seg_ids[ranked[0]]
                        second = next((seg_ids[k] for k in ranked if seg_ids[k] != anchor), -1)
                        self.shapes.append((seg_ids, tuple(gaps), frozenset(seg_ids) - {anchor}, anchor, second))
                        self.owners.append(set())
                    self.owners[shape_id].add((set_id, i))
        self.added = len(self.sets)
        self.selections.clear()
        if fresh:
            key = self._store_key()
            store.save("segments-" + key, ([[t.state() for t in tests] for tests in self.segments],
                                            self.segment_ids))
            store.save("phrases-" + key, self._state())

    def selection(self, sets: frozenset[int] | None) -> _Selection:
        self.sync()
        found = self.selections.get(sets)
        if found is None:
            from policylint.engine import store

            name = "selection-" + self._store_key(sorted(sets) if sets is not None else None)
            state = store.load(name)
            if state is not None:
                try:
                    with store.collector_paused():
                        found = _Selection(self, sets, state)
                except (TypeError, ValueError):  # not what this version stores
                    found = None
            if found is None:
                self._need_segments()
                found = _Selection(self, sets)
                store.save(name, found.state())
            self.selections[sets] = found
        return found

    def matches(self, text: BlockText, set_id: int | None = None) -> _Pieces:
        """Per set id, the raw matches in a block's text as (phrase index,
        spans) pieces (``pieces`` gives one set's), for the sets of its
        selection, or for every set when ``set_id`` lies outside it."""
        return self._cached(text, set_id)[2]

    def pieces(self, text: BlockText, set_id: int) -> list[tuple[int, list[tuple[int, int]]]]:
        """A set's raw matches in a block's text as (phrase index, spans)
        pieces (a span may be in more than one)."""
        return self._cached(text, set_id)[2].get(set_id, [])

    def _cached(self, text: BlockText, set_id: int | None) -> _Cache:
        cached: _Cache | None = text.found
        if cached is not None and cached[0] == len(self.sets) and (set_id is None or cached[1].covers(set_id)):
            return cached
        wanted = text.selection
        if cached is not None and cached[0] == len(self.sets) or set_id is not None and not text.covers(set_id):
            wanted = None  # a set outside the selection: match everything
        sel = self.selection(wanted)
        if cached is None or cached[0] != len(self.sets):
            text.chosen.clear()
        doc = text.doc
        seg_hits = sel.index(doc)
        hit_ids = set(seg_hits)
        by_set: _Pieces = {}
        sent_of: list[int] | None = []
        plans = sel.plans(self)
        for anchor in hit_ids & plans.keys():
            alone, by_second, seconds = plans[anchor]
            if alone:
                _credit(by_set, alone, seg_hits[anchor])
            if seconds.isdisjoint(hit_ids):  # no second segment of its shapes matched (so for most anchors)
                continue
            for second in seconds.intersection(hit_ids):
                for seg_ids, gaps, others, owners in by_second[second]:
                    if not hit_ids >= others:
                        continue
                    if sent_of == []:
                        sent_of = _sentence_of(text)
                    whole = _join([seg_hits[s] for s in seg_ids], gaps, sent_of)
                    if whole:
                        _credit(by_set, owners, whole)
        cached = (len(self.sets), sel, by_set)
        text.found = cached
        return cached

    def prepare(self, selections: list[frozenset[int] | None]) -> None:
        """Compile the phrase tables these selections need."""
        for sets in selections:
            self.selection(sets)


def _credit(by_set: _Pieces, owners: Iterable[tuple[int, int]], spans: list[tuple[int, int]]) -> None:
    """Record ``spans`` as matches of each owner (set id, phrase index)."""
    for owner_set, idx in owners:
        found = by_set.get(owner_set)
        if found is None:
            by_set[owner_set] = [(idx, spans)]
        else:
            found.append((idx, spans))



# The index that PhraseSets made now register in: an engine's while it loads
# its rules; a default one for phrase sets made on their own (a test, a script).
_DEFAULT_INDEX = PhraseIndex()
_COLLECTING: ContextVar[PhraseIndex | None] = ContextVar("policylint_phrase_index", default=None)


@contextmanager
def collecting(index: PhraseIndex) -> Iterator[PhraseIndex]:
    """PhraseSets made inside register in ``index``."""
    token = _COLLECTING.set(index)
    try:
        yield index
    finally:
        _COLLECTING.reset(token)


def active_index() -> PhraseIndex:
    return _COLLECTING.get() or _DEFAULT_INDEX


def sets_matched(text: BlockText) -> KeysView[int]:
    """The ids of the phrase sets with a raw match in an analysed block's
    text (of those in its selection, when it has one), in the index it was
    analysed for."""
    index: PhraseIndex = text.index
    return index.matches(text).keys()


class PhraseSet:
    """A set of phrases. Its patterns join the combined segment index,
    compiled on first use (so loading rules does not need the language
    pipeline)."""

    def __init__(self, phrases: list[str], label: str = "p"):
        self.phrases = list(phrases)
        self.label = label
        for phrase in self.phrases:
            check_syntax(phrase)
        self.index = active_index()
        self.id = self.index.register(tuple(self.phrases)) if self.phrases else -1

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def matches(self, target: Doc | BlockText) -> list[tuple[int, int, int]]:
        """(phrase index, start token, end token) in a block's text (or a
        bare Doc): sentence-internal, non-overlapping, leftmost and then
        longest first."""
        if self.id < 0:
            return []
        text = self._text(target)
        if self.id not in self.index.matches(text, self.id):
            return []
        out = text.chosen.get(self.id)
        if out is not None:
            return out
        pieces = self.index.pieces(text, self.id)
        sent_of = _sentence_of(text)
        # (start, minus the length, phrase index), each once, within one sentence
        if sent_of is None:
            found = sorted({(start, start - end, idx) for idx, spans in pieces for start, end in spans})
        else:
            found = sorted({(start, start - end, idx) for idx, spans in pieces for start, end in spans
                            if sent_of[start] == sent_of[end - 1]})
        out = []
        last_end = -1
        for start, neg_length, idx in found:
            if start >= last_end:
                out.append((idx, start, start - neg_length))
                last_end = start - neg_length
        text.chosen[self.id] = out
        return out

    def search(self, target: Doc | BlockText) -> bool:
        """Any raw match in a block's text (or a bare Doc)."""
        return self.id >= 0 and self.id in self.index.matches(self._text(target), self.id)

    def within(self, target: Doc | BlockText, start: int, end: int) -> bool:
        """Any raw match inside tokens [start, end), e.g. one sentence."""
        if self.id < 0:
            return False
        pieces = self.index.pieces(self._text(target), self.id)
        return any(start <= s and e <= end for _, spans in pieces for s, e in spans)

    def _text(self, target: Doc | BlockText) -> BlockText:
        """The block text to match in: an analysed block's own when it was
        analysed for this set's index (its answers are kept there), else a
        fresh one."""
        text = text_of(target)
        if text.index is None:
            text.index = self.index
        elif text.index is not self.index:
            text = BlockText(text.doc, None, self.index)
        return text
