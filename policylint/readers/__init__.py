"""Readers: one module per format, each ``read(path, limits) -> Document``.

``read_document`` picks the reader from the file's extension, checks the
file's first bytes agree with it and checks the size limit before any parser
sees the file. Every failure is a ``ReadError`` with a code from
``policylint.problems``; callers turn it into a finding. An empty file is a
Document with a PL006 problem; a document whose text is not English gets a
PL009 problem (rules are English).
"""

from __future__ import annotations

import bisect
import re
import stat
from collections import Counter
from dataclasses import replace
from pathlib import Path

from policylint.document import Document, Limits, Location, Problem, ReadError
from policylint.limits import hint as limits_hint

FORMATS = {
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".dotm": "docx",
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}

# Formats people keep policies in that we cannot read, with what to do.
UNSUPPORTED_HINTS = {
    ".doc": "legacy Word format; save it as DOCX or PDF",
    ".odt": "OpenDocument text; save it as DOCX or PDF",
    ".rtf": "Rich Text Format; save it as DOCX or PDF",
    ".pages": "Apple Pages document; export it as DOCX or PDF",
    ".wpd": "WordPerfect document; save it as DOCX or PDF",
    ".html": "web page; save it as PDF or copy the text into a .md file",
    ".htm": "web page; save it as PDF or copy the text into a .md file",
    ".zip": "archive; unpack it and check the folder",
    ".png": "image; run OCR and save the text as PDF or DOCX",
    ".jpg": "image; run OCR and save the text as PDF or DOCX",
    ".jpeg": "image; run OCR and save the text as PDF or DOCX",
    ".tif": "image; run OCR and save the text as PDF or DOCX",
    ".tiff": "image; run OCR and save the text as PDF or DOCX",
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names (UTF-16LE, as in an OLE2 directory) that say what an OLE2 file is.
_OLE2_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # an encrypted (or IRM-protected) OOXML file
_OLE2_WORD = "WordDocument".encode("utf-16-le")  # a Word 97-2003 .doc

# What the first bytes say, in words, for messages.
_WHAT = {
    "pdf": "a PDF file",
    "zip": "a zip archive",
    "ole2": "an OLE2 compound file (a Word 97-2003 .doc, or an encrypted Office file)",
    "rtf": "a Rich Text Format (RTF) document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "tiff": "a TIFF image",
    "html": "a web page (HTML)",
    "wordml": "a Word 2003 XML document",
}
_IMAGE_HINT = "it is a scan or a picture: run OCR and save the text as PDF or DOCX"
_BINARY = ("pdf", "zip", "ole2", "rtf", "png", "jpeg", "gif", "tiff")
_XML_TOO_DEEP = "Excessive depth in document"
_XML_ENTITY_BOMB = ("entity amplification", "entity reference loop")


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def sniff(head: bytes) -> str | None:
    """What the first bytes say the file is."""
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith(b"<?xml") and b"wordDocument" in head:
        return "wordml"
    return None


def _ole2_kind(path: Path) -> str:
    """"encrypted", "doc" or "" (unknown) for an OLE2 file, from the stream
    names in its directory (a bytes scan: no OLE2 parser is needed)."""
    found = ""
    overlap = len(_OLE2_ENCRYPTED)
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk
            if _OLE2_ENCRYPTED in window:
                return "encrypted"
            if _OLE2_WORD in window:
                found = "doc"
            tail = window[-overlap:]
    return found


def read_document(path: str | Path, limits: Limits | None = None) -> Document:
    """Read any supported file into a Document, after checking, before any
    parser sees it, that it is a regular file, within the size limit, and
    that its first bytes agree with its extension. Raises ``ReadError``."""
    path = Path(path)
    limits = limits or Limits()
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        hint = UNSUPPORTED_HINTS.get(suffix, "save it as DOCX, PDF, Markdown or plain text")
        raise ReadError("PL002", f"cannot read {suffix or 'extensionless'} files", hint)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a named pipe or a device would block or never end
            raise ReadError("PL002", "not a regular file (a named pipe, device or socket)",
                            "lint ordinary files only")
        size = info.st_size
        if size > limits.max_file_bytes:
            raise ReadError(
                "PL005",
                f"file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}",
                limits_hint("max_file_bytes"),
            )
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError as exc:
        raise ReadError("PL001", f"cannot open file: {exc.strerror or exc}") from None
    if not head:
        return Document(path=str(path), format=fmt, problems=(
            Problem("PL006", "the file is empty (0 bytes)", Location()),))
    found = sniff(head)
    if fmt == "docx":
        if found == "ole2":
            kind = _ole2_kind(path)
            if kind == "encrypted":
                raise ReadError("PL003", "password protected (encrypted Word file)",
                                "remove the password, or save it as DOCX without encryption")
            if kind == "doc":
                raise ReadError("PL008", "not a DOCX file: it is a Word 97-2003 .doc file with a DOCX "
                                "extension", "open it in Word and save it as DOCX")
            raise ReadError(
                "PL003",
                "password protected (encrypted Word file), or a legacy .doc renamed .docx",
                "remove the password, or save it as DOCX without encryption",
            )
        if found != "zip":
            raise ReadError("PL008", _not_a("DOCX file", "its content is not a Word package", found),
                            _mismatch_hint(found, "check the file; save it again from Word as DOCX"))
        from policylint.readers.docx import read
    elif fmt == "pdf":
        if found != "pdf":
            raise ReadError("PL008", _not_a("PDF file", "it does not start with a PDF header", found),
                            _mismatch_hint(found, "check the file; export it again as PDF"))
        from policylint.readers.pdf import read
    else:
        if found == "pdf" and not head.lstrip().startswith(b"%PDF-"):
            found = None  # text that mentions "%PDF-" near its start
        if found in _BINARY:
            raise ReadError("PL008", f"not a text file: its content looks like {found}"
                            f" ({_WHAT[found]})", _mismatch_hint(found, "give the file its proper extension"))
        from policylint.readers.text import read
    try:
        doc = read(path, limits)
    except ReadError as exc:
        if _XML_TOO_DEEP in exc.reason:  # libxml2's guard, kept on (no huge_tree)
            raise ReadError("PL005", "its XML is nested more than 256 levels deep (tables inside tables "
                            "inside tables?), over the XML parser's limit",
                            "simplify the nesting in Word and save the file again") from None
        if any(marker in exc.reason for marker in _XML_ENTITY_BOMB):
            raise ReadError("PL001", "refused: its XML declares entities that would expand enormously "
                            "(an entity-expansion or \"billion laughs\" attack); nothing was expanded",
                            "this is not a file Word writes; do not open it, ask where it came from") from None
        raise
    chars = sum(len(b.text) for b in doc.blocks)
    if chars > limits.max_text_chars:  # the language stage holds every token of a document at once
        raise ReadError("PL005", f"the text has {chars:,} characters, over the limit of {limits.max_text_chars:,}",
                        limits_hint("max_text_chars", "or split the file"))
    problem = language_problem(doc)
    return replace(doc, problems=(*doc.problems, problem)) if problem else doc


def _not_a(what: str, default: str, found: str | None) -> str:
    return f"not a {what}: " + (f"it is {_WHAT[found]}" if found in _WHAT else default)


def _mismatch_hint(found: str | None, default: str) -> str:
    if found in ("png", "jpeg", "gif", "tiff"):
        return _IMAGE_HINT
    if found == "zip":
        return "a zip archive with the wrong extension: unpack it, or give it its proper extension"
    return default


# -- language ------------------------------------------------------------------------

# The most common English function words; an English text has a large share of them.
_ENGLISH = frozenset("""
the of and to an in is are be for on that this with by as or at from it its not will must may
should can all any have has their they we you our your who which when if each other been was were
there these those such under within than more no do does would could shall but about into after
before between
""".split())
# Function words of other languages written in Latin letters, leaving out words English shares.
_OTHERS = {
    "French": frozenset("le la les des du et est une pour dans qui que sur pas avec sont aux par ce cette "
                        "il elle nous vous leur au ne être été où".split()),
    "Spanish": frozenset("el la los las del y es una para con por que se su sus al como más pero este "
                         "esta lo está según".split()),
    "Portuguese": frozenset("os da do das dos é um uma para com não que se em na por ao pelo pela "
                            "são".split()),
    "German": frozenset("der die das und ist nicht mit von zu den dem des ein eine für auf sich im sind "
                        "wird werden oder bei einer".split()),
    "Italian": frozenset("il lo gli della delle dei di è che per con non una sono nel alla anche come "
                         "dalla".split()),
    "Dutch": frozenset("de het een en van niet op te voor zijn met dat worden wordt ook bij aan deze "
                       "naar".split()),
}
# Letters of scripts other than Latin: (first, last) code points -> script.
_SCRIPTS = (
    (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x0900, 0x097F, "Devanagari"),
    (0x0E00, 0x0E7F, "Thai"), (0x1100, 0x11FF, "Hangul"), (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"), (0x3400, 0x4DBF, "CJK"), (0x4E00, 0x9FFF, "CJK"),
    (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "CJK"), (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"), (0x20000, 0x2FFFF, "CJK"),
)
_SCRIPT_STARTS = [first for first, _, _ in _SCRIPTS]
_SCRIPT_NAMES = {"Cyrillic": "Cyrillic script (e.g. Russian)", "CJK": "Chinese characters",
                 "Kana": "Japanese", "Hangul": "Korean", "Arabic": "Arabic script",
                 "Hebrew": "Hebrew", "Greek": "Greek", "Devanagari": "Devanagari script (e.g. Hindi)",
                 "Thai": "Thai"}
_SAMPLE_CHARS = 50_000
_MIN_LETTERS = 40
_MIN_WORDS = 40
_WORD = re.compile(r"[^\W\d_]+")


def language_problem(doc: Document) -> Problem | None:
    """PL009 when the document's text is not English (a cheap check: the
    script of its letters, else the share of common function words)."""
    guess = guess_language(_sample(doc))
    if guess is None:
        return None
    return Problem("PL009", f"the text looks like {guess}, not English: rules are English, "
                   "so findings may be missed", Location())


def _sample(doc: Document) -> str:
    parts, size = [], 0
    for block in doc.blocks:
        parts.append(block.text)
        size += len(block.text)
        if size >= _SAMPLE_CHARS:
            break
    return "\n".join(parts)[:_SAMPLE_CHARS]


_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isalpha() or b > 127)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def guess_language(text: str) -> str | None:
    """What the text looks like when it does not look like English; None when
    it does, or when there is too little text to tell."""
    # ASCII letters counted in C; only the other characters are looked at one by one.
    latin = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    scripts: dict[str, int] = {}
    for char in _NON_ASCII.findall(text):
        if not char.isalpha():
            continue
        code = ord(char)
        if code < 0x0250 or 0x1E00 <= code <= 0x1EFF or 0xFF21 <= code <= 0xFF5A:
            latin += 1
            continue
        i = bisect.bisect_right(_SCRIPT_STARTS, code) - 1
        script = _SCRIPTS[i][2] if i >= 0 and code <= _SCRIPTS[i][1] else "other"
        scripts[script] = scripts.get(script, 0) + 1
    other = sum(scripts.values())
    if latin + other < _MIN_LETTERS:
        return None
    if other > latin:
        share = other / (latin + other)
        if scripts.get("Kana", 0) >= 0.1 * (scripts.get("Kana", 0) + scripts.get("CJK", 0)) > 0:
            script = "Kana"
        else:
            script = max(scripts, key=lambda s: scripts[s])
        name = _SCRIPT_NAMES.get(script, "a non-Latin script")
        return f"{name} ({share:.0%} of its letters are not Latin)"
    words = _WORD.findall(text.lower())
    if len(words) < _MIN_WORDS:
        return None
    seen = Counter(words)
    english = sum(seen[w] for w in _ENGLISH)
    counts = {language: sum(seen[w] for w in vocabulary) for language, vocabulary in _OTHERS.items()}
    language = max(counts, key=lambda lang: counts[lang])
    best = counts[language]
    if best >= max(8, 0.05 * len(words)) and best > 2 * english:
        return f"{language} ({best} of {len(words)} words are common {language} words, {english} English)"
    return None
