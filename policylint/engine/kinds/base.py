"""What every rule kind is: a declared schema of the keys it reads from a
rule file, and a compiled frozen form, built once at load, with its own
``check``. Kinds that take part in set-level rules carry a ``SetPart``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Self

from policylint.engine.analyse import Analysed
from policylint.engine.kinds.common import Head, doc_has
from policylint.engine.kinds.schema import Options, Where, option, phrases
from policylint.engine.patterns import PhraseIndex, PhraseSet, active_index
from policylint.findings import Finding

if TYPE_CHECKING:
    from policylint.engine.kinds.set_level import SetPart
    from policylint.engine.rules import Rule

# What a set-level check is given for each document of a folder: its path,
# its kind, and whether it satisfies each set-level rule (by rule code).
SetDocs = Sequence[tuple[str, str | None, dict[str, bool | None]]]


@dataclass(frozen=True, kw_only=True)
class RuleKind(ABC):
    """The compiled form of one rule of this kind."""

    schema: ClassVar[type[Options]]  # the keys this kind reads from a rule file
    per_document: ClassVar[bool] = True  # False: judged only across a policy set
    # Configuration (rules.<name> in the config file) adds vocabulary: the
    # key that extra-patterns join, and whether extra-require is taken.
    extra_patterns_key: ClassVar[str | None] = None
    takes_extra_require: ClassVar[bool] = False

    head: Head
    set_part: SetPart | None = None  # the set-level requirement, for kinds that take part in one

    @classmethod
    @abstractmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        """Compile the rule's phrases once (``options`` is of ``schema``);
        a problem that needs the rule's own fields is a RuleError at ``where``."""

    @abstractmethod
    def check(self, analysed: Analysed) -> list[Finding]:
        """The findings on one analysed document of a kind the rule applies to."""

    def set_hit(self, analysed: Analysed) -> bool | None:
        """Whether one document satisfies the set-level requirement (None
        when there is none, or it does not look at this kind of document)."""
        return None if self.set_part is None else self.set_part.hit(analysed)

    def set_findings(self, folder: str, docs: SetDocs) -> list[Finding]:
        """The set-level finding for a folder, if its documents fall short."""
        return [] if self.set_part is None else self.set_part.findings(self.head, folder, docs)

    def example_fires(self, analysed: Analysed) -> bool:
        """Whether the rule fires on one of its own examples."""
        return bool(self.check(analysed))

    def group_suggestions(self) -> tuple[str, ...]:
        """Suggested wording given with the rule's phrase groups rather than
        the rule (what ``explain`` shows when the rule has none of its own)."""
        return ()

    def phrase_set_ids(self) -> set[int]:
        """The ids of every PhraseSet the rule can match, so that analysing
        a document looks for them in one pass."""
        return _phrase_set_ids(self)


def rules_index(rules: list[Rule]) -> PhraseIndex:
    """The phrase index loaded rules registered in (the default index when
    they hold no phrases)."""
    for rule in rules:
        for found in _phrase_sets(rule.compiled):
            return found.index
    return active_index()


def _phrase_sets(value: object) -> Iterator[PhraseSet]:
    if isinstance(value, PhraseSet):
        yield value
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _phrase_sets(item)


def _phrase_set_ids(value: object) -> set[int]:
    # An empty PhraseSet's id (-1) is kept: selections stay as they were
    # before the kinds had classes, and so do their stored tables.
    return {ps.id for ps in _phrase_sets(value)}


@dataclass(frozen=True, kw_only=True)
class DocumentOptions(Options):
    """Keys every per-document kind reads."""

    only_if: tuple[str, ...] = option(phrases, ())  # the document must contain one for the rule to apply
    unless: tuple[str, ...] = option(phrases, ())  # a sentence with one is excused


@dataclass(frozen=True, kw_only=True)
class DocumentKind(RuleKind):
    """A kind judged on each document: ``only-if`` decides whether the rule
    applies to a document at all; ``unless`` excuses a sentence."""

    only_if: PhraseSet
    unless: PhraseSet

    def check(self, analysed: Analysed) -> list[Finding]:
        if self.only_if and not doc_has(self.only_if, analysed):
            return []
        return self.findings(analysed)

    @abstractmethod
    def findings(self, analysed: Analysed) -> list[Finding]:
        """The findings on a document the rule applies to."""


def scope_sets(options: DocumentOptions) -> tuple[PhraseSet, PhraseSet]:
    """The compiled ``only-if`` and ``unless`` phrases (compiled first, as
    they always were: the order phrase sets are made in is the order of
    the stored phrase tables)."""
    return PhraseSet(list(options.only_if), "only-if"), PhraseSet(list(options.unless), "unless")
