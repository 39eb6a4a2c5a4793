"""Rule kinds as types: one module per kind under policylint/engine/kinds/,
registered in one table, each with a declared schema checked at load time;
a new rule is one YAML file; the phrase syntax refuses its trap."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import make_doc
from policylint.config import load_config
from policylint.engine import Engine
from policylint.engine.kinds import RULE_KINDS, DocumentKind, RuleKind
from policylint.engine.kinds.base import _phrase_sets
from policylint.engine.kinds.schema import Options
from policylint.engine.patterns import PatternError, PhraseSet, check_syntax
from policylint.engine.rules import RuleError, load_rule, load_rules
from policylint.nlp import SENTENCE_STARTS, TOKEN_HASHES, build

# A minimal rule of each kind: the common fields and the kind's own keys.
COMMON: dict[str, Any] = {
    "code": "PL399", "element": "strategies/recruitment", "applies-to": ["peer-job-description"],
    "severity": "warning", "message": "Found: {evidence}", "rationale": "Why.", "source": "Test 2026.",
    "suggest": ["Say it otherwise."],
    "examples": {"fires": ["Dispense medication."], "passes": ["Listen."]},
}
MINIMAL: dict[str, dict[str, Any]] = {
    "forbid": {"patterns": ["dispense * medication"]},
    "substitute": {"terms": [{"avoid": "=addict", "use": "a person who uses drugs"}]},
    "require": {"require": ["lived experience"]},
    "conditional": {"if": ["fixed-term"], "then": ["recurrent * budget"]},
    "set": {"require": ["director of lived experience"]},
    "placeholder": {},
}


def write_rule(folder: Path, kind: str, name: str = "test-rule", **keys: Any) -> Path:
    """A rule file of ``kind`` in ``folder``: the minimal rule, with ``keys``
    added or replaced (a value of None removes the key)."""
    data = {**COMMON, "name": name, "kind": kind, **MINIMAL[kind]}
    for key, value in keys.items():
        key = key.replace("_", "-")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load_error(path: Path) -> RuleError:
    with pytest.raises(RuleError) as exc:
        load_rule(path)
    assert str(path) in str(exc.value)
    return exc.value


# -- the registry ------------------------------------------------------------------


def test_the_registry_lists_every_kind() -> None:
    assert list(RULE_KINDS) == ["forbid", "substitute", "require", "conditional", "set", "placeholder"]
    for name, cls in RULE_KINDS.items():
        assert issubclass(cls, RuleKind) and issubclass(cls.schema, Options), name
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
        assert cls.per_document == issubclass(cls, DocumentKind), name


def test_every_shipped_rule_is_compiled_to_its_kind() -> None:
    for rule in load_rules():
        assert type(rule.compiled) is RULE_KINDS[rule.kind], rule.name
        with pytest.raises(dataclasses.FrozenInstanceError):
            rule.compiled.head = rule.compiled.head  # type: ignore[misc]


@pytest.mark.parametrize("kind", list(MINIMAL))
def test_each_kind_loads_its_minimal_rule(tmp_path: Path, kind: str) -> None:
    rule = load_rule(write_rule(tmp_path, kind))
    assert rule.kind == kind and isinstance(rule.compiled, RULE_KINDS[kind])


# -- schemas: unknown keys and wrong types name the field ------------------------------


@pytest.mark.parametrize("kind", list(MINIMAL))
def test_every_schema_rejects_unknown_keys(tmp_path: Path, kind: str) -> None:
    error = load_error(write_rule(tmp_path, kind, colour="red"))
    assert error.field == "colour"


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("forbid", {"patterns": 3}, "patterns"),
    ("forbid", {"patterns": [{"match": "x", "colour": "red"}]}, "patterns[0].colour"),
    ("forbid", {"patterns": [{"match": "x", "severity": "fatal"}]}, "patterns[0].severity"),
    ("forbid", {"ignore-contexts": "negation"}, "ignore-contexts"),
    ("forbid", {"severity-when": [{"severity": "info"}]}, "severity-when[0]"),
    ("forbid", {"severity-when": [{"severity": "info", "qualifier": "sometimes"}]}, "severity-when[0].qualifier"),
    ("forbid", {"only-if": {"match": 1}}, "only-if"),
    ("forbid", {"unless": [""]}, "unless"),
    ("forbid", {"patterns": None}, "patterns"),
    ("substitute", {"terms": []}, "terms"),
    ("substitute", {"terms": [{"avoid": "x", "use": []}]}, "terms[0].use"),
    ("substitute", {"terms": [{"avoid": "x", "use": "y", "source": "z"}]}, "terms[0].source"),
    ("substitute", {"terms": [{"use": "y"}]}, "terms[0].avoid"),
    ("require", {"require": None}, "require"),
    ("require", {"in-section": [1]}, "in-section"),
    ("require", {"severity-by-kind": {"memo": "info"}}, "severity-by-kind"),
    ("require", {"severity-by-kind": {"hr-policy": "fatal"}}, "severity-by-kind.hr-policy"),
    ("require", {"violations": [{"match": "x", "qualifier": "sometimes"}]}, "violations[0].qualifier"),
    ("require", {"absence-kinds": ["hr-policy"]}, "absence-kinds"),
    ("require", {"instead-message": ["two", "messages"]}, "instead-message"),
    ("require", {"at-least": 0}, "at-least"),
    ("require", {"at-least": "two"}, "at-least"),
    ("require", {"require": None, "require-all": [{"match": "a"}], "at-least": 2}, "at-least"),
    ("require", {"set": {"every": "yes"}}, "set.every"),
    ("require", {"set": {"set-kinds": ["memo"]}}, "set.set-kinds"),
    ("require", {"set": {"per-document": True}}, "set.per-document"),
    ("conditional", {"if": None}, "if"),
    ("conditional", {"then": 5}, "then"),
    ("conditional", {"anchor": ["Funding"]}, "anchor"),  # removed: a conditional finding is on its evidence
    ("set", {"per-document": True}, "per-document"),  # removed: never read
    ("set", {"set-kinds": ["memo"]}, "set-kinds"),
    ("set", {"only-if": ["peer"]}, "only-if"),  # a set rule has no per-document scope
    ("set", {"require": None}, "require"),
]


@pytest.mark.parametrize(("kind", "keys", "field"), BAD, ids=[f"{k}-{f}" for k, _, f in BAD])
def test_schemas_reject_wrong_values_naming_the_field(tmp_path: Path, kind: str, keys: dict[str, Any],
                                                      field: str) -> None:
    assert load_error(write_rule(tmp_path, kind, **keys)).field == field


def test_common_fields_are_checked_too(tmp_path: Path) -> None:
    assert load_error(write_rule(tmp_path, "forbid", element_order="first")).field == "element-order"
    bad_example = {"fires": [{"text": "x", "kind": "memo"}], "passes": ["y"]}
    assert load_error(write_rule(tmp_path, "forbid", examples=bad_example)).field == "examples.fires[0].kind"


# -- a new rule is one YAML file ------------------------------------------------------


HOUSE_RULE = """\
code: PL391
name: no-errand-duties
element: challenges/clinicalised-duties
applies-to: [peer-job-description]
kind: forbid
severity: warning
message: "Errand in a peer role: {evidence}"
rationale: Errands are not peer work.
source: House style guide 2026.
suggest: ["Describe the peer relationship instead."]
patterns: ["(do|run) * errands"]
examples:
  fires: ["Run errands for residents."]
  passes: ["Peer workers do not run errands."]
