"""Ignore directives written in Markdown and text files, and unused ones."""

import json

from policylint.cli import main

JD = """# Position Description: Peer Support Worker

## Key duties

<!-- policylint: ignore no-clinicalised-duties -- agreed with the peer team -->
- Dispense prescribed medication to residents each evening.
- Collect urine samples for drug screening.

<!-- policylint: disable PL201 -->
Historic wording: we once served addicts and alcoholics.
<!-- policylint: enable PL201 -->

Later we still wrote about addicts. <!-- policylint: ignore PL999 -->
"""


def findings(capsys, path):
    code = main(["check", str(path), "--format", "json", "--no-cache"])
    assert code in (0, 1)
    return json.loads(capsys.readouterr().out)["findings"]


def test_markdown_ignore_next_block_range_and_unused(capsys, tmp_path):
    path = tmp_path / "jd.md"
    path.write_text(JD)
    got = findings(capsys, path)
    clinical = [f["evidence"] for f in got if f["name"] == "no-clinicalised-duties"]
    assert clinical == ["Collect urine samples"]  # the first duty is ignored, the next is not
    language = [(f["location"]["line"], f["evidence"]) for f in got if f["name"] == "recovery-oriented-language"]
    assert [ev for line, ev in language] == ["addicts"] and language[0][0] == 13
    unused = [f for f in got if f["rule"] == "PL010"]
    assert len(unused) == 1 and unused[0]["location"]["line"] == 13


def test_ignore_by_code_prefix_and_all(capsys, tmp_path):
    path = tmp_path / "jd.md"
    path.write_text(JD.replace("ignore no-clinicalised-duties", "ignore PL3")
                    .replace("- Collect urine", "<!-- policylint: ignore -->\n- Collect urine"))
    got = findings(capsys, path)
    assert not [f for f in got if f["name"] == "no-clinicalised-duties"]
