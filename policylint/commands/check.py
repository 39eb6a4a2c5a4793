"""``policylint check``: check documents and folders, print or write the findings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from policylint.commands.options import checking, rule_error, run_options
from policylint.report import FORMATS

if TYPE_CHECKING:
    from policylint.config import Config


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to a file.")
@checking
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]),
              help="Exit 1 when a finding at or above this severity is reported [default: warning].")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record today's findings in this file and exit 0.")
@click.option("--statistics", is_flag=True, help="Print counts by rule instead of the findings.")
@click.option("--show-info", "-v", "show_info", is_flag=True,
              help="List info-level absences one by one (text output folds them into one line per file).")
@click.option("--show-settings", is_flag=True, help="Print the resolved configuration and exit.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [default: number of cores].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache (.policylint_cache/).")
def command(paths: tuple[Path, ...], fmt: str, output: Path | None, kind: str | None, select: tuple[str, ...],
            ignore: tuple[str, ...], config_path: Path | None, model: str | None, fail_on: str | None,
            baseline: Path | None, write_baseline: Path | None, statistics: bool, show_info: bool,
            show_settings: bool, quiet: bool, jobs: int | None, no_cache: bool) -> None:
    """Check documents and folders of documents."""
    import json
    import os

    from policylint.cache import DIR_NAME
    from policylint.findings import at_least
    from policylint.parallel import default_jobs
    from policylint.report import renderer
    from policylint.run import check as run_check
    from policylint.run import make_engine

    options = run_options(list(paths), kind, select, ignore, config_path, model, baseline=baseline,
                          jobs=jobs or default_jobs(), isolate=True)
    config = options.config
    options.cache_dir = None if no_cache else config.root / DIR_NAME
    if show_settings:
        settings = config.as_dict()
        settings.update({"kind": kind, "effective-select": sorted(options.selected() or ["ALL"]),
                         "effective-ignore": sorted(options.ignored()),
                         "fail-on": fail_on or config.fail_on})
        click.echo(json.dumps(settings, indent=2))
        return
    _check_outputs(output, write_baseline, list(paths), config, baseline)
    interactive = sys.stderr.isatty() and not quiet and not os.environ.get("CI")
    if interactive:
        options.progress = _progress
    from policylint.engine.rules import RuleError

    try:
        engine = make_engine(options)
    except RuleError as exc:
        raise rule_error(exc) from None
    result = run_check(list(paths), options, engine=engine)
    if interactive:
        click.echo("\r\033[K", err=True, nl=False)
    if write_baseline:
        from policylint.baseline import write

        write(write_baseline, result.findings)
        click.echo(f"Recorded {len(result.findings)} findings in {write_baseline}.", err=True)
        sys.exit(0)
    if statistics:
        from policylint.report.text import statistics as stats

        text = stats(result.findings)
    elif fmt == "text":
        from policylint.report.text import render

        color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        text = render(result, engine.rules, color=color, show_info=show_info)
    else:
        text = renderer(fmt)(result, engine.rules)
    if output:
        from policylint.io import write_atomic

        write_atomic(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    threshold = fail_on or config.fail_on
    failed = threshold != "never" and any(at_least(f.severity, threshold) for f in result.findings)
    sys.exit(1 if failed else 0)


def _check_outputs(output: Path | None, write_baseline: Path | None, paths: list[Path], config: Config,
                   baseline: Path | None) -> None:
    """Refuse, before anything runs, an output that would replace a document
    being checked, the configuration or baseline read, or something that is
    not a regular file (see ``policylint.io.check_output``)."""
    from policylint.io import OutputError, check_output

    config_path = config.path
    read = [*paths, *([config_path] if config_path else [])]
    for target, inputs, hint in ((output, [*read, *([baseline] if baseline else [])], "'-o' / '--output'"),
                                 (write_baseline, read, "'--write-baseline'")):
        if target is None:
            continue
        try:
            check_output(target, inputs, config)
        except OutputError as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from None


def _progress(done: int, total: int, path: str) -> None:
    from policylint.report.text import terminal_safe

    width = 24
    filled = int(width * done / max(total, 1))
    path = terminal_safe(path)
    name = path if len(path) <= 50 else "..." + path[-47:]
    click.echo(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}", err=True, nl=False)
