"""The language pipeline: one spaCy pipeline, built once per process.

``spacy.blank("en")`` with a sentencizer and the lookup lemmatizer (tables
from spacy-lookups-data), followed by a small component that lemmatises the
lower-cased form when the cased form is not in the table and stores every
lemma lower-cased. Rules match on ``LEMMA``, so "Administers",
"administering" and "administered" all match "administer".

A trained pipeline is used only when the user names one that is installed
(``build(model="en_core_web_sm")``); nothing is ever downloaded.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

_COMPONENT = "policylint_lemma_fallback"
# Lookup-table entries that send common words to unrelated lemmas.
LEMMA_FIXES = {"as": "as", "does": "do", "first": "first", "least": "least", "less": "less", "ones": "one",
               "developed": "develop", "developing": "develop"}


def _register() -> None:
    from spacy.language import Language

    if Language.has_factory(_COMPONENT):
        return

    @Language.factory(_COMPONENT)
    def make_fallback(nlp: "Language", name: str):  # noqa: ARG001
        table = None
        if "lemmatizer" in nlp.pipe_names:
            lookups = nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_lookup"):
                table = lookups.get_table("lemma_lookup")

        def fallback(doc):
            for tok in doc:
                fixed = LEMMA_FIXES.get(tok.lower_)
                if fixed is not None:
                    tok.lemma_ = fixed
                    continue
                lemma = tok.lemma_
                if table is not None and (not lemma or lemma == tok.text):
                    lemma = table.get(tok.lower_, tok.lower_)
                tok.lemma_ = (lemma or tok.text).lower()
            return doc

        return fallback


@functools.lru_cache(maxsize=2)
def build(model: str | None = None) -> "Language":
    """Build (once) and return the pipeline."""
    import spacy

    _register()
    if model:
        nlp = spacy.load(model, exclude=["ner", "textcat"])
        if "sentencizer" not in nlp.pipe_names and "parser" not in nlp.pipe_names \
                and "senter" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe(_COMPONENT, last=True)
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except (OSError, ValueError, ImportError):  # spacy-lookups-data missing
        nlp.remove_pipe("lemmatizer")
    nlp.add_pipe(_COMPONENT, last=True)
    return nlp
