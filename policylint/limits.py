"""Safety limits shared by the readers.

* ``hint``: the configuration key that changes a limit (``[tool.policylint.limits]``
  keys are the ``Limits`` field names with dashes, see ``policylint.config``).
* ``Deadline``: the per-file time limit, checked by readers between pages,
  parts and paragraphs. It cannot stop a parser that is stuck inside one C
  call; ``call_isolated`` can: it runs a reader in a forked child process and
  kills it when the time is up (and reports a reader that crashed the process).
* ``check_word_part``: cheap checks on a WordprocessingML part's bytes made
  before the XML parser sees them (the paragraph limit).
"""

from __future__ import annotations

import os
import pickle
import re
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from policylint.document import Limits, ReadError

_T = TypeVar("_T")


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


# -- a reader in a child process ----------------------------------------------------

_CHILD_OK, _CHILD_READ_ERROR, _CHILD_ERROR = "ok", "read-error", "error"
_CRASH_HINT = "open the file and save or export it again; please report the file if it is not damaged"


def isolation_available() -> bool:
    return hasattr(os, "fork")


def call_isolated(fn: Callable[..., _T], *args: Any, seconds: float, grace: float = 2.0,
                  memory_bytes: int | None = None) -> _T:
    """``fn(*args)`` in a forked child process, killed ``seconds`` + ``grace``
    after it starts.

    Returns what ``fn`` returned (it must pickle) and re-raises a
    ``ReadError`` it raised. A child still running when the time is up is
    killed: ``ReadError`` PL005. A child that dies without answering (a
    parser crashing the process, the memory cap) or raises anything else:
    ``ReadError`` PL001. ``memory_bytes`` caps the child's address space.
    Ctrl-C in the parent kills the child and is re-raised. Where ``fork`` is
    not available, ``fn`` runs in this process with no hard time limit.
    """
    if not isolation_available():
        return fn(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, fn, args, memory_bytes)
    os.close(write_end)
    chunks: list[bytes] = []
    ended = False
    try:
        stop = time.monotonic() + seconds + grace
        while True:
            left = stop - time.monotonic()
            if left <= 0:
                raise timeout_error(seconds, "the reader was stopped")
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        ended = True
    finally:
        os.close(read_end)
        if not ended:
            _kill(pid)
    return _answer(b"".join(chunks), status)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _child(fd: int, fn: Callable[..., Any], args: tuple, memory_bytes: int | None) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
        import faulthandler

        faulthandler.disable()  # a crash is reported by the parent as a finding, not as a dump
        if memory_bytes:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        try:
            answer: tuple[str, Any] = (_CHILD_OK, fn(*args))
        except ReadError as exc:
            answer = (_CHILD_READ_ERROR, (exc.code, exc.reason, exc.hint))
        except MemoryError:
            answer = (_CHILD_READ_ERROR, ("PL005", f"reading needed more than {memory_bytes or 0:,} bytes "
                                          "of memory", None))
        except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
            answer = (_CHILD_ERROR, f"{type(exc).__name__}: {exc}")
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001
            payload = pickle.dumps((_CHILD_ERROR, f"result could not be sent back ({exc})"))
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
    except BaseException:  # noqa: BLE001
        code = 70
    finally:
        os._exit(code)


def _answer(payload: bytes, status: int) -> Any:
    kind: Any
    value: Any
    try:
        kind, value = pickle.loads(payload) if payload else (None, None)
    except Exception:  # noqa: BLE001 - a half-written answer
        kind, value = None, None
    if kind == _CHILD_OK:
        return value
    if kind == _CHILD_READ_ERROR:
        raise ReadError(*value)
    if kind == _CHILD_ERROR:
        raise ReadError("PL001", f"internal error while reading: {value}", "please report this file")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        how = f"signal {signal.Signals(number).name if number in signal.valid_signals() else number}"
    else:
        how = f"exit code {os.WEXITSTATUS(status)}"
    raise ReadError("PL001", f"the reader crashed on this file ({how})", _CRASH_HINT)


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
