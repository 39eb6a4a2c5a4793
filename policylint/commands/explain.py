"""``policylint explain RULE``: what a rule checks, why, its source, examples and fix."""

from __future__ import annotations

import click

from policylint.commands.rules import load


@click.command("explain")
@click.argument("rule")
def command(rule: str) -> None:
    """Explain one rule (by code or name): what it checks, why, its source,
    examples, suggested wording."""
    rules = load()
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
