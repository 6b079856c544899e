"""The `loyalty-rules` command line: one module per command (or family of commands), each
added to the `main` group here.

Exit status: 0 success; 1 some input was rejected (the valid part is still evaluated and
written); 2 a usage error or an unusable ruleset or plugin. Errors go to standard error, one
line each (`FILE:LINE: where: what`), never a traceback.
"""

from __future__ import annotations

import click

from .backtest import backtest
from .common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, guarded
from .evaluate import evaluate
from .explain import explain
from .inventory import guidance, list_plugins, validate
from .report import report
from .rules import computations, rules
from .scenarios import run_scenario_tests
from .store import STORE_COMMANDS
from .uplift import uplift


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loyalty-rules")
def main() -> None:
    """Turn customer-management practice into daily, explained actions."""


for command in (evaluate, validate, guidance, list_plugins, run_scenario_tests, backtest,
                *STORE_COMMANDS):
    main.add_command(command)
main.add_command(uplift)
main.add_command(report)
main.add_command(explain)
main.add_command(rules)
main.add_command(computations)

__all__ = ["EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "guarded", "main"]
