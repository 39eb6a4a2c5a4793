"""Receiving an upload: the request's multipart body is parsed as it
arrives (python-multipart's streaming parser) and each file is written
straight into the upload's own folder, under a safe name -- never into a
spool file elsewhere -- with the limits held while the bytes arrive: a file
over ``max-file-bytes``, an upload over ``max-total-bytes`` or with more
than ``max_files`` files is refused there and then, and what had arrived is
deleted with the upload.

A ``.zip`` of a policy folder is unpacked with its folders (into a folder
named after the archive when it does not hold one folder). An archive that would write outside that folder
(an absolute name, ``..``, a link), that holds too many files, or that
would inflate past the limits (a zip bomb: the directory is checked as the
DOCX reader checks a Word package's, and the bytes actually inflated are
counted) is not unpacked at all: it becomes a finding on the archive
(PL001, PL003 or PL005), and the other files of the upload are checked as
usual.
"""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from policylint.document import Limits, ReadError

if TYPE_CHECKING:
    from starlette.requests import Request

    from policylint.limits import PackageGuard

FIELD_BYTES = 4096  # a form field that is not a file (the page sends none larger)
MAX_FIELDS = 20
NAME_BYTES = 150  # a file name's length on disk, in UTF-8 bytes
ARCHIVE = ".zip"
_SKIPPED_IN_ARCHIVE = ("__MACOSX", ".")  # macOS resource forks; hidden files and folders


