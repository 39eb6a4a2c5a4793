"""The phrase trie finds exactly what spaCy's Matcher finds: the same
patterns (lemma or lower-cased text tests, some optional) over the same
texts give the same (pattern, start, end) spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from policylint.engine import trie
from policylint.nlp import build

# Surface forms and the lemmas the pipeline gives them.
WORDS = ["peer", "peers", "worker", "workers", "administer", "administers", "administered", "medication",
         "the", "to", "support", "supports", "recovery", ","]
LEMMAS = ["peer", "worker", "administer", "medication", "the", "to", "support", "recovery", ","]

token_test = st.one_of(
    st.tuples(st.just("LEMMA"), st.lists(st.sampled_from(LEMMAS), min_size=1, max_size=3, unique=True),
              st.booleans()),
    st.tuples(st.just("LOWER"), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True),
              st.booleans()),
)
pattern = st.lists(token_test, min_size=1, max_size=3).filter(lambda p: not all(optional for _, _, optional in p))


@settings(max_examples=150, deadline=None)
@given(patterns=st.lists(pattern, min_size=1, max_size=4),
       words=st.lists(st.sampled_from(WORDS + ["Peer", "Administers", "THE"]), min_size=1, max_size=14))
def test_the_trie_finds_what_the_matcher_finds(patterns: list, words: list[str]) -> None:
    nlp = build()
    doc = nlp(" ".join(words))
    index = trie.SegmentIndex()
    matcher = Matcher(nlp.vocab)
    for seg_id, tests in enumerate(patterns):
        index.add(seg_id, [trie.Test(attr, tuple(values), optional=optional) for attr, values, optional in tests])
        matcher.add(f"p{seg_id}", [[{attr: {"IN": values}, **({"OP": "?"} if optional else {})}
                                    for attr, values, optional in tests]])
    found = {(seg_id, s, e) for seg_id, spans in index(doc).items() for s, e in spans}
    spacy_found = {(int(nlp.vocab.strings[m][1:]), s, e) for m, s, e in matcher(doc)}
    assert found == spacy_found
