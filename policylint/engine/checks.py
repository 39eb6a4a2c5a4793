"""The rule kinds: forbid, substitute, require, conditional and set.

``compile_rule`` validates a rule's kind-specific fields and compiles its
phrases once; ``check_document`` runs a per-document rule over one analysed
document; ``check_set`` runs a set-level rule over a folder's documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from policylint.document import Location
from policylint.engine import context
from policylint.engine.analyse import Analysed, AnalysedBlock
from policylint.engine.patterns import PatternError, PhraseSet
from policylint.engine.rules import CONTEXTS, DEFAULT_CONTEXTS, KINDS, Pattern, Rule, RuleError, patterns
from policylint.findings import SEVERITIES, Finding


@dataclass
class Group:
    pattern: Pattern
    phrases: PhraseSet
    qualifier: str | None = None  # only counts under "essential" / "desirable"
    extra: dict[str, Any] = field(default_factory=dict)
    unless_document: PhraseSet | None = None

    def excused_by(self, analysed: Analysed) -> bool:
        return bool(self.unless_document) and _doc_has(self.unless_document, analysed)


def _phrases(rule: Rule, value: Any, key: str) -> PhraseSet:
    groups = patterns(value, rule.path, key)
    flat = [p for g in groups for p in g.phrases]
    try:
        return PhraseSet(flat, key)
    except PatternError as exc:
        raise RuleError(rule.path, key, str(exc)) from None


def _groups(rule: Rule, value: Any, key: str) -> list[Group]:
    out = []
    for i, g in enumerate(patterns(value, rule.path, key)):
        try:
            out.append(Group(g, PhraseSet(list(g.phrases), f"{rule.code}:{key}:{i}"),
                             unless_document=PhraseSet(list(g.unless_document), f"{rule.code}:{key}:{i}:u")))
        except PatternError as exc:
            raise RuleError(rule.path, f"{key}[{i}]", str(exc)) from None
    return out


def phrase_set_ids(compiled: Any) -> set[int]:
    """The ids of every PhraseSet in a rule's compiled form."""
    if isinstance(compiled, PhraseSet):
        return {compiled.id}
    if isinstance(compiled, Group):
        return phrase_set_ids([compiled.phrases, compiled.unless_document, compiled.extra])
    if isinstance(compiled, dict):
        compiled = list(compiled.values())
    if isinstance(compiled, (list, tuple)):
        return {i for item in compiled for i in phrase_set_ids(item)}
    return set()


def _severity(rule: Rule, value: Any, key: str) -> str:
    if value not in SEVERITIES:
        raise RuleError(rule.path, key, f"must be one of {', '.join(SEVERITIES)}")
    return value


