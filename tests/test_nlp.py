"""policylint's pipeline against spaCy's own components: its one annotator
must split sentences exactly as spaCy's sentencizer does, and the views the
checks read must agree with the Doc."""

from pathlib import Path

import pytest

from policylint.engine.context import view
from policylint.nlp import SENTENCE_STARTS, build
from policylint.readers import read_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

TRICKY = [
    "Hello. World",
    "Hello... world!? Yes.",
    '"Quoted." Next one.',
    "End.) (Start here.",
    "a.b. c. d",
    "One!\n\nTwo?",
    "Wait - no. 1. Item two.",
    "Mr. Smith went home. He slept.",
    "x . " * 30,
    "‼ hi ⁉ there",
    "。 中文。 next",
    "Ends with a full stop.",
    ".",
    "...",
    "No punctuation at all",
    "Question? (Aside.) Answer!",
]


def _texts() -> list[str]:
    texts = list(TRICKY)
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".md", ".docx"):
            texts += [b.text for b in read_document(path).blocks]
    return texts


@pytest.fixture(scope="module")
def spacy_sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def test_sentence_starts_are_spacys(spacy_sentencizer) -> None:
    texts = _texts()
    ours = build()
    compared = 0
    for text, mine, theirs in zip(texts, ours.pipe(texts), spacy_sentencizer.pipe(texts)):
        assert [t.text for t in mine] == [t.text for t in theirs]
        assert [t.is_sent_start for t in mine] == [t.is_sent_start for t in theirs], text
        assert [s.start for s in mine.sents] == [s.start for s in theirs.sents], text
        assert mine.user_data[SENTENCE_STARTS] == [s.start for s in theirs.sents], text
        compared += len(mine)
    assert compared > 5_000  # the fixtures were read


def test_token_view_agrees_with_the_doc() -> None:
    doc = build()("Peer workers do not administer medication. They support people, and listen!")
    v = view(doc, tokens=True)
    assert v.lemmas == [t.lemma_ for t in doc]
    assert v.lowers == [t.lower_ for t in doc]
    assert [bool(p) for p in v.punct] == [t.is_punct for t in doc]
    for sent in doc.sents:
        for i in range(sent.start, sent.end):
            assert (v.sent_start[i], v.sent_end[i]) == (sent.start, sent.end)


def test_a_doc_from_elsewhere_gets_its_view_from_spacy(spacy_sentencizer) -> None:
    # No policylint annotations in user_data: the view falls back to the Doc.
    doc = spacy_sentencizer("First one. Second one here.")
    v = view(doc, tokens=True)
    assert v.sent_start == [0, 0, 0, 3, 3, 3, 3]
    assert v.lowers == [t.lower_ for t in doc]
