"""The classifier: kinds from what a document does, a runner-up and a
confidence, and the peer / non-peer distinction.

Every document here is a small synthetic one written for these tests. The
devset test at the end scores the real-derived development set when the
shared folder is present.
"""

from __future__ import annotations

import json

import pytest

from policylint import kinds
from policylint.classify import classify, judge
from policylint.readers.text import parse_string


def kind_of(text: str, fmt: str = "markdown", path: str = "mem.md"):
    return classify(parse_string(text, path, fmt))


# -- one document per kind, each showing that kind's cues -----------------------------------------------

MISSION = """# Who we are

Tideway Community Mental Health has walked alongside people in the valley since 1991.

## What we believe
We believe recovery belongs to the person living it, and that hope is catching.

## Our values
- Respect: we listen before we act.
- Courage: we say so when we get it wrong.
"""

PLAN = """# Peer Workforce Action Plan 2026–2029

## Where we are now
Nine peer workers across four teams.

## Goal 1: Grow the peer workforce
We will reach 20 peer FTE by June 2029.

## Goal 2: Leadership
We will appoint a Peer Workforce Lead who reports to the Chief Executive.
"""

PEER_ADVERT = """Northmoor Partnership NHS Foundation Trust
Peer Support Worker - Ashby Community Mental Health Team
Band 3
£24,071 - £25,674 per annum
Closing date: 14 March 2026
Job reference: 123-ABC-4567

Job overview
We are looking for a Peer Support Worker to join our community team. You will use your own experience of
mental health difficulties to offer hope and practical support.

Main duties of the job
Offer one-to-one support to people working towards goals they choose.
"""

NURSE = """# Registered Nurse – Acute Inpatient Unit

Riverside Health · Full time · Grade 2

## Position summary
The Registered Nurse provides safe, person-centred nursing care on the acute unit.

## Key responsibilities
- Assess, plan and evaluate nursing care
- Work alongside peer workers and consumer consultants to support each person's recovery
- Take part in clinical supervision

## Selection criteria
- Current registration as a Registered Nurse

Reports to: Nurse Unit Manager
"""

SUPERVISION = """# Lived Experience Supervision Guideline

## Purpose
To make sure peer workers receive supervision from someone with lived experience of their own.

## Scope
Peer workers, senior peer workers and their line managers.

## Procedure
1. Supervision is monthly, one hour, in paid time.
2. Supervision is separate from line management.

Review date: June 2028
"""

TRAINING = """# Orientation Program for New Staff

Every new employee completes orientation in their first four weeks.

## Week one
Corporate induction: our history, systems, safety and privacy.

## Refreshers
All staff repeat the lived experience module every year through e-learning.
"""

HR = """# Reasonable Adjustments and Disclosure Procedure

## Purpose
To explain how staff can ask for workplace adjustments.

## Disclosure
Whether to disclose a health condition is always the employee's choice.

## Requesting an adjustment
Employees may ask for flexible working or time off for appointments.
"""

OTHER = """# Complaints and Feedback Procedure

## Purpose
This procedure explains how people who use our services can give feedback or make a complaint.

## Procedure
1. A complaint can be made in person, by phone or in writing.
2. We acknowledge every complaint within two working days.
"""


@pytest.mark.parametrize("text, expected", [
    (MISSION, kinds.MISSION),
    (PLAN, kinds.STRATEGY),
    (PEER_ADVERT, kinds.PEER_JD),
    (NURSE, kinds.JD),
    (SUPERVISION, kinds.SUPERVISION),
    (TRAINING, kinds.TRAINING),
    (HR, kinds.HR),
    (OTHER, kinds.OTHER),
], ids=["mission", "plan", "peer-advert", "nurse", "supervision", "training", "hr", "other"])
def test_each_kind_from_its_cues(text, expected):
    fmt = "text" if text is PEER_ADVERT else "markdown"
    doc = kind_of(text, fmt)
    assert doc.kind == expected, doc.kind_reason
    assert 0.0 <= doc.kind_confidence <= 1.0
    assert doc.kind_runner_up != doc.kind
    assert "weak evidence" not in doc.kind_reason


def test_nurse_who_works_alongside_peers_is_not_a_peer_job():
    doc = kind_of(NURSE)
    assert doc.kind == kinds.JD


def test_peer_role_named_only_in_the_role_summary():
    text = """About the role

Lakeside Hospital is looking for a Peer Support Program Coordinator to lead a team of four peer supporters
in the emergency department.

Primary responsibilities
Recruit and schedule peer supporters. Report to the department manager monthly.

Qualifications
Two years of experience in peer support.
"""
    doc = kind_of(text, "text")
    assert doc.kind == kinds.PEER_JD, doc.kind_reason


