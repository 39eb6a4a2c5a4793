"""What every command that checks documents shares: the configuration and
rule-selection options, declared once, and the run's ``Options`` made from
them."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from policylint.kinds import KINDS

if TYPE_CHECKING:  # importing run at load time would slow --help
    from policylint.run import Options

F = TypeVar("F", bound=Callable[..., Any])


def split(values: tuple[str, ...]) -> set[str]:
    """``--select a,b --select c`` -> {a, b, c}."""
    return {v.strip() for item in values for v in item.split(",") if v.strip()}


def checking(command: F) -> F:
    """The options of a command that checks documents: ``--kind``,
    ``--select``, ``--ignore``, ``--config`` and ``--model``."""
    for option in reversed((
        click.option("--kind", type=click.Choice(KINDS), help="Treat every document as this kind."),
        click.option("--select", multiple=True,
                     help="Only these rules (codes, code prefixes or names; comma-separated)."),
        click.option("--ignore", multiple=True, help="Skip these rules (codes, code prefixes or names)."),
        click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Configuration file (default: nearest policylint.toml, .policylint.toml or "
                          "pyproject.toml)."),
        click.option("--model", help="An installed spaCy pipeline to use instead of the built-in blank English one."),
    )):
        command = option(command)
    return command


def run_options(paths: list[Path], kind: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                config_path: Path | None, model: str | None, **fields: Any) -> Options:
    """The run's options: the configuration found for ``paths`` (or
    ``--config``) with the command line's choices applied. The command line
    also decides, for its own process, that what the language pipeline
    builds is frozen out of later garbage collections."""
    from policylint.config import ConfigError, resolve
    from policylint.run import Options

    try:
        config = resolve(paths, config_path)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if model:
        config.model = model
    return Options(config=config, kind=kind, select=split(select) or None, ignore=split(ignore),
                   after_build=gc.freeze, **fields)


def rule_error(exc: Exception) -> click.ClickException:
    """A rule file that does not load, as the command line reports it (exit 2)."""
    return click.ClickException(f"invalid rule: {exc}")
