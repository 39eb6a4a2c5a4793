"""Tests for the plain text and Markdown reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint.document import Document, Limits, ReadError, Role
from policylint.readers import read_document
from policylint.readers import text as text_reader


def _read(tmp_path: Path, source: str | bytes, name: str = "doc.md") -> Document:
    path = tmp_path / name
    path.write_bytes(source.encode("utf-8") if isinstance(source, str) else source)
    return read_document(path)


def _assert_chars_located(source: str, doc: Document) -> None:
    """Every visible character of every block is the character at the line
    and column ``locate`` gives for it."""
    lines = source.split("\n")
    for block in doc.blocks:
        for offset, char in enumerate(block.text):
            if char != " ":
                where = block.locate(offset)
                assert lines[where.line - 1][where.column - 1] == char, (block.text, offset)


def _assert_words_located(source: str, doc: Document) -> None:
    """Every word of every block starts at the line and column ``locate``
    gives for it and is spelled the same there."""
    lines = source.split("\n")
    for block in doc.blocks:
        for word in re.finditer(r"\S+", block.text):
            where = block.locate(word.start())
            start = where.column - 1
            assert lines[where.line - 1][start:start + len(word.group())] == word.group()


MARKDOWN = """\
---
title: front matter is skipped
---
# Leave **Policy** #

Intro paragraph with *emphasis*, __strong__ and `code`, a [link](https://example.com) here,
continued on the next line with snake_case_name and 5 * 3.

Scope
-----

- first item
  continued item
* second item with **bold** text
1. numbered
a) lettered

---

<!-- policylint: ignore PL100 -->
Text <!-- inline comment --> after the comment.

```python
code = "skipped"
```

| Name | Days |
|------|-----:|
| Annual | 25 |
| Sick \\| other | |

> Quoted text here.

