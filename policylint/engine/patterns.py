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

import bisect
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
    """Whole matches from segment matches (each list sorted): each next
    segment starts at most ``gap`` tokens after the previous one ends, in the
    same sentence; for each start, the longest."""
    # (start, end of the whole match so far), sorted by start
    tail = [(s, e) for s, e in hits[-1] if sent_of[s] == sent_of[e - 1]]
    for k in range(len(hits) - 2, -1, -1):
        starts = [s for s, _ in tail]
        joined = []
        for s, e in hits[k]:
            lo, hi = bisect.bisect_left(starts, e), bisect.bisect_right(starts, e + gaps[k])
            ends = [end for s2, end in tail[lo:hi] if sent_of[s2] == sent_of[s]]
            if ends:
                joined.append((s, max(ends)))
        tail = joined
    by_start: dict[int, int] = {}
    for s, end in tail:
        by_start[s] = max(end, by_start.get(s, end))
    return sorted(by_start.items())


class _Test:
    """One token of a segment: the token's lemma or lower-cased text is one
    of ``values``, or the lower-cased text starts with ``prefix`` (or, for a
    pattern written by hand, matches ``regex``)."""

    __slots__ = ("attr", "values", "prefix", "regex", "optional")

    def __init__(self, spec: dict):
        self.optional = spec.get("OP") == "?"
        self.values: tuple[str, ...] = ()
        self.prefix: str | None = None
        self.regex = None
        attr, value = next((k, v) for k, v in spec.items() if k != "OP")
        self.attr = attr
        if isinstance(value, str):
            self.values = (value,)
        elif "IN" in value:
            self.values = tuple(value["IN"])
        else:
            pattern = value["REGEX"]
            literal = re.sub(r"\\(.)", r"\1", pattern[1:])
            if attr == "LOWER" and pattern.startswith("^") and "^" + re.escape(literal) == pattern:
                self.prefix = literal
            else:
                self.regex = re.compile(pattern)


class _Node:
    __slots__ = ("lemma", "lower", "prefix", "ends")

    def __init__(self) -> None:
        self.lemma: dict[int, _Node] = {}  # keyed by the string's hash, as spaCy stores it
        self.lower: dict[int, _Node] = {}
        self.prefix: dict[str, _Node] = {}
        self.ends: list[int] = []  # segments that end here


