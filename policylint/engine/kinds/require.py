"""``require``: something that must be present in a kind of document,
optionally in a named section (Lived Experience as an *essential*
criterion).

Any phrase of ``require`` satisfies it, and every group of ``require-all``
must be satisfied (or ``at-least`` of them); a negated match does not count. When it is missing, the
finding quotes an ``instead`` phrase if the document has one (generic
scope where peer roles should be named), else it is anchored on a heading
named in ``anchor``. ``absence-kinds`` limits the missing check to some of
the rule's kinds; ``severity-by-kind`` changes its severity by kind.

``violations`` are the rule's presence half ("absence; presence-violation
if ..." in the catalog): phrases that contradict the requirement outright
(Lived Experience only *desirable*). They are reported instead of the
missing finding, since they say more; in a ``require-all`` rule a violation
refutes one part, so the missing finding is added when two or more parts
are missing. ``set:`` adds a set-level check.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Self

from policylint.engine import context
from policylint.engine.analyse import Analysed, AnalysedBlock
from policylint.engine.kinds.base import DocumentKind, DocumentOptions, scope_sets
from policylint.engine.kinds.common import (
    Group,
    Head,
    compile_groups,
    finding,
    fmt,
    group_finding,
    presences,
    qualifier,
    sentence_text,
    suggestions,
)
from policylint.engine.kinds.schema import (
    Options,
    PhraseGroup,
    Where,
    count,
    groups,
    option,
    phrases,
    qualified_groups,
    severity_by_kind,
    strings,
    text,
)
from policylint.engine.kinds.set_level import SetPartOptions, compile_set_part
from policylint.engine.patterns import PhraseSet
from policylint.findings import Finding


@dataclass(frozen=True, kw_only=True)
class RequireOptions(DocumentOptions):
    require: tuple[PhraseGroup, ...] = option(groups, ())  # any one satisfies the rule
    require_all: tuple[PhraseGroup, ...] = option(groups, ())  # each must be satisfied ...
    at_least: int | None = option(count, None)  # ... or at least this many of them
    in_section: tuple[str, ...] = option(strings, ())  # "essential", "desirable" or words of a heading
    absence_kinds: tuple[str, ...] = option(strings, ())  # none given: every kind the rule applies to
    severity_by_kind: tuple[tuple[str, str], ...] = option(severity_by_kind, ())
    instead: tuple[str, ...] = option(phrases, ())  # quoted when the requirement is missing
    instead_message: str | None = option(text, None)  # the message then (none: the rule's)
    anchor: tuple[str, ...] = option(strings, ())  # heading words a missing finding is attached to
    violations: tuple[PhraseGroup, ...] = option(qualified_groups, ())
    set_part: SetPartOptions | None = option(SetPartOptions.parse, None, key="set")

    def validate(self, where: Where) -> None:
        if not self.require and not self.require_all:
            raise where.at("require").error("is missing (or give require-all)")
        if self.at_least is not None and self.at_least > len(self.require_all):
            raise where.at("at-least").error(f"is more than the {len(self.require_all)} groups of require-all")
        if self.set_part is not None and self.set_part.require is None and not self.require:
            raise where.at("set").at("require").error("is missing (the rule has no require phrases to use)")


def _anchor_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.I)


def _in_section(ab: AnalysedBlock, sent_text: str, wanted: tuple[str, ...]) -> bool:
    """The sentence is qualified as wanted ("essential"), or it or a heading
    or lead-in above it holds one of the wanted words from the start of a
    word ("vision" is not found inside "supervision"; "qualification" is
    found in "qualifications")."""
    q = qualifier(ab, sent_text)
    for w in wanted:
        if w in ("essential", "desirable"):
            if q == w:
                return True
        elif any(_word_start(w).search(label) for label in (sent_text, *ab.labels) if label):
            return True
    return False


@functools.lru_cache(maxsize=1024)
def _word_start(words: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(words), re.I)


@dataclass(frozen=True, kw_only=True)
class Require(DocumentKind):
    schema = RequireOptions
    extra_patterns_key = "violations"
    takes_extra_require = True

    require: tuple[Group, ...]
    require_all: tuple[Group, ...]
    at_least: int  # how many require-all groups must be met
    in_section: tuple[str, ...]
    instead: PhraseSet
    instead_message: str
    anchor: re.Pattern[str] | None
    by_kind: dict[str, str]
    absence_kinds: frozenset[str]
    violations: tuple[Group, ...]

    @classmethod
    def compile(cls, head: Head, options: Options, where: Where) -> Self:
        assert isinstance(options, RequireOptions)
        absence = options.absence_kinds or head.applies_to
        if any(k not in head.applies_to for k in absence):
            raise where.at("absence-kinds").error("must be a subset of applies-to")
        only_if, unless = scope_sets(options)
        require = compile_groups(head, options.require, "require")
        require_all = compile_groups(head, options.require_all, "require-all")
        instead = PhraseSet(list(options.instead), "instead")
        violations = compile_groups(head, options.violations, "violations")
        set_part = None
        if options.set_part is not None:
            own = tuple(p for g in require for p in g.phrases.phrases)
            set_part = compile_set_part(head, options.set_part, own)
        return cls(head=head, only_if=only_if, unless=unless, require=require, require_all=require_all,
                   at_least=options.at_least or len(require_all), in_section=options.in_section, instead=instead,
                   instead_message=options.instead_message or head.message,
                   anchor=_anchor_pattern(options.anchor), by_kind=dict(options.severity_by_kind),
                   absence_kinds=frozenset(absence), violations=violations, set_part=set_part)

    def findings(self, analysed: Analysed) -> list[Finding]:
        # Presence violations first: they say more than "not found".
        out: list[Finding] = []
        for g, ab, s, e, sent_text in presences(self.violations, analysed, self.unless):
            out.append(group_finding(self.head, g, analysed, ab, s, e, sent_text))
        kind = analysed.document.kind
        if out and not self.require_all or kind not in self.absence_kinds and "all" not in self.absence_kinds:
            return out
        any_ok = not self.require or any(self._satisfied(g, analysed) for g in self.require)
        missing = [g.label or g.phrases.phrases[0] for g in self.require_all if not self._satisfied(g, analysed)]
        if any_ok and len(self.require_all) - len(missing) >= self.at_least:
            return out
        # A violation refutes the requirement outright and stands for the missing
        # finding; of a require-all rule it refutes one part, so when two or more
        # parts are missing, at least one of them is news and is said as well.
        if out and len(missing) < 2:
            return out
        return [*out, self._missing(analysed, missing)]

    def _satisfied(self, g: Group, analysed: Analysed) -> bool:
        for ab, (i, s, e) in analysed.hits(g.phrases):
            if self.in_section and not _in_section(ab, sentence_text(ab.text, s), self.in_section):
                continue
            if context.is_negated(ab.text, s, e, g.phrases.phrases[i]):
                continue
            return True
        return False

    def _missing(self, analysed: Analysed, missing: list[str]) -> Finding:
        """The finding for a requirement not met: on an ``instead`` phrase
        when the document has one, else anchored on a heading."""
        kind = analysed.document.kind
        severity = self.by_kind.get(kind or "", self.head.severity)
        values = {"missing": ", ".join(missing), "kind": kind or "document"}
        suggest = suggestions(self.head.suggest, **values)
        if self.instead:
            for ab, (i, s, e) in analysed.hits(self.instead, body=True):
                if context.is_negated(ab.text, s, e, self.instead.phrases[i]):
                    continue
                span = ab.doc[s:e]
                values["evidence"] = ab.block.text[span.start_char:span.end_char]
                return finding(self.head, analysed, fmt(self.instead_message, **values), severity, suggest, ab,
                               (span.start_char, span.end_char))
        values["evidence"] = ""
        return finding(self.head, analysed, fmt(self.head.message, **values), severity, suggest,
                       self._anchor_block(analysed))

    def _anchor_block(self, analysed: Analysed) -> AnalysedBlock | None:
        if self.anchor is not None:
            found = analysed.find_heading(self.anchor)
            if found is not None:
                return found
        return analysed.first_block()
