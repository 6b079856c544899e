"""A progress bar for long evaluations: on standard error, only when it is a terminal.

Piped or redirected runs (CI, cron, `> out.json 2> err.log`) stay quiet: no bar, no escape
codes, and error lines go to standard error exactly as without it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import click

#: redraw at most every this many customers (advancing costs a lock and a sample)
STEP = 50


def count_records(paths: Iterable[Path]) -> int | None:
    """Customers in the inputs, counted cheaply (lines), or None when it cannot be told."""
    total = 0
    for path in paths:
        if path.is_dir():
            path = path / "customers.csv"
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (".jsonl", ".ndjson", ".csv"):
            return None
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        total += lines - 1 if suffix == ".csv" else lines
    return max(total, 0)


class Progress:
    """``with Progress(paths) as progress: progress.advance(); progress.echo(line)``."""

    def __init__(self, paths: Iterable[Path], *, enabled: bool | None = None,
                 label: str = "evaluating"):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.label = label
        self.paths = list(paths)
        self._bar: Any = None
        self._task: Any = None
        self._pending = 0

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as Bar,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} customers/s" if speed else "… customers/s")

        total = count_records(self.paths)
        self._bar = Bar(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), Rate(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=False)
        self._bar.__enter__()
        self._task = self._bar.add_task("evaluate", total=total)
        return self

    def advance(self) -> None:
        if self._bar is None:
            return
        self._pending += 1
        if self._pending >= STEP:
            self._bar.advance(self._task, self._pending)
            self._pending = 0

    def echo(self, line: str) -> None:
        """A line on standard error that does not tear the bar."""
        if self._bar is None:
            click.echo(line, err=True)
        else:
            self._bar.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is None:
            return
        self._bar.advance(self._task, self._pending)
        if kind is None and self._bar.tasks[0].total is None:
            self._bar.update(self._task, total=self._bar.tasks[0].completed)
        self._bar.__exit__(kind, error, trace)
