"""A cache of per-file results, keyed by the file's content, the rules, the
configuration that changes results, and policylint's version.

Entries live in ``.policylint_cache/`` (one small pickle per key, written
atomically); ``--no-cache`` skips it. A damaged entry is ignored.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import replace
from pathlib import Path

from policylint import __version__
from policylint.io import write_atomic

DIR_NAME = ".policylint_cache"


class Cache:
    def __init__(self, folder: Path, engine, options):
        self.folder = Path(folder)
        cfg = options.config
        settings = {
            "version": __version__,
            "rules": [(r.code, r.name, r.severity, r.kind, sorted(r.applies_to), json.dumps(r.spec, sort_keys=True,
                                                                                           default=str))
                      for r in engine.rules],
            "kind": options.kind,
            "kinds": sorted(cfg.kinds.items()),
            "limits": repr(cfg.limits),
            "model": cfg.model,
        }
        self.salt = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()

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

    def get(self, path: Path):
        key = self._key(path)
        if key is None:
            return None
        entry = self.folder / key[:2] / key
        try:
            outcome = pickle.loads(entry.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            return None
        return _with_path(outcome, str(path))

    def put(self, path: Path, outcome) -> None:
        key = self._key(path)
        if key is None or outcome is None:
            return
        try:
            write_atomic(self.folder / key[:2] / key, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                write_atomic(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n# policylint cache\n")
        except OSError:
            pass  # a read-only folder: run without caching


def _with_path(outcome, path: str):
    """The cached outcome for a file with the same content at ``path``."""
    if outcome.info.path == path:
        return outcome
    info = replace(outcome.info, path=path)
    findings = [replace(f, path=path) for f in outcome.findings]
    return replace(outcome, info=info, findings=findings)
