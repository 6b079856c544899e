"""`loyalty-rules evaluate`: customers in, decisions out.

A run either completes, or leaves no result that looks complete: the output file is written
under another name and renamed when the run succeeds (`OutputFile`); an interrupted run
exits 130 (143 for SIGTERM), a run that fails midway exits 3, and neither touches a previous
output. JSON Lines output keeps what an interrupted run wrote, for `--resume`.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..errors import Interrupted, LoyaltyRulesError, UsageError, one_line
from ..io.output import FORMATS, OutputFile, Writer
from .common import (
    EXIT_FAILED,
    EXIT_REJECTED,
    EXIT_USAGE,
    _parameters,
    engine_options,
    guarded,
    interrupted,
)
from .populating import build_population, split_parameters

#: without --workers, an input is evaluated in one process when it is small: JSON Lines of
#: at most `parallel.HEAD_TEXT` characters, or at most this many customers read from CSV or
#: JSON files; starting workers (0.6–0.9 s here) costs more than they save below it
#: (docs/benchmarks.md)
SMALL_INPUT = 4000


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", "as_of", required=True, metavar="YYYY-MM-DD",
              help="The date to evaluate as of (never the clock: results are reproducible).")
@engine_options("profile.dormancy_factor=3")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format; default: table on a terminal, json otherwise.")
@click.option("--locale", type=click.Choice(["en", "zh"]),
              help="Language of the scripts; default: each customer's locale.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to a file instead of standard output (only once the run completes).")
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
@click.option("--resume", is_flag=True,
              help="Continue an interrupted JSON Lines run (needs --output and --format "
                   "jsonl) after its last complete decision.")
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
             scheduler: str | None, resume: bool) -> None:
    """Evaluate customers (JSON Lines, JSON, or a folder with customers.csv + events.csv;
    `-` reads JSON Lines from standard input).

    By default the whole input is read twice: first to compute the population (value ranks,
    the pyramid, key accounts, the activity model behind p_active), then to evaluate.
    """
    from ..engine.cores import cpu_ticks, spread_pays
    from ..engine.engine import Engine, as_date
    from ..engine.parallel import evaluate_parallel, read_records
    from ..io.progress import Progress
    from ..io.reading import read_customers

    started = cpu_ticks()  # the machine's idle time from here on: see engine/cores.py
    day = as_date(as_of)
    experiment = _experiment(holdout, salt, experiment_file)
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "json"
    if resume and (output is None or fmt != "jsonl"):
        raise UsageError("--resume continues a JSON Lines output file: give --output FILE "
                         "and --format jsonl")
    for path in paths:
        if str(path) != "-" and not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if scheduler is not None and executor != "dask":
        raise UsageError("--scheduler ADDRESS goes with --executor dask")
    if executor == "dask" and experiment is not None:
        raise UsageError("--executor dask does not run experiments yet: evaluate them with "
                         "--workers")
    if resume and executor == "dask":
        raise UsageError("--resume runs on this machine's processes: leave out --executor dask")
    engine_params, population_params = split_parameters(_parameters(params))
    if no_population and (population_file or population_params):
        raise UsageError("--no-population excludes --population and population.* parameters")
    zone = _zone(engine_params)
    population = None
    # by default, processes only for an input large enough to pay back their start, and
    # only when the machine has a core idle for them (engine/cores.py)
    small = None if workers else SMALL_INPUT
    spread = None if workers else functools.partial(spread_pays, started, os.cpu_count() or 1)
    workers = workers or os.cpu_count() or 1
    client = None
    if executor == "dask":  # one cluster for both passes, closed when the command ends
        from ..dask import _client, _close

        client = _client(scheduler, workers)
        click.get_current_context().call_on_close(lambda: _close(client))
    if not no_population:
        population = build_population(paths, day, population_params, population_file, workers,
                                      zone, dask_client=client)
    engine = Engine(plugins=plugins, rulesets=rulesets, parameters=engine_params,
                    locale=locale, population=population)
    _warn_if_bare(engine)
    target = OutputFile(output, fmt, resume) if output else None
    stream = target.stream if target else sys.stdout
    counts = {"read": 0, "rejected": 0}
    try:
        with interrupted():
            records: Any = None
            if target is not None and target.last_id is not None:
                records = _skip_done(read_customers(*paths, zone=engine.zone), target.last_id,
                                     counts)
            if executor == "dask":  # its workers parse the JSON Lines and write the JSON
                from ..dask import evaluate_on_dask

                results = evaluate_on_dask(engine, read_records(*paths, zone=engine.zone), day,
                                           None, client=client,
                                           encode=fmt in ("json", "jsonl"))
            elif experiment is not None:
                from ..experiments.running import arm_engines, evaluate_experiment

                def arm_engine(arm: Any) -> Engine:
                    arm_params, arm_population = split_parameters(dict(arm.parameters))
                    own = population
                    if arm_population:  # the arm's own population: one more pass
                        if no_population:
                            raise UsageError(f"arm {arm.name!r} sets population.* "
                                             "parameters, which --no-population excludes")
                        own = build_population(paths, day,
                                               {**population_params, **arm_population},
                                               None, workers, zone)
                    return Engine(plugins=(*plugins, *arm.plugins),
                                  rulesets=(*rulesets, *arm.rulesets),
                                  parameters={**engine_params, **arm_params}, locale=locale,
                                  population=own)

                engines = arm_engines(experiment, engine, arm_engine)
                if records is None:
                    records = (read_customers(*paths, zone=engine.zone) if workers == 1
                               else read_records(*paths, zone=engine.zone))
                results = evaluate_experiment(experiment, engines, records, day,
                                              workers=workers)
            elif records is not None:
                results = (engine.evaluate_many(records, day) if workers == 1 else
                           evaluate_parallel(engine, records, day, None, workers, encode=True))
            elif workers == 1:
                results = engine.evaluate_many(read_customers(*paths, zone=engine.zone), day)
            else:  # workers parse the JSON Lines, and write the JSON when that is the output
                results = evaluate_parallel(engine, read_records(*paths, zone=engine.zone), day,
                                            None, workers, encode=fmt in ("json", "jsonl"),
                                            in_process_up_to=small, spread=spread)
            with Writer(stream, fmt) as writer, Progress(paths) as progress:
                _write(results, writer, progress, counts)
            if target is not None:
                target.commit()
            else:
                sys.stdout.flush()
    except Interrupted as stop:
        _stopped(target, counts, f"interrupted ({stop.args[0] if stop.args else 'SIGINT'})")
        _end(stop.args[1] if len(stop.args) > 1 else 130, workers)
    except BrokenPipeError:
        if target is not None:
            target.abandon()
        raise
    except UsageError as err:  # found while reading (an unreadable .json file): nothing written
        _stopped(target, counts, f"error: {err}")
        sys.exit(EXIT_USAGE)
    except (LoyaltyRulesError, OSError, Exception) as err:  # noqa: BLE001 - failed midway
        if os.environ.get("LOYALTY_RULES_DEBUG"):
            raise
        _stopped(target, counts, f"error: {type(err).__name__}: {one_line(err)}"
                 if not isinstance(err, LoyaltyRulesError) else f"error: {one_line(err)}")
        _end(EXIT_FAILED, workers)
    read, rejected = counts["read"], counts["rejected"]
    if rejected:
        click.echo(f"{read} read, {read - rejected} evaluated, {rejected} rejected", err=True)
        sys.exit(EXIT_REJECTED)


def _zone(parameters: dict[str, Any]) -> Any:
    """The business's time zone from the command's parameters (for the population pass)."""
    from ..facts.parameters import business_zone

    try:
        return business_zone(str(parameters.get("profile.timezone", "UTC")))
    except ValueError as exc:
        raise UsageError(f"parameter 'profile.timezone': {exc}") from None


def _warn_if_bare(engine: Any) -> None:
    """Say so when the core's rulesets are off (blocked), or no rule at all is active: an
    empty result must not pass for "nothing to do"."""
    if "core" not in engine.plugins:
        click.echo("warning: the core plugin is blocked (LOYALTY_RULES_BLOCK_PLUGINS): its "
                   "rulesets are not active", err=True)
    if not engine.program.rules:
        click.echo("warning: no rules are active: no decision will recommend anything",
                   err=True)


def _write(results: Any, writer: Writer, progress: Any, counts: dict[str, int]) -> None:
    from ..io.reading import Rejected

    for result in results:
        counts["read"] += 1
        progress.advance()
        if isinstance(result, Rejected):
            counts["rejected"] += 1
            for problem in result.problems:
                progress.echo(str(problem))
        else:
            writer.write(result)


def _skip_done(records: Iterator[Any], last_id: str, counts: dict[str, int]) -> Iterator[Any]:
    """The records after the one whose decision was the last written; the rejections before
    it are reported again (so the exit status is the uninterrupted run's)."""
    from ..facts.models import Customer
    from ..io.reading import Rejected

    records = iter(records)
    for record in records:
        counts["read"] += 1
        if isinstance(record, Rejected):
            counts["rejected"] += 1
            for problem in record.problems:
                click.echo(str(problem), err=True)
        elif isinstance(record, Customer) and record.id == last_id:
            yield from records
            return
    raise UsageError(f"--resume: customer {last_id!r}, the last one in the partial output, "
                     "is not in the input: is it the same input?")


def _end(status: int, workers: int) -> None:
    """Exit with `status`; with workers, at once: the interpreter's normal exit would wait for
    the pool's queue threads, which a stopped pool may never release (its workers are gone)."""
    if workers > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def _stopped(target: OutputFile | None, counts: dict[str, int], why: str) -> None:
    done = target.abandon() if target is not None else "the output is incomplete"
    click.echo(f"{why}; stopped after {counts['read']} record(s): {done}", err=True)


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


__all__ = ["evaluate", "interrupted"]
