"""Every real-world file in the shared corpus (documents from other projects'
test suites, see its MANIFEST.tsv) gets text or a finding saying why not --
never a traceback -- and is left exactly as it was.

The corpus lives beside the checkout (``../shared/corpus``); without it these
tests are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import time
from pathlib import Path

import pytest

from policylint.run import Options, read_and_classify

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="shared corpus not present")


def _table(name: str) -> dict[str, dict[str, str]]:
    if not (CORPUS / name).is_file():
        return {}
    with (CORPUS / name).open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


MANIFEST = _table("MANIFEST.tsv")
BASELINE = _table("BASELINE.tsv")
FILES = sorted(MANIFEST)

# What the linter must say about files that cannot be read (the first code is enough).
EXPECTED = {
    "docx/poi__truncated62886.docx": "PL001",
    "docx/tika__testWORD_truncated.docx": "PL001",
    "docx/poi__crash-517626e815e0afa9decd0ebb6d1dee63fb9907dd.docx": "PL001",
    "docx/poi__protected_agile.docx": "PL003",
    "docx/tika__testWORD_protected_passtika.docx": "PL003",
    "docx/poi__stress025.docx": "PL008",
    "pdf/tika__testPDF_no_extract_no_accessibility_owner_user.pdf": "PL003",
    "pdf/tika__testOCR.pdf": "PL004",
    "pdf/pypdf__imagemagick-CCITTFaxDecode.pdf": "PL004",
    "docx/tika__testAltChunkHTML.docx": "PL007",
    "docx/mammoth__empty.docx": "PL006",
    **{f: "PL002" for f in FILES if f.startswith(("doc/", "odt/", "rtf/"))},
}
# Documents not in English: PL009, and the text is still read.
NOT_ENGLISH = {
    "docx/poi__bib-chernigovka.netdo.ru_download_docs_17459.docx": "Cyrillic",  # Russian
    "docx/poi__bug65649.docx": "Cyrillic",  # Russian
    "docx/poi__45690.docm": "Cyrillic",  # a Russian Wikipedia page
    "docx/poi__stress019.docx": "Japanese",
    "docx/poi__stress010.docx": "Arabic",
    "docx/d2p__libreoffice_conversion.docx": "Chinese",
}


def _sha16(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@pytest.fixture(scope="module")
def results() -> dict[str, tuple]:
    """Each file read once (reader, classifier and reader findings, as the
    pipeline does), with the corpus hashed before and after."""
    before = {f: _sha16(CORPUS / f) for f in FILES}
    out = {}
    for name in FILES:
        started = time.perf_counter()
        doc, info, findings = read_and_classify(CORPUS / name, Options())
        out[name] = (doc, info, findings, time.perf_counter() - started)
    out["__hashes__"] = (before, {f: _sha16(CORPUS / f) for f in FILES})
    return out


def test_manifest_lists_every_file_and_its_hash() -> None:
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".tsv"}
    assert on_disk == set(FILES)
    for name, row in MANIFEST.items():
        assert _sha16(CORPUS / name) == row["sha256_16"], name


def test_reading_changes_no_file(results) -> None:
    before, after = results["__hashes__"]
    assert before == after == {f: MANIFEST[f]["sha256_16"] for f in FILES}


@pytest.mark.parametrize("name", FILES)
def test_text_or_a_finding(results, name: str) -> None:
    doc, info, findings, seconds = results[name]
    codes = [f.code for f in findings]
    assert all(code.startswith("PL0") for code in codes)
    assert not any("internal error" in f.message for f in findings), [f.message for f in findings]
    if doc is None:
        assert findings, f"{name}: no text and no finding saying why"
        assert info.error
    else:
        assert doc.blocks and all(b.text.strip() for b in doc.blocks)
    if name in EXPECTED:
        assert EXPECTED[name] in codes, [(f.code, f.message) for f in findings]
    elif doc is None:
        assert codes == ["PL006"], (name, codes)  # an empty document: nothing else is acceptable
    for finding in findings:
        if finding.code in ("PL001", "PL002", "PL003", "PL005", "PL008"):
            assert finding.suggestions, finding
    assert seconds < 60


@pytest.mark.parametrize("name", [f for f in FILES
                                  if BASELINE.get(f, {}).get("ref_chars_nonspace", "0") not in ("", "0")])
def test_no_text_is_lost_silently(results, name: str) -> None:
    """Where the corpus records text in a file, the reader finds text or says
    why it could not (a partly read document says so)."""
    doc, info, findings, _ = results[name]
    if doc is None or not doc.complete:
        assert findings
    else:
        read = sum(len("".join(b.text.split())) for b in doc.blocks)
        assert read > 0


@pytest.mark.parametrize("name", sorted(NOT_ENGLISH))
def test_documents_not_in_english_are_flagged_and_still_read(results, name: str) -> None:
    doc, info, findings, _ = results[name]
    flagged = [f for f in findings if f.code == "PL009"]
    assert len(flagged) == 1 and NOT_ENGLISH[name] in flagged[0].message, [f.message for f in findings]
    assert "rules are English" in flagged[0].message and flagged[0].severity == "info"
    assert doc is not None and doc.complete and len(doc.text) > 1000


def test_english_documents_are_not_flagged(results) -> None:
    flagged = [name for name in FILES if name not in NOT_ENGLISH
               and any(f.code == "PL009" for f in results[name][2])]
    assert not flagged
