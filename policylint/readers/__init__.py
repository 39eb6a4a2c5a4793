"""Readers: one module per format, each ``read(path, limits) -> Document``.

``read_document`` picks the reader from the file's extension, checks the
file's first bytes agree with it and checks the size limit before any parser
sees the file. Every failure is a ``ReadError`` with a code from
``policylint.problems``; callers turn it into a finding.
"""

from __future__ import annotations

from pathlib import Path

from policylint.document import Document, Limits, ReadError

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
    return None


def read_document(path: str | Path, limits: Limits | None = None) -> Document:
    path = Path(path)
    limits = limits or Limits()
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        hint = UNSUPPORTED_HINTS.get(suffix, "save it as DOCX, PDF, Markdown or plain text")
        raise ReadError("PL002", f"cannot read {suffix or 'extensionless'} files", hint)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError as exc:
        raise ReadError("PL001", f"cannot open file: {exc.strerror or exc}") from None
    if size > limits.max_file_bytes:
        raise ReadError(
            "PL005",
            f"file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}",
            "raise max-file-bytes in the configuration if this file is genuine",
        )
    found = sniff(head)
    if fmt == "docx":
        if found == "ole2":
            # An encrypted OOXML package is an OLE2 container; so is a .doc renamed .docx.
            raise ReadError(
                "PL003",
                "password protected (encrypted Word file), or a legacy .doc renamed .docx",
                "remove the password, or save it as DOCX without encryption",
            )
        if found != "zip":
            raise ReadError("PL008", "not a DOCX file: its content is not a Word package",
                            "check the file; save it again from Word as DOCX")
        from policylint.readers import docx as reader
    elif fmt == "pdf":
        if found != "pdf":
            raise ReadError("PL008", "not a PDF file: it does not start with a PDF header",
                            "check the file; export it again as PDF")
        from policylint.readers import pdf as reader
    else:
        if found in ("pdf", "zip", "ole2", "rtf"):
            raise ReadError("PL008", f"not a text file: its content looks like {found}",
                            "give the file its proper extension")
        from policylint.readers import text as reader
    return reader.read(path, limits)