UNTITLED_JOB = """Salary: $52,000 - $58,000

About the role
{summary}

Essential duties
- {duty}
- Keep accurate records and attend team meetings.

Qualifications
- {criterion}
- A current driver's licence.
"""


@pytest.mark.parametrize("summary, duty, criterion", [
    # the role named through modifiers separated by commas
    ("Riverbend Health is looking for a committed, passionate Peer Support Specialist to join the team.",
     "Run groups.", "Good written English."),
    # the role's own function, said through its possessive
    ("The Peer Specialist's function is to bring expertise on the recovery process to the team.",
     "Run groups.", "Good written English."),
    # recruiting for peer vacancies
    ("We are filling current and future Peer Support Specialist Trainee vacancies at several sites.",
     "Run groups.", "Good written English."),
    # peer support given to the people served, as a duty
    ("The post is part of the crisis team.", "Offers peer support to members while they are in hospital.",
     "Good written English."),
    # the holder's own recovery, drawn on
    ("The post is part of the crisis team.", "Shares their own lived experience to offer hope.",
     "Good written English."),
    # the applicant's own diagnosis or use of services, or a peer credential, asked for
    ("The post is part of the crisis team.", "Run groups.",
     "Applicants must be adults with a diagnosis of mental illness who have received mental health services."),
    ("The post is part of the crisis team.", "Run groups.", "Must be prepared to become a Certified Peer Specialist."),
])
def test_peer_role_said_in_the_body_of_an_untitled_job(summary, duty, criterion):
    doc = kind_of(UNTITLED_JOB.format(summary=summary, duty=duty, criterion=criterion), "text")
    assert doc.kind == kinds.PEER_JD, doc.kind_reason


@pytest.mark.parametrize("summary, duty", [
    ("The team leader manages a committed, busy multidisciplinary team.",
     "Provides peer support supervision to staff."),
    ("The team leader manages the ward team.", "Offers peer support to colleagues after critical incidents."),
    ("The nurse works alongside peer support workers and social workers.",
     "Helps clients share their experiences with the treating team."),
    ("The coordinator supervises the Peer Support Specialists and their rosters.", "Run groups."),
])
def test_peer_words_that_do_not_make_the_job_a_peer_role(summary, duty):
    doc = kind_of(UNTITLED_JOB.format(summary=summary, duty=duty, criterion="A nursing degree."), "text")
    assert doc.kind == kinds.JD, doc.kind_reason


PEER_ADVERT = """Peer Support Worker – Rowan Ward

Job type: Permanent, part time
Salary: $72,000 - $78,000

We are looking for a Peer Support Worker to walk alongside people on the ward.

Key responsibilities
- Offer one-to-one peer support.

About you
- Lived experience of mental distress and recovery is essential.
"""

MISSION_PAGE = """What we do

We believe everyone can recover. Our mission is to walk alongside people and families on their own terms.

Our values
Hope, respect and choice.
"""


@pytest.mark.parametrize("furniture", [
    "Skip to main content\nMenu\nSearch\nSign in | Register\nHome > About us > News\nShare this page\n\n",
    "Home\nAbout us\nOur services\nGet involved\nCareers\nNews and events\nContact us\nDonate\n\n",
    "Home\n\nWho we are\n\nWhat we do\n\nCareers\n\nContact\n\n",
])
def test_a_web_pages_menu_and_links_are_not_read_as_its_content(furniture):
    doc = kind_of(furniture + PEER_ADVERT, "text")
    assert doc.kind == kinds.PEER_JD and not doc.kind_reason.startswith("close call"), doc.kind_reason
    plain = kind_of(PEER_ADVERT, "text")
    assert judge(parse_string(furniture + PEER_ADVERT, "m.txt", "text")).scores == \
        judge(parse_string(PEER_ADVERT, "m.txt", "text")).scores, plain.kind_reason
    # A page titled like a menu item, right after the menu, keeps its title.
    menu = "Home\nAbout us\nOur services\nCareers\nContact us\nDonate\n\n"
    assert kind_of(menu + MISSION_PAGE, "text").kind == kinds.MISSION
    spaced = "Home\n\nAbout us\n\nOur services\n\nCareers\n\n"  # the title sits on its text, not in the menu
    assert kind_of(spaced + MISSION_PAGE.replace("What we do\n\n", "What we do\n"), "text").kind == kinds.MISSION


def test_a_job_boards_other_jobs_are_not_this_document():
    nurse_advert = UNTITLED_JOB.format(summary="The nurse works on the acute ward.", duty="Give care.",
                                       criterion="Registration as a nurse.")
    tail = "\nSimilar jobs\n\nPeer Support Worker - Northern Beaches\n\nRecovery Coach - Part time\n"
    assert kind_of(nurse_advert, "text").kind == kinds.JD
    assert kind_of(nurse_advert + tail, "text").kind == kinds.JD


