"""Reading customers back: the record and its history, as of an event watermark."""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs
import sqlalchemy as sa

from ..errors import RecordError
from ..facts.models import Customer
from ..io.reading import Rejected, parse_customer
from .ingestion import CHUNK
from .records import input_hash
from .schema import customers, events


@attrs.frozen
class Loaded:
    """One customer as read for an evaluation, and the hash of what was read."""

    customer: Customer | Rejected
    input_hash: str


def customer_ids(connection: sa.Connection, after: str | None = None,
                 limit: int | None = None) -> list[str]:
    """Customer ids in order (those after `after`, at most `limit`)."""
    query = sa.select(customers.c.id).order_by(customers.c.id)
    if after is not None:
        query = query.where(customers.c.id > after)
    if limit is not None:
        query = query.limit(limit)
    return list(connection.execute(query).scalars())


def max_event_seq(connection: sa.Connection) -> int:
    return connection.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0


def load(connection: sa.Connection, ids: Sequence[str], event_seq: int | None = None
         ) -> dict[str, Loaded]:
    """The customers named, with their events up to `event_seq` (all when None)."""
    records: dict[str, str] = {}
    payloads: dict[str, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        records.update((r.id, r.record) for r in connection.execute(
            sa.select(customers.c.id, customers.c.record).where(customers.c.id.in_(chunk))))
        query = (sa.select(events.c.customer_id, events.c.payload)
                 .where(events.c.customer_id.in_(chunk)).order_by(events.c.seq))
        if event_seq is not None:
            query = query.where(events.c.seq <= event_seq)
        for row in connection.execute(query):
            payloads.setdefault(row.customer_id, []).append(row.payload)
    loaded: dict[str, Loaded] = {}
    for cid in ids:
        if cid not in records:
            continue
        history = payloads.get(cid, [])
        raw = json.loads(records[cid])
        raw["events"] = [json.loads(p) for p in history]
        try:
            customer: Customer | Rejected = parse_customer(raw)
        except RecordError as err:  # stored data is validated: only a newer contract breaks it
            customer = Rejected(err.problems, cid)
        loaded[cid] = Loaded(customer, input_hash(records[cid], history))
    return loaded
