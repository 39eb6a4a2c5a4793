"""``policylint report``: the HTML scorecard of a policy set against the model."""

from __future__ import annotations

from pathlib import Path

import click

from policylint.commands.options import checking, rule_error, run_options


@click.command("report")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@click.option("--title", help="The organisation's name, for the page title [default: the folder's name].")
@checking
def command(paths: tuple[Path, ...], output: Path, title: str | None, kind: str | None, select: tuple[str, ...],
            ignore: tuple[str, ...], config_path: Path | None, model: str | None) -> None:
    """Write an HTML scorecard of where a policy set stands against the model
    of best practice for peer (Lived Experience) employment.

    \b
    Example:  policylint report policies/ -o scorecard.html
    """
    from policylint.engine.rules import RuleError
    from policylint.io import OutputError, check_output, write_atomic
    from policylint.report.html import collect, collected_summary, render_html

    named = list(paths)
    options = run_options(named, kind, select, ignore, config_path, model)
    config = options.config
    try:
        # Not a document being checked (nor the configuration), not a device or FIFO.
        check_output(output, [*named, *([config.path] if config.path else [])], config)
    except OutputError as exc:
        raise click.BadParameter(str(exc), param_hint="'-o' / '--output'") from None
    try:
        collected = collect(named, options)
    except RuleError as exc:
        raise rule_error(exc) from None
    page = render_html(collected.result, collected.documents, collected.rules, title=title,
                       sets=collected.sets, assessed=collected.assessed, paths=named)
    write_atomic(output, page.encode("utf-8"))
    click.echo(f"Wrote {output}: {collected_summary(collected)}", err=True)
