#!/usr/bin/env python3
"""Build the DOCX and PDF documents of the labelled evaluation set.

Run from the repository root:

    .venv/bin/python tests/labelled/build.py

Most of the labelled set is hand-written Markdown and plain text, kept as it
is so that it is easy to read and diff. The few Word and PDF documents are
written here from a small block model (title, headings, paragraphs, lists,
key-value tables and tables) so their text is reviewable in one place.

Output is deterministic: DOCX core properties and zip member timestamps and
the PDF creation date are fixed, so a rebuild gives byte-identical files.
PDFs use fpdf2's core fonts, which are latin-1 only; text that cannot be
encoded stops the build.

The labels for every document are in ``expected.yaml`` beside this script.
All organisations, people, places, programmes, figures and wording are
invented.
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document as new_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from fpdf import FPDF, FontFace

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2025, 4, 1, 9, 30, 0, tzinfo=UTC)
ZIP_TIME = (2025, 4, 1, 9, 30, 0)


# --------------------------------------------------------------------------
# Block model
# --------------------------------------------------------------------------


def H1(text: str) -> tuple:
    return ("h1", text)


def H2(text: str) -> tuple:
    return ("h2", text)


def P(text: str) -> tuple:
    return ("p", text)


def UL(*items: str) -> tuple:
    return ("ul", list(items))


def OL(*items: str) -> tuple:
    return ("ol", list(items))


def KV(*pairs: tuple[str, str]) -> tuple:
    """Two-column table of label and value, no header row."""
    return ("kv", [list(p) for p in pairs])


def TABLE(header: list[str], *rows: list[str]) -> tuple:
    """A table with a header row."""
    return ("table", list(header), [list(r) for r in rows])


@dataclass
class Doc:
    path: str  # relative to tests/labelled/
    org: str
    title: str
    footer: str
    blocks: list[tuple]

    @property
    def fmt(self) -> str:
        return Path(self.path).suffix.lstrip(".")


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def _field(paragraph, instr: str, cached: str) -> None:
    """A Word field (PAGE, NUMPAGES) with a cached value."""
    def fld(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    fld("begin")
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    paragraph.add_run()._r.append(it)
    fld("separate")
    paragraph.add_run(cached)
    fld("end")


def write_docx(doc: Doc, dest: Path) -> None:
    d = new_docx()
    d.styles["Normal"].font.name = "Arial"
    d.styles["Normal"].font.size = Pt(10)
    cp = d.core_properties
    cp.title = doc.title
    cp.author = doc.org
    cp.last_modified_by = doc.org
    cp.subject = ""
    cp.comments = "Fictional document for policylint's labelled evaluation set."
    cp.keywords = ""
    cp.category = ""
    cp.created = FIXED_TIME.replace(tzinfo=None)
    cp.modified = FIXED_TIME.replace(tzinfo=None)
    cp.last_printed = FIXED_TIME.replace(tzinfo=None)
    cp.revision = 1

    section = d.sections[0]
    section.header.paragraphs[0].text = doc.org
    fp = section.footer.paragraphs[0]
    fp.add_run(f"{doc.footer} | Page ")
    _field(fp, "PAGE", "1")

    d.add_paragraph(doc.title, style="Title")
    for b in doc.blocks:
        kind = b[0]
        if kind == "h1":
            d.add_paragraph(b[1], style="Heading 1")
        elif kind == "h2":
            d.add_paragraph(b[1], style="Heading 2")
        elif kind == "p":
            d.add_paragraph(b[1])
        elif kind in ("ul", "ol"):
            style = "List Bullet" if kind == "ul" else "List Number"
            for item in b[1]:
                d.add_paragraph(item, style=style)
        elif kind == "kv":
            t = d.add_table(rows=0, cols=2)
            t.style = "Table Grid"
            for k, v in b[1]:
                cells = t.add_row().cells
                cells[0].paragraphs[0].add_run(k).bold = True
                cells[1].paragraphs[0].add_run(v)
            d.add_paragraph()
        elif kind == "table":
            header, rows = b[1], b[2]
            t = d.add_table(rows=1, cols=len(header))
            t.style = "Table Grid"
            for cell, h in zip(t.rows[0].cells, header):
                cell.paragraphs[0].add_run(h).bold = True
            for row in rows:
                for cell, v in zip(t.add_row().cells, row):
                    if v:
                        cell.paragraphs[0].add_run(v)
            d.add_paragraph()
        else:
            raise ValueError(kind)

    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    dest.write_bytes(out.getvalue())


def latin1(text: str) -> str:
    text.encode("latin-1")  # core PDF fonts: fail loudly on anything else
    return text


class _PDF(FPDF):
    def __init__(self, doc: Doc):
        super().__init__(format="A4")
        self.doc = doc
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(True, margin=22)

    def header(self) -> None:
        self.set_font("Times", "I", 8)
        self.set_xy(22, 10)
        self.cell(0, 5, latin1(self.doc.org), align="R")
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Times", "I", 8)
        self.cell(0, 5, latin1(f"{self.doc.footer} - page {self.page_no()}"), align="C")


def write_pdf(doc: Doc, dest: Path) -> None:
    pdf = _PDF(doc)
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title(latin1(doc.title))
    pdf.set_author(latin1(doc.org))
    pdf.set_creator("policylint tests/labelled/build.py")
    pdf.set_producer("fpdf2")
    pdf.set_lang("en")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 8, latin1(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def para(text: str, bullet: str | None = None) -> None:
        pdf.set_font("Times", "", 11)
        if bullet:
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(6, 5.5, bullet)
            pdf.multi_cell(width - 10, 5.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(width, 5.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    for b in doc.blocks:
        kind = b[0]
        if kind in ("h1", "h2"):
            if pdf.get_y() > pdf.h - 60:
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 13 if kind == "h1" else 11.5)
            pdf.multi_cell(width, 7, latin1(b[1]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "p":
            para(b[1])
        elif kind == "ul":
            for item in b[1]:
                para(item, bullet="-")
        elif kind == "ol":
            for i, item in enumerate(b[1], 1):
                para(item, bullet=f"{i}.")
        elif kind in ("kv", "table"):
            header = None if kind == "kv" else b[1]
            rows = b[1] if kind == "kv" else b[2]
            n = len(rows[0])
            first = width * (0.3 if kind == "kv" else 0.45 if n > 2 else 0.5)
            widths = (first,) + tuple([(width - first) / (n - 1)] * (n - 1))
            pdf.set_font("Times", "", 10)
            with pdf.table(col_widths=widths, width=width, text_align="LEFT",
                           first_row_as_headings=header is not None,
                           headings_style=FontFace(emphasis="BOLD"),
                           line_height=5, padding=1.5) as t:
                if header:
                    r = t.row()
                    for h in header:
                        r.cell(latin1(h))
                for row in rows:
                    r = t.row()
                    for j, v in enumerate(row):
                        style = FontFace(emphasis="BOLD") if (kind == "kv" and j == 0) else None
                        r.cell(latin1(v), style=style)
            pdf.ln(3)
        else:
            raise ValueError(kind)
    dest.write_bytes(bytes(pdf.output()))


WRITERS = {"docx": write_docx, "pdf": write_pdf}


# --------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------

UK = "Fellgate and Wensley NHS Foundation Trust"
IE = "Glenmore Community Mental Health Services CLG"
CA = "Riverbend Community Health Centre"
US = "Cedar Plains Behavioral Health, Inc."
AU = "Saltbush Health Service"

UK_LEP = Doc(
    path="uk-fellgate-nhs/doc-03.docx",
    org=UK,
    title="Job Description and Person Specification: Lived Experience Practitioner",
    footer="JD ref. LE-06-014, reviewed February 2025",
    blocks=[
        KV(
            ("Band", "6 (Agenda for Change)"),
            ("Hours", "37.5 a week"),
            ("Base", "Fellgate Community Mental Health Hub"),
            ("Contract", "Permanent, funded from the Trust's recurrent mental health budget"),
            ("Line manager", "Head of Lived Experience"),
            ("Lived experience supervision", "Monthly, with an external Lived Experience supervisor "
             "commissioned by the Trust, in work time"),
        ),
        H1("Job purpose"),
        P("Lived experience practice is a discipline in its own right. The Lived Experience "
          "Practitioner draws on their own experience of mental health difficulties, of using "
          "services and of recovery to build mutual, hopeful relationships with people using "
          "community services, and leads the development of peer practice in the Fellgate "
          "locality. People choose whether to work with a practitioner and what they work on."),
        H1("Main duties"),
        UL(
            "Offer one-to-one peer support to people using the community hub, at a pace and in a "
            "direction they choose.",
            "Where a patient wants their care plan to reflect their own priorities, help them draft "
            "those in their own words.",
            "Co-facilitate the Hearing Voices group with a Band 3 peer colleague.",
            "Offer peer support to people in crisis who are waiting for the home treatment team, "
            "alongside the crisis clinicians.",
            "Provide monthly peer supervision to the Band 3 Peer Support Workers in the locality.",
            "Co-deliver the Trust's Working with Lived Experience training for clinical teams.",
            "Bring a lived experience perspective to service design, working with the Head of Lived "
            "Experience.",
        ),
        H1("What this role does not include"),
        P("Lived Experience Practitioners are not involved in restraint, seclusion, rapid "
          "tranquillisation, enhanced observations or Mental Health Act assessments, and they do "
          "not hold a caseload."),
        H1("Person specification"),
        TABLE(
            ["Criteria", "Essential", "Desirable", "Assessed by"],
            ["Lived experience",
             "Lived experience of mental health difficulties, of using mental health services and "
             "of recovery, that you can draw on purposefully in your work",
             "Experience of supporting others through peer work",
             "Application and interview"],
            ["Qualifications",
             "Level 3 qualification or equivalent experience; completion of Intentional Peer "
             "Support core training, or willingness to complete it",
             "Registration as a mental health professional with the NMC or HCPC",
             "Application"],
            ["Experience",
             "At least two years of paid or voluntary peer support work",
             "Experience of supervising or mentoring peer workers",
             "Application and interview"],
            ["Skills",
             "Able to share your story safely and with purpose; group facilitation; clear writing",
             "Delivering training",
             "Interview"],
        ),
        H1("Supervision, development and support"),
        UL(
            "Monthly lived experience supervision with an external Lived Experience supervisor "
            "commissioned by the Trust, in work time and separate from line management.",
            "Intentional Peer Support core and advanced training, funded by the Trust and completed "
            "in work time.",
            "Protected time each month to attend the regional Lived Experience Practitioners' "
            "network.",
            "This post sits at Band 6 of the Trust's peer career pathway: Band 3 Peer Support "
            "Worker, Band 4 Senior Peer Support Worker, Band 6 Lived Experience Practitioner and "
            "Band 8a Head of Lived Experience.",
            "Our Lived Experience Practitioners' network includes a Black and minority ethnic peer "
            "forum, and culturally matched supervision is available on request.",
        ),
        H1("Your wellbeing and your story"),
        P("How much of your own story you share, with whom and when, is your decision. Health "
          "information is confidential to Occupational Health and is only shared with your "
          "consent. All staff can ask for flexible working and reasonable adjustments, including "
          "a wellbeing plan agreed with their manager. Having lived experience is never treated "
          "as a barrier to being fit for work."),
        P("You describe your own experience in your own terms; we will never ask a clinician to "
          "confirm it."),
        H1("How we recruit"),
        P("This job description was co-written by the Head of Lived Experience and our Peer Support "
          "Workers. The interview panel includes the Head of Lived Experience and a Peer Support "
          "Worker, and we will ask how you would use your own experience in the role."),
    ],
)

UK_TRAINING = Doc(
    path="uk-fellgate-nhs/doc-06.pdf",
    org=UK,
    title="Statutory and Mandatory Training Policy",
    footer="Policy WF-022 v4.0 | Ratified by the People Committee, June 2024",
    blocks=[
        H1("1. Introduction"),
        P("The Trust must make sure that every member of staff completes the statutory and "
          "mandatory training needed to work safely. This policy sets out what that training is, "
          "who must complete it and how often."),
        H1("2. Scope"),
        P("This policy applies to all Trust staff, including bank staff, volunteers and students. "
          "Section 7 sets out additional requirements for peer support workers and for managers "
          "of teams that include peer support workers."),
        H1("3. Corporate induction"),
        P("All new staff attend corporate induction on their first day. It covers the Trust's "
          "values, information governance, health and safety, fire safety, safeguarding and how "
          "to use the electronic staff record."),
        H1("4. Mandatory training"),
        TABLE(
            ["Module", "Staff group", "Frequency"],
            ["Fire safety", "All staff", "Every year"],
            ["Information governance and data security", "All staff", "Every year"],
            ["Safeguarding adults and children, level 2", "All staff", "Every 3 years"],
            ["Equality, diversity and human rights", "All staff", "Every 3 years"],
            ["Conflict resolution", "All staff", "Every 3 years"],
            ["Basic life support", "Clinical staff", "Every year"],
            ["Prevention and management of violence and aggression", "Inpatient clinical staff",
             "Every year"],
        ),
        P("Safeguarding training covers domestic abuse, elder abuse and modern slavery."),
        H1("5. Compliance"),
        P("The Trust target is 90% compliance for every module. Managers check compliance at "
          "each appraisal, and repeated non-compliance is managed under the Performance "
          "Management Policy."),
        H1("6. Professional development"),
        P("Study leave and CPD funding are available to registered professionals to maintain "
          "their registration."),
        H1("7. Peer support workers and their managers"),
        P("7.1 Band 3 Peer Support Workers complete the Care Certificate within 12 weeks of "
          "starting, like all healthcare support workers."),
        P("7.2 Managers of teams that include peer support workers attend a one-off half-day "
          "briefing, Working with Peer Support Workers, run by the Head of Lived Experience. It "
          "covers peer values, the scope of the peer role and how to support peer supervision."),
        H1("8. Monitoring"),
        P("The Learning and Development team reports compliance to the People Committee each "
          "quarter."),
    ],
)

IE_SUPERVISION = Doc(
    path="ie-glenmore-cmhs/doc-05.docx",
    org=IE,
    title="Staff Supervision Policy",
    footer="Policy No. HR-06, version 2, approved by the Board, November 2024",
    blocks=[
        H1("1. Purpose"),
        P("This policy sets out how Glenmore supports staff through regular supervision, so that "
          "they can reflect on their work, keep developing and provide safe services."),
        H1("2. Scope"),
        P("This policy applies to all Glenmore staff. Section 6 describes supervision for Peer "
          "Support Workers and Family Peer Support Workers."),
        H1("3. Definitions"),
        UL(
            "Line management supervision: regular meetings with the line manager about workload, "
            "performance and wellbeing.",
            "Professional supervision: reflective supervision with a member of the same profession.",
            "Peer supervision: supervision for peer staff from a supervisor who has lived "
            "experience and works from peer values.",
        ),
        H1("4. Registered professional staff"),
        P("4.1 Nurses, occupational therapists, psychologists and social workers receive monthly "
          "professional supervision from a member of their own profession."),
        P("4.2 Staff in the dual diagnosis clinic, who work with service users with substance "
          "abuse issues, may also attend monthly group supervision with the addiction counsellor."),
        H1("5. Social care and support staff"),
        P("Social care workers and support staff have monthly line management supervision with "
          "their line manager."),
        H1("6. Peer Support Workers"),
        P("6.1 Peer Support Workers and Family Peer Support Workers receive monthly supervision "
          "from their line manager."),
        P("6.2 Peer supervision from a supervisor with lived experience may be arranged where "
          "resources allow."),
        H1("7. Supervisors"),
        P("Line managers, including managers of peer staff, complete Glenmore's Management "
          "Essentials programme before supervising staff."),
        H1("8. Confidentiality and records"),
        P("Supervision is confidential, except where there is a risk to a service user or a "
          "member of staff. Supervisors record the date and agreed actions on the supervision "
          "template, which is kept on the staff member's HR file."),
    ],
)

CA_PLAN = Doc(
    path="ca-riverbend-chc/doc-01.pdf",
    org=CA,
    title="Peer Workforce Plan 2025-2028",
    footer="Approved by the Board of Directors, October 2024",
    blocks=[
        H1("Our commitment"),
        P("Riverbend's mission is to improve health and well-being in the east end by providing "
          "care that is welcoming, equitable and shaped by the people who use it. Peer support, "
          "delivered by staff with lived and living experience of mental health and substance "
          "use challenges, is part of the core of every Riverbend program."),
        H1("Where we are today"),
        KV(
            ("Peer positions", "5 positions (4.2 FTE) in three programs"),
            ("Funding", "4 of 5 positions funded by one-time provincial grants"),
            ("Programs with a single peer position", "2"),
            ("Identified positions", "1 Indigenous peer support position"),
        ),
        H1("Goal 1: Secure funding"),
        P("By April 2026 every peer position will move from one-time provincial grants to our "
          "base operating budget. Our annual budget also includes a recurring line for peer "
          "support training for all staff."),
        H1("Goal 2: Enough peers in every program"),
        P("We will reach one peer FTE for every eight clinical FTE by 2028, and any program that "
          "employs peer staff will have at least two peer positions."),
        P("We will also expand our methadone maintenance program with two more peer positions."),
        H1("Goal 3: A peer workforce that looks like our community"),
        UL(
            "A second identified Indigenous peer support position, with cultural supervision from "
            "an Elder.",
            "A peer position for 2SLGBTQIA+ youth in the Youth Program.",
            "French-language peer support in the Youth Program by 2027.",
        ),
        H1("Goal 4: Everyone understands peer work"),
        P("Every employee, from the Executive Director to reception, completes the Peer Support at "
          "Riverbend workshop in orientation and a refresher every year."),
        H1("Goal 5: Careers"),
        P("Peer staff who wish to advance can move into our case management or counselling "
          "positions after completing a relevant college diploma. Riverbend will contribute to "
          "tuition."),
        H1("How peer support is offered"),
        P("Peer support will be part of every program. Whether to use it is always the client's "
          "choice. Volunteers from the survivors' drop-in add to the work of our paid peer staff "
          "and never take the place of a paid position."),
        H1("Management and governance"),
        P("The peer program is managed by the Manager, Community Programs, who also manages our "
          "outreach and settlement services. The Executive Director is accountable for this plan "
          "and reports progress to the Board of Directors each year. Each peer position "
          "description is reviewed every year with the peer staff in that position."),
    ],
)

US_CPS = Doc(
    path="us-cedar-plains-bh/doc-03.docx",
    org=US,
    title="Position Description: Certified Peer Specialist",
    footer="Approved by Human Resources and the Residential Program Director, February 2025",
    blocks=[
        KV(
            ("Department", "Cedar House Residential Program (32 beds)"),
            ("Reports to", "Residential Program Manager"),
            ("Supervision", "Weekly clinical supervision by the Residential Clinical Supervisor "
             "(LADC), as required for Medicaid billing of peer services"),
            ("FLSA status", "Non-exempt"),
            ("Status", "Full-time, regular (40 hours/week)"),
            ("Pay grade", "104"),
        ),
        H1("Position Summary"),
        P("Cedar House serves adults with substance abuse and co-occurring mental health "
          "disorders. The Certified Peer Specialist supports the treatment team by helping "
          "residents follow their individualized treatment plans and by modeling healthy "
          "recovery behaviors. Cedar House has one CPS position on each of the day and evening "
          "shifts."),
        H1("Essential Functions"),
        OL(
            "Share your recovery story in groups and one-to-one, when it may help a resident.",
            "Facilitate daily peer recovery groups, and co-facilitate the weekly family night with "
            "a counselor.",
            "Observe residents at medication times and record whether each resident took their "
            "dose.",
            "Conduct room searches with residential aides and report any contraband to the shift "
            "supervisor.",
            "Write the recovery goals section of each resident's treatment plan for the counselor "
            "to sign.",
            "Help residents prepare questions for their psychiatric provider before medication "
            "appointments.",
            "Complete naloxone, CPR and suicide prevention gatekeeper training within 60 days of "
            "hire.",
            "Bill peer support services under code H0038 in 15-minute units, with a target of 22 "
            "billable hours per week.",
            "Report to the clinical team at shift change any resident who tests positive or breaks "
            "house rules.",
        ),
        P("CPS staff do not provide individual therapy or make diagnoses."),
        H1("Qualifications"),
        TABLE(
            ["Required", "Preferred"],
            ["Current state Certified Peer Specialist (CPS) credential",
             "Licensed Alcohol and Drug Counselor (LADC) or a bachelor's degree in a human services "
             "field"],
            ["Self-identified lived experience of recovery from mental health or substance use "
             "challenges",
             "Experience in a residential treatment setting"],
            ["Minimum of 18 months of continuous abstinence from alcohol and drugs, including "
             "medications for opioid use disorder",
             "Bilingual English/Spanish"],
            ["High school diploma or GED", ""],
        ),
        H1("Training"),
        P("Annual required training: HIPAA, 42 CFR Part 2, bloodborne pathogens and crisis "
          "prevention. Continuing education hours needed to renew your CPS credential are your "
          "responsibility."),
        H1("Advancement"),
        P("CPS staff who complete a bachelor's degree may apply for Case Manager positions."),
        H1("Employee Conduct"),
        P("Employees must report any relapse to their supervisor immediately; a relapse may result "
          "in removal from direct care duties pending a fitness-for-duty evaluation."),
        P("Cedar Plains Behavioral Health is an equal opportunity employer."),
    ],
)

US_SUPERVISION = Doc(
    path="us-cedar-plains-bh/doc-05.pdf",
    org=US,
    title="Clinical Supervision Policy and Procedure",
    footer="Policy No. CL-118 | Effective 01/15/2024 | Owner: Chief Clinical Officer",
    blocks=[
        H1("I. Purpose"),
        P("To ensure that clinical services meet state licensing and Medicaid requirements and "
          "that all direct care staff receive appropriate clinical oversight."),
        H1("II. Scope"),
        P("All clinical and direct care staff, including certified peer specialists and recovery "
          "coaches."),
        H1("III. Policy"),
        P("A. Licensed clinicians receive at least one hour of individual supervision each month "
          "from a licensed supervisor of the same discipline."),
        P("B. Certified peer specialists and recovery coaches receive individual clinical "
          "supervision from a licensed clinician at least weekly, because state Medicaid rules "
          "require peer services to be supervised by a licensed practitioner."),
        P("C. During supervision, supervisors review peer staff documentation for billing "
          "compliance and make sure peer staff report clients' treatment non-adherence to the "
          "treatment team."),
        P("D. Supervisors use supervision to discuss clients who are drug-seeking or "
          "manipulative, and to agree consistent limits across the team."),
        H1("IV. Supervisor Qualifications"),
        P("Clinical supervisors hold an independent license and complete six CEUs in clinical "
          "supervision every two years."),
        H1("V. Documentation"),
        P("Supervisors record each session on the supervision log, signed by both parties, within "
          "five business days. Logs are kept for audit by the state licensing agency."),
    ],
)

AU_PLAN = Doc(
    path="au-saltbush-health/doc-01.pdf",
    org=AU,
    title="Lived Experience Workforce Development Plan 2025-2030",
    footer="Mental Health and Wellbeing Program | Endorsed by the Board, December 2024",
    blocks=[
        H1("Our purpose and values"),
        P("Saltbush's purpose is to deliver person-led mental health and wellbeing care with, not "
          "for, our communities. Our values name lived experience leadership as core business: "
          "consumers and carers with lived experience lead, design and deliver our services "
          "alongside clinical staff."),
        H1("Where we are now"),
        KV(
            ("Designated lived experience staff", "38 people (26.4 FTE)"),
            ("Share of Program FTE", "9%"),
            ("Teams with a single lived experience worker", "3"),
            ("Identified Aboriginal and Torres Strait Islander positions", "2"),
        ),
        H1("Targets"),
        UL(
            "Designated lived experience positions will make up 15% of Program FTE by June 2030.",
            "From July 2026 no team will have fewer than two lived experience workers.",
            "Identified Aboriginal and Torres Strait Islander positions will make up at least 4% "
            "of lived experience FTE by 2028, with youth, multicultural and LGBTIQA+ identified "
            "positions in every region.",
        ),
        H1("Funding"),
        P("All designated lived experience positions are funded from the recurrent Mental Health "
          "and Wellbeing Program budget. This plan adds a recurrent budget line for lived "
          "experience training for the whole workforce."),
        H1("Leadership"),
        P("The Director of Lived Experience is an executive position reporting to the Chief "
          "Executive and a member of the Executive Committee. Consumer and Carer Lived Experience "
          "Leads (Grade 4) lead each stream, and at least one Lead position is held by an "
          "Aboriginal or Torres Strait Islander person."),
        H1("Career structure"),
        P("Lived experience positions are graded from Grade 1 (Peer Support Worker) to Grade 4 "
          "(Lived Experience Lead), each with its own pay rates in the Enterprise Agreement and "
          "published criteria for moving up."),
        H1("Learning for everyone"),
        P("Every staff member, including executives and Board members, completes Lived Experience "
          "in Our Service at orientation and a refresher every 12 months."),
        H1("Where peer support is offered"),
        P("Peer support is offered in all adult community teams, the acute inpatient unit and the "
          "opioid replacement therapy clinic, and consumers choose whether to use it."),
        H1("Governance"),
        P("The Chief Executive is the executive sponsor of this plan. The Lived Experience "
          "Workforce Steering Committee, chaired by the Director of Lived Experience, reports to "
          "the Board's Quality and Safety Committee every six months, and every lived experience "
          "position description is reviewed every two years."),
    ],
)

AU_CONSUMER = Doc(
    path="au-saltbush-health/doc-02.docx",
    org=AU,
    title="Position Description: Consumer Consultant - Acute Inpatient Unit",
    footer="Mental Health and Wellbeing Program | PD reviewed March 2025",
    blocks=[
        KV(
            ("Classification", "Consumer Consultant Grade 2, Lived Experience Workforce Enterprise "
             "Agreement"),
            ("Employment type", "Ongoing, 0.8 FTE"),
            ("Location", "Saltbush Acute Mental Health Inpatient Unit (24 beds)"),
            ("Reports to", "Consumer Lived Experience Lead"),
            ("Consumer perspective supervision", "Monthly, with an external consumer perspective "
             "supervisor, in paid time"),
        ),
        H1("Position summary"),
        P("Consumer consultants use their personal experience of mental health challenges, of "
          "using mental health services and of recovery to improve the experience of people "
          "admitted to the unit, and to make sure consumers' voices shape how the unit works. "
          "Consumer lived experience work is a discipline of its own, built on mutuality, "
          "self-determination and hope; it is not a clinical role. You will be the only lived "
          "experience worker on the unit."),
        H1("Key responsibilities"),
        UL(
            "Offer individual peer support and advocacy to consumers during their admission.",
            "Support consumers to make a complaint, or to prepare for a Mental Health Tribunal "
            "hearing, if they ask.",
            "Review seclusion and restraint data with the unit's Restrictive Practice Reduction "
            "Committee, bringing a consumer perspective to reducing their use.",
            "Run the weekly consumer meeting on the ward and take the issues raised to the Nurse "
            "Unit Manager.",
            "Co-design ward improvements with consumers, staff and the Consumer Lived Experience "
            "Lead.",
            "Help consumers prepare questions for their psychiatrist about their medication, when "
            "they want to.",
        ),
        H1("What this role is not"),
        P("Consumer consultants do not take part in restraint, seclusion, searches or "
          "observations, and do not write in the clinical record."),
        H1("Key selection criteria"),
        TABLE(
            ["Criterion", "Essential or desirable"],
            ["Personal lived experience of mental health challenges, including use of mental health "
             "services, and recovery, and the ability to use this experience to bring about "
             "systemic change", "Essential"],
            ["Understanding of consumer rights under the state Mental Health Act", "Essential"],
            ["Skills in individual and systemic advocacy", "Essential"],
            ["Certificate IV in Mental Health Peer Work, or willingness to complete it", "Desirable"],
            ["Experience on committees or in co-design", "Desirable"],
        ),
        H1("Support and development"),
        UL(
            "Saltbush pays the fees for the Certificate IV in Mental Health Peer Work and gives you "
            "paid study time.",
            "Paid time each month for the state consumer workforce network and the consumer "
            "consultants' community of practice.",
            "This role is Grade 2 of the consumer lived experience career structure, with Senior "
            "Consumer Consultant (Grade 3) and Consumer Lived Experience Lead (Grade 4) positions "
            "above it.",
            "Aboriginal and Torres Strait Islander applicants are encouraged to apply. Saltbush also "
            "has an identified Aboriginal consumer consultant position, and cultural supervision "
            "is available.",
        ),
        H1("Working here"),
        P("Sharing your own experience at work is purposeful and always your choice. Health "
          "information is kept confidential by People and Culture. Flexible work and workplace "
          "adjustments are available to every employee, and lived experience is never treated as "
          "a risk to your fitness for work."),
        H1("How this description was developed"),
        P("This position description was developed with the Consumer Lived Experience Lead, who "
          "also sits on the interview panel."),
    ],
)

DOCS = [UK_LEP, UK_TRAINING, IE_SUPERVISION, CA_PLAN, US_CPS, US_SUPERVISION, AU_PLAN, AU_CONSUMER]


def main() -> int:
    for doc in DOCS:
        dest = HERE / doc.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        WRITERS[doc.fmt](doc, dest)
        print(f"wrote {doc.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
