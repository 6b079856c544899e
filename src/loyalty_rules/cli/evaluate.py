"""`loyalty-rules evaluate`: customers in, decisions out."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..io.output import FORMATS, Writer
from .common import EXIT_REJECTED, _parameters, guarded
from .populating import build_population, split_parameters


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", required=True, metavar="YYYY-MM-DD",
              help="The date to evaluate as of (never the clock: results are reproducible).")
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Activate an installed industry pack (repeatable).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Add a custom ruleset file or folder (repeatable).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a parameter, e.g. profile.dormancy_factor=3 (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format; default: table on a terminal, json otherwise.")
@click.option("--locale", type=click.Choice(["en", "zh"]),
              help="Language of the scripts; default: each customer's locale.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to a file instead of standard output.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Processes to evaluate with; default: the machine's cores.")
@click.option("--population", "population_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Reuse this population file if it exists, else compute the "
              "population and save it there (docs/population.md).")
@click.option("--no-population", is_flag=True,
              help="Judge every customer alone: no first pass, no key_account, pyramid, "
                   "value_percentile or p_active; dormant by CRM-02's interval rule.")
@click.option("--holdout", type=click.FloatRange(0, 1, max_open=True), metavar="SHARE",
              help="Withhold the recommendations of this share of customers (needs --salt).")
@click.option("--salt", metavar="TEXT",
              help="Salt of the holdout's hash: the same salt, the same customers held out.")
@click.option("--experiment", "experiment_file", metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="An experiment file: salt, holdout, arms A/B with their own rulesets or "
                   "parameters.")
@click.option("--executor", type=click.Choice(["processes", "dask"]), default="processes",
              show_default=True,
              help="Who evaluates: this machine's processes, or a Dask cluster (the dask "
                   "extra; a local one of --workers processes unless --scheduler is given).")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --executor dask: the scheduler to use, e.g. tcp://10.0.0.5:8786.")
@guarded
def evaluate(paths: tuple[Path, ...], as_of: str, plugins: tuple[str, ...],
             rulesets: tuple[Path, ...], params: tuple[str, ...], fmt: str | None,
             locale: str | None, output: Path | None, workers: int | None,
             holdout: float | None, salt: str | None, experiment_file: Path | None,
             population_file: Path | None, no_population: bool, executor: str,
             scheduler: str | None) -> None:
    """Evaluate customers (JSON Lines, JSON, or a folder with customers.csv + events.csv).

    By default the whole input is read twice: first to compute the population (value ranks,
    the pyramid, key accounts, the activity model behind p_active), then to evaluate.
    """
    from ..engine.engine import Engine, as_date
    from ..engine.parallel import evaluate_parallel, read_records
    from ..io.progress import Progress
    from ..io.reading import Rejected, read_customers

    day = as_date(as_of)
    experiment = _experiment(holdout, salt, experiment_file)
    if scheduler is not None and executor != "dask":
        raise UsageError("--scheduler ADDRESS goes with --executor dask")
    if executor == "dask" and experiment is not None:
        raise UsageError("--executor dask does not run experiments yet: evaluate them with "
                         "--workers")
    engine_params, population_params = split_parameters(_parameters(params))
    if no_population and (population_file or population_params):
        raise UsageError("--no-population excludes --population and population.* parameters")
    population = None
    workers = workers or os.cpu_count() or 1
    if not no_population:
        population = build_population(paths, day, population_params, population_file, workers)
    engine = Engine(plugins=plugins, rulesets=rulesets, parameters=engine_params,
                    locale=locale, population=population)
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "json"
    read = rejected = 0
    workers = workers or os.cpu_count() or 1
    if executor == "dask":  # its workers parse the JSON Lines and write the JSON
        from ..dask import evaluate_on_dask

        results = evaluate_on_dask(engine, read_records(*paths), day, None,
                                   scheduler=scheduler, workers=workers,
                                   encode=fmt in ("json", "jsonl"))
    elif experiment is not None:
        from ..experiments.running import arm_engines, evaluate_experiment

        engines = arm_engines(experiment, engine, lambda arm: Engine(
            plugins=(*plugins, *arm.plugins), rulesets=(*rulesets, *arm.rulesets),
            parameters={**engine_params, **arm.parameters}, locale=locale,
            population=population))
        results = evaluate_experiment(
            experiment, engines, read_customers(*paths) if workers == 1
            else read_records(*paths), day, workers=workers)
    elif workers == 1:
        results = engine.evaluate_many(read_customers(*paths), day)
    else:  # workers parse the JSON Lines, and write the JSON when that is the output
        results = evaluate_parallel(engine, read_records(*paths), day, None, workers,
                                    encode=fmt in ("json", "jsonl"))
    try:
        with Writer(stream, fmt) as writer, Progress(paths) as progress:
            for result in results:
                read += 1
                progress.advance()
                if isinstance(result, Rejected):
                    rejected += 1
                    for problem in result.problems:
                        progress.echo(str(problem))
                else:
                    writer.write(result)
    finally:
        if output:
            stream.close()
    if rejected:
        click.echo(f"{read} read, {read - rejected} evaluated, {rejected} rejected", err=True)
        sys.exit(EXIT_REJECTED)


def _experiment(holdout: float | None, salt: str | None, path: Path | None) -> Any:
    """The experiment the options ask for, or None."""
    if path is not None:
        if holdout is not None or salt is not None:
            raise UsageError("--experiment FILE holds the holdout and salt: "
                                   "give it without --holdout and --salt")
        from ..experiments.definition import load_experiment

        return load_experiment(path)
    if holdout is None:
        if salt is not None:
            raise UsageError("--salt goes with --holdout SHARE")
        return None
    if not salt:
        raise UsageError("--holdout needs --salt TEXT: name the experiment, so the same "
                               "customers are held out on every run")
    from ..experiments.definition import Experiment

    return Experiment.holdout_only(holdout, salt)
