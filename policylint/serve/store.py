"""What the review page holds of each upload, and for how long.

Every upload gets a folder of its own under one private temporary folder
(mode 0700) made when the server starts; nothing of an upload is written
anywhere else. Its name is a random token of 128 bits, which is also the
upload's address on the page: knowing the address is what gives access to
the documents, so it is never guessable and never reused.

An upload is forgotten -- its folder deleted and its state dropped --
when the reviewer says they are finished, or when it has not been looked
at for ``idle`` seconds; once one of its results has been downloaded, that
time shrinks to ``after_download`` seconds (long enough to take the other
downloads too). Every folder goes when the server stops. The clock is injectable so that tests need not wait.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policylint.document import Document
    from policylint.engine.rules import Rule
    from policylint.run import Result

TOKEN_BYTES = 16  # 128 random bits name an upload

# Where an upload is in its life.
RECEIVING, QUEUED, CHECKING, DONE, FAILED = "receiving", "queued", "checking", "done", "failed"


@dataclass
class Checked:
    """One check of an upload: the flow's result with paths relative to the
    upload (as the reviewer named the files), the documents' text, the rules
    that ran, the policy sets and the rule names assessed."""

    result: Result
    documents: dict[str, Document]
    rules: list[Rule]
    sets: list[str]
    assessed: set[str] | None
    seconds: float = 0.0  # from the start of the check to its result


@dataclass
class Upload:
    """One reviewer's upload: its folder, where its check is, the result, and
    the reviewer's decisions (by ``annotate.finding_key``)."""

    id: str
    folder: Path
    expires: float
    state: str = RECEIVING
    files: list[str] = field(default_factory=list)  # relative paths of the documents, as uploaded
    progress: tuple[int, int, str] = (0, 0, "")  # files done, files in all, the file being checked
    checked: Checked | None = None
    error: str | None = None  # why the check failed (no trace: that goes to the server's log)
    kinds: dict[str, str] = field(default_factory=dict)  # relative path -> kind the reviewer chose
    dismissed: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> finding key -> reason
    chosen: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> finding key -> suggestion index
    problems: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # (path, code, reason, hint)
    downloaded: bool = False  # a result was downloaded: kept only ``after_download`` seconds past the last look
    generation: int = 0  # bumped by each new check, so a stale one does not overwrite a newer result

    @property
    def inbox(self) -> Path:
        """The uploaded documents (what is checked)."""
        return self.folder / "in"

    @property
    def outbox(self) -> Path:
        """Downloads being made; each is deleted once it has been sent."""
        return self.folder / "out"

    @property
    def busy(self) -> bool:
        return self.state in (RECEIVING, QUEUED, CHECKING)


class Store:
    """The uploads the server holds, each in its own folder under ``root``."""

    def __init__(self, idle: float = 1800.0, after_download: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, parent: Path | None = None) -> None:
        self.idle = idle
        self.after_download = after_download
        self.clock = clock
        self.root = Path(tempfile.mkdtemp(prefix="policylint-serve-", dir=parent))  # mode 0700
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def new(self) -> Upload:
        now = self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        folder = self.root / token
        folder.mkdir(mode=0o700)
        upload = Upload(token, folder, now + self.idle)
        upload.inbox.mkdir(mode=0o700)
        upload.outbox.mkdir(mode=0o700)
        with self._lock:
            self._uploads[token] = upload
        return upload

    def get(self, token: str) -> Upload | None:
        """The upload, if it is still held. Looking at it keeps it ``idle``
        seconds more, or once a result was downloaded ``after_download``."""
        self.sweep()
        with self._lock:
            upload = self._uploads.get(token)
            if upload is not None:
                window = self.after_download if upload.downloaded else self.idle
                upload.expires = max(upload.expires, self.clock() + window)
            return upload

    def downloaded(self, upload: Upload) -> None:
        """A result was downloaded: forget the upload ``after_download`` seconds from now."""
        with self._lock:
            upload.expires = self.clock() + self.after_download
            upload.downloaded = True
        if self.after_download <= 0:
            self.forget(upload.id)

    def forget(self, token: str) -> bool:
        with self._lock:
            upload = self._uploads.pop(token, None)
        if upload is None:
            return False
        shutil.rmtree(upload.folder, ignore_errors=True)
        return True

    def sweep(self) -> list[str]:
        """Forget every upload whose time is up (one still being checked
        waits for its check: its folder is in use)."""
        now = self.clock()
        with self._lock:
            due = [u.id for u in self._uploads.values() if u.expires <= now and not u.busy]
        for token in due:
            self.forget(token)
        return due

    def __len__(self) -> int:
        with self._lock:
            return len(self._uploads)

    def close(self) -> None:
        """Forget everything (the server is stopping)."""
        with self._lock:
            self._uploads.clear()
        shutil.rmtree(self.root, ignore_errors=True)
