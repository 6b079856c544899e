"""Ingestion: customers and events into the store, idempotently, conflicts quarantined.

Every function works inside the caller's transaction (a SQLAlchemy connection). A re-sent
event (same key, same customer, same payload) is a no-op; the same key with another payload
or another customer goes to `quarantine`, the stored event staying as it was, and is reported.
History only grows: a customer record sent again replaces the record, never its events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from ..errors import Problem, RecordError
from ..facts.models import Customer
from ..io.reading import parse_event
from .records import KeyedEvent, canonical, customer_record, keyed_events
from .schema import customers, events, quarantine

CHUNK = 500  # keys per IN (...) lookup


@attrs.frozen
class EventResult:
    """What became of one submitted event: added, duplicate, conflict or rejected."""

    status: str
    key: str | None = None
    problems: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        if self.key is not None and not self.key.startswith("~"):
            data["id"] = self.key
        if self.problems:
            data["problems"] = [problem_dict(p) for p in self.problems]
        return data


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A located problem as JSON: its parts, and the one line the command line prints."""
    data: dict[str, Any] = {"message": problem.message, "text": str(problem)}
    for name in ("file", "line", "path"):
        value = getattr(problem, name)
        if value is not None:
            data[name] = value
    return data


def store_customer(connection: sa.Connection, customer: Customer) -> tuple[str, list[EventResult]]:
    """Insert or update the record ('added', 'updated', 'unchanged'), then its events."""
    record = canonical(customer_record(customer))
    row = connection.execute(sa.select(customers.c.record, customers.c.revision)
                             .where(customers.c.id == customer.id)).first()
    if row is None:
        connection.execute(customers.insert().values(id=customer.id, record=record, revision=1))
        status = "added"
    elif row.record != record:
        connection.execute(customers.update().where(customers.c.id == customer.id)
                           .values(record=record, revision=row.revision + 1))
        status = "updated"
    else:
        status = "unchanged"
    return status, store_events(connection, keyed_events(customer.id, customer.events))


def store_events(connection: sa.Connection, keyed: Sequence[KeyedEvent]) -> list[EventResult]:
    """Store keyed events: each comes back added, duplicate or conflict (quarantined)."""
    keys = list(dict.fromkeys(k.key for k in keyed))
    known: dict[str, tuple[str, str]] = {}
    for start in range(0, len(keys), CHUNK):
        rows = connection.execute(
            sa.select(events.c.key, events.c.customer_id, events.c.payload)
            .where(events.c.key.in_(keys[start:start + CHUNK])))
        known.update({r.key: (r.customer_id, r.payload) for r in rows})
    fresh: list[dict[str, Any]] = []
    results: list[EventResult] = []
    for item in keyed:
        kept = known.get(item.key)
        if kept is None:
            known[item.key] = (item.customer_id, item.payload)
            fresh.append({"key": item.key, "customer_id": item.customer_id, "at": item.at,
                          "type": item.type, "payload": item.payload})
            results.append(EventResult("added", item.key))
        elif kept == (item.customer_id, item.payload):
            results.append(EventResult("duplicate", item.key))
        else:
            _quarantine(connection, item, kept)
            whose = "" if kept[0] == item.customer_id else f" of customer {kept[0]!r}"
            results.append(EventResult("conflict", item.key, (Problem(
                f"event id {item.key!r} is already stored{whose} with another payload; "
                "this one is quarantined, the stored one kept", path="id"),)))
    if fresh:
        connection.execute(events.insert(), fresh)
    return results


def _quarantine(connection: sa.Connection, item: KeyedEvent, kept: tuple[str, str]) -> None:
    same = connection.execute(sa.select(quarantine.c.seq).where(
        quarantine.c.key == item.key, quarantine.c.customer_id == item.customer_id,
        quarantine.c.payload == item.payload)).first()
    if same is None:  # a conflict sent twice is reported twice, quarantined once
        connection.execute(quarantine.insert().values(
            key=item.key, customer_id=item.customer_id, payload=item.payload,
            kept_customer_id=kept[0], kept_payload=kept[1]))


def store_event_batch(connection: sa.Connection, items: Sequence[Any]) -> list[EventResult]:
    """`POST /v1/events`: items ``{customer_id, event}``, one result each, in order.

    A bad item is rejected with its problems located by ``$[i]`` paths; an event for a
    customer the store does not hold is rejected too; the rest of the batch goes on.
    """
    results: list[EventResult | None] = [None] * len(items)
    parsed: dict[str, list[tuple[int, Any]]] = {}
    for index, item in enumerate(items):
        where = f"$[{index}]"
        if not isinstance(item, Mapping):
            results[index] = EventResult("rejected", problems=(Problem(
                f"expected an object {{customer_id, event}}, got {type(item).__name__}",
                path=where),))
            continue
        problems = [Problem("unknown field; expected customer_id, event", path=f"{where}.{k}")
                    for k in item if k not in ("customer_id", "event")]
        cid = item.get("customer_id")
        if not isinstance(cid, str) or not cid.strip():
            problems.append(Problem("missing required field", path=f"{where}.customer_id"))
        try:
            event = parse_event(item.get("event"), f"{where}.event")
        except RecordError as err:
            problems.extend(err.problems)
        if problems:
            results[index] = EventResult("rejected", problems=tuple(problems))
            continue
        parsed.setdefault(cid, []).append((index, event))
    if parsed:
        ids = list(parsed)
        present = set()
        for start in range(0, len(ids), CHUNK):
            present.update(connection.execute(sa.select(customers.c.id).where(
                customers.c.id.in_(ids[start:start + CHUNK]))).scalars())
        for cid, entries in parsed.items():
            if cid not in present:
                for index, _ in entries:
                    results[index] = EventResult("rejected", problems=(Problem(
                        f"unknown customer {cid!r}: store the customer first "
                        f"(PUT /v1/customers/{cid})", path=f"$[{index}].customer_id"),))
                continue
            keyed = keyed_events(cid, [event for _, event in entries])
            for (index, _), result in zip(entries, store_events(connection, keyed)):
                results[index] = result
    return [r for r in results if r is not None]


def quarantined(connection: sa.Connection) -> list[dict[str, Any]]:
    """Every quarantined event, with the stored one it conflicts with."""
    import json
    rows = connection.execute(sa.select(quarantine).order_by(quarantine.c.seq))
    return [{"id": r.key, "customer_id": r.customer_id, "event": json.loads(r.payload),
             "kept": {"customer_id": r.kept_customer_id, "event": json.loads(r.kept_payload)}}
            for r in rows]


def count_rows(connection: sa.Connection, table: sa.Table, keys: Iterable[str] = ()) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