class Refused(Exception):
    """An upload that is not taken: the HTTP status (400 or 413), what to
    tell the reviewer, and for a limit the setting that sets it (so whoever
    runs the server knows what to raise)."""

    def __init__(self, status: int, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.setting = status, message, setting


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may bring: ``max_files`` files (counting what a
    zip holds), each at most ``limits.max_file_bytes``, all together at most
    ``limits.max_total_bytes``."""

    limits: Limits = field(default_factory=Limits)
    max_files: int = 50

    @property
    def max_file_bytes(self) -> int:
        return self.limits.max_file_bytes

    @property
    def max_total_bytes(self) -> int:
        return self.limits.max_total_bytes


@dataclass
class Received:
    files: list[str] = field(default_factory=list)  # paths relative to the folder, documents to check
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # (path, code, reason, hint)


def megabytes(n: int) -> str:
    """A size as people say it (binary megabytes, as the limits are set)."""
    return f"{n / 1048576:,.0f} MB" if n >= 1048576 else f"{n:,} bytes"


def safe_name(name: str) -> str:
    """A file name that is safe to create in a folder: one name (slashes and
    backslashes become ``_``), printable, not hidden, not too long, never
    empty. What the reviewer sees is this name, escaped like any text."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in name).strip().lstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    while len((stem + "." + suffix).encode("utf-8")) > NAME_BYTES and stem:
        stem = stem[:-1]
    name = f"{stem}.{suffix}" if suffix else stem
    return name.strip() or "document"


def unique(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem (2).suffix`` ... if that is taken."""
    target = folder / name
    n = 2
    while target.exists():
        p = Path(name)
        target = folder / f"{p.stem} ({n}){p.suffix}"
        n += 1
    return target


class _Stream:
    """The callbacks of python-multipart's parser: each file part goes to a
    new file in ``folder`` (created exclusively, owner-only), other parts
    into small strings; limits checked on every chunk."""

    def __init__(self, folder: Path, limits: UploadLimits) -> None:
        self.folder = folder
        self.limits = limits
        self.received = Received()
        self.total = 0
        self._files = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._field: str | None = None
        self._data = bytearray()
        self._out: int | None = None  # the open file's descriptor
        self._path: Path | None = None
        self._size = 0

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished}

    def on_part_begin(self) -> None:
        self._disposition, self._field, self._data, self._size = b"", None, bytearray(), 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._disposition)
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.received.fields) >= MAX_FIELDS:
                raise Refused(400, "The form has more fields than this page sends.")
            return
        filename = options[b"filename"].decode("utf-8", "replace")
        if not filename:  # the file picker was left empty
            self._field = None
            return
        self._files += 1
        if self._files > self.limits.max_files:
            raise Refused(413, f"Too many files: at most {self.limits.max_files} at once. "
                               "Put them in a .zip, or review them in smaller groups.", "--max-files")
        self._path = unique(self.folder, safe_name(filename))
        self._out = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        self.total += n
        if self.total > self.limits.max_total_bytes:
            raise Refused(413, f"The upload is larger than the limit of {megabytes(self.limits.max_total_bytes)} "
                               "for all files together.", "max-total-bytes")
        if self._out is None:
            if self._field is not None:
                if len(self._data) + n > FIELD_BYTES:
                    raise Refused(400, "A form field is longer than this page sends.")
                self._data.extend(data[start:end])
            return
        self._size += n
        if self._size > self.limits.max_file_bytes:
            assert self._path is not None
            raise Refused(413, f"{self._path.name} is larger than the limit of "
                               f"{megabytes(self.limits.max_file_bytes)} for one file.", "max-file-bytes")
        os.write(self._out, data[start:end])

    def on_part_end(self) -> None:
        if self._out is not None and self._path is not None:
            os.close(self._out)
            self._out = None
            self.received.files.append(self._path.name)
        elif self._field:
            self.received.fields[self._field] = self._data.decode("utf-8", "replace")
        self._path = None

    def close(self) -> None:
        if self._out is not None:
            os.close(self._out)
            self._out = None


async def receive(request: Request, folder: Path, limits: UploadLimits) -> Received:
    """Stream the request's multipart body into ``folder``; unpack zips.
    Raises ``Refused`` for a body that is not an upload or is over a limit."""
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Refused(400, "Send the documents with the form on the first page.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_total_bytes + 65536:
        raise Refused(413, f"The upload is larger than the limit of {megabytes(limits.max_total_bytes)} "
                           "for all files together.", "max-total-bytes")
    stream = _Stream(folder, limits)
    parser = MultipartParser(params[b"boundary"], stream.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise Refused(400, "The upload was not complete or not well formed. Try again.") from None
    finally:
        stream.close()
    received = stream.received
    if not received.files:
        raise Refused(400, "Choose at least one document to review.")
    from starlette.concurrency import run_in_threadpool

    received.files = await run_in_threadpool(_unpack_all, received, folder, limits)  # not on the event loop
    return received


def _unpack_all(received: Received, folder: Path, limits: UploadLimits) -> list[str]:
    """The documents of an upload, its zips unpacked: the file count and the
    bytes inflated are limits on the whole upload, however many zips it
    brings. A zip refused is a problem of the upload's, and is deleted."""
    from policylint.limits import PackageGuard

    guard = PackageGuard(limits.limits)
    documents: list[str] = []
    for i, name in enumerate(received.files):
        path = folder / name
        if path.suffix.lower() != ARCHIVE:
            documents.append(name)
            continue
        try:
            # What the upload holds besides this zip: the documents so far, and a file at least for each to come.
            documents.extend(unpack(path, folder, limits, len(documents) + len(received.files) - i - 1, guard))
        except ReadError as exc:
            received.problems.append((name, exc.code, exc.reason, exc.hint))
        finally:
            path.unlink()
    return documents


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's path inside the archive's folder; None for what is
    skipped (folders, hidden files, macOS forks). A name that would leave
    the folder is a ``ReadError``."""
    name = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ReadError("PL001", f"the archive holds a link ({info.filename!r}), which is not unpacked",
                        "zip the documents themselves, not links to them")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
        raise ReadError("PL001", f"the archive holds a name that leads outside its folder ({info.filename!r})",
                        "zip the policy folder again from its own folder")
    if info.is_dir() or not parts or any(p.startswith(_SKIPPED_IN_ARCHIVE) for p in parts):
        return None
    return PurePosixPath(*(safe_name(p) for p in parts))


def unpack(archive: Path, folder: Path, limits: UploadLimits, others: int = 0,
           guard: PackageGuard | None = None) -> list[str]:
    """Unpack ``archive`` into ``folder``: the folder it holds, else a
    folder named after it; the documents' relative paths. ``others``: the
    files the upload holds besides; ``guard``: the bytes inflated so far, when
    the archive is one of several. Raises ``ReadError`` (and unpacks nothing,
    or removes what it had) for a damaged, encrypted, hostile or oversized
    archive."""
    import shutil

    from policylint.limits import PackageGuard
    from policylint.readers.docx import _check_directory

    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReadError("PL001", f"not a readable zip archive ({exc})", "zip the folder again") from None
    with zf:
        infos = zf.infolist()
        members = [(info, p) for info in infos if (p := _member_path(info)) is not None]
        if len(members) + others > limits.max_files:
            raise ReadError("PL005", f"the archive holds {len(members):,} files; at most {limits.max_files} "
                            "files are reviewed at once", "review the folder in smaller parts")
        _check_directory([info for info, _ in members], limits.limits)  # a zip bomb, by its directory
        if any(info.flag_bits & 0x1 for info, _ in members):
            raise ReadError("PL003", "the archive is protected with a password", "zip the folder without one")
        # A zipped folder holds the folder itself: unpack that; else a folder named after the archive.
        tops = {rel.parts[0] for _, rel in members if len(rel.parts) > 1}
        single = len(tops) == 1 and all(len(rel.parts) > 1 for _, rel in members)
        top = next(iter(tops)) if single else safe_name(archive.stem)
        root = unique(folder, top)
        if guard is None:
            guard = PackageGuard(limits.limits)  # the bytes actually inflated, whatever the directory says
        out: list[str] = []
        try:
            for info, rel in members:
                target = root / (rel.relative_to(top) if single else rel)
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                target = unique(target.parent, target.name)
                size = 0
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        guard.inflated(str(rel), size, chunk)
                        dst.write(chunk)
                out.append(target.relative_to(folder).as_posix())
        except ReadError:
            shutil.rmtree(root, ignore_errors=True)
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise ReadError("PL001", f"the archive is damaged ({exc})", "zip the folder again") from None
    return out

