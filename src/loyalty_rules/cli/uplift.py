"""`loyalty-rules uplift`: each action's effect versus the holdout, with confidence intervals."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from ..errors import UsageError
from .common import EXIT_REJECTED, guarded


@click.command()
@click.argument("decisions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--outcomes", "outcomes", multiple=True, required=True,
              type=click.Path(path_type=Path), metavar="PATH",
              help="The customers' later history (contract customers: .jsonl, .json or a "
                   "CSV folder); repeatable.")
@click.option("--horizon", "horizon", type=click.IntRange(min=1), required=True, metavar="DAYS",
              help="Count outcome events up to this many days after each decision.")
@click.option("--outcome", "outcome_types", multiple=True, default=("purchase", "visit"),
              show_default=True, type=click.Choice(["purchase", "visit"]),
              help="Event types that count as the customer coming back (repeatable).")
@click.option("--confidence", type=click.FloatRange(0.5, 1, max_open=True), default=0.95,
              show_default=True, help="Confidence level of the intervals.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]),
              help="Default: table on a terminal, json otherwise.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to a file instead of standard output.")
@guarded
def uplift(decisions: tuple[Path, ...], outcomes: tuple[Path, ...], horizon: int,
           outcome_types: tuple[str, ...], confidence: float, fmt: str | None,
           output: Path | None) -> None:
    """Each action's uplift versus the holdout, from an experiment's decisions and what the
    customers did next (a purchase or a visit within the horizon)."""
    from ..experiments.uplift import measure, observe, read_assignments
    from ..io.decision_files import read_decisions
    from ..io.reading import read_customers

    assignments = read_assignments(read_decisions(*decisions))
    if not assignments.customers:
        raise UsageError("no decision carries an experiment arm: evaluate with "
                               "--holdout SHARE --salt TEXT (or --experiment FILE) first")
    matched, rejected = observe(assignments, read_customers(*outcomes), horizon, outcome_types)
    result = measure(assignments, horizon_days=horizon, outcome_types=outcome_types,
                     confidence=confidence, matched=matched)
    problems = [*assignments.rejected, *rejected]
    for bad in problems:
        click.echo(str(bad), err=True)
    if fmt is None:
        fmt = "table" if output is None and sys.stdout.isatty() else "json"
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            stream.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        else:
            write_table(stream, result)
    finally:
        if output:
            stream.close()
    if problems:
        click.echo(f"{len(problems)} record(s) rejected", err=True)
        sys.exit(EXIT_REJECTED)


def _interval(found: dict[str, float] | None, percent: bool) -> str:
    if not found:
        return "no control"
    scale, unit = (100, " pp") if percent else (1, "")
    return (f"{scale * found['estimate']:+.1f}{unit} "
            f"[{scale * found['low']:+.1f}, {scale * found['high']:+.1f}]")


def write_table(stream: IO[str], result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=160 if not stream.isatty() else None)
    level = f"{100 * result['confidence']:g} %"
    arms = Table(title=f"experiment {result['experiment']}: who came back within "
                       f"{result['horizon_days']} days ({', '.join(result['outcome'])})")
    for column in ("arm", "customers", "came back", "rate", "revenue / customer"):
        arms.add_column(column, justify="right" if column != "arm" else "left")
    for arm, group in result["arms"].items():
        arms.add_row(arm, str(group["customers"]), str(group["converted"]),
                     f"{100 * group['rate']:.1f} %", f"{group['revenue_per_customer']:.2f}")
    console.print(arms)
    table = Table(title=f"uplift versus the holdout ({level} intervals)")
    for column in ("action", "arm", "treated", "holdout", "rate uplift", "revenue uplift"):
        table.add_column(column)
    for row in [{"action": "(everyone)", **c} for c in result["comparisons"]] + \
            result["actions"]:
        treated = row.get("treated") or result["arms"][row["arm"]]
        control = row.get("holdout") or result["arms"][row["versus"]]
        table.add_row(
            row["action"] if "versus" not in row or row["versus"] == "holdout"
            else f"(everyone, vs {row['versus']})", row["arm"],
            f"{treated['converted']}/{treated['customers']}",
            f"{control['converted']}/{control['customers']}",
            _interval(row["uplift"], True), _interval(row["revenue_uplift"], False))
    console.print(table)
    if result["not_withheld"]:
        console.print("never withheld (no control group): " + ", ".join(result["not_withheld"]))
    console.print(f"method: {result['method']}")