def compile_rule(rule: Rule) -> None:
    s = rule.spec
    c: dict[str, Any] = {
        "only_if": _phrases(rule, s.get("only-if"), "only-if"),
        "unless": _phrases(rule, s.get("unless"), "unless"),
    }
    if rule.kind == "forbid":
        if "patterns" not in s:
            raise RuleError(rule.path, "patterns", "is missing")
        c["groups"] = _groups(rule, s["patterns"], "patterns")
        ignore = s.get("ignore-contexts", list(DEFAULT_CONTEXTS))
        if not isinstance(ignore, list) or any(x not in CONTEXTS for x in ignore):
            raise RuleError(rule.path, "ignore-contexts", f"must be a list of {', '.join(CONTEXTS)}")
        c["ignore"] = set(ignore)
        when = []
        for i, item in enumerate(s.get("severity-when") or []):
            key = f"severity-when[{i}]"
            if not isinstance(item, dict) or "severity" not in item or not ({"qualifier", "sentence"} & set(item)):
                raise RuleError(rule.path, key, "needs 'severity' and 'qualifier' or 'sentence'")
            q = item.get("qualifier")
            if q is not None and q not in ("essential", "desirable", "none"):
                raise RuleError(rule.path, f"{key}.qualifier", "must be essential, desirable or none")
            when.append((q, _phrases(rule, item.get("sentence"), f"{key}.sentence"),
                         _severity(rule, item["severity"], f"{key}.severity")))
        c["severity_when"] = when
    elif rule.kind == "substitute":
        terms = s.get("terms")
        if not isinstance(terms, list) or not terms:
            raise RuleError(rule.path, "terms", "must be a non-empty list")
        groups = []
        for i, t in enumerate(terms):
            key = f"terms[{i}]"
            if not isinstance(t, dict) or "avoid" not in t or "use" not in t:
                raise RuleError(rule.path, key, "needs 'avoid' and 'use'")
            try:
                ps = PhraseSet(list(_strings(rule, t["avoid"], f"{key}.avoid")), f"{rule.code}:{key}")
            except PatternError as exc:
                raise RuleError(rule.path, f"{key}.avoid", str(exc)) from None
            sev = _severity(rule, t.get("severity", rule.severity), f"{key}.severity")
            pat = Pattern(tuple(t["avoid"]) if isinstance(t["avoid"], list) else (t["avoid"],),
                          _strings(rule, t["use"], f"{key}.use"), sev, t.get("message"), str(t.get("source", "")))
            groups.append(Group(pat, ps, extra={"exempt": _phrases(rule, t.get("exempt"), f"{key}.exempt")}))
        c["groups"] = groups
        c["exempt"] = _phrases(rule, s.get("exempt"), "exempt")
    elif rule.kind == "require":
        if "require" not in s and "require-all" not in s:
            raise RuleError(rule.path, "require", "is missing (or give require-all)")
        c["require"] = _groups(rule, s.get("require"), "require")
        c["require_all"] = _groups(rule, s.get("require-all"), "require-all")
        c["in_section"] = _strings(rule, s.get("in-section"), "in-section")
        c["instead"] = _phrases(rule, s.get("instead"), "instead")
        c["anchor"] = _regex(rule, s.get("anchor"), "anchor")
        by_kind = s.get("severity-by-kind") or {}
        if not isinstance(by_kind, dict) or any(k not in KINDS for k in by_kind):
            raise RuleError(rule.path, "severity-by-kind", "must map document kinds to severities")
        c["by_kind"] = {k: _severity(rule, v, f"severity-by-kind.{k}") for k, v in by_kind.items()}
        absence = _strings(rule, s.get("absence-kinds"), "absence-kinds") or rule.applies_to
        if any(k not in rule.applies_to for k in absence):
            raise RuleError(rule.path, "absence-kinds", "must be a subset of applies-to")
        c["absence_kinds"] = set(absence)
        violations = []
        for i, v in enumerate(s.get("violations") or []):
            key = f"violations[{i}]"
            if not isinstance(v, dict) or "match" not in v:
                raise RuleError(rule.path, key, "needs 'match'")
            q = v.get("qualifier")
            if q is not None and q not in ("essential", "desirable"):
                raise RuleError(rule.path, f"{key}.qualifier", "must be essential or desirable")
            sub = {k: v[k] for k in v if k != "qualifier"}
            g = _groups(rule, [sub], key)[0]
            g.qualifier = q
            violations.append(g)
        c["violations"] = violations
    elif rule.kind == "conditional":
        for key in ("if", "then"):
            if key not in s:
                raise RuleError(rule.path, key, "is missing")
        c["if"] = _groups(rule, s["if"], "if")
        c["then"] = _phrases(rule, s["then"], "then")
    if rule.kind == "set":
        c["set"] = _compile_set(rule, s, "", c)
    elif "set" in s:
        if not isinstance(s["set"], dict):
            raise RuleError(rule.path, "set", "must be a mapping")
        c["set"] = _compile_set(rule, s["set"], "set.", c)
    rule.compiled = c


SET_KEYS = {"require", "set-kinds", "only-if-set-has", "message", "severity", "suggest", "every"}


