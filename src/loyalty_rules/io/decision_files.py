"""Reading decisions back: the contract's output (a JSON array or JSON Lines) for the
commands that work on decisions already made (`report`, `uplift`).

Records stream in file order. A record that is not a decision (no `customer_id`, a profile
that is not an object, a recommendation without `action`, …) comes out as a `Rejected`
naming the file, line and `$`-path, and the rest goes on. Fields a version of the contract
added later (`role`, `overdue`, `pyramid`, `experiment`, …) are optional: whoever reads the
decisions says what it does without them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, UsageError
from .reading import Rejected, _element_lines


def check_decision(raw: Any) -> list[Problem]:
    """What makes `raw` unusable as a decision (an empty list when it is fine)."""
    if not isinstance(raw, Mapping):
        return [Problem(f"expected a decision object, got {type(raw).__name__}", path="$")]
    problems = []
    if not isinstance(raw.get("customer_id"), str) or not raw["customer_id"]:
        problems.append(Problem("missing or not a string", path="customer_id"))
    try:
        dt.date.fromisoformat(str(raw.get("as_of")))
    except ValueError:
        problems.append(Problem(f"expected a date YYYY-MM-DD, got {raw.get('as_of')!r}",
                                path="as_of"))
    if not isinstance(raw.get("profile", {}), Mapping):
        problems.append(Problem("expected an object", path="profile"))
    for key in ("recommendations", "suppressed"):
        items = raw.get(key, [])
        if not isinstance(items, list):
            problems.append(Problem("expected an array", path=key))
            continue
        for index, item in enumerate(items):
            if not isinstance(item, Mapping) or not isinstance(item.get("action"), str):
                problems.append(Problem("expected an object with an action",
                                        path=f"{key}[{index}]"))
    experiment = raw.get("experiment")
    if experiment is not None and (not isinstance(experiment, Mapping)
                                   or not isinstance(experiment.get("arm"), str)):
        problems.append(Problem("expected an object with an arm", path="experiment"))
    return problems


def _record(raw: Any, file: str, line: int) -> Mapping[str, Any] | Rejected:
    problems = check_decision(raw)
    if not problems:
        return raw
    cid = raw.get("customer_id") if isinstance(raw, Mapping) else None
    return Rejected(tuple(Problem(p.message, file=file, line=line, path=p.path)
                          for p in problems), str(cid) if cid is not None else None)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def _jsonl(path: Path) -> Iterator[Mapping[str, Any] | Rejected]:
    for number, text in _lines(path):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Rejected((Problem(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                    file=str(path), line=number),))
            continue
        yield _record(raw, str(path), number)


def _one_per_line(path: Path) -> bool:
    """Whether the file has `evaluate --format json`'s layout: `[`, then one decision a line."""
    head = [text.strip() for _, text in itertools.islice(_lines(path), 2)]
    if head in (["[]"], ["[", "]"]):
        return True
    if len(head) < 2 or head[0] != "[":
        return False
    try:
        return isinstance(json.loads(head[1].removesuffix(",")), Mapping)
    except json.JSONDecodeError:
        return False


def _json(path: Path) -> Iterator[Mapping[str, Any] | Rejected]:
    if _one_per_line(path):  # streamed, one line at a time
        for number, text in _lines(path):
            text = text.strip()
            if text in ("[", "]", "[]"):
                continue
            try:
                raw = json.loads(text.removesuffix(","))
            except json.JSONDecodeError as exc:
                yield Rejected((Problem(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                        file=str(path), line=number),))
                continue
            yield _record(raw, str(path), number)
        return
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    data = [data] if isinstance(data, Mapping) else data
    if not isinstance(data, list):
        raise UsageError(f"{path}:1: expected an array of decisions")
    starts = _element_lines(text, len(data))
    for index, raw in enumerate(data):
        yield _record(raw, str(path), starts[index] if index < len(starts) else 1)


def read_decisions(*paths: str | Path) -> Iterator[Mapping[str, Any] | Rejected]:
    """Decisions from `.json` (an array) or `.jsonl` files, each checked, in file order."""
    for given in paths:
        path = Path(given)
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            yield from _jsonl(path)
        elif suffix == ".json":
            yield from _json(path)
        else:
            raise UsageError(f"{path}: unknown decisions format; expected .json or .jsonl "
                             "(loyalty-rules evaluate --format json or jsonl)")
