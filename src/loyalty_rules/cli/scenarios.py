"""`loyalty-rules test`: run scenario files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_REJECTED, guarded


@click.command(name="test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--plugin", "plugins", multiple=True, metavar="NAME",
              help="Activate an installed industry pack for every file (repeatable).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(path_type=Path),
              help="Add a custom ruleset file or folder (repeatable).")
@click.option("--require-coverage", is_flag=True,
              help="Fail when a rule under test never fires: the rules of the named "
                   "--plugin and --ruleset, or the core's when none is named.")
@click.option("--all-rules", is_flag=True,
              help="List the coverage of every active rule, not only of the rules under test.")
@guarded
def run_scenario_tests(paths: tuple[Path, ...], plugins: tuple[str, ...],
                       rulesets: tuple[Path, ...], require_coverage: bool,
                       all_rules: bool) -> None:
    """Run scenario files: customers at a date, actions expected present or absent.

    Exit status: 0 all cases pass, 1 a case fails (or, with --require-coverage, a rule under
    test never fires), 2 a malformed scenario file or another usage error.
    """
    from ..scenarios.runner import ScenarioRunner, summary_lines

    report = ScenarioRunner(plugins=plugins, rulesets=rulesets).run_paths(paths)
    under_test: set[str | None] = {*plugins, *([None] if rulesets else [])} or {"core"}
    lines, missing = summary_lines(report, under_test if require_coverage else None,
                                   None if all_rules else under_test)
    for line in lines:
        click.echo(line)
    if missing:
        click.echo(f"coverage required: {len(missing)} rule(s) under test never fired: "
                   f"{', '.join(missing)}", err=True)
    if report.failed or missing:
        sys.exit(EXIT_REJECTED)