def _compile_set(rule: Rule, s: dict, prefix: str, c: dict) -> dict:
    """The set-level part of a rule: some document of the set must match."""
    if prefix:
        unknown = set(s) - SET_KEYS
        if unknown:
            raise RuleError(rule.path, prefix + sorted(unknown)[0], "unknown key")
    if "require" in s:
        require = _phrases(rule, s["require"], prefix + "require")
    elif c.get("require"):
        require = PhraseSet([p for g in c["require"] for p in g.phrases.phrases], f"{rule.code}:set")
    else:
        raise RuleError(rule.path, prefix + "require", "is missing")
    kinds = _strings(rule, s.get("set-kinds"), prefix + "set-kinds") or KINDS
    has = _strings(rule, s.get("only-if-set-has"), prefix + "only-if-set-has")
    for k in (*kinds, *has):
        if k not in KINDS:
            raise RuleError(rule.path, prefix + "set-kinds", f"unknown document kind {k!r}")
    every = s.get("every", False)
    if not isinstance(every, bool):
        raise RuleError(rule.path, prefix + "every", "must be true or false")
    return {
        "every": every,
        "require": require,
        "kinds": set(kinds),
        "has": set(has),
        "message": s.get("message", rule.message) if prefix else rule.message,
        "severity": _severity(rule, s.get("severity", rule.severity), prefix + "severity"),
        "suggest": _strings(rule, s.get("suggest"), prefix + "suggest") or rule.suggest,
    }


def _strings(rule: Rule, value: Any, key: str) -> tuple[str, ...]:
    from policylint.engine.rules import _strings as strings

    return strings(value, rule.path, key)


def _regex(rule: Rule, value: Any, key: str) -> re.Pattern | None:
    words = _strings(rule, value, key)
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.I)


# -- helpers ----------------------------------------------------------------

def _doc_has(ps: PhraseSet, analysed: Analysed, negation_counts: bool = False) -> bool:
    """Some block holds a match that is not negated (worked out once per
    document and phrase set: many groups share an ``unless-document``)."""
    key = ("doc_has", ps.id, negation_counts)
    found = analysed.memo.get(key)
    if found is None:
        found = analysed.memo[key] = any(
            negation_counts or not context.is_negated(ab.doc, s, e, ps.phrases[i])
            for ab, (i, s, e) in analysed.hits(ps))
    return found


def _sentence(doc, token: int):
    """The sentence (a Span) holding a token, from the Doc's cached bounds."""
    v = context.view(doc)
    return doc[v.sent_start[token]:v.sent_end[token]]


def _sentence_text(doc, token: int) -> str:
    """The text of the sentence holding a token, made once per sentence (a
    Span makes its text anew each time, token by token)."""
    v = context.view(doc)
    start = v.sent_start[token]
    text = v.sentence_texts.get(start)
    if text is None:
        text = v.sentence_texts[start] = doc[start:v.sent_end[token]].text
    return text


def _blocks_with(analysed: Analysed, sets: list[PhraseSet]):
    """Body blocks, in order, where one of ``sets`` has a match."""
    seen = {ab.index for ps in sets for ab, _ in analysed.hits(ps, body=True)}
    return [ab for ab in analysed.body() if ab.index in seen]


def _finding(rule: Rule, analysed: Analysed, message: str, severity: str, suggestions, ab: AnalysedBlock | None,
             start: int | None = None, end: int | None = None, evidence_span=None) -> Finding:
    doc = analysed.document
    if ab is None:
        return Finding(rule.code, rule.name, severity, doc.path, message, Location(), None,
                       tuple(suggestions), rule.source, rule.rationale)
    if start is None:
        return Finding(rule.code, rule.name, severity, doc.path, message, ab.block.locate(0), None,
                       tuple(suggestions), rule.source, rule.rationale, anchor_block=ab.index)
    text = ab.block.text
    return Finding(rule.code, rule.name, severity, doc.path, message, ab.block.locate(start), text[start:end],
                   tuple(suggestions), rule.source, rule.rationale, span=(ab.index, start, end))


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _fmt(template: str, **values: str) -> str:
    return template.format_map(_KeepUnknown(values))


