"""What `evaluate` and `backtest` share about the population: `population.*` parameters, the
first pass over the input (with a progress bar), and `--population FILE` (reuse or save)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError

PREFIX = "population."


def split_parameters(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`--param` values → (the engine's, the population's without their prefix)."""
    engine = {k: v for k, v in values.items() if not k.startswith(PREFIX)}
    population = {k[len(PREFIX):]: v for k, v in values.items() if k.startswith(PREFIX)}
    return engine, population


def build_population(paths: tuple[Path, ...], as_of: dt.date, parameters: dict[str, Any],
                     saved: Path | None, workers: int = 1, zone: Any = None,
                     dask_client: Any = None) -> Any:
    """The population for `paths` as of `as_of`: read from `saved` when that file exists,
    else computed in a first pass over the input (by `workers` processes, or by the workers
    of `dask_client`'s cluster; written to `saved` when given). `zone`: the business's time
    zone (default UTC)."""
    from ..io.progress import Progress
    from ..io.reading import read_customers
    from ..population import Population

    zone = zone or dt.timezone.utc

    if saved is not None and saved.exists():
        if parameters:
            raise UsageError(f"--population {saved}: the file exists and is reused as is; "
                             "population.* parameters apply when it is computed (remove the "
                             "file to compute it again)")
        population = Population.load(saved)
        if population.as_of != as_of:
            click.echo(f"note: {saved} was computed as of {population.as_of.isoformat()}, "
                       f"evaluating as of {as_of.isoformat()}", err=True)
        return population
    if any(str(p) == "-" for p in paths):
        raise UsageError("standard input can be read only once: give --population FILE "
                         "(an existing population) or --no-population")
    with Progress(paths, label="population") as progress:
        def counted(_: Any) -> None:
            progress.advance()
        if dask_client is not None:
            from ..dask import population_on_dask
            from ..engine.parallel import read_records

            population = population_on_dask(read_records(*paths, zone=zone), as_of,
                                             parameters, client=dask_client, zone=zone,
                                             on_record=lambda: counted(None))
        elif workers > 1:
            from ..engine.parallel import read_records
            from ..engine.populating import population_parallel

            population = population_parallel(read_records(*paths, zone=zone), as_of,
                                             parameters, workers, zone=zone,
                                             on_record=lambda: counted(None))
        else:
            population = Population.from_customers(read_customers(*paths, zone=zone), as_of,
                                                   parameters, on_customer=counted)
    if saved is not None:
        population.save(saved)
    return population
