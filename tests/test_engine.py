"""The rule kinds and their context handling, on documents built in memory."""

import pytest

from conftest import make_doc


def names(engine, doc):
    return [f.name for f in engine.check(engine.analyse(doc))]


def findings(engine, doc, name):
    return [f for f in engine.check(engine.analyse(doc)) if f.name == name]


@pytest.mark.parametrize("text", [
    "Dispense prescribed medication to residents.",
    "Administering medication on the evening round.",
    "Complete risk assessments with new residents.",
    "Hold a caseload of 15 participants.",
    "Write progress notes in the medical record.",
    "Collect urine samples for drug screening.",
    "Assist with restraint when requested by nursing staff.",
])
def test_clinical_duty_fires_in_peer_jd_with_exact_evidence(engine, text):
    doc = make_doc(("h", "Key duties"), ("li", text))
    found = findings(engine, doc, "no-clinicalised-duties")
    assert found, text
    f = found[0]
    assert f.code == "PL305" and f.severity in ("error", "warning")
    assert f.evidence and f.evidence in text
    assert f.location.line == 2 and f.location.column == text.index(f.evidence) + 1
    assert f.suggestions


@pytest.mark.parametrize("text", [
    "Peer workers do not administer medication.",
    "This role does not involve medication administration.",
    "Medication administration is not part of this role.",
    "Peer workers are never asked to restrain anyone.",
    "Offer crisis support as a peer, other than clinical assessment.",
    "If the person asks, help them prepare questions about their medication for their prescriber.",
    "Complete risk assessment training in your first month.",
    "Nursing staff administer all medication.",
    # learning about a task is not doing it
    "Complete training in medication administration in your first month.",
    "Attend a course on risk assessment with the team.",
    "All staff complete medication awareness sessions.",
    "Peer workers are trained to recognise when a risk assessment is needed.",
])
def test_negation_advocacy_learning_and_other_roles_do_not_fire(engine, text):
    assert "no-clinicalised-duties" not in names(engine, make_doc(("li", text)))


@pytest.mark.parametrize("text", [
    # a learning word that does not govern the task: a list of life areas, or later in the sentence
    "Help people connect with employment, education and housing, providing short-term case management.",
    "Complete risk assessments with new residents and record them as shown in your training.",
])
def test_a_learning_word_elsewhere_in_the_sentence_does_not_excuse(engine, text):
    assert "no-clinicalised-duties" in names(engine, make_doc(("li", text)))


def test_disclaimer_section_and_lead_in(engine):
    doc = make_doc(("h", "What this role is not"), ("li", "Administering medication"),
                   ("li", "Holding a caseload"))
    assert "no-clinicalised-duties" not in names(engine, doc)
    doc = make_doc(("h", "Duties"), "Peer workers will not:", ("li", "dispense medication"),
                   ("li", "conduct searches of rooms"))
    assert "no-clinicalised-duties" not in names(engine, doc)


def test_clinical_duties_are_fine_in_a_nurse_job_description(engine):
    doc = make_doc(("li", "Administer prescribed medication."), kind="job-description")
    assert "no-clinicalised-duties" not in names(engine, doc)


def test_missing_supervision_is_anchored_with_null_evidence(engine):
    doc = make_doc(("h", "Position details"), "Hours: full time.", ("h", "Supervision"),
                   "You will report to the Team Manager.")
    f = findings(engine, doc, "peer-led-supervision-in-jd")
    assert len(f) == 1 and f[0].severity == "warning"
    # "supervisor"-like words absent: no evidence; anchored on the Supervision heading
    assert f[0].evidence is None or "Team Manager" not in (f[0].evidence or "")
    assert f[0].location.line in (1, 3)


def test_clinical_only_supervision_quotes_it(engine):
    doc = make_doc("Clinical supervision fortnightly with the team's senior social worker.")
    f = findings(engine, doc, "peer-led-supervision-in-jd")
    assert f and f[0].evidence == "Clinical supervision"


def test_peer_supervision_passes(engine):
    doc = make_doc("Besides your line manager, you meet monthly with a Lived Experience supervisor.")
    assert "peer-led-supervision-in-jd" not in names(engine, doc)


def test_mission_rule_kinds(engine):
    bad = make_doc("We work hand in hand with patients and carers.", kind="mission-statement")
    f = findings(engine, bad, "le-named-in-mission")
    assert f and f[0].evidence == "hand in hand with"
    good = make_doc(("h", "Our mission"), "Peer leadership is central to how we work.", kind="mission-statement")
    assert "le-named-in-mission" not in names(engine, good)


def test_career_pathway_violation_and_severity_by_kind(engine):
    doc = make_doc("This policy covers peer workers.",
                   "Staff wishing to progress should consider retraining in a clinical discipline.",
                   kind="hr-policy")
    f = findings(engine, doc, "peer-career-pathway")
    assert f and f[0].evidence.startswith("retraining") and f[0].severity == "warning"
    missing = make_doc("This policy covers all staff, including peer workers.", kind="hr-policy")
    f = findings(engine, missing, "peer-career-pathway")
    assert f and f[0].evidence is None and f[0].severity == "warning"
    jd = make_doc("Peer support worker role.", kind="peer-job-description")
    f = findings(engine, jd, "peer-career-pathway")
    assert f and f[0].severity == "info"


def test_set_level_pathway(engine):
    from policylint.engine.checks import check_set

    rule = next(r for r in engine.rules if r.name == "peer-career-pathway")
    jd = engine.analyse(make_doc("Peer support worker.", kind="peer-job-description"))
    plan = engine.analyse(make_doc("Peer workers progress through three grades.", kind="strategic-plan"))
    found = check_set(rule, "org", [jd])
    assert found and found[0].path == "org" and found[0].documents == ("mem.md",)
    assert not check_set(rule, "org", [jd, plan])
    hr = engine.analyse(make_doc("All staff.", kind="hr-policy"))
    assert not check_set(rule, "org", [hr])  # no peer job description: not assessed