def _suggestions(templates, **values) -> list[str]:
    return [_fmt(t, **values) for t in templates]


def _qualifier(ab: AnalysedBlock, sent_text: str) -> str | None:
    return context.qualifier(sent_text, *ab.labels)


def _anchor_block(rule: Rule, analysed: Analysed) -> AnalysedBlock | None:
    pattern = rule.compiled.get("anchor")
    if pattern is not None:
        found = analysed.find_heading(pattern)
        if found is not None:
            return found
    return analysed.first_block()


# -- per-document kinds -----------------------------------------------------

def check_document(rule: Rule, analysed: Analysed) -> list[Finding]:
    c = rule.compiled
    if c["only_if"] and not _doc_has(c["only_if"], analysed):
        return []
    if rule.kind == "forbid":
        return _forbid(rule, analysed)
    if rule.kind == "substitute":
        return _substitute(rule, analysed)
    if rule.kind == "require":
        return _require(rule, analysed)
    if rule.kind == "conditional":
        return _conditional(rule, analysed)
    return []


def _excused(rule: Rule, ab: AnalysedBlock, s: int, e: int, ignore: set[str], phrase: str = "") -> bool:
    sent_text = _sentence_text(ab.doc, s)
    if "negation" in ignore and context.is_negated(ab.doc, s, e, phrase):
        return True
    if "disclaimer" in ignore and ab.disclaimer:
        return True
    if "advocacy" in ignore and context.is_advocacy(sent_text):
        return True
    if "learning" in ignore and context.is_learning(sent_text):
        return True
    if "other-role" in ignore and context.attributed_elsewhere(ab.doc, s, e):
        return True
    if "criteria" in ignore and context.is_criteria(sent_text, ab.labels):
        return True
    return bool(rule.compiled["unless"]) and rule.compiled["unless"].search(_sentence(ab.doc, s))


def _forbid(rule: Rule, analysed: Analysed) -> list[Finding]:
    c = rule.compiled
    out = []
    groups = [g for g in c["groups"] if not g.excused_by(analysed)]
    for ab in _blocks_with(analysed, [g.phrases for g in groups]):
        seen_sents: set[tuple[int, int]] = set()
        for g in groups:
            for i, s, e in g.phrases.matches(ab.doc):
                if _excused(rule, ab, s, e, c["ignore"], g.phrases.phrases[i]):
                    continue
                sent = _sentence(ab.doc, s)
                sent_text = _sentence_text(ab.doc, s)
                if (sent.start, id(g)) in seen_sents:
                    continue  # one finding per sentence for each group of phrases
                seen_sents.add((sent.start, id(g)))
                severity = g.pattern.severity or rule.severity
                q = _qualifier(ab, sent_text)
                for want_q, sentence_ps, sev in c["severity_when"]:
                    if want_q is not None and want_q != (q or "none"):
                        continue
                    if sentence_ps and not sentence_ps.search(sent):
                        continue
                    severity = sev
                    break
                span = ab.doc[s:e]
                evidence = ab.block.text[span.start_char:span.end_char]
                values = {"evidence": evidence, "sentence": sent_text.strip()}
                out.append(_finding(
                    rule, analysed, _fmt(g.pattern.message or rule.message, **values), severity,
                    _suggestions(g.pattern.suggest or rule.suggest, **values), ab, span.start_char, span.end_char))
    return out


CRITIQUE_RE = re.compile(r"\b(reject|avoid|instead of|rather than|such as|terms like|words like|labels?|stigma\w*"
                         r"|do not use|don't use|outdated|harmful)\b", re.I)


def _rewrite(sentence: str, start: int, end: int, replacement: str) -> str:
    old = sentence[start:end]
    if old[:1].isupper() and replacement[:1].islower():
        replacement = replacement[:1].upper() + replacement[1:]
    return sentence[:start] + replacement + sentence[end:]


