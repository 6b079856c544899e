"""`loyalty-rules ingest | run | diff | serve`: the store, its daily runs and the HTTP service.

Every command takes ``--store URL`` (``sqlite:///crm.db`` or ``postgresql://…``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import (
    EXIT_INTERRUPTED,
    EXIT_REJECTED,
    _parameters,
    engine_options,
    guarded,
)

STORE = click.option("--store", "url", required=True, metavar="URL",
                     help="The store: sqlite:///crm.db or postgresql://USER@HOST/DB.")


NO_POPULATION = click.option(
    "--no-population", "no_population", is_flag=True,
    help="Judge each customer alone, not within the stored base (value ranks, key accounts, "
         "p_active), as `evaluate --no-population`.")


def _open(url: str, plugins=(), rulesets=(), params=(), no_population: bool = False):
    from ..store import Store
    return Store(url, plugins=plugins, rulesets=rulesets, parameters=_parameters(params),
                 population=not no_population)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@STORE
@guarded
def ingest(paths: tuple[Path, ...], url: str) -> None:
    """Store customers and their events (JSON Lines, JSON, or a CSV pair), idempotently."""
    with _open(url) as store:
        report = store.ingest(*paths)
    for rejected in report.rejected:
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
    for line in report.conflicts:
        click.echo(f"quarantined: {line}", err=True)
    c, e = report.customers, report.events
    click.echo(f"customers: {c['added']} added, {c['updated']} updated, {c['unchanged']} "
               f"unchanged; events: {e['added']} added, {e['duplicate']} already stored, "
               f"{e['conflict']} quarantined; {len(report.rejected)} records rejected")
    if report.rejected or report.conflicts:
        sys.exit(EXIT_REJECTED)


@click.command()
@STORE
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="The date to evaluate the base as of.")
@click.option("--replay", "replay_run", type=int, metavar="RUN",
              help="Re-evaluate a recorded run and compare with what it recorded.")
@click.option("--batch-size", "batch", type=click.IntRange(min=1), default=200,
              show_default=True, help="Customers per committed batch.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@NO_POPULATION
@engine_options()
@guarded
def run(url: str, as_of: str | None, replay_run: int | None, batch: int, as_json: bool,
        no_population: bool, plugins: tuple[str, ...], rulesets: tuple[Path, ...],
        params: tuple[str, ...]) -> None:
    """Evaluate every stored customer as of a date and record the run, diffed against the
    previous one. A run stopped midway is finished by running the same command again.
    Each customer is judged within the stored base (the population of the history the run
    reads), as `evaluate` does, unless --no-population."""
    from ..engine.engine import as_date
    from ..runs import diff_runs, replay, run_day

    if (as_of is None) == (replay_run is None):
        raise click.UsageError("give --as-of DATE (a new run) or --replay RUN")
    with _open(url, plugins, rulesets, params, no_population) as store:
        if replay_run is not None:
            result = replay(store, replay_run)
            click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else
                       f"run {replay_run} ({result['run']['as_of']}): {result['identical']} "
                       f"of {result['customers']} decisions identical")
            if result["differing"]:
                click.echo(f"differing: {', '.join(result['differing'])}", err=True)
                sys.exit(EXIT_REJECTED)
            return
        try:
            summary = run_day(store, as_date(as_of), batch=batch)
        except KeyboardInterrupt:
            click.echo("interrupted: run the same command again to finish the run", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        counts = summary["counts"]
        recs = ", ".join(f"{n} {k}" for k, n in counts["recommendations"].items()) or "none"
        click.echo(f"run {summary['id']} ({summary['as_of']}): {counts['customers']} "
                   f"customers, recommendations: {recs}; {counts['rejected']} rejected, "
                   f"{counts['expired']} expired")
        if summary["previous"] is not None:
            diff = diff_runs(store, summary["id"])
            c = diff["counts"]
            click.echo(f"since run {summary['previous']}: {c['new']} new, {c['gone']} gone, "
                       f"{c['changed']} changed (loyalty-rules diff --store URL)")


@click.command()
@STORE
@click.argument("runs", nargs=-1, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@guarded
def diff(url: str, runs: tuple[int, ...], as_json: bool) -> None:
    """What changed between two runs (default: the latest and the one before; one RUN:
    that run and its previous one), each change with its cause."""
    from ..runs import diff_runs, render_diff

    if len(runs) > 2:
        raise click.UsageError("give at most two runs")
    with _open(url) as store:
        result = diff_runs(store, *runs)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json
               else render_diff(result))


@click.command()
@STORE
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@NO_POPULATION
@engine_options()
@guarded
def serve(url: str, host: str, port: int, no_population: bool, plugins: tuple[str, ...],
          rulesets: tuple[Path, ...], params: tuple[str, ...]) -> None:
    """Serve the store over HTTP (/v1, OpenAPI at /openapi.json). Writes need the bearer
    token in LOYALTY_RULES_TOKEN or in the file named by LOYALTY_RULES_TOKEN_FILE."""
    from ..service import serve as run_server
    run_server(_open(url, plugins, rulesets, params, no_population), host=host, port=port)


STORE_COMMANDS = (ingest, run, diff, serve)
