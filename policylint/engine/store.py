"""A per-user store of compiled phrase tables, so that a run does not
rebuild what an earlier run with the same rules already built.

Entries are keyed by a hash of everything compiling depends on: the phrase
lists, policylint's version and the source of the modules that compile and
match, spaCy's version and the lemma table. A changed rule or a new version
gives a new key, so an entry is never stale. Entries hold only plain values
(numbers, strings, tuples, lists, dicts) and are read with an unpickler that
refuses anything else: no class or function is ever looked up, so an entry
cannot run code. Any failure to read or write is ignored: the store only
saves time.

Still, an entry decides what a run finds. So, as ssh does with its files,
the store is used only when its folder is owned by the current user and not
writable by group or others, and an entry is read only when it is a regular
file with the same owner and no group or other write permission (entries
are written owner-only). A store that fails this is not used (one note on
stderr says why); the run then builds what it needs, more slowly.

Location: ``$POLICYLINT_STORE`` when set (an empty value turns the store
off), else ``$XDG_CACHE_HOME/policylint``, else ``~/.cache/policylint``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import pickle
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

_SOURCES = ("trie.py", "patterns.py")
_KEEP = 400  # entries kept; the oldest go first


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"the store holds plain values only, not {module}.{name}")


def directory() -> Path | None:
    configured = os.environ.get("POLICYLINT_STORE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policylint"


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    if not hasattr(os, "geteuid"):  # Windows: no owner and mode bits to compare
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


_noted: set[str] = set()


def _trusted(folder: Path) -> bool:
    """Whether ``folder`` (following a link: what counts is the folder the
    entries are in) is a folder this user alone can write to."""
    try:
        info = os.stat(folder)
    except OSError:
        return False  # not made yet: nothing to read
    if stat.S_ISDIR(info.st_mode) and _private(info):
        return True
    if str(folder) not in _noted:
        _noted.add(str(folder))
        print(f"policylint: not using the phrase store {folder}: it must be a folder owned by you and not "
              f"writable by group or others (chmod go-w); runs build the phrase tables afresh", file=sys.stderr)
    return False


def _read_private(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file owned by this user and
    writable by nobody else; else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def key(*parts: object) -> str:
    """A hash of ``parts`` and of what compiling depends on."""
    import spacy

    from policylint import __version__
    from policylint.nlp import LEMMA_FIXES, _table_path

    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    digest.update((Path(__file__).parent.parent / "nlp.py").read_bytes())
    table = _table_path()
    stat = table.stat() if table else None
    digest.update(repr((__version__, spacy.__version__, str(table), stat and (stat.st_size, stat.st_mtime_ns),
                        sorted(LEMMA_FIXES.items()), parts)).encode("utf-8"))
    return digest.hexdigest()[:32]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector from running while a large tree of
    small containers with no cycles is built (a stored entry, or what is
    made from one): run again and again meanwhile, it would find nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def load(name: str) -> Any:  # whatever was saved (plain values), or None
    folder = directory()
    if folder is None or not _trusted(folder):
        return None
    path = folder / f"{name}.pkl"
    data = _read_private(path)
    if data is None:
        return None
    try:
        with collector_paused():
            value = _PlainUnpickler(io.BytesIO(data)).load()
    except Exception:  # missing, unreadable or damaged: build it again
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return value


def save(name: str, value: object) -> None:
    folder = directory()
    if folder is None:
        return
    try:
        from policylint.io import write_atomic

        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(folder):
            return
        write_atomic(folder / f"{name}.pkl", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), mode=0o600)
        _prune(folder)
    except Exception:  # a read-only home, a full disk: run without the store
        pass


def _prune(folder: Path, keep: int = _KEEP) -> None:
    """Drop the entries used least recently once there are more than ``keep``."""
    entries = list(folder.glob("*.pkl"))
    if len(entries) <= keep:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[:len(entries) - keep]:
        old.unlink(missing_ok=True)
