"""The language pipeline: one spaCy pipeline, built once per process.

``spacy.blank("en")`` with one component of policylint's own, which sets
each token's lemma and sentence start in one pass over the tokens.

Sentence starts follow spaCy's sentencizer exactly (a sentence ends after
its run of sentence-final punctuation), computed from token hashes instead
of Token objects. Lemmas come from a lookup in the English lemma table of
spacy-lookups-data (the table spaCy's lookup lemmatizer uses): the
lower-cased form is looked up when the cased form is not in the table, and
every lemma is stored lower-cased.
Rules match on ``LEMMA``, so "Administers", "administering" and
"administered" all match "administer". Each distinct word is looked up once
per process; after that a token's lemma costs one dictionary lookup.

A trained pipeline is used only when the user names one that is installed
(``build(model="en_core_web_sm")``); nothing is ever downloaded. Its own
lemmas are kept, lower-cased, and filled in from the table when missing.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc
    from thinc.types import Ints2d

_ANNOTATOR = "policylint_annotator"
_FALLBACK = "policylint_lemma_fallback"
# Lookup-table entries that send common words to unrelated lemmas.
LEMMA_FIXES = {"as": "as", "does": "do", "first": "first", "least": "least", "less": "less", "ones": "one",
               "developed": "develop", "developing": "develop"}
# user_data key: per token, (lemma hashes, lower-cased text hashes, punctuation flags 0/1),
# as two ``array("Q")`` and ``bytes``
TOKEN_HASHES = "policylint_hashes"
SENTENCE_STARTS = "policylint_sentences"  # user_data key: the first token of each sentence
_CACHE_LIMIT = 500_000  # distinct words remembered per process
# spaCy's tokenizer strips prefixes and suffixes from a whitespace-free
# chunk one at a time, searching the rest of the chunk each time: a chunk
# of 20,000 brackets takes half a minute. No word is this long, so longer
# chunks are cut before tokenizing (see ``tokenizable``).
PIECE = 64
_LONG_CHUNK = re.compile(r"\S{%d,}" % PIECE)
# spaCy refuses texts over ``max_length`` (1,000,000 characters) to spare
# the parser and entity recogniser; the blank pipeline's memory is linear in
# the text, and the size of a document is bounded by ``limits.max_text_chars``.
MAX_LENGTH = 2**31 - 1
# The context checks look at a match's whole sentence; a "sentence" of a
# hundred thousand words (a hard-wrapped file with no full stops) would make
# them quadratic, so a sentence longer than this is cut into pieces.
MAX_SENTENCE_TOKENS = 256
COMPACT_FROM = 64  # tokens in a block from which its token hashes are kept as arrays


def tokenizable(text: str) -> str:
    """``text`` with every ``PIECE``-th character of a whitespace-free chunk
    of ``PIECE`` or more characters replaced by a space: the same length, so
    character offsets still point into ``text``, and tokenizing stays linear."""
    if len(text) < PIECE or not _LONG_CHUNK.search(text):
        return text
    return _LONG_CHUNK.sub(_cut, text)


def _cut(match: re.Match[str]) -> str:
    chunk = match.group(0)
    step = PIECE - 1
    return "".join(chunk[i:i + step] + " " for i in range(0, len(chunk), PIECE))[:len(chunk)]


@functools.lru_cache(maxsize=1)
def _table_path() -> Path | None:
    """Where spacy-lookups-data keeps the English lemma table (found
    without importing the package, which lists all its files on import)."""
    import importlib.util

    spec = importlib.util.find_spec("spacy_lookups_data")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "data" / "en_lemma_lookup.json.gz"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """word -> lemma, from spacy-lookups-data (empty when it is missing)."""
    path = _table_path()
    if path is None:
        return {}
    from policylint.engine import store

    stat = path.stat()
    name = "lemmas-" + hashlib.sha256(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:32]
    table = store.load(name)  # a plain dict loads faster than the gzipped JSON parses
    if isinstance(table, dict):
        return table
    try:
        with gzip.open(path, "rb") as fh:
            table = json.loads(fh.read())
    except (OSError, ValueError):
        return {}
    if not isinstance(table, dict):
        return {}
    store.save(name, table)
    return table


def lemma_of(text: str, lower: str, table: dict[str, str], given: str = "") -> str:
    """The lower-cased lemma of a word: a fix, else the lemma already given
    (a trained pipeline's), else the table's for the word as written, else
    for its lower-cased form, else the lower-cased form."""
    fixed = LEMMA_FIXES.get(lower)
    if fixed is not None:
        return fixed
    lemma = given if given and given != text else table.get(text, text)
    if not lemma or lemma == text:
        lemma = table.get(lower, lower)
    return (lemma or text).lower()


def _register() -> None:
    from spacy.language import Language

    if Language.has_factory(_ANNOTATOR):
        return

    @Language.factory(_ANNOTATOR)
    def make_annotator(nlp: Language, name: str) -> Callable[[Doc], Doc]:  # noqa: ARG001
        import numpy
        from spacy.attrs import IS_PUNCT, LEMMA, LOWER, ORTH, SENT_START
        from spacy.pipeline.sentencizer import Sentencizer
        from spacy.strings import get_string_id

        table = lemma_table()
        strings = nlp.vocab.strings
        known: dict[int, int] = {}  # ORTH hash -> LEMMA hash
        lemma_known: Callable[[int], int | None] = known.get
        final = frozenset(map(get_string_id, Sentencizer.default_punct_chars))  # ORTH hashes
        not_start = 2**64 - 1  # SENT_START -1, as spaCy stores it

        def annotate(doc: Doc) -> Doc:
            n = len(doc)
            if not n:
                return doc
            orths, lowers, puncts = doc.to_array([ORTH, LOWER, IS_PUNCT]).T.tolist()
            found: list[int | None] = list(map(lemma_known, orths))
            if None in found:  # a word not seen before in this process
                for i, lemma in enumerate(found):
                    if lemma is None:
                        orth = orths[i]
                        lemma = found[i] = strings.add(lemma_of(strings[orth], strings[lowers[i]], table))
                        if len(known) < _CACHE_LIMIT:
                            known[orth] = lemma
            lemmas = cast("list[int]", found)  # every None filled in above
            sent_starts = [not_start] * n
            sent_starts[0] = 1
            starts = [0]
            if n > MAX_SENTENCE_TOKENS or not final.isdisjoint(orths):
                seen_final = False
                cut = MAX_SENTENCE_TOKENS  # where an endless sentence is cut next
                for i, orth in enumerate(orths):
                    # spaCy's sentencizer: after sentence-final punctuation, the next token
                    # that is neither punctuation nor sentence-final starts a sentence.
                    if orth in final:
                        seen_final = True
                    elif (seen_final and not puncts[i]) or i >= cut:
                        sent_starts[i] = 1
                        starts.append(i)
                        seen_final = False
                        cut = i + MAX_SENTENCE_TOKENS
            # thinc's Ints2d is how spaCy spells a 2-D integer array in its signatures.
            values = cast("Ints2d", numpy.array([lemmas, sent_starts], dtype="uint64").T)
            doc.from_array([LEMMA, SENT_START], values)
            # The phrase matcher and the context checks read these; no need to ask spaCy again.
            # A long block's are kept compact (8 bytes a hash, 1 a flag, instead
            # of a Python int each): every block of a document is held until it
            # is checked. A short one's stay lists, which cost less to make.
            if n >= COMPACT_FROM:
                doc.user_data[TOKEN_HASHES] = (array("Q", lemmas), array("Q", lowers), bytes(puncts))
            else:
                doc.user_data[TOKEN_HASHES] = (lemmas, lowers, puncts)
            doc.user_data[SENTENCE_STARTS] = starts
            return doc

        return annotate

    @Language.factory(_FALLBACK)
    def make_fallback(nlp: Language, name: str) -> Callable[[Doc], Doc]:  # noqa: ARG001
        table = lemma_table()

        def fallback(doc: Doc) -> Doc:
            for tok in doc:
                tok.lemma_ = lemma_of(tok.text, tok.lower_, table, tok.lemma_)
            return doc

        return fallback


def build(model: str | None = None) -> Language:
    """Build (once) and return the pipeline."""
    return _build(model)  # one cache entry whether or not ``model`` is passed


@functools.lru_cache(maxsize=2)
def _build(model: str | None) -> Language:
    from policylint.engine.store import collector_paused

    # Importing spaCy and building the pipeline make a large tree of objects
    # that lasts as long as the process, with next to no garbage: the cyclic
    # collector, run again and again meanwhile, would walk it for nothing.
    # (Freezing what is alive afterwards saves more, but that is a decision
    # for the program, not the library: see ``Engine(after_build=...)``.)
    with collector_paused():
        return _make(model)


def _make(model: str | None) -> Language:
    import spacy

    _register()
    if model:
        nlp = spacy.load(model, exclude=["ner", "textcat"])
        if "sentencizer" not in nlp.pipe_names and "parser" not in nlp.pipe_names \
                and "senter" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe(_FALLBACK, last=True)
        nlp.max_length = MAX_LENGTH
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe(_ANNOTATOR, last=True)
    nlp.max_length = MAX_LENGTH
    return nlp
