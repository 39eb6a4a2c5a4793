"""Codes for files that could not be (fully) read. These are findings like
any rule's, but come from the readers, not from ``rules/``."""

from __future__ import annotations

# code -> (name, default severity)
READER_CODES: dict[str, tuple[str, str]] = {
    "PL001": ("unreadable-file", "error"),  # corrupt, truncated, garbage
    "PL002": ("unsupported-format", "error"),  # .doc, .odt, .rtf, image, zip ...
    "PL003": ("encrypted-file", "error"),  # password protected
    "PL004": ("no-text-layer", "warning"),  # image-only PDF page(s)
    "PL005": ("limit-exceeded", "error"),  # size, ratio, pages, blocks, time
    "PL006": ("empty-document", "warning"),
    "PL007": ("partly-read", "warning"),  # some pages / parts failed
    "PL008": ("format-mismatch", "error"),  # content is not what the extension says
    "PL009": ("not-english", "info"),
}
