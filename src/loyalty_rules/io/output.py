"""Writers for decisions: json (one array, streamed), jsonl, csv, and a rich table for people."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from ..decisions.model import Decision
from ..errors import UsageError

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

    def __exit__(self, kind: Any, *exc: Any) -> None:
        if kind is not None:  # a run that stopped: no closing "]", never a valid-looking array
            return
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


# -- files: complete or untouched ------------------------------------------------------------

def partial_path(path: Path) -> Path:
    """Where a JSON Lines run writes until it completes (and what `--resume` continues)."""
    return path.with_name(path.name + ".partial")


class OutputFile:
    """An output file that only ever holds a complete result.

    The run writes to a file in the same folder and renames it over `path` when it succeeds
    (a rename within a folder is atomic), so a failed or interrupted run leaves the previous
    output as it was. JSON Lines writes to ``PATH.partial`` and keeps it after an
    interruption; `resume` continues it after its last complete line (`resume_after`).
    """

    def __init__(self, path: Path, fmt: str, resume: bool = False):
        self.path, self.format = path, fmt
        self.keep = fmt == "jsonl"
        if self.keep:
            self.temporary = partial_path(path)
        else:
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                            suffix=".tmp")
            os.close(handle)
            self.temporary = Path(name)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(name, 0o666 & ~mask)  # as `open` would have made it, not mkstemp's 0600
        self.last_id: str | None = None
        if resume:
            self.last_id = self._continue()
            self.stream: IO[str] = self.temporary.open("a", encoding="utf-8", newline="")
        else:
            self.stream = self.temporary.open("w", encoding="utf-8", newline="")

    def _continue(self) -> str | None:
        """Keep what the earlier run completed; the id of its last decision (None: none)."""
        if not self.temporary.exists():
            if not self.path.exists():
                return None
            shutil.copyfile(self.path, self.temporary)  # a complete file: resume is a no-op
        with self.temporary.open("r+b") as handle:
            end, last = _last_complete_line(handle)
            handle.truncate(end)
        if last is None:
            return None
        try:
            return str(json.loads(last)["customer_id"])
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{self.temporary}: its last line is not a decision; cannot "
                             "resume from it") from None

    def commit(self) -> None:
        """The run completed: the result takes the output's name."""
        self.stream.close()
        os.replace(self.temporary, self.path)

    def abandon(self) -> str:
        """The run stopped: remove the unfinished file (JSON Lines keeps it, for --resume).
        Returns what was done, for the message."""
        self.stream.close()
        if self.keep:
            return (f"the decisions written so far are in {self.temporary}; run again with "
                    "--resume to continue")
        self.temporary.unlink(missing_ok=True)
        return f"{self.path} was not written" + (" (the previous one is unchanged)"
                                                 if self.path.exists() else "")


def _last_complete_line(handle: IO[bytes]) -> tuple[int, bytes | None]:
    """(offset just past the last newline, that last complete line); reads backwards, so a
    file of any size costs a few blocks."""
    size = handle.seek(0, os.SEEK_END)
    buffer, start, end = b"", size, None
    while start > 0:
        step = min(1 << 16, start)
        start -= step
        handle.seek(start)
        buffer = handle.read(step) + buffer
        if end is None:
            cut = buffer.rfind(b"\n")
            if cut < 0:
                continue
            end = start + cut + 1
        begin = buffer.rfind(b"\n", 0, end - start - 1)
        if begin >= 0:
            return end, buffer[begin + 1:end - start]
    if end is None:
        return 0, None
    return end, buffer[:end] if buffer[:end].strip() else None
