"""Read customers from JSON Lines, JSON arrays, or a `customers.csv` + `events.csv` pair.

A bad record never stops a batch: it comes out as a `Rejected` naming file, line (or row)
and field, and reading goes on. `read_customers` streams: memory does not grow with the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..errors import Problem, RecordError, UsageError
from ..facts.models import (
    CHANNELS,
    EVENT_TYPES,
    KINDS,
    LOCALES,
    ORIENTATIONS,
    CHURN_REASONS,
    PERSONALITY_LABELS,
    RECOVERY_STEPS,
    RESPONSIBILITIES,
    Customer,
    normalise_personality,
)
from .seen import SeenIds

CUSTOMER_FIELDS = frozenset({
    "id", "name", "personality", "kind", "orientation", "birthday", "preferred_channel",
    "locale", "attributes", "events",
})

# field -> (parser name, required); parser names are the `_as_*` helpers below
EVENT_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "visit": {"channel": ("str", False)},
    "purchase": {"amount": ("number", True), "profit": ("number", False)},
    "contact": {"channel": ("str", False), "direction": ("direction", False),
                "action": ("str", False)},
    "complaint": {"id": ("str", False), "topic": ("str", False), "severity": ("severity", False),
                  "resolved_at": ("date", False),
                  "responsibility": ("responsibility", False)},
    "recovery": {"complaint_id": ("str", False), "step": ("step", True)},
    "survey": {"score": ("number", True), "scale": ("number", False)},
    "request": {"dimension": ("str", False), "expected": ("number", False),
                "deliverable": ("number", False), "unit": ("str", False),
                "industry_norm": ("number", False), "lower_is_better": ("bool", False)},
    "promise": {"dimension": ("str", False), "promised": ("number", False),
                "delivered": ("number", False), "unit": ("str", False),
                "lower_is_better": ("bool", False), "delivered_at": ("date", False)},
    "referral": {"referred_id": ("str", False)},
    "churn": {"reason": ("churn_reason", False), "note": ("str", False)},
}
# Every event may carry an `id` (version 2): the store ingests idempotently by it. A
# complaint's `id` was already its own; it is the event's id too.
for _fields in EVENT_FIELDS.values():
    _fields.setdefault("id", ("str", False))


@attrs.frozen
class Rejected:
    """A record that failed validation, with every problem found in it."""

    problems: tuple[Problem, ...]
    customer_id: str | None = None

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class _Bad(Exception):
    def __init__(self, path: str, message: str):
        self.path, self.message = path, message


def _as_str(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _Bad(path, f"expected a string, got {type(value).__name__}")


def _as_number(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise _Bad(path, "expected a number, got a boolean")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _Bad(path, f"expected a number, got {value!r}") from None
    else:
        raise _Bad(path, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise _Bad(path, f"expected a finite number, got {value!r}")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _as_date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise _Bad(path, f"expected an ISO 8601 date (YYYY-MM-DD), got {value!r}")


def attribute_date(attributes: Mapping[str, Any], name: str) -> dt.date | None:
    """A customer attribute holding a date (ISO text or a date), or None when absent.

    The same reading the engine applies when it type-checks an attribute declared with
    `AttributeSpec(name, "date")`; raises `RecordError` naming ``attributes.NAME`` if the value
    is not a date.
    """
    value = attributes.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _as_date(value, f"attributes.{name}")
    except _Bad as bad:
        raise RecordError([Problem(bad.message, path=bad.path)]) from None


def _as_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    raise _Bad(path, f"expected true or false, got {value!r}")


def _as_severity(value: Any, path: str) -> int:
    number = _as_number(value, path)
    if number != int(number) or not 1 <= number <= 5:
        raise _Bad(path, f"expected an integer from 1 to 5, got {value!r}")
    return int(number)


def _one_of(choices: Iterable[str]):
    allowed = tuple(choices)

    def parse(value: Any, path: str) -> str:
        text = _as_str(value, path)
        if text not in allowed:
            raise _Bad(path, f"expected one of {', '.join(allowed)}; got {text!r}")
        return text
    return parse


_PARSERS = {
    "str": _as_str, "number": _as_number, "date": _as_date, "bool": _as_bool,
    "severity": _as_severity, "direction": _one_of(("outbound", "inbound")),
    "step": _one_of(RECOVERY_STEPS), "responsibility": _one_of(RESPONSIBILITIES),
    "churn_reason": _as_str,  # codes, or (version 1) free text: see _churn_reason
}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_event(raw: Any, path: str = "event") -> Any:
    """One contract event (a mapping) → its model; raises RecordError listing every problem."""
    problems: list[Problem] = []
    event = _parse_event(raw, path, problems)
    if problems:
        raise RecordError(problems)
    return event


def _parse_event(raw: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, Mapping):
        problems.append(Problem(f"expected an object, got {type(raw).__name__}", path=path))
        return None
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        problems.append(Problem(
            f"unknown event type {kind!r}; expected one of {', '.join(EVENT_TYPES)}",
            path=f"{path}.type"))
        return None
    fields = EVENT_FIELDS[kind]
    values: dict[str, Any] = {}
    ok = True
    for key, value in raw.items():
        if key in ("type", "customer_id"):
            continue
        if key == "at":
            try:
                values["at"] = _as_date(value, f"{path}.at")
            except _Bad as bad:
                problems.append(Problem(bad.message, path=bad.path))
                ok = False
            continue
        if key not in fields:
            if _empty(value):  # CSV rows carry every column; empty ones do not apply
                continue
            problems.append(Problem(
                f"unknown field for a {kind} event; expected {', '.join(['at', *fields])}",
                path=f"{path}.{key}"))
            ok = False
            continue
        if _empty(value):
            continue
        try:
            values[key] = _PARSERS[fields[key][0]](value, f"{path}.{key}")
        except _Bad as bad:
            problems.append(Problem(bad.message, path=bad.path))
            ok = False
    if "at" not in values and not any(p.path == f"{path}.at" for p in problems):
        problems.append(Problem("missing required field", path=f"{path}.at"))
        ok = False
    for key, (_, required) in fields.items():
        if required and key not in values and not any(p.path == f"{path}.{key}" for p in problems):
            problems.append(Problem("missing required field", path=f"{path}.{key}"))
            ok = False
    if not ok:
        return None
    if kind == "survey":
        scale = values.get("scale", 5.0)
        if scale <= 0 or not 0 <= values["score"] <= scale:
            problems.append(Problem(f"score must lie between 0 and the scale ({scale:g})",
                                    path=f"{path}.score"))
            return None
    if kind == "churn" and values.get("reason") not in (None, *CHURN_REASONS):
        # version 1 took free text: it is kept, as the note of an `other` reason
        text = values["reason"]
        values["note"] = f"{text}; {values['note']}" if values.get("note") else text
        values["reason"] = "other"
    return EVENT_TYPES[kind](**values)


def loads(text: str) -> Any:
    """One JSON document; raises `json.JSONDecodeError` with the standard library's message.

    orjson parses (several times faster); what it refuses is parsed again by `json`, so an
    invalid record gets the usual message and a value only `json` takes (an integer past
    64 bits) is still read."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def parse_customer(raw: Any, source: tuple[str, int] | None = None) -> Customer:
    """A contract customer (a mapping) → `Customer`; raises RecordError with every problem.

    `source` is where the record was read, as (file, line)."""
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        raise RecordError([Problem(f"expected a JSON object, got {type(raw).__name__}")])
    values: dict[str, Any] = {}
    for key in raw:
        if key not in CUSTOMER_FIELDS:
            problems.append(Problem(
                f"unknown field; expected one of {', '.join(sorted(CUSTOMER_FIELDS))}", path=key))
    cid = raw.get("id")
    if _empty(cid):
        problems.append(Problem("missing required field", path="id"))
    else:
        try:
            values["id"] = _as_str(cid, "id")
        except _Bad as bad:
            problems.append(Problem(bad.message, path=bad.path))
    simple = {
        "name": _as_str, "birthday": _as_date, "kind": _one_of(KINDS),
        "orientation": _one_of(ORIENTATIONS), "preferred_channel": _one_of(CHANNELS),
        "locale": _one_of(LOCALES),
    }
    for key, parse in simple.items():
        value = raw.get(key)
        if _empty(value):
            continue
        try:
            values[key] = parse(value, key)
        except _Bad as bad:
            problems.append(Problem(bad.message, path=bad.path))
    label = raw.get("personality")
    if not _empty(label):
        if not isinstance(label, str):
            problems.append(Problem("expected a string", path="personality"))
        else:
            values["personality_label"] = label
            values["personality"] = normalise_personality(label)
            if values["personality"] is None:
                # Unknown labels are allowed by the contract: no personality rule fires.
                pass
    attributes = raw.get("attributes")
    if not _empty(attributes):
        if isinstance(attributes, str):  # CSV: a JSON object in one cell
            try:
                attributes = json.loads(attributes)
            except json.JSONDecodeError as exc:
                problems.append(Problem(f"not valid JSON: {exc.msg}", path="attributes"))
                attributes = None
        if attributes is not None and not isinstance(attributes, Mapping):
            problems.append(Problem("expected an object", path="attributes"))
        elif attributes is not None:
            values["attributes"] = dict(attributes)
    events = raw.get("events")
    if not _empty(events):
        if not isinstance(events, list):
            problems.append(Problem("expected an array", path="events"))
        else:
            parsed = [_parse_event(e, f"events[{i}]", problems) for i, e in enumerate(events)]
            values["events"] = [e for e in parsed if e is not None]
    if problems:
        raise RecordError(problems)
    return Customer(**values, source=source)


