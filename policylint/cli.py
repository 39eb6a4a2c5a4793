"""Command line: ``main(argv) -> int`` and the group of commands, one module
each under ``policylint.commands``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage,
configuration or internal error (an output that would replace an input is a
usage error); 130 interrupted (Ctrl-C). Heavy imports (spaCy, readers, rules)
happen inside the commands that need them.
"""

from __future__ import annotations

import sys

import click

from policylint import __version__


class _Commands(click.Group):
    """Each command lives in its own module under ``policylint.commands`` and
    is imported only when used (or listed by --help), so ``check`` does not
    pay for the others."""

    LAZY = {name: f"policylint.commands.{name}"
            for name in ("annotate", "check", "explain", "new", "report", "rules", "serve")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.LAZY)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.LAZY:
            return None
        import importlib

        command: click.Command = importlib.import_module(self.LAZY[name]).command
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policylint")
def cli() -> None:
    """Lint workforce policy documents against a model of best practice for
    employing peer (Lived Experience) workers."""


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
