"""``policylint annotate``: a reviewed copy of a Word document, with every
finding as a Word comment on the words it is about.

    policylint annotate jd.docx                  # writes jd.reviewed.docx
    policylint annotate jd.docx -o review/jd.docx --suggest
    policylint annotate policies/ -o reviewed/   # one reviewed copy per DOCX

What the reviewed copy holds
----------------------------
- A finding with evidence: a comment (author "policylint", initials "PL",
  dated at the start of the run) anchored on exactly the evidence text. The
  runs at either end are split where the evidence starts and ends; each half
  keeps the run's properties. Works in body text, list items, table cells,
  text boxes, headers, footers and notes (see "Where Word shows comments").
- A missing element (no evidence): one comment on the heading of the section
  the text belongs in (the finding's ``anchor_block``), else on the title.
  A finding with neither (a reader problem) goes on the paragraph its
  location names, else on the title.
- A reviewer's decisions (``Review``, from ``policylint serve``): a dismissed
  finding becomes the reviewer's comment ``policylint: ignore NAME — reason``
  on its words (so checking the copy again leaves it out), and a finding whose
  suggestion the reviewer chose gets that suggestion as a tracked change, as
  ``--suggest`` gives every finding.
- ``--suggest``: a finding whose suggestion is wording for the text (a
  substitute rule's rewrite, a clinical duty's peer-work rewrite) becomes a
  tracked change by "policylint" -- ``w:del`` of the old words, ``w:ins`` of
  the new -- kept as small as the words that differ. A suggestion of the form
  ``Add ...: "sentence"`` becomes a tracked paragraph insertion at the end of
  the section (for a missing element: the section of its heading). Advice
  that is not wording ("Remove the assessment duty.") stays in the comment.

The text is found by the reader's own walk (``readers.docx.ParagraphText``),
so the offsets of a finding's span always mean the same characters here.

Safety and repeat runs
----------------------
The input is never written: an output path that is the input is refused, an
existing output needs ``--force``, and the copy is written to a temporary file
and moved into place. Comments by author "policylint" from an earlier run
(with their range marks, reference runs and Word's commentsExtended/Ids
entries) are removed first, and policylint's own pending tracked changes are
rejected, so annotating a reviewed copy again replaces them. Other authors'
comments and changes are kept. A reviewer's comment starting
``policylint: ignore NAME-OR-CODE`` suppresses the findings on its words.

Headers, footers, notes and text boxes
--------------------------------------
Word ignores ``w:commentRangeStart`` in headers, footers, text boxes, footnotes
and endnotes ([MS-OI29500] 2.1.315), and a ``w:commentReference`` in a header,
footer or note makes LibreOffice refuse the whole file. So there the range
marks go on the exact words, but the reference mark goes in the body: after
the run holding the text box, after the note's reference mark, or at the end
of the title for a header or footer. Word and LibreOffice then show the
comment at that point, and its second line quotes the words and says where
they are ("In the page header: ...").

PDF, Markdown and text inputs get no reviewed copy; the command says so and
writes nothing for them.

The package, by job (imports go down this list, never up)
---------------------------------------------------------
- ``files``: outputs for inputs, the safety rules, the flow per file and per run;
- ``writer``: anchoring comments on the exact words, writing tracked changes;
- ``plan``: where each comment, change and addition goes, on the checked blocks;
- ``wording``: what a comment says and the words a suggestion proposes;
- ``package``: the Word package: parts, saving, removing an earlier run's work;
- ``ooxml``: WordprocessingML names and small tree helpers.
"""

from __future__ import annotations

from policylint.annotate.files import (
    NOT_WORD,
    REVIEWED,
    FileOutcome,
    annotate_file,
    annotate_paths,
    plan_outputs,
    reviewed_name,
)
from policylint.annotate.package import AUTHOR, INITIALS, AnnotateError, Cleanup, remove_own
from policylint.annotate.package import _Package as _Package  # for the tests: the paragraphs behind handles
from policylint.annotate.plan import Review, finding_key
from policylint.annotate.wording import Wording, comment_text, ignore_text, wording
from policylint.annotate.wording import _diff as _diff  # for the tests: the smallest whole-word change
from policylint.annotate.writer import Annotated, annotate

__all__ = [
    "AUTHOR",
    "INITIALS",
    "NOT_WORD",
    "REVIEWED",
    "AnnotateError",
    "Annotated",
    "Cleanup",
    "FileOutcome",
    "Review",
    "Wording",
    "annotate",
    "annotate_file",
    "annotate_paths",
    "comment_text",
    "finding_key",
    "ignore_text",
    "plan_outputs",
    "remove_own",
    "reviewed_name",
    "wording",
]