def _located(problems: Iterable[Problem], file: str, line: int) -> tuple[Problem, ...]:
    return tuple(attrs.evolve(p, file=file, line=line) for p in problems)


def _from_raw(raw: Any, file: str, line: int) -> Customer | Rejected:
    try:
        return parse_customer(raw, (file, line))
    except RecordError as err:
        cid = raw.get("id") if isinstance(raw, Mapping) else None
        return Rejected(_located(err.problems, file, line),
                        customer_id=str(cid) if cid is not None else None)


def _read_jsonl(path: Path, seen: SeenIds) -> Iterator[Customer | Rejected]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                raw = loads(text)
            except json.JSONDecodeError as exc:
                yield Rejected((Problem(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                        file=str(path), line=number),))
                continue
            yield _unique(_from_raw(raw, str(path), number), seen, str(path), number)


def _read_json(path: Path, seen: SeenIds) -> Iterator[Customer | Rejected]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise UsageError(f"{path}:1: expected an array of customers")
    # Line of each element: find where each top-level object starts.
    lines = _element_lines(text, len(data))
    for index, raw in enumerate(data):
        line = lines[index] if index < len(lines) else 1
        yield _unique(_from_raw(raw, str(path), line), seen, str(path), line,
                      where=f"$[{index}]")


