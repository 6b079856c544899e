"""`loyalty-rules explain`: why one customer got (or did not get) an action."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UsageError
from .common import _parameters, engine_options, guarded


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--customer", "customer_id", required=True, metavar="ID",
              help="The customer to explain (its id in PATH).")
@click.option("--as-of", "as_of", required=True, metavar="YYYY-MM-DD",
              help="The date to evaluate as of.")
@click.option("--action", metavar="ACTION",
              help="Only the rules that recommend this action (default: every rule).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@engine_options()
@click.option("--population", "population_file", metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Judge the customer within this saved population (as `evaluate "
                   "--population FILE` did).")
@guarded
def explain(path: Path, customer_id: str, as_of: str, action: str | None, fmt: str,
            plugins: tuple[str, ...], rulesets: tuple[Path, ...],
            params: tuple[str, ...], population_file: Path | None) -> None:
    """Each rule that could have produced ACTION (or every rule): fired or not, the first
    condition that failed with the values it read, or what displaced its recommendation.

    The customer is judged alone (no population pass), as `Engine.explain` does, unless
    --population names a saved population.
    """
    from ..engine.engine import Engine
    from ..io.reading import Rejected, read_customers
    from ..population import Population

    population = Population.load(population_file) if population_file is not None else None
    engine = Engine(plugins=plugins, rulesets=rulesets, parameters=_parameters(params),
                    population=population)
    for item in read_customers(path):
        if isinstance(item, Rejected):
            if item.customer_id == customer_id:
                raise UsageError(f"customer {customer_id!r} is rejected: "
                                 + "; ".join(str(p) for p in item.problems))
            continue
        if item.id == customer_id:
            explanation = engine.explain(item, as_of, action)
            break
    else:
        raise UsageError(f"{path}: no customer {customer_id!r}")
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=1,
                              default=str))
        return
    for line in explanation.lines():
        click.echo(line)
