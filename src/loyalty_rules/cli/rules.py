"""`loyalty-rules rules` and `computations`: the effective rule set, and what `compute` offers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import guarded, plugin_option, ruleset_option


@click.command()
@plugin_option()
@ruleset_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@guarded
def rules(plugins: tuple[str, ...], rulesets: tuple[Path, ...], fmt: str) -> None:
    """Every active rule with its source and what overrides it; disabled rules last."""
    from ..engine.engine import Engine
    from ..engine.layering import effective_rules

    engine = Engine(plugins=plugins, rulesets=rulesets)
    rows = effective_rules(engine)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    for row in rows:
        what = row["action"] or f"derive {row['derives']}"
        priority = f" p{row['priority']}" if row["priority"] is not None else ""
        state = "" if row["active"] else "  [disabled]"
        click.echo(f"{row['rule']}  {what}{priority}  ({row['source']}){state}")
        for note in row["overridden"]:
            click.echo(f"    ↳ {note}")
    defaults = {key: notes for key, notes in engine.setup.layering.notes.items()
                if "/" not in key}
    if defaults:
        click.echo("parameters:")
        for key, notes in defaults.items():
            click.echo(f"  {key}: {'; '.join(notes)}")


@click.command()
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Include an installed pack's computations (repeatable).")
@guarded
def computations(plugins: tuple[str, ...]) -> None:
    """Every `{compute: NAME, ...}` rules may use, with its arguments."""
    from ..plugins.manager import get_plugin_manager
    from ..plugins.registry import collect

    registry = collect(get_plugin_manager(), ["core", *plugins])
    for name in sorted(registry.computations):
        spec = registry.computations[name]
        owner = registry.owner.get(("computation", name), "?")
        click.echo(f"{name}  ({owner}): {spec.description}")
        for arg in spec.required + spec.optional:
            need = "required" if arg in spec.required else "optional"
            click.echo(f"    {arg} ({need}): {spec.arguments.get(arg, '')}".rstrip(": "))
