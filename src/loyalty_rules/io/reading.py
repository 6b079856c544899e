"""Read customers from JSON Lines, JSON arrays, or a `customers.csv` + `events.csv` pair.

A bad record never stops a batch: it comes out as a `Rejected` naming file, line (or row)
and field, and reading goes on. `read_customers` streams: memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from ..errors import Problem, RecordError, UsageError, one_line
from ..facts.models import (
    CHANNELS,
    EARLIEST_DATE,
    LATEST_DATE,
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
    "purchase": {"amount": ("non_negative", True), "profit": ("number", False)},
    "contact": {"channel": ("str", False), "direction": ("direction", False),
                "action": ("str", False)},
    "complaint": {"id": ("str", False), "topic": ("str", False), "severity": ("severity", False),
                  "resolved_at": ("date", False),
                  "responsibility": ("responsibility", False)},
    "recovery": {"complaint_id": ("str", False), "step": ("step", True)},
    "survey": {"score": ("number", True), "scale": ("number", False)},
    "request": {"dimension": ("str", False), "expected": ("non_negative", False),
                "deliverable": ("non_negative", False), "unit": ("str", False),
                "industry_norm": ("non_negative", False), "lower_is_better": ("bool", False)},
    "promise": {"dimension": ("str", False), "promised": ("non_negative", False),
                "delivered": ("non_negative", False), "unit": ("str", False),
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


#: The largest magnitude of a number in a record: sums of a few million such stay finite.
MAX_NUMBER = 1e15
#: How deep `attributes` may nest (a deeper value is refused, not followed).
MAX_DEPTH = 32


class _Bad(Exception):
    def __init__(self, path: str, message: str):
        self.path, self.message = path, message


def _short(value: Any) -> str:
    """`repr` of a value, cut short: a 5,000-digit number is not echoed back whole."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= 40 else text[:37] + "..."


def _as_str(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and abs(value) < 1e30:
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _Bad(path, f"expected a string, got a number too large: {_short(value)}")
    raise _Bad(path, f"expected a string, got {type(value).__name__}")


def _as_id(value: Any, path: str) -> str:
    """Ids are text; an integer is read as its decimal text, so ``7`` and ``"7"`` are the same
    customer (the later record is a duplicate). A fractional or huge number is refused."""
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 2**53):
        raise _Bad(path, f"expected a string (or an integer), got {_short(value)}")
    if isinstance(value, float):
        value = int(value)
    return _as_str(value, path)


