"""Finding gap-free token patterns in a Doc with one pass of a token trie.

A segment is a list of token tests (lemma or lower-cased text in a set of
values, lower-cased text starting with a prefix, optionally optional). All
segments go into one trie whose edges are keyed by a token's lemma, its
lower-cased text or a prefix of it; from each token only the paths its text
allows are walked, so the cost grows with the text and the matches, not
with the number of rules.

The trie is kept as lists indexed by node number, of dictionaries of
plain values (string hashes, node numbers), so it can be stored and loaded
quickly.

The matches are those spaCy's Matcher gives for the same token patterns:
every (start, end), start < end, for every way the optional tokens go.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any, cast

from policylint.nlp import TOKEN_HASHES

if TYPE_CHECKING:
    from spacy.strings import StringStore
    from spacy.tokens import Doc

ROOT = 0


class Test:
    """One token of a segment: the token's lemma or lower-cased text is one
    of ``values``, or the lower-cased text starts with ``prefix``."""

    __slots__ = ("attr", "values", "prefix", "optional")

    def __init__(self, attr: str, values: tuple[str, ...] = (), prefix: str | None = None,
                 optional: bool = False):
        self.attr = attr
        self.values = values
        self.prefix = prefix
        self.optional = optional

    @classmethod
    def from_spec(cls, spec: dict) -> Test:
        """From one token spec as ``compile_phrase`` writes them."""
        optional = spec.get("OP") == "?"
        attr, value = next((k, v) for k, v in spec.items() if k != "OP")
        if isinstance(value, str):
            return cls(attr, (value,), optional=optional)
        if "IN" in value:
            return cls(attr, tuple(value["IN"]), optional=optional)
        return cls(attr, prefix=value["PREFIX"], optional=optional)

    def state(self) -> tuple:
        return (self.attr, self.values, self.prefix, self.optional)


@functools.cache
def string_hash(text: str) -> int:
    """The hash spaCy stores for a string (its lemma and lower attributes)."""
    from spacy.strings import get_string_id

    return get_string_id(text)


class SegmentIndex:
    def __init__(self) -> None:
        # Per node (node 0 is the root): its children by the hash of a
        # token's lemma, by the hash of its lower-cased text, by a prefix of
        # that text; and the segments that end there. None when there are none.
        self.lemma: list[dict[int, int] | None] = [None]
        self.lower: list[dict[int, int] | None] = [None]
        self.prefix: list[dict[str, int] | None] = [None]
        self.ends: list[list[int] | None] = [None]
        self.prefixes: dict[int, set[str]] = {}  # prefix length -> prefixes in the trie
        self.prefixes_of: dict[int, tuple[str, ...]] = {}  # lower-cased text hash -> its prefixes here

    # -- building ---------------------------------------------------------

    def add(self, seg_id: int, tests: list[Test]) -> None:
        for keep in itertools.product(*[(True, False) if t.optional else (True,) for t in tests]):
            chosen = [t for t, k in zip(tests, keep) if k]
            if chosen:
                self._insert(ROOT, chosen, 0, seg_id)

    @property
    def size(self) -> int:
        return len(self.ends)

    def _child(self, edges: list[dict[Any, int] | None], node: int, key: int | str) -> int:
        kids = edges[node]
        if kids is None:
            kids = edges[node] = {}
        child = kids.get(key)
        if child is None:
            child = kids[key] = len(self.ends)
            for table in (self.lemma, self.lower, self.prefix, self.ends):
                table.append(None)
        return child

    def _insert(self, node: int, tests: list[Test], k: int, seg_id: int) -> None:
        if k == len(tests):
            ends = self.ends[node]
            if ends is None:
                ends = self.ends[node] = []
            if seg_id not in ends:
                ends.append(seg_id)
            return
        test = tests[k]
        if test.prefix is not None:
            self.prefixes.setdefault(len(test.prefix), set()).add(test.prefix)
            self.prefixes_of.clear()
            self._insert(self._child(self.prefix, node, test.prefix), tests, k + 1, seg_id)
            return
        edges = self.lemma if test.attr == "LEMMA" else self.lower
        for value in test.values:
            self._insert(self._child(edges, node, string_hash(value)), tests, k + 1, seg_id)

    # -- storing ----------------------------------------------------------

    def state(self) -> tuple:
        return (self.lemma, self.lower, self.prefix, self.ends,
                {n: sorted(p) for n, p in self.prefixes.items()})

    @classmethod
    def from_state(cls, state: tuple) -> SegmentIndex:
        index = cls()
        index.lemma, index.lower, index.prefix, index.ends, prefixes = state
        index.prefixes = {n: set(p) for n, p in prefixes.items()}
        return index

    # -- matching ---------------------------------------------------------

    def _prefixes(self, lower: int, strings: StringStore) -> tuple[str, ...]:
        """The trie's prefixes that a lower-cased text starts with (remembered by hash)."""
        found = self.prefixes_of.get(lower)
        if found is None:
            text = strings[lower]
            found = tuple(text[:length] for length, table in self.prefixes.items()
                          if len(text) >= length and text[:length] in table)
            if len(self.prefixes_of) < 200_000:
                self.prefixes_of[lower] = found
        return found

    def __call__(self, doc: Doc) -> dict[int, list[tuple[int, int]]]:
        """Per segment: its (start, end) token spans in ``doc``, sorted."""
        hashes = doc.user_data.get(TOKEN_HASHES)
        if hashes is not None and len(hashes[0]) == len(doc):
            lemmas, lowers = hashes[0], hashes[1]
            if not isinstance(lemmas, list):  # a long block's, kept as arrays: lists index faster
                lemmas, lowers = lemmas.tolist(), lowers.tolist()
        else:  # a Doc from another pipeline
            from spacy.attrs import LEMMA, LOWER

            rows = doc.to_array([LEMMA, LOWER]).tolist() if len(doc) else []
            lemmas = [r[0] for r in rows]
            lowers = [r[1] for r in rows]
        n = len(lemmas)
        token_prefixes: list[tuple[str, ...]]
        if self.prefixes:
            known = list(map(self.prefixes_of.get, lowers))
            for j, found in enumerate(known):
                if found is None:
                    known[j] = self._prefixes(lowers[j], doc.vocab.strings)
            token_prefixes = cast("list[tuple[str, ...]]", known)  # every None filled in above
        else:
            token_prefixes = [()] * n
        hits: dict[int, list[tuple[int, int]]] = {}
        lemma_edges, lower_edges, prefix_edges, all_ends = self.lemma, self.lower, self.prefix, self.ends
        lemma_root, lower_root, prefix_root = lemma_edges[ROOT] or {}, lower_edges[ROOT] or {}, prefix_edges[ROOT] or {}
        for i in range(n):
            # The trie nodes reached by the tokens from i up to j, one position at a time.
            frontier = []
            child = lemma_root.get(lemmas[i])
            if child is not None:
                frontier.append(child)
            child = lower_root.get(lowers[i])
            if child is not None:
                frontier.append(child)
            if token_prefixes[i]:
                for p in token_prefixes[i]:
                    child = prefix_root.get(p)
                    if child is not None:
                        frontier.append(child)
            j = i + 1
            while frontier:
                reached = []
                for node in frontier:
                    ends = all_ends[node]
                    if ends:
                        span = (i, j)
                        for seg_id in ends:
                            spans = hits.get(seg_id)
                            if spans is None:
                                hits[seg_id] = [span]
                            else:
                                spans.append(span)
                    if j == n:
                        continue
                    kids = lemma_edges[node]
                    if kids:
                        child = kids.get(lemmas[j])
                        if child is not None:
                            reached.append(child)
                    kids = lower_edges[node]
                    if kids:
                        child = kids.get(lowers[j])
                        if child is not None:
                            reached.append(child)
                    prefix_kids = prefix_edges[node]
                    if prefix_kids and token_prefixes[j]:
                        for p in token_prefixes[j]:
                            child = prefix_kids.get(p)
                            if child is not None:
                                reached.append(child)
                frontier = reached
                j += 1
        # Spans come out sorted: starts in order, and from each start the ends in order.
        return hits

