"""Property-based tests: the text and Markdown readers, the language check
and the rule engine on arbitrary text. Whatever the text, reading gives a
well-formed Document (or a ReadError), every character is where its
location says, time grows linearly with the input, and the engine never
raises and only reports evidence that is in the text."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint.config import KINDS
from policylint.document import Document, ReadError, Role
from policylint.findings import SEVERITIES
from policylint.readers import guess_language
from policylint.readers.text import parse_string

FORMATS = st.sampled_from(["markdown", "text"])
MARKUP = "#*_`[]()<>!\\|-=+.:>~ \t\n\r1aZ"
# Text with plenty of markup, line breaks and odd characters, and arbitrary text.
SOURCES = st.one_of(
    st.text(alphabet=st.sampled_from(list(MARKUP) + ["é", "\u00a0", "\u2028", "\x0b", "\x00", "😀", "\ufffd"]),
            max_size=300),
    st.text(max_size=300),
)


def _lines(source: str) -> list[str]:
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _read(source: str, fmt: str) -> Document | None:
    try:
        return parse_string(source, f"any.{'md' if fmt == 'markdown' else 'txt'}", fmt)
    except ReadError as error:
        assert error.code == "PL005"
        return None


@settings(max_examples=300, deadline=None)
@given(source=SOURCES, fmt=FORMATS)
def test_every_character_is_where_its_location_says(source: str, fmt: str) -> None:
    doc = _read(source, fmt)
    if doc is None:
        return
    lines = _lines(source)
    for block in doc.blocks:
        assert block.text and block.text == block.text.strip()
        assert all(c.isprintable() or c == " " for c in block.text), repr(block.text)
        offsets = [offset for offset, _ in block.anchors]
        assert offsets and offsets[0] == 0 and offsets == sorted(offsets) and offsets[-1] < len(block.text)
        for index, char in enumerate(block.text):
            location = block.locate(index)
            assert 1 <= location.line <= len(lines) and location.column >= 1
            line = lines[location.line - 1]
            if char != " ":
                assert line[location.column - 1] == char, (block.text, index, location, line)
            else:  # a space in the source, or the one joining two lines (just after the first)
                assert location.column <= len(line) + 1, (block.text, index, location, line)


@settings(max_examples=200, deadline=None)
@given(source=SOURCES, fmt=FORMATS)
def test_reading_is_deterministic_and_headings_are_sane(source: str, fmt: str) -> None:
    doc = _read(source, fmt)
    if doc is None:
        return
    assert doc == _read(source, fmt)
    seen: list[str] = []
    for block in doc.blocks:
        if block.role in (Role.HEADING, Role.TITLE):
            assert block.level is not None and 1 <= block.level <= 6
        assert all(title in seen for title in block.section)
        if block.role in (Role.HEADING, Role.TITLE):
            seen.append(block.text)
    assert doc.title is None or doc.title in seen


UNITS = st.text(alphabet=MARKUP.replace("\n", "").replace("\r", "") + "é", min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=UNITS, fmt=FORMATS, lines=st.sampled_from([1, 50]))
def test_time_grows_linearly_with_repetition(unit: str, fmt: str, lines: int) -> None:
    """A short unit repeated to 40,000 characters (on one line, or on 50)
    reads in well under the bound a quadratic (or exponential) pattern
    would blow through: the old readers took minutes on some of these."""
    line = unit * (40_000 // lines // len(unit) + 1)
    started = time.perf_counter()
    _read("\n".join([line] * lines), fmt)
    assert time.perf_counter() - started < 5


# -- counting paragraphs while a part is inflated ------------------------------------------

W_ROOT = (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          b'xmlns="http://schemas.openxmlformats.org/wordprocessingml/2006/main">')
PIECES = st.sampled_from([b"<w:p>", b"<w:p/>", b"<w:pPr/>", b"<p>", b"<w:p\n>", b"<w:p w:x='1'>", b"x",
                          b"<w:", b"p>", b"<", b"/>", b"<w:pStyle/>"])


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(PIECES, max_size=80), cuts=st.lists(st.integers(1, 12), min_size=1, max_size=40))
def test_paragraphs_counted_while_inflating_match_a_count_of_the_whole(pieces: list[bytes], cuts: list[int]) -> None:
    from policylint.document import Limits
    from policylint.limits import PackageGuard, count_word_paragraphs

    data = W_ROOT + b"".join(pieces)
    guard = PackageGuard(Limits(max_blocks=10**9))
    position, size, step = 0, 0, 0
    while position < len(data):
        end = len(W_ROOT) if position == 0 else position + cuts[step % len(cuts)]
        chunk = data[position:end]
        position, size, step = end, size + len(chunk), step + 1
        guard.inflated("/word/document.xml", size, chunk)
    assert guard._paragraphs == count_word_paragraphs(data)


# -- the language check -----------------------------------------------------------------

ENGLISH_WORDS = ("staff must take a break of thirty minutes in each shift and the manager will record it "
                 "in the system peer workers are paid for the hours they work with lived experience of "
                 "recovery supervision is provided by a senior peer worker every month").split()
ENGLISH = st.lists(st.sampled_from(ENGLISH_WORDS), min_size=0, max_size=400).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(text=ENGLISH, noise=st.text(max_size=40))
def test_english_is_never_flagged(text: str, noise: str) -> None:
    assert guess_language(text + " " + noise) is None or len(text) < len(noise) * 4


@settings(max_examples=100, deadline=None)
@given(script=st.sampled_from([("а", "я", "Cyrillic"), ("\u4e00", "\u9fa5", "Chinese"),
                               ("\u0627", "\u064a", "Arabic"), ("\u3041", "\u3093", "Japanese")]),
       size=st.integers(60, 500), english=st.lists(st.sampled_from(ENGLISH_WORDS), max_size=5))
def test_text_in_another_script_is_flagged(script: tuple[str, str, str], size: int, english: list[str]) -> None:
    first, last, name = script
    letters = "".join(chr(ord(first) + (i * 7) % (ord(last) - ord(first) + 1)) for i in range(size))
    words = " ".join(letters[i:i + 5] for i in range(0, len(letters), 5))
    guess = guess_language(words + " " + " ".join(english))
    assert guess is not None and name in guess


@given(text=st.text(max_size=30))
def test_too_little_text_is_never_judged(text: str) -> None:
    assert guess_language(text) is None


# -- the rule engine on arbitrary text -----------------------------------------------------------

PHRASES = [
    "The peer worker will administer medication to consumers.",
    "Lived experience is desirable but not essential.",
    "Patients suffering from schizophrenia are supported by the team.",
    "This role does not provide clinical care.",
    "Supervision is provided by a registered nurse.",
    "Peer workers receive peer supervision from a senior peer worker.",
    "# Position description\n\n## Key responsibilities",
    "- Conduct risk assessments\n- Monitor compliance with treatment",
    "Our mission is to work alongside people with lived experience.",
]
DOCUMENTS = st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=80)), max_size=8).map("\n\n".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=DOCUMENTS, kind=st.sampled_from(KINDS), fmt=FORMATS)
def test_engine_never_raises_and_reports_only_what_is_there(engine, source: str, kind: str, fmt: str) -> None:
    doc = _read(source, fmt)
    if doc is None:
        return
    doc = doc.with_kind(kind, "test")
    findings = engine.check(engine.analyse(doc))
    lines = _lines(source)
    for finding in findings:
        assert re.fullmatch(r"PL\d{3}", finding.code) and finding.severity in SEVERITIES
        assert finding.message and finding.path == doc.path
        if finding.span is not None:
            index, start, end = finding.span
            assert 0 <= start < end <= len(doc.blocks[index].text)
            assert finding.evidence == doc.blocks[index].text[start:end]
            assert finding.location == doc.blocks[index].locate(start)
        if finding.location.line is not None:
            assert 1 <= finding.location.line <= len(lines)


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_engine_on_an_empty_and_a_huge_single_word_document(engine, fmt: str) -> None:
    for source in ("", "word " * 500):
        doc = _read(source, fmt)
        assert doc is not None
        engine.check(engine.analyse(doc.with_kind("hr-policy", "test")))
