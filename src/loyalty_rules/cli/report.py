"""`loyalty-rules report`: decisions (and a backtest) as one self-contained HTML page."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_REJECTED, guarded


@click.command()
@click.argument("decisions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--backtest", "backtest_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="A backtest's JSON (loyalty-rules backtest): adds gain, "
                                   "lift and the calibration of p_active.")
@click.option("--output", "-o", required=True, metavar="FILE.html",
              type=click.Path(path_type=Path, dir_okay=False), help="The page to write.")
@guarded
def report(decisions: tuple[Path, ...], backtest_file: Path | None, output: Path) -> None:
    """Write one HTML page (works offline) from decisions (.json or .jsonl, as `evaluate`
    writes them): segments, stages, pyramid, actions, suppressions, workload, backtest."""
    from importlib.metadata import version

    from ..io.decision_files import read_decisions
    from ..io.progress import Progress
    from ..reporting.report import build_report, read_backtest

    backtest, notes = read_backtest(backtest_file) if backtest_file else (None, [])
    with Progress(decisions, label="reading decisions") as progress:
        def counted():
            for item in read_decisions(*decisions):
                progress.advance()
                yield item

        built = build_report(counted(), backtest=backtest, backtest_notes=notes,
                             sources=[str(p) for p in decisions]
                             + ([f"backtest {backtest_file}"] if backtest_file else []),
                             version=version("loyalty-rules"))
    output.write_text(built.html, encoding="utf-8")
    for bad in built.rejected:
        click.echo(str(bad), err=True)
    click.echo(f"{output}: {built.summary.decisions} decisions, {built.charts_drawn} charts",
               err=True)
    if built.rejected:
        click.echo(f"{len(built.rejected)} record(s) rejected", err=True)
        sys.exit(EXIT_REJECTED)