def _as_number(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise _Bad(path, "expected a number, got a boolean")
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        raise _Bad(path, f"number too large: {_short(value)} (at most {MAX_NUMBER:g})")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _Bad(path, f"expected a number, got {_short(value)}") from None
    else:
        raise _Bad(path, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise _Bad(path, f"expected a finite number, got {_short(value)}")
    if abs(number) > MAX_NUMBER:
        raise _Bad(path, f"number too large: {_short(value)} (at most {MAX_NUMBER:g})")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _as_non_negative(value: Any, path: str) -> float:
    number = _as_number(value, path)
    if number < 0:
        raise _Bad(path, f"must not be negative, got {_short(value)}")
    return number


def _in_calendar(day: dt.date, value: Any, path: str) -> dt.date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _Bad(path, f"date {_short(value)} is outside {EARLIEST_DATE}..{LATEST_DATE} "
                         "(leave the field empty when there is no date)")
    return day


def _as_date(value: Any, path: str, zone: dt.tzinfo = dt.timezone.utc) -> dt.date:
    """A date, or the date of a date-time: one with a UTC offset (``Z``, ``+08:00``) is first
    converted to `zone`, the business's time zone (`profile.timezone`), so the same instant
    is the same day however it was written; one without an offset is taken as written."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        return _in_calendar(value.date(), value, path)
    if isinstance(value, dt.date):
        return _in_calendar(value, value, path)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is not None:
                    moment = moment.astimezone(zone)
                day = moment.date()
        except ValueError:
            pass
        else:
            return _in_calendar(day, value, path)
    raise _Bad(path, f"expected an ISO 8601 date (YYYY-MM-DD), got {_short(value)}")


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
    "non_negative": _as_non_negative,
    "severity": _as_severity, "direction": _one_of(("outbound", "inbound")),
    "step": _one_of(RECOVERY_STEPS), "responsibility": _one_of(RESPONSIBILITIES),
    "churn_reason": _as_str,  # codes, or (version 1) free text: see _churn_reason
}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_event(raw: Any, path: str = "event", zone: dt.tzinfo = dt.timezone.utc) -> Any:
    """One contract event (a mapping) → its model; raises RecordError listing every problem.
    `zone`: the business's time zone, for date-times with an offset (see `_as_date`)."""
    problems: list[Problem] = []
    event = _parse_event(raw, path, problems, zone)
    if problems:
        raise RecordError(problems)
    return event


def _parse_event(raw: Any, path: str, problems: list[Problem],
                 zone: dt.tzinfo = dt.timezone.utc) -> Any:
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
                values["at"] = _as_date(value, f"{path}.at", zone)
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
            kind_of = fields[key][0]
            values[key] = (_as_date(value, f"{path}.{key}", zone) if kind_of == "date"
                           else _PARSERS[kind_of](value, f"{path}.{key}"))
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


def parse_customer(raw: Any, source: tuple[str, int] | None = None,
                   zone: dt.tzinfo = dt.timezone.utc) -> Customer:
    """A contract customer (a mapping) → `Customer`; raises RecordError with every problem.

    `source` is where the record was read, as (file, line); `zone` the business's time zone
    (see `_as_date`). No other exception leaves it, whatever `raw` holds (a record is data,
    never a reason to stop a batch).
    """
    try:
        return _parse_customer(raw, source, zone)
    except RecordError:
        raise
    except (RecursionError, MemoryError):
        raise RecordError([Problem("the record is nested too deeply to read")]) from None
    except Exception as exc:  # noqa: BLE001 - any other surprise is still this record's
        raise RecordError([Problem(f"unreadable record: {type(exc).__name__}: "
                                   f"{one_line(exc)[:200]}")]) from None


def _too_deep(value: Any, limit: int) -> bool:
    if limit < 0:
        return True
    if isinstance(value, Mapping):
        return any(_too_deep(v, limit - 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_too_deep(v, limit - 1) for v in value)
    return False


def _parse_customer(raw: Any, source: tuple[str, int] | None, zone: dt.tzinfo) -> Customer:
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
            values["id"] = _as_id(cid, "id")
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
        elif attributes is not None and _too_deep(attributes, MAX_DEPTH):
            problems.append(Problem(f"nested more than {MAX_DEPTH} levels deep",
                                    path="attributes"))
        elif attributes is not None:
            values["attributes"] = dict(attributes)
    events = raw.get("events")
    if not _empty(events):
        if not isinstance(events, list):
            problems.append(Problem("expected an array", path="events"))
        else:
            parsed = [_parse_event(e, f"events[{i}]", problems, zone)
                      for i, e in enumerate(events)]
            values["events"] = [e for e in parsed if e is not None]
    if problems:
        raise RecordError(problems)
    return Customer(**values, source=source)


def _located(problems: Iterable[Problem], file: str, line: int) -> tuple[Problem, ...]:
    return tuple(attrs.evolve(p, file=file, line=line) for p in problems)


def _from_raw(raw: Any, file: str, line: int, zone: dt.tzinfo = dt.timezone.utc
              ) -> Customer | Rejected:
    try:
        return parse_customer(raw, (file, line), zone)
    except RecordError as err:
        return Rejected(_located(err.problems, file, line), customer_id=record_id(raw))


def record_id(raw: Any) -> str | None:
    """The id of a raw record, as text, if it has a readable one (for rejections)."""
    cid = raw.get("id") if isinstance(raw, Mapping) else None
    try:
        return _as_id(cid, "id") if cid is not None else None
    except _Bad:
        return None


# -- lines and encodings ---------------------------------------------------------------------

def open_text(path: Path) -> IO[str]:
    """A text handle on an input file: UTF-8 (a BOM is skipped), or UTF-16 when the file
    starts with a UTF-16 BOM. Bytes that are not UTF-8 do not stop reading: they come through
    as lone surrogates (``surrogateescape``), and `undecodable` finds them, so only the record
    holding one is rejected."""
    handle = path.open("rb")
    head = handle.read(2)
    handle.seek(0)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return io.TextIOWrapper(handle, encoding="utf-16", newline="")
    return io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape",
                            newline="")


def undecodable(text: str) -> Problem | None:
    """A problem naming the first byte of `text` that was not UTF-8, or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as exc:
        byte = ord(text[exc.start]) - 0xDC00
        return Problem(f"not valid UTF-8: byte 0x{byte:02x} at column {exc.start + 1} "
                       "(save the file as UTF-8)")


def _loads(text: str) -> Any:
    try:
        return loads(text)
    except ValueError as exc:  # 4,300 digits or more in one integer
        if isinstance(exc, json.JSONDecodeError):
            raise
        return json.loads(text, parse_int=_big_int)


def _big_int(text: str) -> int | float:
    return int(text) if len(text) < 400 else float("inf") if text[0] != "-" else float("-inf")


def parse_line(text: str, file: str, line: int, zone: dt.tzinfo = dt.timezone.utc
               ) -> Customer | Rejected:
    """One JSON Lines record → `Customer` or a `Rejected` located at FILE:LINE (whatever the
    line holds: bad bytes, invalid or absurdly nested JSON, a bad record)."""
    bad = undecodable(text)
    if bad is not None:
        return Rejected((attrs.evolve(bad, file=file, line=line),))
    try:
        raw = _loads(text)
    except json.JSONDecodeError as exc:
        return Rejected((Problem(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                 file=file, line=line),))
    except (RecursionError, MemoryError):
        return Rejected((Problem("invalid JSON: nested too deeply to read", file=file,
                                 line=line),))
    return _from_raw(raw, file, line, zone)


#: The path that means standard input (JSON Lines), and how messages name it.
STDIN, STDIN_NAME = "-", "<stdin>"


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line of a JSON Lines file (see `open_text`),
    or of standard input for ``-``."""
    if str(path) == STDIN:
        handle = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig",
                                  errors="surrogateescape", newline="")
        try:
            yield from _numbered(handle)
        finally:
            handle.detach()  # standard input stays open
        return
    with open_text(path) as handle:
        yield from _numbered(handle)


def _numbered(handle: IO[str]) -> Iterator[tuple[int, str]]:
    for number, text in enumerate(handle, start=1):
        if not text.isspace():
            yield number, text


def _read_jsonl(path: Path, seen: SeenIds, zone: dt.tzinfo) -> Iterator[Customer | Rejected]:
    name = STDIN_NAME if str(path) == STDIN else str(path)
    for number, text in read_lines(path):
        yield _unique(parse_line(text, name, number, zone), seen, name, number)


def _read_json(path: Path, seen: SeenIds, zone: dt.tzinfo) -> Iterator[Customer | Rejected]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not valid UTF-8: byte 0x{exc.object[exc.start]:02x} "
                         "(save the file as UTF-8)") from None
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise UsageError(f"{path}:1: invalid JSON: nested too deeply to read") from None
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise UsageError(f"{path}:1: expected an array of customers")
    # Line of each element: find where each top-level object starts.
    lines = _element_lines(text, len(data))
    for index, raw in enumerate(data):
        line = lines[index] if index < len(lines) else 1
        yield _unique(_from_raw(raw, str(path), line, zone), seen, str(path), line,
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


def _read_csv_pair(folder: Path, seen: SeenIds, zone: dt.tzinfo
                   ) -> Iterator[Customer | Rejected]:
    customers_csv, events_csv = folder / "customers.csv", folder / "events.csv"
    if not customers_csv.exists():
        raise UsageError(f"{folder}: a CSV input folder needs customers.csv (and events.csv)")
    # Events are grouped by customer first: one pass over events.csv, kept per customer id.
    events: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    orphans: list[Rejected] = []
    if events_csv.exists():
        with open_text(events_csv) as handle:
            for row_number, row in _csv_rows(handle):
                cid = (row.get("customer_id") or "").strip()
                if not cid:
                    orphans.append(Rejected((Problem("missing required field",
                                                     file=str(events_csv), line=row_number,
                                                     path="customer_id"),)))
                    continue
                events.setdefault(cid, []).append((row_number, row))
    known: set[str] = set()
    with open_text(customers_csv) as handle:
        for row_number, row in _csv_rows(handle):
            raw: dict[str, Any] = {k: v for k, v in row.items() if k is not None and not _empty(v)}
            cid = str(raw.get("id", "")).strip()
            known.add(cid)
            rows = events.get(cid, [])
            event_problems: list[Problem] = []
            parsed_events = []
            for event_row_number, event_row in rows:
                sub = _row_problems(event_row)
                event = None if sub else _parse_event(event_row, "event", sub, zone)
                if sub:
                    event_problems.extend(
                        attrs.evolve(p, file=str(events_csv), line=event_row_number) for p in sub)
                else:
                    parsed_events.append(event)
            row_problems = _row_problems(row)
            if row_problems:
                record: Customer | Rejected = Rejected(
                    _located(row_problems, str(customers_csv), row_number), record_id(raw))
            else:
                record = _from_raw(raw, str(customers_csv), row_number, zone)
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


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """(line number, row) of a CSV file; the number is the row's first physical line."""
    reader = csv.DictReader(handle)
    start = 2
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def _row_problems(row: Mapping[str | None, Any]) -> list[Problem]:
    """Bytes that are not UTF-8, and cells beyond the header (a comma too many, or a
    value that needed quoting): each costs the row, never silently a value."""
    problems = []
    extra = row.get(None)
    if extra:
        problems.append(Problem(f"{len(extra)} cell(s) more than the header's columns: "
                                f"{_short(extra)} (quote a value that holds a comma)"))
    for value in row.values():
        for cell in value if isinstance(value, list) else (value,):
            bad = undecodable(cell) if isinstance(cell, str) else None
            if bad is not None:
                return [*problems, bad]
    return problems


def read_customers(*paths: str | Path, zone: dt.tzinfo = dt.timezone.utc
                   ) -> Iterator[Customer | Rejected]:
    """Stream customers from files: `.jsonl`/`.ndjson`, `.json`, or a folder holding the CSV pair;
    ``-`` is JSON Lines on standard input.

    Yields a `Customer` per good record and a `Rejected` per bad one, in input order.
    Customer ids must be unique across all the paths of one call. `zone` is the business's
    time zone: a date-time with a UTC offset counts on its date there (see `_as_date`).
    """
    seen = SeenIds()
    for given in paths:
        path = Path(given)
        if str(given) == STDIN:
            yield from _read_jsonl(path, seen, zone)
        elif path.is_dir():
            yield from _read_csv_pair(path, seen, zone)
        elif not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        elif path.suffix.lower() == ".json":
            yield from _read_json(path, seen, zone)
        elif path.suffix.lower() in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path, seen, zone)
        elif path.name == "customers.csv":
            yield from _read_csv_pair(path.parent, seen, zone)
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
