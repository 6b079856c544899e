"""Customers and events as the store keeps them: canonical JSON, keyed, hashed.

An event is stored under its `id` when it has one; without one, under a hash of its customer,
its content and its place among identical events of the same submission (`~` + 40 hex
digits). So re-sending a customer file is a no-op while two identical purchases sent together
stay two; send an `id` to tell apart identical events sent separately.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..facts.models import Customer


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal content, equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def event_payload(event: Any) -> dict[str, Any]:
    """A parsed event as a contract event: its type and every field that is set."""
    data: dict[str, Any] = {"type": event.type}
    for name, value in attrs.asdict(event, recurse=False).items():
        if value is not None:
            data[name] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def customer_record(customer: Customer) -> dict[str, Any]:
    """A parsed customer as a contract record, without its events."""
    record: dict[str, Any] = {"id": customer.id, "kind": customer.kind}
    for name, value in (("name", customer.name), ("personality", customer.personality_label),
                        ("orientation", customer.orientation),
                        ("birthday", customer.birthday),
                        ("preferred_channel", customer.preferred_channel),
                        ("locale", customer.locale)):
        if value is not None:
            record[name] = value.isoformat() if isinstance(value, dt.date) else value
    if customer.attributes:
        record["attributes"] = dict(customer.attributes)
    return record


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@attrs.frozen
class KeyedEvent:
    """One event ready to store: its key, whether the key is its own id, its payload."""

    key: str
    given: bool
    customer_id: str
    at: dt.date
    type: str
    payload: str


def keyed_events(customer_id: str, events: Iterable[Any]) -> list[KeyedEvent]:
    """Key each event (see the module's docstring), in the order given."""
    keyed: list[KeyedEvent] = []
    occurrences: dict[str, int] = {}
    for event in events:
        payload = canonical(event_payload(event))
        given = getattr(event, "id", None)
        if given is not None:
            key = str(given)
        else:
            n = occurrences.get(payload, 0)
            occurrences[payload] = n + 1
            key = "~" + digest(customer_id, payload, str(n))[:40]
        keyed.append(KeyedEvent(key, given is not None, customer_id, event.at, event.type,
                                payload))
    return keyed


def input_hash(record: str, payloads: Iterable[str]) -> str:
    """What a decision was computed from: the record and the history, in stored order."""
    return digest(record, *payloads)


def lifecycle_hash(held: Mapping[str, str]) -> str:
    return digest(canonical(dict(held)))