def _element_lines(text: str, count: int) -> list[int]:
    """Line numbers where the top-level array's elements start (best effort, no re-parse)."""
    decoder = json.JSONDecoder()
    starts: list[int] = []
    pos = text.index("[") + 1 if "[" in text else 0
    try:
        while len(starts) < count:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            starts.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
    except (ValueError, IndexError):
        pass
    return starts


def _unique(record: Customer | Rejected, seen: SeenIds, file: str, line: int,
            where: str | None = None) -> Customer | Rejected:
    if isinstance(record, Customer) and not seen.add(record.id):
        return Rejected((Problem(f"duplicate customer id {record.id!r}", file=file,
                                 line=line, path="id"),), customer_id=record.id)
    return record


def _read_csv_pair(folder: Path, seen: SeenIds) -> Iterator[Customer | Rejected]:
    customers_csv, events_csv = folder / "customers.csv", folder / "events.csv"
    if not customers_csv.exists():
        raise UsageError(f"{folder}: a CSV input folder needs customers.csv (and events.csv)")
    # Events are grouped by customer first: one pass over events.csv, kept per customer id.
    events: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    orphans: list[Rejected] = []
    if events_csv.exists():
        with events_csv.open(encoding="utf-8-sig", newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), start=2):
                cid = (row.get("customer_id") or "").strip()
                if not cid:
                    orphans.append(Rejected((Problem("missing required field",
                                                     file=str(events_csv), line=row_number,
                                                     path="customer_id"),)))
                    continue
                events.setdefault(cid, []).append((row_number, row))
    known: set[str] = set()
    with customers_csv.open(encoding="utf-8-sig", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            raw: dict[str, Any] = {k: v for k, v in row.items() if k is not None and not _empty(v)}
            cid = str(raw.get("id", "")).strip()
            known.add(cid)
            rows = events.get(cid, [])
            event_problems: list[Problem] = []
            parsed_events = []
            for event_row_number, event_row in rows:
                sub: list[Problem] = []
                event = _parse_event(event_row, "event", sub)
                if sub:
                    event_problems.extend(
                        attrs.evolve(p, file=str(events_csv), line=event_row_number) for p in sub)
                else:
                    parsed_events.append(event)
            record = _from_raw(raw, str(customers_csv), row_number)
            if isinstance(record, Customer):
                if event_problems:
                    record = Rejected(tuple(event_problems), customer_id=record.id)
                else:
                    record = attrs.evolve(record, events=parsed_events)
            elif event_problems:
                record = Rejected(record.problems + tuple(event_problems), record.customer_id)
            yield _unique(record, seen, str(customers_csv), row_number)
    yield from orphans
    for cid in sorted(set(events) - known):
        first_row = events[cid][0][0]
        yield Rejected((Problem(f"events for unknown customer {cid!r}", file=str(events_csv),
                                line=first_row, path="customer_id"),), customer_id=cid)


def read_customers(*paths: str | Path) -> Iterator[Customer | Rejected]:
    """Stream customers from files: `.jsonl`/`.ndjson`, `.json`, or a folder holding the CSV pair.

    Yields a `Customer` per good record and a `Rejected` per bad one, in input order.
    Customer ids must be unique across all the paths of one call.
    """
    seen = SeenIds()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _read_csv_pair(path, seen)
        elif not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        elif path.suffix.lower() == ".json":
            yield from _read_json(path, seen)
        elif path.suffix.lower() in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path, seen)
        elif path.name == "customers.csv":
            yield from _read_csv_pair(path.parent, seen)
        else:
            raise UsageError(
                f"{path}: unknown input format; expected .jsonl, .json or a folder with "
                "customers.csv and events.csv")


def load_customers(*paths: str | Path) -> list[Customer]:
    """Read every customer; raise RecordError listing every bad record if any is bad."""
    good: list[Customer] = []
    problems: list[Problem] = []
    for record in read_customers(*paths):
        if isinstance(record, Rejected):
            problems.extend(record.problems)
        else:
            good.append(record)
    if problems:
        raise RecordError(problems)
    return good


__all__ = ["Rejected", "attribute_date", "load_customers", "parse_customer", "parse_event", "read_customers",
           "PERSONALITY_LABELS"]