"""


def test_a_new_rule_is_one_yaml_file_in_extra_rules(tmp_path: Path) -> None:
    (tmp_path / "house-rules" / "c-local").mkdir(parents=True)
    (tmp_path / "house-rules" / "c-local" / "no-errand-duties.yaml").write_text(HOUSE_RULE)
    (tmp_path / "policylint.toml").write_text("extra-rules = ['house-rules']\n")
    cfg = load_config(tmp_path / "policylint.toml")
    engine = Engine(extra_rules=cfg.extra_rules, rule_options=cfg.rule_options)  # verifies its examples
    doc = make_doc(("h", "Key duties"), ("li", "Run errands for residents twice a week."))
    found = [f for f in engine.check(engine.analyse(doc)) if f.name == "no-errand-duties"]
    assert [(f.code, f.evidence) for f in found] == [("PL391", "Run errands")]


# -- conditional: a fixed-term peer post must name its recurrent funding ---------------


FIXED_TERM = textwrap.dedent("""\
    code: PL392
    name: fixed-term-names-recurrent-funding
    element: challenges/funding
    applies-to: [peer-job-description]
    kind: conditional
    severity: warning
    message: "A fixed-term peer post that names no recurrent funding: \\"{evidence}\\""
    rationale: A fixed-term post with no recurrent funding ends when its grant does.
    source: DESIGN.md, rule kinds.
    suggest: ["Say how the post is funded: \\"The post is paid from our recurrent budget.\\""]
    if:
      - "(fixed-term|fixed term|temporary) * (position|post|role|contract)"
    then:
      - "recurrent * (budget|funding)"
    unless: ["parental leave"]
    examples:
      fires: ["# Peer Worker\\n\\nThis is a fixed-term post for two years."]
      passes:
        - "# Peer Worker\\n\\nThis is a fixed-term post, paid from our recurrent budget."
        - "# Peer Worker\\n\\nThis is not a fixed-term post."
        - "# Peer Worker\\n\\nA fixed-term post to cover parental leave."
        - "# Peer Worker\\n\\nAn ongoing post."
