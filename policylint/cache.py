"""A cache of per-file results, keyed by the file's content, the rules, the
configuration that changes results, policylint's version and the entry
format's version.

Entries live in ``.policylint_cache/`` (one small JSON file per key, written
atomically); ``--no-cache`` skips it.

The folder sits in the project, so anyone who can commit to the project can
plant an entry at a key they computed themselves: an entry is untrusted
input. It is therefore plain JSON, written field by field from the
``Outcome`` and read back field by field with the type of every value
checked; nothing in it is ever executed or used to pick a class. An entry
that is damaged, of another shape or of an older format is a miss, and the
run writes a good one in its place. Entries and the folders above them are
never followed through a link, and only regular files of a bounded size are
read, so a planted link to a device or to a huge file cannot stall a run.
When the folder is made, a ``.gitignore`` holding ``*`` keeps it out of
commits (as ruff does) and ``CACHEDIR.TAG`` keeps it out of backups.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policylint import __version__
from policylint.document import Directive, Location
from policylint.findings import SEVERITIES, Finding
from policylint.io import write_atomic

if TYPE_CHECKING:
    from policylint.engine import Engine
    from policylint.run import Options, Outcome

DIR_NAME = ".policylint_cache"
FORMAT = "policylint-result"
FORMAT_VERSION = 3  # 1 was a pickle per entry; part of the key, so old entries are never looked at
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # far above any real entry; a bigger file is not an entry
GITIGNORE = b"# Made by policylint: the result cache is local to this machine, not to be committed.\n*\n"
CACHEDIR_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by policylint.\n"
                b"# For information about cache directory tags see https://bford.info/cachedir/\n")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of policylint's own source: a changed reader, classifier or
    engine gives new keys even when the version number stays the same."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


class Cache:
    def __init__(self, folder: Path, engine: Engine, options: Options) -> None:
        self.folder = Path(folder)
        cfg = options.config
        settings = {
            "version": __version__,
            "format": FORMAT_VERSION,
            "rules": [(r.code, r.name, r.severity, r.kind, sorted(r.applies_to), json.dumps(r.spec, sort_keys=True,
                                                                                           default=str))
                      for r in engine.rules],
            "kind": options.kind,
            "kinds": sorted(cfg.kinds.items()),
            "limits": repr(cfg.limits),
            "model": cfg.model,
            "code": code_digest(),
        }
        self.salt = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
        self._ready: bool | None = None  # whether the folder can be written; found on the first put

    def _key(self, path: Path) -> str | None:
        try:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            return None
        digest.update(self.salt.encode())
        digest.update(path.suffix.lower().encode())
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, path: Path) -> Outcome | None:
        """The cached outcome for ``path``, or None: a miss, or an entry that
        is not exactly what ``put`` writes."""
        key = self._key(path)
        if key is None or not (_is_dir(self.folder) and _is_dir(self.folder / key[:2])):
            return None
        data = _read_regular(self._entry(key))
        if data is None:
            return None
        try:
            return decode(json.loads(data), str(path))
        except (ValueError, RecursionError):  # JSON errors are ValueErrors too
            return None

    def put(self, path: Path, outcome: Outcome | None) -> None:
        key = self._key(path)
        if key is None or outcome is None or not self._prepare():
            return
        try:
            entry = encode(outcome)
            decode(entry, str(path))  # never write what a later run would refuse
            text = json.dumps(entry, separators=(",", ":"), sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            return  # something a cache entry cannot hold: this file is checked again next time
        try:
            sub = self.folder / key[:2]
            if os.path.lexists(sub) and not _is_dir(sub):
                return  # not a folder we made: leave it alone
            write_atomic(sub / key, text.encode("ascii"))
        except OSError:
            pass  # a read-only or full disk: run without caching

    def _prepare(self) -> bool:
        """Make the folder (with its ``.gitignore`` and ``CACHEDIR.TAG``) if
        needed; False when it cannot be used: a link, a file, read-only."""
        if self._ready is None:
            self._ready = _prepare_folder(self.folder)
        return self._ready


def _prepare_folder(folder: Path) -> bool:
    try:
        if not os.path.lexists(folder):
            folder.mkdir(parents=True, exist_ok=True)
        if not _is_dir(folder):
            return False
        for name, content in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", CACHEDIR_TAG)):
            if not os.path.lexists(folder / name):
                write_atomic(folder / name, content)
    except OSError:
        return False
    return True


def _is_dir(path: Path) -> bool:
    """A real folder, not a link to one (a link in a project can point anywhere)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _read_regular(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or
    device) of at most ``MAX_ENTRY_BYTES``; else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= MAX_ENTRY_BYTES else None


# -- the entry format ----------------------------------------------------------------
#
# Paths are not stored: an entry is found by content, so the outcome it gives
# back belongs to whatever path was asked for.


