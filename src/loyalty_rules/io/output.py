"""Writers for decisions: json (one array, streamed), jsonl, csv, and a rich table for people."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

import orjson

from ..decisions.model import Decision

FORMATS = ("json", "jsonl", "csv", "table")
CSV_COLUMNS = ("customer_id", "as_of", "segment", "loyalty_stage", "tier", "action", "ruleset",
               "rule", "guidance", "priority", "channel", "due", "params", "script")


def _dumps(data: Any) -> str:
    """Compact JSON, UTF-8 text as is (not escaped), keys in their order."""
    return orjson.dumps(data).decode()


def _json(decision: Decision) -> str:
    # a decision a worker process already encoded (parallel.Encoded) is written as is
    encoded = getattr(decision, "json_text", None)
    return encoded if encoded is not None else _dumps(decision.to_dict())


class Writer:
    """Writes decisions one at a time, so output never has to fit in memory."""

    def __init__(self, stream: IO[str], fmt: str):
        self.stream, self.format = stream, fmt
        self.count = 0
        self._csv: Any = None
        self._rows: list[Decision] = []

    def __enter__(self) -> Writer:
        if self.format == "json":
            self.stream.write("[")
        elif self.format == "csv":
            self._csv = csv.writer(self.stream, lineterminator="\n")
            self._csv.writerow(CSV_COLUMNS)
        return self

    def write(self, decision: Decision) -> None:
        if self.format == "json":
            self.stream.write(("\n" if self.count == 0 else ",\n") + _json(decision))
        elif self.format == "jsonl":
            self.stream.write(_json(decision) + "\n")
        elif self.format == "csv":
            for rec in decision.recommendations:
                self._csv.writerow((
                    decision.customer_id, decision.as_of.isoformat(),
                    decision.profile.get("segment"), decision.profile.get("loyalty_stage"),
                    decision.profile.get("tier"), rec.action, rec.ruleset, rec.rule,
                    " ".join(rec.guidance), rec.priority, rec.channel, rec.due.isoformat(),
                    _dumps(dict(rec.params)), rec.script))
        else:
            self._rows.append(decision)
        self.count += 1

    def __exit__(self, *exc: Any) -> None:
        if self.format == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        elif self.format == "table":
            write_table(self.stream, self._rows)


def write_table(stream: IO[str], decisions: Iterable[Decision]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="loyalty_rules decisions", show_lines=False)
    for column in ("customer", "segment", "stage", "tier", "action", "pri", "due", "guidance",
                   "script"):
        table.add_column(column, overflow="fold")
    for decision in decisions:
        profile = decision.profile
        first = True
        for rec in decision.recommendations or [None]:
            cells = [decision.customer_id, str(profile.get("segment", "")),
                     str(profile.get("loyalty_stage", "")), str(profile.get("tier", ""))] \
                if first else ["", "", "", ""]
            if rec is None:
                cells += ["—", "", "", "", ""]
            else:
                cells += [rec.action, str(rec.priority), rec.due.isoformat(),
                          " ".join(rec.guidance), rec.script]
            table.add_row(*cells)
            first = False
    Console(file=stream, width=160 if not stream.isatty() else None).print(table)
