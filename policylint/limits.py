"""Safety limits shared by the readers.

* ``hint``: the configuration key that changes a limit (``[tool.policylint.limits]``
  keys are the ``Limits`` field names with dashes, see ``policylint.config``).
* ``Deadline``: the per-file time limit, checked by readers between pages,
  parts and paragraphs (and by the language stage between blocks and rules).
  A parser stuck inside one C call is stopped by the worker pool instead
  (``policylint.parallel``), which kills the worker checking it.
* ``check_word_part``: cheap checks on a WordprocessingML part's bytes made
  before the XML parser sees them (the paragraph limit).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from policylint.document import Limits, ReadError


def key(field: str) -> str:
    """The configuration key of a ``Limits`` field: ``max_pages`` -> ``max-pages``."""
    return field.replace("_", "-")


def hint(field: str, also: str = "") -> str:
    """What to do when limit ``field`` is exceeded by a file that is genuine."""
    text = f"raise limits.{key(field)} in the configuration if this file is genuine"
    return f"{text}, {also}" if also else text


# -- time ------------------------------------------------------------------------


class Deadline:
    """The moment reading one file must be finished by (``limits.timeout_seconds``
    from when the deadline is made)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self.end = clock() + seconds

    @classmethod
    def of(cls, limits: Limits) -> Deadline:
        return cls(limits.timeout_seconds)

    def expired(self) -> bool:
        return self._clock() > self.end

    def check(self, where: str = "") -> None:
        """Raise a PL005 ``ReadError`` once the time is up; ``where`` says how
        far reading got ("stopped at page 3 of 10")."""
        if self.expired():
            raise timeout_error(self.seconds, where)


def timeout_error(seconds: float, where: str = "") -> ReadError:
    detail = f" ({where})" if where else ""
    return ReadError("PL005", f"reading took longer than {seconds:g} s{detail}",
                     hint("timeout_seconds", "or split the file"))


# -- WordprocessingML parts --------------------------------------------------------

_WORD_NAMESPACES = (
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",  # Strict
)
_TAG_ENDS = (b">", b"/", b" ", b"\t", b"\n", b"\r")  # what may follow an element's name
_XMLNS = re.compile(rb"""xmlns(?::([A-Za-z_][\w.\-]*))?\s*=\s*(["'])(.*?)\2""")


def count_word_paragraphs(data: bytes) -> int:
    """An upper bound on the ``w:p`` elements in a WordprocessingML part, read
    from its bytes without parsing: every start tag named ``p`` in a prefix
    bound to the WordprocessingML namespace anywhere in the part."""
    return sum(data.count(tag + end) for tag in _paragraph_tags(data) for end in _TAG_ENDS)


def _paragraph_tags(data: bytes) -> list[bytes]:
    """``<w:p``, ``<p``...: the paragraph start tag for each prefix that
    ``data`` binds to the WordprocessingML namespace."""
    prefixes = {m.group(1) or b"" for m in _XMLNS.finditer(data) if m.group(3) in _WORD_NAMESPACES}
    return [b"<" + prefix + b":p" if prefix else b"<p" for prefix in sorted(prefixes)]


def check_word_part(data: bytes, partname: str, limits: Limits, deadline: Deadline | None = None) -> None:
    """Checks made on a part's bytes before it is parsed: time left, and the
    number of paragraphs (so millions of tiny paragraphs are refused before
    the parser builds a tree of them)."""
    if deadline is not None:
        deadline.check(f"before reading part {partname}")
    if len(data) // 4 <= limits.max_blocks:
        return  # too short to hold more paragraphs than the limit: "<p/>" is 4 bytes
    paragraphs = count_word_paragraphs(data)
    if paragraphs > limits.max_blocks:
        raise ReadError("PL005", f"part {partname} has {paragraphs:,} paragraphs, over the limit of "
                        f"{limits.max_blocks:,}", hint("max_blocks"))


class PackageGuard:
    """What a zip package (a DOCX) is held to while it is read, after its
    directory was checked: the bytes actually inflated (so a directory that
    lies about sizes gains nothing), the paragraphs in a part -- counted as
    it is inflated, so millions of tiny paragraphs are refused after the
    first few megabytes, and again before the part is parsed -- and the time
    limit."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = Deadline.of(limits)
        self.total = 0
        self._tags: list[bytes] = []  # paragraph start tags of the part being inflated
        self._tail = b""
        self._paragraphs = 0

    def inflated(self, partname: str, part_size: int, chunk: bytes) -> None:
        """``chunk`` was inflated from ``partname``; ``part_size`` bytes of it so far."""
        self.total += len(chunk)
        if part_size > self.limits.max_part_bytes:
            raise ReadError("PL005", f"zip member {partname.lstrip('/')!r} inflates to more than "
                            f"{self.limits.max_part_bytes:,} bytes", hint("max_part_bytes"))
        if self.total > self.limits.max_total_bytes:
            raise ReadError("PL005", f"zip members inflate to more than {self.limits.max_total_bytes:,} "
                            "bytes", hint("max_total_bytes"))
        self._count(partname, part_size == len(chunk), chunk)
        self.deadline.check(f"while inflating part {partname}")

    def _count(self, partname: str, first: bool, chunk: bytes) -> None:
        if first:  # the namespace declarations are on the root element, in the first chunk
            self._tags = [tag + end for tag in _paragraph_tags(chunk) for end in _TAG_ENDS]
            self._tail, self._paragraphs = b"", 0
        if not self._tags:
            return
        window = self._tail + chunk
        longest = max(map(len, self._tags))
        # a tag that straddles two chunks is counted once: in the window that holds its end
        self._paragraphs += sum(window.count(tag, max(0, len(self._tail) - len(tag) + 1)) for tag in self._tags)
        self._tail = window[-(longest - 1):]
        if self._paragraphs > self.limits.max_blocks:
            raise ReadError("PL005", f"part {partname} has more than {self.limits.max_blocks:,} paragraphs",
                            hint("max_blocks"))

    def before_parse(self, partname: str, data: bytes) -> None:
        check_word_part(data, partname, self.limits, self.deadline)

    def check_time(self, where: str = "") -> None:
        self.deadline.check(where)