def encode(outcome: Outcome) -> dict[str, Any]:
    """An ``Outcome`` as plain JSON values, field by field."""
    info = outcome.info
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "file": {"kind": info.kind, "kind_reason": info.kind_reason, "error": info.error,
                 "kind_runner_up": info.kind_runner_up, "kind_confidence": info.kind_confidence},
        "findings": [_encode_finding(f) for f in outcome.findings],
        "directives": [_encode_directive(d) for d in outcome.directives],
        "set_hits": None if outcome.set_hits is None else dict(outcome.set_hits),
        "kind": outcome.kind,
    }


def _encode_location(loc: Location) -> dict[str, Any]:
    return {"page": loc.page, "paragraph": loc.paragraph, "line": loc.line, "column": loc.column, "part": loc.part}


def _encode_finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code, "name": f.name, "severity": f.severity, "message": f.message,
        "location": _encode_location(f.location), "evidence": f.evidence, "suggestions": list(f.suggestions),
        "source": f.source, "rationale": f.rationale, "span": None if f.span is None else list(f.span),
        "anchor_block": f.anchor_block, "documents": list(f.documents),
    }


def _encode_directive(d: Directive) -> dict[str, Any]:
    return {
        "rules": list(d.rules), "first_block": d.first_block, "last_block": d.last_block,
        "location": _encode_location(d.location), "start": d.start, "end": d.end, "origin": d.origin,
        "reason": d.reason,
    }


class InvalidEntry(ValueError):
    """A cache entry that is not exactly what ``encode`` writes."""


def decode(data: Any, path: str) -> Outcome:
    """The ``Outcome`` for ``path`` from an entry, checking the type of every
    field; ``InvalidEntry`` for anything else."""
    from policylint.run import FileResult, Outcome  # here: run imports the parallel module, which imports this

    entry = _fields(data, ("format", "version", "file", "findings", "directives", "set_hits", "kind"))
    if entry["format"] != FORMAT or _int(entry["version"]) != FORMAT_VERSION:
        raise InvalidEntry("another format")
    file = _fields(entry["file"], ("kind", "kind_reason", "error", "kind_runner_up", "kind_confidence"))
    info = FileResult(path, _opt_str(file["kind"]), _opt_str(file["kind_reason"]), _opt_str(file["error"]),
                      _opt_str(file["kind_runner_up"]), _opt_confidence(file["kind_confidence"]))
    findings = [_decode_finding(f, path) for f in _list(entry["findings"])]
    directives = tuple(_decode_directive(d) for d in _list(entry["directives"]))
    hits = entry["set_hits"]
    if hits is not None:
        if type(hits) is not dict:
            raise InvalidEntry("set_hits")
        for code, hit in hits.items():
            _str(code)
            if hit is not None and type(hit) is not bool:
                raise InvalidEntry("set_hits")
    return Outcome(info, findings, directives, hits, _opt_str(entry["kind"]))


def _decode_location(data: Any) -> Location:
    loc = _fields(data, ("page", "paragraph", "line", "column", "part"))
    return Location(_opt_int(loc["page"]), _opt_int(loc["paragraph"]), _opt_int(loc["line"]),
                    _opt_int(loc["column"]), _opt_str(loc["part"]))


def _decode_finding(data: Any, path: str) -> Finding:
    f = _fields(data, ("code", "name", "severity", "message", "location", "evidence", "suggestions", "source",
                       "rationale", "span", "anchor_block", "documents"))
    if f["severity"] not in SEVERITIES:
        raise InvalidEntry("severity")
    span = f["span"]
    if span is not None:
        span = tuple(_int(v) for v in _list(span))
        if len(span) != 3:
            raise InvalidEntry("span")
    return Finding(_str(f["code"]), _str(f["name"]), f["severity"], path, _str(f["message"]),
                   _decode_location(f["location"]), _opt_str(f["evidence"]), _strs(f["suggestions"]),
                   _str(f["source"]), _str(f["rationale"]), span, _opt_int(f["anchor_block"]),
                   _strs(f["documents"]))


def _decode_directive(data: Any) -> Directive:
    d = _fields(data, ("rules", "first_block", "last_block", "location", "start", "end", "origin", "reason"))
    return Directive(_strs(d["rules"]), _int(d["first_block"]), _int(d["last_block"]),
                     _decode_location(d["location"]), _opt_int(d["start"]), _opt_int(d["end"]),
                     _str(d["origin"]), _str(d["reason"]))


def _fields(data: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if type(data) is not dict or set(data) != set(names):
        raise InvalidEntry("fields")
    return data


def _list(value: Any) -> list:
    if type(value) is not list:
        raise InvalidEntry("list")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise InvalidEntry("str")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _opt_confidence(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not 0 <= value <= 1:
        raise InvalidEntry("confidence")
    return float(value)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(_str(v) for v in _list(value))


def _int(value: Any) -> int:
    if type(value) is not int:  # not a bool, not a float
        raise InvalidEntry("int")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)