class _SegmentIndex:
    """Gap-free segments in a token trie keyed by lemma, lower-cased text and
    text prefix: from each token only the paths that its text allows are
    walked, so the cost grows with the text and the matches, not with the
    number of rules.

    The matches are those spaCy's Matcher gives for the same token patterns:
    every (start, end), start < end, for every way the optional tokens go."""

    def __init__(self) -> None:
        self.root = _Node()
        self.ids: dict[str, int] = {}
        self.count = 0
        self.prefixes: dict[int, set[str]] = {}  # prefix length -> prefixes in the trie
        self.prefixes_of: dict[int, tuple[str, ...]] = {}  # lower-cased text's hash -> its prefixes in the trie
        self.slow: list[tuple[int, list[_Test]]] = []  # segments with a regex test

    def add(self, pattern: list[dict]) -> int:
        key = repr(pattern)
        if key in self.ids:
            return self.ids[key]
        seg_id = self.ids[key] = self.count
        self.count += 1
        tests = [_Test(spec) for spec in pattern]
        if any(t.regex is not None for t in tests):
            self.slow.append((seg_id, tests))
            return seg_id
        for keep in itertools.product(*[(True, False) if t.optional else (True,) for t in tests]):
            chosen = [t for t, k in zip(tests, keep) if k]
            if chosen:
                self._insert(self.root, chosen, seg_id)
        return seg_id

    def _prefixes(self, lower: int, strings) -> tuple[str, ...]:
        """The trie's prefixes that a lower-cased text starts with (remembered by hash)."""
        found = self.prefixes_of.get(lower)
        if found is None:
            text = strings[lower]
            found = tuple(text[:length] for length, table in self.prefixes.items()
                          if len(text) >= length and text[:length] in table)
            if len(self.prefixes_of) < 200_000:
                self.prefixes_of[lower] = found
        return found

    def _insert(self, node: _Node, tests: list[_Test], seg_id: int) -> None:
        if not tests:
            if seg_id not in node.ends:
                node.ends.append(seg_id)
            return
        test, rest = tests[0], tests[1:]
        if test.prefix is not None:
            self.prefixes.setdefault(len(test.prefix), set()).add(test.prefix)
            self.prefixes_of.clear()
            children, keys = node.prefix, (test.prefix,)
        else:
            children, keys = (node.lemma if test.attr == "LEMMA" else node.lower), map(_hash, test.values)
        for value in keys:
            child = children.get(value)
            if child is None:
                child = children[value] = _Node()
            self._insert(child, rest, seg_id)

    def __call__(self, doc) -> dict[int, list[tuple[int, int]]]:
        from spacy.attrs import LEMMA, LOWER

        rows = doc.to_array([LEMMA, LOWER]).tolist() if len(doc) else []
        lemmas = [r[0] for r in rows]
        lowers = [r[1] for r in rows]
        n = len(rows)
        if self.prefixes:
            token_prefixes = list(map(self.prefixes_of.get, lowers))
            for j, found in enumerate(token_prefixes):
                if found is None:
                    token_prefixes[j] = self._prefixes(lowers[j], doc.vocab.strings)
        else:
            token_prefixes = [()] * n
        hits: dict[int, list[tuple[int, int]]] = {}
        root = self.root
        root_lemma, root_lower, root_prefix = root.lemma, root.lower, root.prefix
        for i in range(n):
            stack = []
            child = root_lemma.get(lemmas[i])
            if child is not None:
                stack.append((child, i + 1))
            child = root_lower.get(lowers[i])
            if child is not None:
                stack.append((child, i + 1))
            if token_prefixes[i]:
                for p in token_prefixes[i]:
                    child = root_prefix.get(p)
                    if child is not None:
                        stack.append((child, i + 1))
            while stack:
                node, j = stack.pop()
                for seg_id in node.ends:
                    found = hits.get(seg_id)
                    if found is None:
                        hits[seg_id] = [(i, j)]
                    else:
                        found.append((i, j))
                if j == n:
                    continue
                if node.lemma:
                    child = node.lemma.get(lemmas[j])
                    if child is not None:
                        stack.append((child, j + 1))
                if node.lower:
                    child = node.lower.get(lowers[j])
                    if child is not None:
                        stack.append((child, j + 1))
                if node.prefix and token_prefixes[j]:
                    for p in token_prefixes[j]:
                        child = node.prefix.get(p)
                        if child is not None:
                            stack.append((child, j + 1))
        if self.slow:
            lemmas = [t.lemma_ for t in doc]
            lowers = [t.lower_ for t in doc]
        for seg_id, tests in self.slow:
            for i in range(n):
                ends: set[int] = set()
                _ends(tests, 0, i, lemmas, lowers, ends)
                ends.discard(i)
                if ends:
                    hits.setdefault(seg_id, []).extend((i, e) for e in ends)
        return {seg_id: sorted(set(found)) if len(found) > 1 else found for seg_id, found in hits.items()}


def _hash(text: str) -> int:
    from spacy.strings import get_string_id

    return get_string_id(text)


def _ok(test: _Test, lemma: str, lower: str) -> bool:
    text = lemma if test.attr == "LEMMA" else lower
    if test.regex is not None:
        return test.regex.search(text) is not None
    if test.prefix is not None:
        return text.startswith(test.prefix)
    return text in test.values


def _ends(tests: list[_Test], k: int, i: int, lemmas: list[str], lowers: list[str], out: set[int]) -> None:
    """Every end position of ``tests[k:]`` matched from token ``i``."""
    if k == len(tests):
        out.add(i)
        return
    test = tests[k]
    if test.optional:
        _ends(tests, k + 1, i, lemmas, lowers, out)
    if i < len(lemmas) and _ok(test, lemmas[i], lowers[i]):
        _ends(tests, k + 1, i + 1, lemmas, lowers, out)


def _specificity(segment: list[dict]) -> tuple[int, int]:
    """How unlikely a segment is to match: more required tokens, then fewer
    alternatives for them."""
    required = [t for t in segment if t.get("OP") != "?"]
    choices = sum(len(v["IN"]) if isinstance(v, dict) and "IN" in v else 1
                  for t in required for k, v in t.items() if k != "OP")
    return len(required), -choices


def sentence_starts(doc) -> list[int]:
    """For each token of a Doc, the index of the first token of its sentence."""
    from policylint.engine.context import view

    return view(doc).sent_start