def test_a_jobs_furniture_is_not_a_menu():
    furniture = "Job type\nPart time\nLocation\nHobart\nSalary\nBand 4\n\n"
    text = furniture + PEER_ADVERT.split("\n", 1)[1]  # no title line: the furniture and the body tell
    verdict = judge(parse_string(text, "m.txt", "text"))
    assert verdict.kind == kinds.PEER_JD
    assert "Job type" in verdict.reason or "Salary" in verdict.reason


def test_lived_experience_as_an_essential_requirement_designates_the_role():
    text = NURSE.replace("- Current registration as a Registered Nurse",
                         "- Current registration as a Registered Nurse\n"
                         "- Lived experience of mental distress and recovery is essential")
    assert kind_of(text).kind == kinds.PEER_JD


def test_job_board_furniture_before_the_title():
    text = """Jobs
Search
Sign in
Posted 3 days ago
Full time
Apply now
Recovery Coach – Emergency Department Diversion
Hillcrest Health Network
Req ID: 88213

Hillcrest Health is seeking a Recovery Coach to support people who come to our emergency department.

Requirements
Certification as a recovery coach within six months of hire.
"""
    doc = kind_of(text, "text")
    assert doc.kind == kinds.PEER_JD, doc.kind_reason


def test_job_class_specification_without_advert_furniture():
    text = """CASE MANAGER II

Class Code: 5120
Pay Grade: 19

DEFINITION
Under general supervision, incumbents carry a caseload of adults with serious mental illness.

EXAMPLES OF DUTIES
Completes assessments and service plans.

MINIMUM QUALIFICATIONS
Bachelor's degree in a human services field.
"""
    assert kind_of(text, "text").kind == kinds.JD


def test_policy_quoting_the_mission_is_still_a_policy():
    text = """# Staff Supervision Procedure

## Purpose
This procedure sets out how every member of staff receives regular supervision.

## Our mission, vision and values
Our mission is to walk alongside people on their own road to wellbeing. Our vision is a region where
everyone can find support. Our values are respect, hope and honesty.

## Procedure
1. Every employee has supervision at least monthly.
2. Peer workers may choose a supervisor with lived experience.

## Review date
June 2028
"""
    doc = kind_of(text)
    assert doc.kind == kinds.SUPERVISION, doc.kind_reason


def test_job_advert_mentioning_pay_scales_and_training_is_still_a_job():
    text = """# Support Coordinator – Psychosocial Supports

Harbourview Services is hiring a Support Coordinator for our Northern team.

- Salary: Level 4 of the award, $92,000 – $98,000 plus salary packaging; pay scales reviewed yearly
- Permanent, full time

## What you will do
- Help participants understand and use their plans

## What we offer
- Paid training and a comprehensive induction program
- Professional development allowance and study leave
- Flexible working and generous leave

## About you
- Tertiary qualification in a community services field

Applications close 30 April.
"""
    doc = kind_of(text)
    assert doc.kind == kinds.JD, doc.kind_reason
    assert doc.kind_runner_up != kinds.PEER_JD


def test_careers_page_about_a_role_is_an_hr_page():
    text = """# Peer worker

Peer workers use their own experience of mental health challenges to support other people.

## What does a peer worker do?
Tasks might include running groups and one-to-one support.

## How much will I earn?
Peer workers are usually paid at level 3 or 4 of the award.

## How to become a peer worker
Most employers look for a Certificate IV in Mental Health Peer Work.
"""
    assert kind_of(text).kind == kinds.HR


def test_mission_page_opening_with_a_creed():
    text = """Why we exist

Too many people in our district face addiction alone. We believe no one should.

Our commitment
We are committed to walking with every person and family who asks, for as long as it takes.
"""
    assert kind_of(text, "text").kind == kinds.MISSION


def test_weak_evidence_is_said_and_scored_low():
    text = """Team update

The new kettle has arrived. Training room bookings now go through reception.
Please tidy the kitchen on Fridays.
"""
    doc = kind_of(text, "text")
    assert doc.kind_reason.startswith("weak evidence")
    assert doc.kind_confidence < 0.4


def test_nothing_points_anywhere_is_other():
    doc = kind_of("Lunch is at noon.\n", "text")
    assert doc.kind == kinds.OTHER
    assert doc.kind_confidence == 0.0
    assert doc.kind_runner_up is None