def _substitute(rule: Rule, analysed: Analysed) -> list[Finding]:
    c = rule.compiled
    out = []
    for ab in _blocks_with(analysed, [g.phrases for g in c["groups"]]):
        exempt_spans = [(s, e) for _, s, e in c["exempt"].matches(ab.doc)] if c["exempt"] else []
        for g in c["groups"]:
            term_exempt = g.extra["exempt"]
            for _, s, e in g.phrases.matches(ab.doc):
                if any(es < e and s < ee for es, ee in exempt_spans):
                    continue
                sent = _sentence(ab.doc, s)
                sent_text = _sentence_text(ab.doc, s)
                if term_exempt and term_exempt.search(sent):
                    continue
                if c["unless"] and c["unless"].search(sent):
                    continue
                span = ab.doc[s:e]
                rel_s, rel_e = span.start_char - sent.start_char, span.end_char - sent.start_char
                severity = g.pattern.severity or rule.severity
                if context.in_quotes(sent_text, rel_s, rel_e):
                    if CRITIQUE_RE.search(sent_text):
                        continue  # a mention in order to critique it
                    severity = "info"
                evidence = ab.block.text[span.start_char:span.end_char]
                uses = list(g.pattern.suggest)
                suggestions = [f"Rewrite as: \"{_rewrite(sent_text.strip(), rel_s - (len(sent_text) - len(sent_text.lstrip())), rel_e - (len(sent_text) - len(sent_text.lstrip())), uses[0])}\""]
                suggestions += [f"Or use \"{u}\" instead of \"{evidence}\"" for u in uses[1:]]
                values = {"evidence": evidence, "use": uses[0], "sentence": sent_text.strip()}
                out.append(_finding(rule, analysed, _fmt(g.pattern.message or rule.message, **values), severity,
                                    suggestions, ab, span.start_char, span.end_char))
    return out


def _group_satisfied(g: Group, analysed: Analysed, in_section: tuple[str, ...]) -> bool:
    for ab, (i, s, e) in analysed.hits(g.phrases):
        if context.is_negated(ab.doc, s, e, g.phrases.phrases[i]):
            continue
        if in_section and not _in_section(ab, _sentence_text(ab.doc, s), in_section):
            continue
        return True
    return False


def _in_section(ab: AnalysedBlock, sent_text: str, wanted: tuple[str, ...]) -> bool:
    q = _qualifier(ab, sent_text)
    for w in wanted:
        if w in ("essential", "desirable"):
            if q == w:
                return True
        elif any(w.lower() in label.lower() for label in (sent_text, *ab.labels)):
            return True
    return False


def _require(rule: Rule, analysed: Analysed) -> list[Finding]:
    c = rule.compiled
    out = []
    # Presence violations first: they say more than "not found".
    for g in (g for g in c["violations"] if not g.excused_by(analysed)):
        for ab, (i, s, e) in analysed.hits(g.phrases, body=True):
            if context.is_negated(ab.doc, s, e, g.phrases.phrases[i]):
                continue
            sent = _sentence(ab.doc, s)
            sent_text = _sentence_text(ab.doc, s)
            if g.qualifier and _qualifier(ab, sent_text) != g.qualifier:
                continue
            if c["unless"] and c["unless"].search(sent):
                continue
            span = ab.doc[s:e]
            values = {"evidence": ab.block.text[span.start_char:span.end_char], "sentence": sent_text.strip()}
            out.append(_finding(rule, analysed, _fmt(g.pattern.message or rule.message, **values),
                                g.pattern.severity or rule.severity,
                                _suggestions(g.pattern.suggest or rule.suggest, **values),
                                ab, span.start_char, span.end_char))
    if out or analysed.document.kind not in c["absence_kinds"] and "all" not in c["absence_kinds"]:
        return out
    in_section = c["in_section"]
    any_ok = not c["require"] or any(_group_satisfied(g, analysed, in_section) for g in c["require"])
    missing = [g.pattern.label or g.pattern.phrases[0] for g in c["require_all"]
               if not _group_satisfied(g, analysed, in_section)]
    if any_ok and not missing:
        return []
    severity = c["by_kind"].get(analysed.document.kind or "", rule.severity)
    values = {"missing": ", ".join(missing), "kind": analysed.document.kind or "document"}
    suggestions = _suggestions(rule.suggest, **values)
    if c["instead"]:
        for ab, (i, s, e) in analysed.hits(c["instead"], body=True):
            if context.is_negated(ab.doc, s, e, c["instead"].phrases[i]):
                continue
            span = ab.doc[s:e]
            values["evidence"] = ab.block.text[span.start_char:span.end_char]
            message = rule.spec.get("instead-message", rule.message)
            return [_finding(rule, analysed, _fmt(message, **values), severity, suggestions, ab,
                             span.start_char, span.end_char)]
    values["evidence"] = ""
    return [_finding(rule, analysed, _fmt(rule.message, **values), severity, suggestions,
                     _anchor_block(rule, analysed))]