class _Combined:
    """Every PhraseSet's patterns, cut into gap-free segments, in one
    segment index run once per Doc; segment matches are joined across gaps in
    Python and the results cached on the Doc. Many rules then cost little
    more than one."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, ...]] = []
        self.ids: dict[tuple[str, ...], int] = {}
        self.added = 0  # how many sets are compiled
        self.index = _SegmentIndex()  # every distinct gap-free segment
        # A shape is a list of segments with the gaps between them; every
        # phrase variant with that shape is one of its owners (set id, phrase
        # index). A shape is looked at only when its anchor, the segment least
        # likely to match, has matched.
        self.shape_ids: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        self.shapes: list[tuple[tuple[int, ...], tuple[int, ...], frozenset[int]]] = []  # segments, gaps, others
        self.owners: list[set[tuple[int, int]]] = []  # per shape
        self.anchored: dict[int, list[int]] = {}  # anchor segment -> shapes

    def register(self, phrases: tuple[str, ...]) -> int:
        """The id of this list of phrases; identical lists share one (every
        Engine in a process loads the same rules)."""
        if phrases not in self.ids:
            self.ids[phrases] = len(self.sets)
            self.sets.append(phrases)
        return self.ids[phrases]

    def sync(self) -> None:
        """Compile the sets registered since the last call."""
        if self.added == len(self.sets):
            return
        for set_id in range(self.added, len(self.sets)):
            for i, phrase in enumerate(self.sets[set_id]):
                for v, pattern in enumerate(compile_phrase(phrase)):
                    segments, gaps = split_gaps(pattern)
                    seg_ids = tuple(self.index.add(segment) for segment in segments)
                    shape = (seg_ids, tuple(gaps))
                    shape_id = self.shape_ids.get(shape)
                    if shape_id is None:
                        shape_id = self.shape_ids[shape] = len(self.shapes)
                        anchor = seg_ids[max(range(len(segments)), key=lambda k: _specificity(segments[k]))]
                        self.shapes.append((seg_ids, tuple(gaps), frozenset(seg_ids) - {anchor}))
                        self.owners.append(set())
                        self.anchored.setdefault(anchor, []).append(shape_id)
                    self.owners[shape_id].add((set_id, i))
        self.added = len(self.sets)

    def matches(self, doc) -> dict[int, list[tuple[int, int, int]]]:
        """Per set id: (phrase index, start, end) of every raw match in ``doc``."""
        cached = doc.user_data.get("policylint_matches")
        if cached is not None and cached[0] == len(self.sets):
            return cached[1]
        self.sync()
        doc.user_data.pop("policylint_sets", None)
        seg_hits = self.index(doc)
        hit_ids = seg_hits.keys()
        by_set: dict[int, set[tuple[int, int, int]]] = {}
        sent_of: list[int] = []
        for anchor in seg_hits:
            for shape_id in self.anchored.get(anchor, ()):
                seg_ids, gaps, others = self.shapes[shape_id]
                if not gaps:
                    whole = seg_hits[anchor]
                else:
                    if not hit_ids >= others:
                        continue
                    if not sent_of:
                        sent_of = sentence_starts(doc)
                    whole = _join([seg_hits[s] for s in seg_ids], gaps, sent_of)
                    if not whole:
                        continue
                for set_id, idx in self.owners[shape_id]:
                    found = by_set.get(set_id)
                    if found is None:
                        found = by_set[set_id] = set()
                    found.update((idx, s, e) for s, e in whole)
        result = {set_id: sorted(found) for set_id, found in by_set.items()}
        doc.user_data["policylint_matches"] = (self.added, result)
        return result


_COMBINED = _Combined()


def sets_matched(doc):
    """The ids of the phrase sets with a raw match in a Doc."""
    return _COMBINED.matches(doc).keys()


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
        if self.id < 0:
            return []
        if hasattr(doc, "doc") and doc.doc is not doc:  # a Span
            span = doc
            return [m for m in _COMBINED.matches(span.doc).get(self.id, ())
                    if m[1] >= span.start and m[2] <= span.end]
        return _COMBINED.matches(doc).get(self.id, [])

    def matches(self, doc) -> list[tuple[int, int, int]]:
        """(phrase index, start token, end token) in a Doc: sentence-internal,
        non-overlapping, leftmost and then longest first."""
        if self.id < 0:
            return []
        raw = _COMBINED.matches(doc).get(self.id)
        if not raw:
            return []
        memo = doc.user_data.setdefault("policylint_sets", {})
        out = memo.get(self.id)
        if out is not None:
            return out
        sent_of = sentence_starts(doc)
        found = sorted((start, -(end - start), idx) for idx, start, end in raw
                       if sent_of[start] == sent_of[end - 1])
        out = []
        last_end = -1
        for start, neg_length, idx in found:
            if start >= last_end:
                out.append((idx, start, start - neg_length))
                last_end = start - neg_length
        memo[self.id] = out
        return out

    def search(self, doc) -> bool:
        """Any match in a Doc or Span."""
        return bool(self._raw(doc))