""")


def test_conditional_rule(tmp_path: Path) -> None:
    folder = tmp_path / "a-local"
    folder.mkdir()
    (folder / "fixed-term-names-recurrent-funding.yaml").write_text(FIXED_TERM)
    engine = Engine(rule_dirs=[tmp_path])  # a rule from elsewhere: its examples are verified as it loads
    (rule,) = engine.rules

    def found(*items: Any) -> list[str | None]:
        return [f.evidence for f in engine.check(engine.analyse(make_doc(*items)))]

    assert found("Contract: fixed-term post until June.", "Reports to the Team Leader.") == ["fixed-term post"]
    assert found("Contract: fixed-term post until June.", "Funded from the recurrent budget.") == []
    assert found("Contract: fixed term role.", ("h", "Funding"), "Recurrent funding, year on year.") == []
    assert found("Contract: a temporary position to cover parental leave.") == []
    assert found("An ongoing position.") == []
    assert rule.compiled.set_part is None and rule.compiled.per_document


def test_require_all_with_at_least(tmp_path: Path) -> None:
    """``at-least: 2`` of three groups: no finding with two met, a finding
    naming the missing ones with one met."""
    groups = [{"label": "choice", "match": ["your choice"]}, {"label": "privacy", "match": ["kept confidential"]},
              {"label": "flexibility", "match": ["flexible work"]}]
    write_rule(tmp_path / "f-local", "require", require=None, require_all=groups, at_least=2,
               examples={"fires": ["Flexible work is open to all."],
                         "passes": ["Sharing is your choice. Flexible work is open to all."]})
    engine = Engine(rule_dirs=[tmp_path])

    def codes(*items: Any) -> list[str]:
        return [f.code for f in engine.check(engine.analyse(make_doc(*items)))]

    assert codes("Sharing is your choice.", "Health details are kept confidential.") == []
    assert codes("Sharing is your choice.", "Flexible work is open to all.", "Health details are kept confidential.") \
        == []
    assert codes("Flexible work is open to all.") == ["PL399"]
    assert codes("Nothing about it.") == ["PL399"]


def test_a_violation_of_a_require_all_rule_comes_with_the_other_missing_parts(tmp_path: Path) -> None:
    """A violation stands for the part it refutes; when two or more parts
    are missing, the missing finding is reported too."""
    groups = [{"label": "choice", "match": ["your choice"]}, {"label": "privacy", "match": ["kept confidential"]}]
    write_rule(tmp_path / "f-local", "require", require=None, require_all=groups,
               violations=[{"match": ["must disclose"]}],
               examples={"fires": ["You must disclose your diagnosis."],
                         "passes": ["Sharing is your choice. Details are kept confidential."]})
    engine = Engine(rule_dirs=[tmp_path])

    def found(*items: Any) -> list[str | None]:
        return [f.evidence for f in engine.check(engine.analyse(make_doc(*items)))]

    assert found("You must disclose your diagnosis.") == ["must disclose", None]
    assert found("You must disclose your diagnosis.", "Details are kept confidential.") == ["must disclose"]
    assert found("Sharing is your choice.", "Details are kept confidential.") == []


def test_each_engine_owns_its_phrase_index(tmp_path: Path) -> None:
    """An engine's rules register their phrases in the engine's own index;
    another engine, or a phrase set made on its own, does not see them, and
    the matches live on the analysed document, not on spaCy's Doc."""
    write_rule(tmp_path / "f-local", "forbid", patterns=["dispense * medication"])
    house = Engine(rule_dirs=[tmp_path])
    plain = Engine()  # the built-in rules
    assert house.index is not plain.index
    assert ("dispense * medication",) in house.index.sets and ("dispense * medication",) not in plain.index.sets
    built_in = [ps for rule in plain.rules for ps in _phrase_sets(rule.compiled)]
    assert built_in and all(ps.index is plain.index for ps in built_in)
    loose = PhraseSet(["a loose phrase"])
    assert loose.index is not house.index and loose.index is not plain.index
    analysed = house.analyse(make_doc("Dispense medication on the ward."))
    assert [f.code for f in house.check(analysed)] == ["PL399"]
    assert analysed.blocks[0].text.index is house.index
    assert set(analysed.blocks[0].doc.user_data) <= {TOKEN_HASHES, SENTENCE_STARTS}  # the pipeline's own output


