"""``policylint new KIND``: a starting document that already meets the
model, for the kinds an organisation most often has none of."""

from __future__ import annotations

from pathlib import Path

import click

# Kept here rather than read from the templates, so --help costs no file reading;
# a test checks they agree with policylint/starters/.
KINDS = ("mission-statement", "strategic-plan", "peer-job-description", "supervision-policy", "training-policy",
         "hr-policy")
COUNTRIES = ("au", "uk", "us", "nz", "ca", "ie")
SUFFIXES = {".docx": "docx", ".md": "md", ".markdown": "md"}
MAX_NAME = 200


def _organisation(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A name that fits on one line of a document: printable, without the
    brackets of a placeholder, at most 200 characters."""
    if value is None:
        return None
    value = " ".join(value.split())
    if not value or len(value) > MAX_NAME or not value.isprintable() or "[[" in value or "]]" in value:
        raise click.BadParameter(f"give a name of 1 to {MAX_NAME} printable characters, without [[ or ]]")
    return value


def _format(fmt: str | None, output: Path | None) -> str:
    """``--format`` if given, else what ``-o``'s suffix says, else Word."""
    implied = None
    if output is not None and output.suffix:
        implied = SUFFIXES.get(output.suffix.lower())
        if implied is None and fmt is None:
            raise click.UsageError(f"cannot tell the format from {output.name!r}: name a .docx or .md file, "
                                   "or give --format")
        if implied is not None and fmt is not None and fmt != implied:
            raise click.UsageError(f"--format {fmt} does not match the file name {output.name!r}")
    return fmt or implied or "docx"


def _list() -> None:
    from policylint.starters import available, countries

    found = available()
    width = max(map(len, found))
    for kind, summary in found.items():
        click.echo(f"{kind:<{width}}  {summary}")
    click.echo("")
    click.echo("Countries (--country): " + ", ".join(f"{code} ({name})" for code, name in countries().items())
               + "; default au.")


@click.command("new")
@click.argument("kind", required=False, type=click.Choice(KINDS), metavar="KIND")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write [default: KIND.docx, or KIND.md with --format md, in the current folder].")
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]),
              help="Word (default) or Markdown; inferred from the -o file name when not given.")
@click.option("--country", type=click.Choice(COUNTRIES), default="au", show_default=True,
              help="Vocabulary for roles, pay, equality law and peer qualifications: Australia, United Kingdom, "
                   "United States, New Zealand, Canada or Ireland.")
@click.option("--organisation", "--organization", "organisation", callback=_organisation,
              help="Your organisation's name, put in place of [[Organisation name]].")
@click.option("--list", "list_", is_flag=True, help="List the templates and countries, and write nothing.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def command(kind: str | None, output: Path | None, fmt: str | None, country: str, organisation: str | None,
            list_: bool, force: bool) -> None:
    """Write a starter document for KIND that already meets the model
    (--list shows the kinds). What only you can say is marked [[like this]];
    the rule unfilled-placeholder reports each one until it is filled. In
    Word, a comment by "policylint" on each section says why it is there and
    which rules it serves. Exit 2 when the output exists (without --force)
    or cannot be written."""
    if list_:
        _list()
        return
    if kind is None:
        raise click.UsageError("name a KIND (policylint new --list shows them)")
    from policylint.io import OutputError, check_output, write_atomic
    from policylint.starters import countries, render, write

    fmt = _format(fmt, output)
    target = output if output is not None else Path(f"{kind}.{fmt}")
    try:
        check_output(target)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from None
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists: use --force to replace it")
    starter = render(kind, country, organisation)
    try:
        write_atomic(target, write(starter, fmt))
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc.strerror or exc}") from None
    left = len(starter.placeholders())
    click.echo(f"Wrote {target}: {kind} template ({countries()[country]}), {left} "
               f"placeholder{'s' if left != 1 else ''} to fill in. Check it with: "
               f"policylint check {target} --kind {kind}")