def _conditional(rule: Rule, analysed: Analysed) -> list[Finding]:
    c = rule.compiled
    if _doc_has(c["then"], analysed):
        return []
    out = []
    for g in (g for g in c["if"] if not g.excused_by(analysed)):
        for ab, (i, s, e) in analysed.hits(g.phrases, body=True):
            if context.is_negated(ab.doc, s, e, g.phrases.phrases[i]):
                continue
            sent = _sentence(ab.doc, s)
            sent_text = _sentence_text(ab.doc, s)
            if c["unless"] and c["unless"].search(sent):
                continue
            span = ab.doc[s:e]
            values = {"evidence": ab.block.text[span.start_char:span.end_char], "sentence": sent_text.strip()}
            return [_finding(rule, analysed, _fmt(g.pattern.message or rule.message, **values),
                             g.pattern.severity or rule.severity,
                             _suggestions(g.pattern.suggest or rule.suggest, **values), ab,
                             span.start_char, span.end_char)]
    return out


# -- set level --------------------------------------------------------------

def set_hit(rule: Rule, analysed: Analysed) -> bool | None:
    """Whether one document satisfies a rule's set-level requirement (None
    when the rule has no set-level part or does not look at this kind).
    Computed per document, so a set needs no analysed documents kept."""
    c = rule.compiled.get("set")
    if c is None or analysed.document.kind not in c["kinds"]:
        return None
    return _doc_has(c["require"], analysed)


def set_findings(rule: Rule, folder: str, docs: list[tuple[str, str | None, dict[str, bool | None]]]) -> list[Finding]:
    """One finding for the folder when the set does not satisfy the rule.
    ``docs`` holds (path, kind, set hits by rule code) for each completely
    read document. Two passes over ``docs`` and no object made per document
    but the lists of paths: a state-wide folder has tens of thousands."""
    c = rule.compiled.get("set")
    if c is None:
        return []
    if c["has"] and not any(kind in c["has"] for _, kind, _ in docs):
        return []
    wanted, code = c["kinds"], rule.code
    looked = [path for path, kind, _ in docs if kind in wanted]
    lacking = [path for path, kind, hits in docs if kind in wanted and not hits.get(code)]
    if c["every"]:
        if not lacking:
            return []
        names = tuple(lacking)  # every document must satisfy it: name those that do not
    else:
        if len(lacking) < len(looked):
            return []
        names = tuple(looked)
    message = _fmt(c["message"], folder=folder, count=str(len(names)),
                   documents=", ".join(n.rsplit("/", 1)[-1] for n in names))
    return [Finding(rule.code, rule.name, c["severity"], folder, message, Location(), None,
                    tuple(_suggestions(c["suggest"], folder=folder)), rule.source, rule.rationale,
                    documents=names)]


def check_set(rule: Rule, folder: str, analysed_docs: list[Analysed]) -> list[Finding]:
    """Set-level check over analysed documents (used by rule examples and tests)."""
    docs = [(a.document.path, a.document.kind, {rule.code: set_hit(rule, a)}) for a in analysed_docs]
    return set_findings(rule, folder, docs)
