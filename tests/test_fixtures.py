"""The bundled sample policy sets, scored against their labels
(fixtures/expected.yaml), and the promises the README makes about them."""

from pathlib import Path

import pytest

from evaluate import evaluate, report, totals

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIRST_FOUR = {"le-named-in-mission", "peer-career-pathway", "peer-led-supervision-in-jd", "no-clinicalised-duties"}


@pytest.fixture(scope="module")
def scored():
    return evaluate(FIXTURES / "expected.yaml")


@pytest.fixture(scope="module")
def result():
    from policylint.run import Options, check

    return check([FIXTURES], Options())


def test_every_fixture_gets_its_kind(scored):
    _, right, wrong = scored
    assert not wrong and right >= 16


def test_precision_and_recall_over_the_fixtures(scored):
    scores, right, wrong = scored
    total = totals(scores)
    print(report(scores, right, wrong))
    assert total.precision >= 0.90 and total.recall >= 0.80, report(scores, right, wrong)


def test_problem_organisation_gets_all_four_first_rules(result):
    found = [f for f in result.findings if "harbour-city" in f.path]
    assert {f.name for f in found} >= FIRST_FOUR
    for f in found:
        assert f.suggestions, f
        assert f.location is not None
        assert f.evidence is None or f.evidence.strip()


def test_good_organisation_has_none_of_the_first_four_at_warning(result):
    bad = [f for f in result.findings if "wattle-grove" in f.path and f.name in FIRST_FOUR
           and f.severity != "info"]
    assert not bad


def test_every_document_was_read(result):
    assert all(fr.error is None for fr in result.files)
    assert not [f for f in result.findings if f.code.startswith("PL0")]
