"""`loyalty-rules validate`, `guidance` and `plugins`: what rulesets and plugins hold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import guarded


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Also allow this plugin's actions and facts (default: all installed).")
@guarded
def validate(paths: tuple[Path, ...], plugins: tuple[str, ...]) -> None:
    """Check ruleset files (and folders of them); report every error found."""
    from ..engine.checking import validate_paths

    rulesets = validate_paths(paths, plugins or None)
    rules = sum(len(rs.rules) for rs in rulesets)
    click.echo(f"ok: {len(rulesets)} ruleset(s), {rules} rule(s)")


@click.command()
@click.option("--coverage", is_flag=True, help="Show the rules implementing each guideline.")
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Count an installed pack's rules too (repeatable).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Count a custom ruleset's rules and its own guidance IDs (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@guarded
def guidance(coverage: bool, plugins: tuple[str, ...], rulesets: tuple[Path, ...],
             fmt: str) -> None:
    """List the guidelines of the course, and which rules implement each."""
    from ..engine.checking import guidance_coverage

    rows = guidance_coverage(plugins, rulesets)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    covered = 0
    for row in rows:
        rules = row["rules"]
        covered += bool(rules)
        click.echo(f"{row['id']:<13} {row['text'][:90]}")
        if coverage:
            click.echo(f"{'':13} ↳ {', '.join(rules) if rules else '(no rule)'}")
    if coverage:
        click.echo(f"{covered} of {len(rows)} guidelines implemented by at least one rule")


@click.command(name="plugins")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Also list what a custom ruleset declares (repeatable).")
@guarded
def list_plugins(rulesets: tuple[Path, ...]) -> None:
    """List the plugins found, with what each adds (and what --ruleset files declare)."""
    from ..engine.checking import plugin_inventory, ruleset_inventory

    found = plugin_inventory()
    if rulesets:
        found.update(ruleset_inventory(rulesets))
    for name, info in found.items():
        click.echo(f"{name}  ({info['source']})")
        for kind, names in info["adds"].items():
            click.echo(f"    {kind}: {', '.join(names)}")
