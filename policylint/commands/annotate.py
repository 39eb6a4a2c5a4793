"""``policylint annotate``: reviewed copies of Word documents, each finding a
comment on its words (and, with ``--suggest``, wording as tracked changes)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policylint.annotate import FileOutcome, annotate_paths
from policylint.commands.options import checking, rule_error, run_options


def _say(outcome: FileOutcome) -> None:
    """One line per file for the terminal; names and reasons are data, so
    control characters in them are shown escaped, never acted on."""
    from policylint.report.text import terminal_safe as safe

    if outcome.error:
        click.echo(f"{safe(str(outcome.source))}: error: {safe(outcome.error)}", err=True)
    elif outcome.skipped:
        click.echo(f"{safe(str(outcome.source))}: {safe(outcome.skipped)}", err=True)
    else:
        w = outcome.written
        assert w is not None  # written whenever there is neither an error nor a skip
        parts = [f"{w.comments} comment{'s' if w.comments != 1 else ''}"]
        if w.changes or w.additions:
            parts.append(f"{w.changes + w.additions} tracked change{'s' if w.changes + w.additions != 1 else ''}")
        if w.removed:
            parts.append(f"{w.removed} earlier policylint comment{'s' if w.removed != 1 else ''} replaced")
        click.echo(f"{safe(str(outcome.source))} -> {safe(str(outcome.output))}: {', '.join(parts)}")
        for note in w.loose:
            click.echo(f"  note: {safe(note)}", err=True)


@click.command("annotate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Reviewed copy to write (a folder when annotating a folder or several files) "
                   "[default: NAME.reviewed.docx beside each input].")
@click.option("--suggest", is_flag=True, help="Also propose wording as tracked changes.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@checking
def command(paths: tuple[Path, ...], output: Path | None, suggest: bool, force: bool, kind: str | None,
            select: tuple[str, ...], ignore: tuple[str, ...], config_path: Path | None, model: str | None) -> None:
    """Write a reviewed copy of each Word document with every finding as a
    comment on the words it is about (and, with --suggest, proposed wording as
    tracked changes). The input is never changed. Exit 0 when every DOCX was
    annotated, 2 when a named file could not be."""
    from policylint.engine.rules import RuleError

    options = run_options(list(paths), kind, select, ignore, config_path, model, report_unused_ignores=True)
    try:
        outcomes = annotate_paths(list(paths), output, options, suggest=suggest, force=force, progress=_say)
    except RuleError as exc:
        raise rule_error(exc) from None
    if not outcomes:
        click.echo("No documents to annotate.", err=True)
    named = {p for p in paths if not p.is_dir()}
    failed = any(o.error for o in outcomes) or any(o.skipped and o.source in named for o in outcomes)
    sys.exit(2 if failed else 0)
