"""Command line: click commands that parse arguments and call the pieces.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage,
configuration or internal error (an output that would replace an input is a
usage error); 130 interrupted (Ctrl-C). Heavy imports (spaCy, readers, rules)
happen inside the commands that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policylint import __version__

from policylint.kinds import KINDS
from policylint.report import FORMATS

DOC_KINDS = KINDS  # the one list lives in policylint.kinds


def _split(values: tuple[str, ...]) -> set[str]:
    return {v.strip() for item in values for v in item.split(",") if v.strip()}


class _Commands(click.Group):
    """Commands that live in their own modules are imported only when used
    (or listed by --help), so ``check`` does not pay for them."""

    LAZY = {"annotate": "policylint.annotate", "report": "policylint.report.html"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            return importlib.import_module(self.LAZY[name]).command
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policylint")
def cli() -> None:
    """Lint workforce policy documents against a model of best practice for
    employing peer (Lived Experience) workers."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to a file.")
@click.option("--kind", type=click.Choice(DOC_KINDS), help="Treat every document as this kind.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]),
              help="Exit 1 when a finding at or above this severity is reported [default: warning].")
@click.option("--select", multiple=True, help="Only these rules (codes, code prefixes or names; comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rules (codes, code prefixes or names).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Configuration file (default: nearest policylint.toml, .policylint.toml or pyproject.toml).")
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
@click.option("--model", help="An installed spaCy pipeline to use instead of the built-in blank English one.")
def check(paths, fmt, output, kind, fail_on, select, ignore, config_path, baseline, write_baseline, statistics,
          show_info, show_settings, quiet, jobs, no_cache, model) -> None:
    """Check documents and folders of documents."""
    import gc
    import json
    import os

    from policylint.config import ConfigError, resolve
    from policylint.findings import at_least
    from policylint.report import renderer
    from policylint.run import Options, check as run_check

    try:
        config = resolve(list(paths), config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if model:
        config.model = model
    from policylint.cache import DIR_NAME
    from policylint.parallel import default_jobs

    options = Options(config=config, kind=kind, select=_split(select) or None, ignore=_split(ignore),
                      baseline=baseline, jobs=jobs or default_jobs(),
                      cache_dir=None if no_cache else (config.root / DIR_NAME), after_build=gc.freeze)
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
    engine = _engine_or_fail(options)
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


def _check_outputs(output, write_baseline, paths, config, baseline) -> None:
    """Refuse, before anything runs, an output that would replace a document
    being checked, the configuration or baseline read, or something that is
    not a regular file (see ``policylint.io.check_output``)."""
    from policylint.io import OutputError, check_output

    read = [*paths, *([config.path] if config.path else [])]
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


def _engine_or_fail(options):
    from policylint.engine.rules import RuleError
    from policylint.run import make_engine

    try:
        return make_engine(options)
    except RuleError as exc:
        raise click.ClickException(f"invalid rule: {exc}") from None


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(fmt) -> None:
    """List every rule: code, name, severity, document kinds, model element."""
    import json

    rules = _load_rules()
    if fmt == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "kind": r.kind, "severity": r.severity,
             "applies_to": list(r.applies_to), "element": r.element, "source": r.source}
            for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {r.element:<34}  {', '.join(r.applies_to)}")


def _load_rules():
    from policylint.engine.rules import RuleError, load_rules

    try:
        return load_rules()
    except RuleError as exc:
        raise click.ClickException(f"invalid rule file: {exc}") from None


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Explain one rule (by code or name): what it checks, why, its source,
    examples, suggested wording."""
    rules = _load_rules()
    found = [r for r in rules if rule in (r.code, r.name) or rule.upper() == r.code]
    if not found:
        raise click.ClickException(f"no rule {rule!r}; `policylint rules` lists them")
    r = found[0]
    click.echo(f"{r.code} {r.name}  ({r.severity}; {r.kind} rule)")
    click.echo(f"Model element: {r.element}")
    click.echo(f"Applies to: {', '.join(r.applies_to)}")
    click.echo("")
    click.echo(f"Why: {r.rationale}")
    click.echo(f"Source: {r.source}")
    click.echo("")
    click.echo("Fires on:")
    for e in r.examples.fires[:3]:
        click.echo(f"  - {_example_text(e.text)}")
    click.echo("Does not fire on:")
    for e in r.examples.passes[:3]:
        click.echo(f"  - {_example_text(e.text)}")
    # The rule's own suggestions, else those its phrase groups give.
    sugg = list(r.suggest) or list(r.compiled.group_suggestions())
    if sugg:
        click.echo("")
        click.echo("Suggested wording:")
        for s in sugg[:3]:
            click.echo(f"  - {s}")


def _example_text(text: str) -> str:
    """An example on one line."""
    return " ".join(text.split())


INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code. Ctrl-C gives 130 once the
    exception has unwound (temporary files removed, worker pools shut), so
    a script can tell an interrupted run from a failed one."""
    try:
        cli.main(args=argv, prog_name="policylint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C inside a command into Abort (and prints a newline).
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            return INTERRUPTED
        click.echo("Aborted.", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        return INTERRUPTED
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # internal error: a clear message, exit 2
        click.echo(f"policylint: internal error: {type(exc).__name__}: {exc}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
