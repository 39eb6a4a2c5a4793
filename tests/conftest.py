import os
import shutil
import tempfile
from pathlib import Path

import pytest

from policylint.document import Block, Document, Location, Role

# The compiled-phrase store lives in a folder of the test session's own, so
# tests neither read nor fill the user's cache (subprocesses inherit this).
os.environ["POLICYLINT_STORE"] = tempfile.mkdtemp(prefix="policylint-store-")


@pytest.fixture(scope="session")
def engine():
    from policylint.engine import Engine

    return Engine()


def make_doc(*items, kind="peer-job-description", path="mem.md") -> Document:
    """A document from ('h', text) / ('li', text) / plain-string items, with
    sections and line locations filled in."""
    blocks, section = [], []
    for line, item in enumerate(items, 1):
        role, text = (item if isinstance(item, tuple) else ("p", item))
        role = {"h": Role.HEADING, "li": Role.LIST_ITEM, "p": Role.PARAGRAPH}[role]
        loc = Location(line=line, column=1)
        if role == Role.HEADING:
            section = [text]
            blocks.append(Block(text, Role.HEADING, loc, 1, (), ((0, loc),)))
        else:
            blocks.append(Block(text, role, loc, None, tuple(section), ((0, loc),)))
    return Document(path, "markdown", tuple(blocks), kind=kind, kind_reason="test")


def find_chromium() -> str | None:
    """The Chromium the browser tests drive: POLICYLINT_CHROMIUM, else
    Debian's ``chromium`` on the PATH; None when there is none (the tests
    skip)."""
    explicit = os.environ.get("POLICYLINT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
