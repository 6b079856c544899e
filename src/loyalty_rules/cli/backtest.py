"""`loyalty-rules backtest`: decisions as of a cutoff, scored against the horizon after it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .common import EXIT_REJECTED, _parameters, engine_options, guarded
from .populating import split_parameters


@click.command()
@click.argument("history", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--cutoff", required=True, metavar="YYYY-MM-DD",
              help="Evaluate as of this date, with only the events on or before it.")
@click.option("--horizon", required=True, type=click.IntRange(min=1), metavar="DAYS",
              help="Score against what each customer did in the DAYS after the cutoff.")
@engine_options("population.key_share=0.1")
@click.option("--population", "population_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Also save the population fitted at the cutoff here.")
@click.option("--no-population", is_flag=True,
              help="Judge every customer alone (no population: no p_active, key_account or "
                   "pyramid; dormant by CRM-02's interval rule), to compare.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the JSON to a file instead of standard output.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Processes to evaluate with; default: the machine's cores.")
@guarded
def backtest(history: tuple[Path, ...], cutoff: str, horizon: int, plugins: tuple[str, ...],
             rulesets: tuple[Path, ...], params: tuple[str, ...],
             population_file: Path | None, no_population: bool, output: Path | None,
             workers: int | None) -> None:
    """Backtest the rules on a HISTORY (docs/backtest.md): evaluate every customer as of
    --cutoff knowing only the events up to it, then score the decisions against the
    purchases of the --horizon days after it (JSON)."""
    from ..backtest import backtest as run
    from ..engine.engine import Engine, as_date
    from ..io.progress import Progress
    from ..io.reading import Rejected, read_customers

    day = as_date(cutoff)
    engine_params, population_params = split_parameters(_parameters(params))
    if no_population and (population_file or population_params):
        raise UsageError("--no-population excludes --population and population.* parameters")
    rejected = 0

    def engine_for(population: Any) -> Engine:
        if population_file is not None and population is not None:
            population.save(population_file)
        return Engine(plugins=plugins, rulesets=rulesets, parameters=engine_params,
                      population=population)

    first = Progress(history, label="population")
    second = Progress(history, label="backtest")
    open_bar: list[Progress] = [first.__enter__()]  # the pass under way

    def engine_factory(population: Any) -> Engine:
        open_bar.pop().__exit__(None, None, None)
        open_bar.append(second.__enter__())
        return engine_for(population)

    def record(result: Any) -> None:
        nonlocal rejected
        second.advance()
        if isinstance(result, Rejected):
            rejected += 1
            for problem in result.problems:
                second.echo(str(problem))

    try:
        report = run(lambda: read_customers(*history), day, horizon,
                     engine_factory=engine_factory, population_parameters=population_params,
                     history=" ".join(str(p) for p in history),
                     workers=workers or os.cpu_count() or 1, with_population=not no_population,
                     on_record=record, on_population_record=lambda _: first.advance())
    finally:
        for bar in open_bar:
            bar.__exit__(None, None, None)
    text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if rejected:
        click.echo(f"{report['customers']['read']} read, {rejected} rejected", err=True)
        sys.exit(EXIT_REJECTED)
