"""Every rule's own examples, and the meta-checks every rule file must pass."""


import pytest

from policylint.engine.examples import failures
from policylint.engine.rules import default_rules_dir, load_rule, load_rules
from policylint.nlp import build

RULE_FILES = sorted(default_rules_dir().rglob("*.yaml"))


@pytest.fixture(scope="module")
def rules():
    return {r.path: r for r in load_rules()}


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_rule_examples(rules, path):
    rule = rules[str(path)]
    assert failures(rule, build()) == []


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_rule_is_complete(path):
    rule = load_rule(path)
    assert rule.rationale and rule.source and rule.message
    assert rule.code[2] == path.parent.name[0].translate(str.maketrans("abcdefghi", "123456789")), \
        "code's hundreds digit must match the model-element folder"
    groups = rule.spec.get("patterns") or rule.spec.get("terms") or []
    has_group_suggestions = groups and all(isinstance(g, dict) and (g.get("suggest") or g.get("use"))
                                           for g in groups)
    assert rule.suggest or has_group_suggestions, "every finding needs a suggested wording"


def test_codes_and_names_are_unique():
    rules = load_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)


def test_malformed_rule_file_names_file_and_field(tmp_path):
    from policylint.engine.rules import RuleError

    src = (default_rules_dir() / "c-role-design" / "no-clinicalised-duties.yaml").read_text()
    bad = tmp_path / "no-clinicalised-duties.yaml"
    bad.write_text(src.replace("severity: error", "severity: fatal", 1))
    with pytest.raises(RuleError) as exc:
        load_rule(bad)
    assert exc.value.field == "severity" and str(bad) in str(exc.value)
    bad.write_text(src.replace("kind: forbid", "kind: forbid\nbogus: 1", 1))
    with pytest.raises(RuleError) as exc:
        load_rule(bad)
    assert exc.value.field == "bogus"


def test_rule_whose_examples_fail_does_not_load(tmp_path):
    from policylint.engine import Engine
    from policylint.engine.rules import RuleError

    src = (default_rules_dir() / "c-role-design" / "no-clinicalised-duties.yaml").read_text()
    (tmp_path / "c-x").mkdir()
    (tmp_path / "c-x" / "no-clinicalised-duties.yaml").write_text(
        src.replace("passes:\n", "passes:\n    - \"Dispense medication to residents.\"\n", 1))
    with pytest.raises(RuleError) as exc:
        Engine(rule_dirs=[tmp_path])
    assert exc.value.field == "examples"


def _suggested_texts(rule):
    """The wording each suggestion proposes: its quoted sentence, or the whole suggestion."""
    import re

    groups = rule.spec.get("patterns") or []
    texts = list(rule.suggest) + [s for g in groups if isinstance(g, dict) for s in g.get("suggest", [])]
    for v in rule.spec.get("violations") or []:
        texts += v.get("suggest", [])
    out = []
    for t in texts:
        quoted = re.findall(r"\"([^\"]+)\"", t)
        out.extend(quoted or [t])
    return out


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_suggested_wording_does_not_fire_its_own_rule(rules, path):
    """Taking a rule's advice must not bring the same rule back (presence
    rules), and the sentence it proposes must not itself be a violation."""
    from policylint.engine.analyse import analyse
    from policylint.engine.checks import check_document
    from policylint.readers.text import parse_string

    rule = rules[str(path)]
    bad = []
    for text in _suggested_texts(rule):
        if "{" in text:
            continue  # a template filled in per finding
        doc = parse_string(text, "<suggestion>", "markdown").with_kind(rule.applies_to[0], "test")
        found = [f for f in check_document(rule, analyse(doc, build())) if f.evidence is not None]
        if found:
            bad.append((text, found[0].evidence))
    assert not bad