def test_conditional_takes_extra_patterns_from_configuration(tmp_path: Path) -> None:
    folder = tmp_path / "a-local"
    folder.mkdir()
    (folder / "fixed-term-names-recurrent-funding.yaml").write_text(FIXED_TERM)
    options = {"fixed-term-names-recurrent-funding": {"extra-patterns": ["(twelve-month|12-month) secondment"]}}
    engine = Engine(rule_dirs=[tmp_path], rule_options=options)
    doc = make_doc("A twelve-month secondment.")
    assert [f.evidence for f in engine.check(engine.analyse(doc))] == ["twelve-month secondment"]


# -- placeholder: a template's [[blank]] left unfilled ---------------------------------


def placeholder_findings(engine: Engine, text: str) -> list[tuple[str | None, int | None, int | None]]:
    from policylint.readers.text import parse_string

    doc = parse_string(text, "mem.md", "markdown").with_kind("hr-policy", "test")
    return [(f.evidence, f.location.line, f.location.column) for f in engine.check(engine.analyse(doc))
            if f.name == "unfilled-placeholder"]


def test_each_placeholder_is_one_finding_at_its_place(engine: Engine) -> None:
    text = ("# [[Organisation name]] recruitment policy\n\n"
            "## Pay for [[role]]\n\n"
            "Paid at [[level]] of the [[award]], from [[date]].\n\n"
            "- Contact: [[name]]\n\n"
            "Not placeholders: [[ ]], [one], [[no close] and [link](x.md).\n\n"
            "A wrapped [[team\nname]] is one.\n")
    assert placeholder_findings(engine, text) == [
        ("[[Organisation name]]", 1, 3), ("[[role]]", 3, 12), ("[[level]]", 5, 9), ("[[award]]", 5, 26),
        ("[[date]]", 5, 42), ("[[name]]", 7, 12), ("[[team name]]", 11, 11)]
    filled = text.replace("[[", "").replace("]]", "")
    assert placeholder_findings(engine, filled) == []


