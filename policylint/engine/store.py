"""A per-user store of compiled phrase tables, so that a run does not
rebuild what an earlier run with the same rules already built.

Entries are keyed by a hash of everything compiling depends on: the phrase
lists, policylint's version and the source of the modules that compile and
match, spaCy's version and the lemma table. A changed rule or a new version
gives a new key, so an entry is never stale. Entries hold only plain values
(numbers, strings, tuples, lists, dicts) and are read with an unpickler that
refuses anything else. Any failure to read or write is ignored: the store
only saves time.

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
from pathlib import Path

_SOURCES = ("trie.py", "patterns.py")
_KEEP = 400  # entries kept; the oldest go first


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"the store holds plain values only, not {module}.{name}")


def directory() -> Path | None:
    configured = os.environ.get("POLICYLINT_STORE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policylint"


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
def collector_paused():
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


def load(name: str):
    folder = directory()
    if folder is None:
        return None
    try:
        path = folder / f"{name}.pkl"
        data = path.read_bytes()
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
        write_atomic(folder / f"{name}.pkl", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
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