def test_strong_evidence_is_more_confident_than_weak():
    strong = kind_of(PEER_ADVERT, "text")
    weak = kind_of("Notes\n\nWe will meet again next week.\n", "text")
    assert strong.kind_confidence > 0.5 > weak.kind_confidence


def test_explicit_kind_wins_with_full_confidence():
    doc = classify(parse_string(NURSE, "mem.md", "markdown"), kinds.HR, "kind given on the command line")
    assert (doc.kind, doc.kind_reason, doc.kind_runner_up, doc.kind_confidence) == (
        kinds.HR, "kind given on the command line", None, 1.0)


def test_configured_glob_and_kind_option_win_in_the_flow(tmp_path):
    from policylint.config import Config
    from policylint.run import Options, read_and_classify

    path = tmp_path / "nurse.md"
    path.write_text(NURSE, encoding="utf-8")
    _, info, _ = read_and_classify(path, Options(config=Config(path=tmp_path / "policylint.toml",
                                                               kinds={"*.md": kinds.TRAINING})))
    assert (info.kind, info.kind_confidence, info.kind_runner_up) == (kinds.TRAINING, 1.0, None)
    _, info, _ = read_and_classify(path, Options(kind=kinds.OTHER))
    assert (info.kind, info.kind_confidence) == (kinds.OTHER, 1.0)


def test_file_names_are_never_used():
    a = kind_of(MISSION, path="position-description-peer-worker.md")
    b = kind_of(MISSION, path="supervision-policy.md")
    assert a.kind == b.kind == kinds.MISSION
    assert (a.kind_reason, a.kind_confidence) == (b.kind_reason, b.kind_confidence)


def test_scores_cover_every_kind_and_runner_up_is_second():
    verdict = judge(parse_string(NURSE, "mem.md", "markdown"))
    assert set(verdict.scores) == set(kinds.KINDS)
    ranked = sorted(verdict.scores, key=lambda k: -verdict.scores[k])
    assert ranked[0] == verdict.kind and ranked[1] == verdict.runner_up


def test_one_table_of_kinds_everywhere():
    from policylint import config
    from policylint.commands import options
    from policylint.engine import rules

    assert kinds.KINDS == ("mission-statement", "strategic-plan", "peer-job-description", "job-description",
                           "supervision-policy", "training-policy", "hr-policy", "other")
    assert config.KINDS is rules.KINDS is options.KINDS is kinds.KINDS
    assert all(kinds.describe(k) for k in kinds.KINDS)


def test_json_files_entries_carry_runner_up_and_confidence(tmp_path):
    from policylint.report import json_format
    from policylint.run import Options, Result, read_and_classify

    path = tmp_path / "advert.txt"
    path.write_text(PEER_ADVERT, encoding="utf-8")
    _, info, _ = read_and_classify(path, Options())
    data = json.loads(json_format.render(Result(files=[info])))
    entry = data["files"][0]
    assert entry["kind"] == kinds.PEER_JD
    assert entry["kind_runner_up"] in kinds.KINDS and entry["kind_runner_up"] != entry["kind"]
    assert isinstance(entry["kind_confidence"], float) and 0.0 <= entry["kind_confidence"] <= 1.0


def test_a_close_call_runs_only_the_rules_safe_for_both_kinds(engine) -> None:
    from conftest import make_doc

    doc = make_doc(("h", "Peer Support Worker"), ("h", "Duties"), "Administer medication to residents each evening.")
    sure = doc.with_kind("peer-job-description", "test", "hr-policy", 0.9)
    close = doc.with_kind("peer-job-description", "test", "hr-policy", 0.05, uncertain=True)
    assert close.kinds == ("peer-job-description", "hr-policy") and sure.kinds == ("peer-job-description",)
    names = {f.name for f in engine.check(engine.analyse(sure))}
    assert "no-clinicalised-duties" in names  # a peer job description's rule
    assert "no-clinicalised-duties" not in {f.name for f in engine.check(engine.analyse(close))}


def test_a_close_call_verdict_makes_the_document_uncertain(monkeypatch) -> None:
    import policylint.classify as c

    doc = parse_string("# Careers\n\nSome text.\n", "x.md", "markdown")
    close = c.Verdict("hr-policy", "peer-job-description", 0.1, "close call", {}, True)
    monkeypatch.setattr(c, "judge", lambda d: close)
    assert c.classify(doc).kinds == ("hr-policy", "peer-job-description")
    monkeypatch.setattr(c, "judge", lambda d: c.Verdict("hr-policy", "peer-job-description", 0.6, "clear", {}, False))
    assert c.classify(doc).kinds == ("hr-policy",)
    assert c.classify(doc, "hr-policy").kinds == ("hr-policy",)  # a kind given is never uncertain