def test_a_placeholder_is_found_in_linear_time() -> None:
    import time

    from policylint.placeholders import PLACEHOLDER_RE

    for hostile in ("[[" * 500_000, ("[[" + "a" * 199 + "[" * 3) * 5_000, "[[" + "x" * 1_000_000):
        started = time.perf_counter()
        assert PLACEHOLDER_RE.search(hostile) is None
        assert time.perf_counter() - started < 2.0
    assert PLACEHOLDER_RE.fullmatch("[[" + "x" * 200 + "]]") and not PLACEHOLDER_RE.fullmatch("[[" + "x" * 201 + "]]")


def test_a_placeholder_rule_takes_only_if_and_unless(tmp_path: Path) -> None:
    examples = {"fires": ["# Policy\n\nPaid at [[level]]."],
                "passes": ["# Policy\n\nWrite blanks as [[like this]] in a template."]}
    write_rule(tmp_path / "i-x", "placeholder", name="blank-left", code="PL999", applies_to=["all"],
               unless=["template"], examples=examples)
    engine = Engine(rule_dirs=[tmp_path])  # a rule from elsewhere: its examples are verified as it loads
    doc = make_doc("Paid at [[level]].", "A template writes [[blank]] for you.", kind="hr-policy")
    assert [f.evidence for f in engine.check(engine.analyse(doc))] == ["[[level]]"]


# -- the phrase syntax: "|" binds tighter than a space ---------------------------------


def test_the_phrase_trap_is_refused_at_load_with_the_fix(tmp_path: Path) -> None:
    error = load_error(write_rule(tmp_path, "forbid", patterns=["fixed term|fixed-term"]))
    assert error.field == "patterns[0]"
    error = load_error(write_rule(tmp_path, "require", unless=["under the influence|impaired|influence of"]))
    assert error.field == "unless[0]"
    error = load_error(write_rule(tmp_path, "substitute", terms=[{"avoid": "self care|selfcare", "use": "x"}]))
    assert error.field == "terms[0].avoid"


@pytest.mark.parametrize("phrase", [
    "fixed term|fixed-term", "fixed-term|fixed term", "=key =working|=keyworking", "=clean - up|=cleanup",
    "full time equivalent|full-time-equivalent", "on a fixed term|fixed-terms basis",
    "under the influence|impaired|influence of",
])
def test_trap_shapes_are_errors(phrase: str) -> None:
    with pytest.raises(PatternError, match="binds tighter than a space"):
        check_syntax(phrase)


@pytest.mark.parametrize("phrase", [
    "peer work|worker|workforce", "case|care plan", "risk assessment|assessments?", "co-design|key_worker role",
    "kessler-10|k10 screen", "the therapy|therapies", "(fixed term|fixed-term)", "fixed_term|fixed-term",
    "expert|experts by experience", "(a|an|the)? (former|ex) =addict|=addicts",
])
def test_ordinary_alternations_pass(phrase: str) -> None:
    check_syntax(phrase)


def test_the_parenthesised_form_matches_both_spellings() -> None:
    nlp = build()
    ps = PhraseSet(["(fixed term|fixed-term) contract"])
    for text in ("A fixed-term contract.", "A fixed term contract."):
        assert ps.search(nlp(text)), text


def test_no_shipped_phrase_falls_into_the_trap() -> None:
    load_rules()  # every phrase of every rule is checked as it loads


# -- reporters read compiled rules ----------------------------------------------------

# Rules about the document itself (rules/i-document/: an unfilled template
# placeholder) judge no element of the model: the scorecard lists them under
# "Other rules".
OUTSIDE_MODEL = "document/"