### Deep heading
## Sub heading
Final para.
"""


@pytest.fixture
def markdown(tmp_path: Path) -> Document:
    return _read(tmp_path, MARKDOWN)


def test_markdown_blocks(markdown: Document) -> None:
    assert markdown.format == "markdown" and markdown.title == "Leave Policy"
    assert [(b.role, b.text) for b in markdown.blocks] == [
        (Role.TITLE, "Leave Policy"),
        (Role.PARAGRAPH, "Intro paragraph with emphasis, strong and code, a link here, continued on the next "
                    "line with snake_case_name and 5 * 3."),
        (Role.HEADING, "Scope"),
        (Role.LIST_ITEM, "first item continued item"),
        (Role.LIST_ITEM, "second item with bold text"),
        (Role.LIST_ITEM, "numbered"),
        (Role.LIST_ITEM, "lettered"),
        (Role.PARAGRAPH, "Text after the comment."),
        (Role.TABLE_CELL, "Name"), (Role.TABLE_CELL, "Days"), (Role.TABLE_CELL, "Annual"), (Role.TABLE_CELL, "25"),
        (Role.TABLE_CELL, "Sick | other"),
        (Role.PARAGRAPH, "Quoted text here."),
        (Role.HEADING, "Deep heading"),
        (Role.HEADING, "Sub heading"),
        (Role.PARAGRAPH, "Final para."),
    ]
    _assert_chars_located(MARKDOWN, markdown)


def test_heading_levels_and_sections(markdown: Document) -> None:
    blocks = {b.text: b for b in markdown.blocks}
    assert blocks["Leave Policy"].level == 1 and blocks["Leave Policy"].section == ()
    assert blocks["Scope"].level == 2 and blocks["Scope"].section == ("Leave Policy",)
    assert blocks["first item continued item"].section == ("Leave Policy", "Scope")
    assert blocks["Deep heading"].level == 3
    assert blocks["Deep heading"].section == ("Leave Policy", "Scope")
    assert blocks["Sub heading"].section == ("Leave Policy",)
    assert blocks["Final para."].section == ("Leave Policy", "Sub heading")


def test_locations(markdown: Document) -> None:
    blocks = {b.text: b for b in markdown.blocks}
    title = blocks["Leave Policy"]
    assert (title.location.line, title.location.column) == (4, 3)
    assert title.locate(title.text.index("Policy")).column == 11
    paragraph = markdown.blocks[1]
    assert [(a.line, a.column) for a in (paragraph.locate(paragraph.text.index(w)) for w in
                                         ("Intro", "emphasis", "code", "link", "continued"))] == [
        (6, 1), (6, 23), (6, 50), (6, 60), (7, 1)]
    item = blocks["second item with bold text"]
    assert (item.location.line, item.location.column) == (14, 3)
    assert item.locate(item.text.index("text")).column == 29
    cell = blocks["Days"]
    assert (cell.location.line, cell.location.column) == (27, 10)
    assert blocks["Quoted text here."].location.column == 3


def test_thematic_break_after_blank_is_not_a_heading(tmp_path: Path) -> None:
    doc = _read(tmp_path, "Para one\n\n---\nPara two\n===\n")
    assert [(b.role, b.text, b.level) for b in doc.blocks] == [
        (Role.PARAGRAPH, "Para one", None), (Role.HEADING, "Para two", 1)]
    assert doc.title == "Para two"


def test_title_role_only_for_first_block(tmp_path: Path) -> None:
    doc = _read(tmp_path, "Intro.\n\n## Part\n\n# Main\n")
    assert [b.role for b in doc.blocks] == [Role.PARAGRAPH, Role.HEADING, Role.HEADING]
    assert doc.title == "Main"
    assert _read(tmp_path, "## Only\n\ntext\n").title == "Only"


def test_unclosed_front_matter_is_text(tmp_path: Path) -> None:
    doc = _read(tmp_path, "---\nnot front matter\n")
    assert [b.text for b in doc.blocks] == ["not front matter"]


def test_multiline_comment_and_fence_skipped(tmp_path: Path) -> None:
    source = "Before.\n<!--\nhidden\n-->\n~~~~\nhidden too\n~~~~\nAfter.\n"
    assert [b.text for b in _read(tmp_path, source).blocks] == ["Before.", "After."]


def test_inline_markup(tmp_path: Path) -> None:
    source = ("Use ***very*** strong, \\*literal\\* stars, an image ![alt](x.png) and <https://a.b>,\n"
              "a [ref link][r] and <b>tags</b>; keep 2 * 3, a*b and file_name_here and `a*b*`.\n")
    doc = _read(tmp_path, source)
    assert doc.blocks[0].text == ("Use very strong, *literal* stars, an image and https://a.b, a ref link and "
                                  "tags; keep 2 * 3, a*b and file_name_here and a*b*.")
    _assert_chars_located(source, doc)


def test_plain_text(tmp_path: Path) -> None:
    source = ("LEAVE POLICY\n============\n\n1. INTRODUCTION\nThis policy sets out\n  the rules for leave.\n\n"
              "- item one\n  continued\nNot continued.\n\n-----\nKeep *stars* and # hashes.\n1.2 SCOPE AND USE\n"
              "10 DAYS OFF\nShort line:\n")
    doc = _read(tmp_path, source, "policy.txt")
    assert doc.format == "text" and doc.title == "LEAVE POLICY"
    assert [(b.role, b.text, b.level) for b in doc.blocks] == [
        (Role.TITLE, "LEAVE POLICY", 1),
        (Role.HEADING, "1. INTRODUCTION", 1),
        (Role.PARAGRAPH, "This policy sets out the rules for leave.", None),
        (Role.LIST_ITEM, "item one continued", None),
        (Role.PARAGRAPH, "Not continued.", None),
        (Role.PARAGRAPH, "Keep *stars* and # hashes.", None),
        (Role.HEADING, "1.2 SCOPE AND USE", 2),
        (Role.PARAGRAPH, "10 DAYS OFF Short line:", None),
    ]
    assert doc.blocks[-1].section == ("1. INTRODUCTION", "1.2 SCOPE AND USE")
    _assert_words_located(source, doc)
    _assert_chars_located(source, doc)


def test_plain_text_list_item_wrapped_at_a_fixed_width(tmp_path: Path) -> None:
    # A copy wrapped at 80 columns: the item goes on, unindented, mid-sentence in lower case.
    source = ("Qualifications:\n"
              "- Must currently receive, or have received, mental health services for at least\n"
              "one (1) year before applying\n"
              "- Keep records\n"
              "The role reports to the manager.\n"
              "- Run groups.\n"
              "and more\n")
    doc = _read(tmp_path, source, "advert.txt")
    assert [(b.role, b.text) for b in doc.blocks] == [
        (Role.PARAGRAPH, "Qualifications:"),
        (Role.LIST_ITEM, "Must currently receive, or have received, mental health services for at least "
                         "one (1) year before applying"),
        (Role.LIST_ITEM, "Keep records"),
        (Role.PARAGRAPH, "The role reports to the manager."),
        (Role.LIST_ITEM, "Run groups."),
        (Role.PARAGRAPH, "and more"),
    ]
    _assert_words_located(source, doc)
    _assert_chars_located(source, doc)


def test_plain_text_with_a_paragraph_a_line(tmp_path: Path) -> None:
    # A web page's text copied out: no wrapping, no blank lines; each line is a block.
    long = "We are looking for a Peer Support Worker to join our team. " * 4
    source = f"About the role\n{long.strip()}\nAbout you\nLived experience of recovery is essential.\n"
    doc = _read(tmp_path, source, "advert.txt")
    assert [(b.role, b.text) for b in doc.blocks] == [
        (Role.PARAGRAPH, "About the role"), (Role.PARAGRAPH, long.strip()),
        (Role.PARAGRAPH, "About you"), (Role.PARAGRAPH, "Lived experience of recovery is essential."),
    ]
    # Wrapped at a fixed width, the same lines are one paragraph.
    wrapped = _read(tmp_path, "We are looking for a Peer Support Worker\nto join our team.\n", "wrapped.txt")
    assert [b.text for b in wrapped.blocks] == ["We are looking for a Peer Support Worker to join our team."]
    _assert_words_located(source, doc)


def test_crlf_and_tabs(tmp_path: Path) -> None:
    doc = _read(tmp_path, "first\r\n\tsecond  line\rthird\r\n", "a.txt")
    block = doc.blocks[0]
    assert block.text == "first second line third"
    assert [(a.line, a.column) for a in (block.locate(block.text.index(w)) for w in ("second", "line", "third"))] \
        == [(2, 2), (2, 10), (3, 1)]


@pytest.mark.parametrize(("data", "text"), [
    ("\ufeff# Café\r\n".encode("utf-8"), "Café"),
    ("\ufeff# Café\n".encode("utf-16-le"), "Café"),
    ("\ufeff# Café\n".encode("utf-16-be"), "Café"),
    ("\ufeff# Café\n".encode("utf-32-le"), "Café"),
    ("# Café\nüber\n".encode("utf-16-le"), "Café"),
])
def test_unicode_encodings(tmp_path: Path, data: bytes, text: str) -> None:
    doc = _read(tmp_path, data)
    assert doc.blocks[0].text == text and doc.blocks[0].location.column == 3
    assert not doc.problems


def test_cp1252_fallback(tmp_path: Path) -> None:
    doc = _read(tmp_path, "Café “quoted”\n".encode("cp1252"), "a.txt")
    assert doc.blocks[0].text == "Café “quoted”"
    assert [p.code for p in doc.problems] == ["PL007"]
    assert "Windows-1252" in doc.problems[0].message
    assert "Latin-1" in _read(tmp_path, b"caf\xe9 \x81", "b.txt").problems[0].message
    assert doc.complete


def test_invalid_utf16_is_replaced(tmp_path: Path) -> None:
    doc = _read(tmp_path, b"\xff\xfe" + "Hi\n".encode("utf-16-le") + b"\x00\xd8", "a.txt")
    assert doc.blocks[0].text == "Hi \ufffd" and [p.code for p in doc.problems] == ["PL007"]
    assert not doc.complete


def test_binary_is_pl008(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        _read(tmp_path, b"abc\x00\x01\x02def\x00\xff" * 20, "a.txt")
    assert error.value.code == "PL008"


def test_max_blocks(tmp_path: Path) -> None:
    path = tmp_path / "many.md"
    path.write_text("\n\n".join(f"para {n}" for n in range(10)))
    assert len(read_document(path, Limits(max_blocks=10)).blocks) == 10
    with pytest.raises(ReadError) as error:
        read_document(path, Limits(max_blocks=9))
    assert error.value.code == "PL005"


def test_parse_string() -> None:
    doc = text_reader.parse_string("# Rule\n\nSome *text*.\r\n", "<example>")
    assert (doc.path, doc.format, doc.title) == ("<example>", "markdown", "Rule")
    assert [b.text for b in doc.blocks] == ["Rule", "Some text."]
    assert text_reader.parse_string("*kept*", "<x>", "text").blocks[0].text == "*kept*"


def test_empty_file(tmp_path: Path) -> None:
    doc = _read(tmp_path, "", "empty.md")
    assert doc.blocks == () and doc.title is None


def _check_document(doc: Document) -> None:
    for block in doc.blocks:
        assert block.text and block.text == block.text.strip()
        assert block.anchors and block.anchors[0][0] == 0
        offsets = [offset for offset, _ in block.anchors]
        assert offsets == sorted(offsets) and all(0 <= o < len(block.text) for o in offsets)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.text(), suffix=st.sampled_from([".md", ".txt"]))
def test_any_text_reads_or_raises_read_error(tmp_path: Path, source: str, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(source.encode("utf-8", errors="surrogatepass"))
    try:
        doc = text_reader.read(path, Limits())
    except ReadError:
        return
    _check_document(doc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".md", ".txt"]))
def test_any_bytes_read_or_raise_read_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    try:
        doc = text_reader.read(path, Limits())
    except ReadError:
        return
    _check_document(doc)


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDE0123", min_size=1, max_size=7)
_STYLED = st.tuples(_WORDS, st.sampled_from(["{}", "*{}*", "**{}**", "_{}_", "__{}__", "`{}`", "[{}](http://x.y)"]))
_INLINE = st.lists(_STYLED, min_size=1, max_size=6).map(lambda words: " ".join(s.format(w) for w, s in words))
_PARAGRAPH = st.lists(_INLINE, min_size=1, max_size=3).map(lambda lines: "\n".join(
    (" " * (i % 3)) + line for i, line in enumerate(lines)))
_HEADING = st.tuples(st.integers(1, 6), _INLINE, st.booleans()).map(
    lambda h: "#" * h[0] + " " + h[1] + (" " + "#" * h[0] if h[2] else ""))
_SETEXT = st.tuples(_INLINE, st.sampled_from(["===", "---"])).map(lambda h: f"{h[0]}\n{h[1]}")
_ITEM = st.tuples(st.sampled_from(["-", "*", "+", "1.", "2)", "b)"]), _INLINE, st.lists(_INLINE, max_size=2)).map(
    lambda i: f"{i[0]} {i[1]}" + "".join(f"\n   {more}" for more in i[2]))
_TABLE = st.lists(st.lists(_INLINE, min_size=2, max_size=2), min_size=1, max_size=3).map(
    lambda rows: "| h | i |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows))
_MARKDOWN = st.lists(st.one_of(_PARAGRAPH, _HEADING, _SETEXT, _ITEM, _TABLE, st.just("---")), max_size=8).map(
    "\n\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=_MARKDOWN)
def test_words_are_where_locate_says(tmp_path: Path, source: str) -> None:
    doc = _read(tmp_path, source)
    _check_document(doc)
    _assert_words_located(source, doc)
    _assert_chars_located(source, doc)
    assert not re.search(r"[-=*_`\[\]#|()]", doc.text)  # every bit of markup is gone
