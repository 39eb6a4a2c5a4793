"""One block's analysed text, and what the engine works out about it once.

The language pipeline turns a block into a spaCy ``Doc``; the engine then
asks the same questions of it many times (which phrase sets match, which of
a set's matches to report, where each sentence starts). The answers live
here, on the analysed document (``AnalysedBlock.text``), not on the ``Doc``:
nothing outlives the analysed document that owns it, and a ``Doc`` handed to
the engine by someone else is left as it came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc


class BlockText:
    """A block's ``Doc``, the phrase sets its document's rules look for
    (``selection``, None for every set) in the engine's phrase index, and the
    engine's answers so far."""

    __slots__ = ("doc", "source", "selection", "index", "found", "chosen", "view")

    def __init__(self, doc: Doc, selection: frozenset[int] | None = None, index: Any = None,
                 source: str | None = None) -> None:
        self.doc = doc
        self.source = source  # the text the Doc was made from (its ``doc.text``), when known
        self.selection = selection
        self.index = index  # the PhraseIndex the answers come from (patterns.py)
        self.found: Any = None  # the raw phrase matches, by set (patterns.py)
        self.chosen: dict[int, list[tuple[int, int, int]]] = {}  # per set, the matches reported (patterns.py)
        self.view: Any = None  # tokens and sentence bounds as lists (context.py)

    def covers(self, set_id: int) -> bool:
        """Whether the selection includes this set (a set outside it is
        matched on request)."""
        return self.selection is None or set_id in self.selection


def text_of(target: Doc | BlockText) -> BlockText:
    """A ``BlockText`` for what a caller holds: an analysed block's own, or a
    fresh one for a bare ``Doc`` (then nothing is remembered between calls)."""
    return target if isinstance(target, BlockText) else BlockText(target)
