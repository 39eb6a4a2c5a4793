"""Starter documents that already meet the model: ``policylint new KIND``.

One template per document kind (``KIND.md`` here, in the small Markdown
format ``README.md`` describes), one table of the words that differ by
country (``vocabulary.yaml``), and two writers, Markdown and Word, over the
same rendered blocks. What to fill in is marked ``[[like this]]``, which
the rule ``unfilled-placeholder`` reports until it is gone.
"""

from __future__ import annotations

from policylint.starters.template import Starter, available, countries, render, vocabulary


def write(starter: Starter, fmt: str) -> bytes:
    """The starter as the bytes of a ``docx`` or ``md`` file."""
    if fmt == "md":
        from policylint.starters.markdown import to_markdown

        return to_markdown(starter).encode("utf-8")
    from policylint.starters.word import to_docx

    words = vocabulary()[starter.country]
    return to_docx(starter, words["paper"], words["language"])


__all__ = ["Starter", "available", "countries", "render", "vocabulary", "write"]