def test_the_scorecard_element_comes_from_the_rule_file() -> None:
    from policylint.report import scorecard as sc

    for rule in load_rules():
        if rule.element.startswith(OUTSIDE_MODEL):
            assert rule.name not in sc.rule_element(), rule.name  # listed under "Other rules"
            continue
        element = sc.element_by_key()[sc.rule_element()[rule.name]]
        assert element.id == rule.element, rule.name
        info = sc.RuleInfo.from_rule(rule)
        assert info.set_level == (rule.compiled.set_part is not None)
        assert info.per_document == (rule.kind != "set")
    culture = sc.element_by_key()["culture"].rules
    assert culture[-1] == "managers-trained-in-peer-role"  # element-order: 1 lists it last


def test_in_section_matches_from_the_start_of_a_word() -> None:
    from policylint.engine.kinds.require import _word_start

    assert _word_start("vision").search("Our vision and values")
    assert not _word_start("vision").search("Supervision arrangements")
    assert _word_start("qualification").search("Qualifications and experience")
    assert _word_start("self-identif").search("Applicants self-identify as ...")


def test_a_supervision_heading_is_not_a_vision_section(engine) -> None:
    from conftest import make_doc

    def mission_findings(heading: str) -> list[str]:
        doc = make_doc(("h", "Harbour Health"), ("h", heading),
                       "Peer workers with lived experience lead our recovery groups.", kind="mission-statement")
        return [f.name for f in engine.check(engine.analyse(doc)) if f.name == "le-named-in-mission"]

    assert mission_findings("Our vision") == []  # said in the vision: the mission names lived experience
    assert mission_findings("Supervision") == ["le-named-in-mission"]  # "vision" inside "supervision" is not it


def test_what_the_ideal_candidate_will_bring_is_desirable() -> None:
    from policylint.engine.context import qualifier

    assert qualifier("The Ideal Candidate Will: bring lived experience of recovery") == "desirable"
    assert qualifier("The ideal candidate must have lived experience of recovery") == "essential"


# -- a new document kind is one row of the kinds table --------------------------------


NEW_KIND = textwrap.dedent('''
    """Adds a row to the kinds table, as editing policylint/kinds.py would, then
    runs the command line: --kind, the configuration and rule files take it."""
    import sys

    import policylint.kinds as kinds

    kinds.TABLE = (*kinds.TABLE, kinds.Kind("peer-framework", "a peer work practice framework",
                                            "peer practice framework"))
    kinds.KINDS = tuple(k.name for k in kinds.TABLE)
    from policylint.cli import main

    sys.exit(main(sys.argv[1:]))
''')


def test_a_new_document_kind_is_one_row_of_the_kinds_table(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    rule = HOUSE_RULE.replace("applies-to: [peer-job-description]", "applies-to: [peer-framework]")
    (tmp_path / "house-rules" / "c-local").mkdir(parents=True)
    (tmp_path / "house-rules" / "c-local" / "no-errand-duties.yaml").write_text(rule)
    config = 'extra-rules = ["house-rules"]\n[kinds]\n"frameworks/*" = "peer-framework"\n'
    (tmp_path / "policylint.toml").write_text(config)
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "practice.md").write_text("# Practice framework\n\nPeer workers run errands.\n")
    (tmp_path / "driver.py").write_text(NEW_KIND)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(tmp_path / "driver.py"), *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)

    configured = run("check", "--no-cache", "-j1", "--format", "json", "frameworks")
    assert configured.returncode == 1, configured.stderr
    out = json.loads(configured.stdout)
    assert [f["kind"] for f in out["files"]] == ["peer-framework"]
    assert [f["name"] for f in out["findings"] if f["path"].endswith("practice.md")] == ["no-errand-duties"]
    given = run("check", "--no-cache", "-j1", "--kind", "peer-framework", "--format", "json", "frameworks/practice.md")
    assert [f["name"] for f in json.loads(given.stdout)["findings"]] == ["no-errand-duties"], given.stderr
