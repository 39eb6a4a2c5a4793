"""Writing outputs safely: to a temporary file beside the target, then moved
into place, so an interrupted run never leaves a partial file; and never
onto something that must not be replaced.

Moving a file into place replaces whatever the name held, so a report
written with ``-o`` onto one of the documents being checked would destroy
that document, and (as root) one written onto ``/dev/null`` or a FIFO would
replace the device with a plain file. ``check_output`` refuses both before
anything is run.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policylint.config import Config


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells
    (Linux's /proc), else set and restored under a lock: ``os.umask`` is the
    only other way to read it, and between its two calls every thread of the
    process would create files under a umask of 0 (the review page writes
    from several threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        umask = os.umask(0o077)
        os.umask(umask)
    return umask


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.
    ``mode``: the new file's permissions (default: what a new file gets
    under the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is None:
            # mkstemp makes the file owner-only; give it the mode a new file would have.
            mode = 0o666 & ~current_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class OutputError(ValueError):
    """An output path that must not be written."""


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output(output: Path, inputs: Iterable[Path] = (), config: Config | None = None) -> None:
    """Raise ``OutputError`` if writing ``output`` would replace an input or
    something that is not a regular file.

    ``inputs`` are the files and folders a run reads; a folder stands for
    the documents in it that policylint checks (as ``run.discover`` finds
    them with ``config``). Sameness is by device and inode, so a path
    spelled differently, a link and a hard link all count."""
    output = Path(output)
    try:
        info = os.stat(output)
    except OSError:
        return  # nothing there (or a dangling link, which is replaced, not followed): nothing to lose
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{output} exists and is {_what(info.st_mode)}; write to a regular file instead")
    here = (info.st_dev, info.st_ino)
    for candidate in _files(inputs, config):
        try:
            other = os.stat(candidate)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == here:
            same = "" if Path(candidate) == output else f" (it is {candidate})"
            raise OutputError(f"refusing to write over the input {output}{same}: it is one of the files "
                              "being checked or read; choose another output file")


def _files(inputs: Iterable[Path], config: Config | None) -> Iterable[Path]:
    for item in inputs:
        item = Path(item)
        yield item
        if item.is_dir():
            from policylint.run import discover

            yield from discover([item], config)[0]
