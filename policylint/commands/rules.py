"""``policylint rules``: every rule with its code, name, severity, element and kinds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from policylint.engine.rules import Rule


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List every rule: code, name, severity, document kinds, model element."""
    import json

    rules = load()
    if fmt == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "kind": r.kind, "severity": r.severity,
             "applies_to": list(r.applies_to), "element": r.element, "source": r.source}
            for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {r.element:<34}  {', '.join(r.applies_to)}")


def load() -> list[Rule]:
    from policylint.engine.rules import RuleError, load_rules

    try:
        return load_rules()
    except RuleError as exc:
        raise click.ClickException(f"invalid rule file: {exc}") from None  # exit 2
