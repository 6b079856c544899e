"""Event queries: counts, sums and latest items over a customer's history, as flat facts.

A ruleset declares what it asks of the raw history (`queries:` in YAML, see
docs/rulesets.md): "visits in the last 30 days", "spend in the last 90 days", "days from the
last visit to the last complaint". The engine answers every query a setup declares in **one
pass over the customer's events** (`answer_queries`), so rules still match flat facts:
`query.NAME`, and `last_TYPE.FIELD` / `first_TYPE.FIELD` for the latest and first event of a
type (`last_visit.days_ago` is the days since the last visit).

Windows count days back from `as_of`, today included: `within_days: 30` keeps events from 0
to 29 days ago. Events after `as_of` are never read.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from .models import EVENT_TYPES, Customer

AGGREGATES = ("count", "sum", "average", "min", "max")
ITEMS = ("latest", "first")
QUERY_KINDS = (*AGGREGATES, *ITEMS, "days_between")
FILTER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists")
#: the namespaces of the latest and first event of each type: `last_visit`, `first_purchase`
ITEM_PREFIXES = {"last_": "latest", "first_": "first"}

_TYPE_NAMES = {"dt.date": "date", "float": "number", "int": "integer", "str": "string",
               "bool": "boolean"}


def _field_type(annotation: Any) -> str:
    text = str(annotation).replace(" | None", "").replace("Optional[", "").rstrip("]")
    return _TYPE_NAMES.get(text, "string")


def event_fields(event: str) -> dict[str, str]:
    """The fields a query may read of an event type, name → type (`at` and `days_ago` first)."""
    cls = EVENT_TYPES[event]
    fields = {"at": "date", "days_ago": "integer"}
    for field in attrs.fields(cls):
        if field.name == "id" and event != "complaint":
            continue  # the event's storage id (version 2), nothing to reason on
        if field.name != "at":
            fields[field.name] = _field_type(field.type)
    return fields


@attrs.frozen
class EventFilter:
    """`where:` on an event's field: `field op value` (dates as `datetime.date`)."""

    field: str
    op: str
    value: Any


@attrs.frozen
class EventQuery:
    """One question about the history, answered as one value (or one record of values).

    `kind` is an aggregate (`count`, `sum`, `average`, `min`, `max`), an item (`latest`,
    `first`: its `field`, or every field when `field` is None), or `days_between` two item
    queries' dates (`between`: from, to; positive when `to` is later).
    """

    name: str
    kind: str
    event: str | None = None
    field: str | None = None
    within_days: int | None = None
    where: tuple[EventFilter, ...] = ()
    between: tuple[EventQuery, ...] = ()

    @property
    def type(self) -> str:
        """The type of the answer, for validation."""
        if self.kind == "count" or self.kind == "days_between":
            return "integer"
        if self.kind in ("sum", "average"):
            return "number"
        if self.field is None:
            return "record"
        assert self.event is not None
        return event_fields(self.event)[self.field]


def item_namespace(name: str) -> EventQuery | None:
    """`last_visit` → the latest visit, every field; None when `name` is not such a namespace."""
    for prefix, kind in ITEM_PREFIXES.items():
        if name.startswith(prefix) and name[len(prefix):] in EVENT_TYPES:
            return EventQuery(name, kind, name[len(prefix):])
    return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
    "gt": operator.gt, "gte": operator.ge,
    "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b}


def _read(event: Any, field: str, as_of: dt.date) -> Any:
    if field == "days_ago":
        return (as_of - event.at).days
    return getattr(event, field, None)


def _passes(event: Any, where: Sequence[EventFilter], as_of: dt.date) -> bool:
    for test in where:
        value = _read(event, test.field, as_of)
        if test.op == "exists":
            if (value is not None) != test.value:
                return False
        elif value is None or not _COMPARE[test.op](value, test.value):
            return False
    return True


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        value = round(value, 4)
        return int(value) if value.is_integer() else value
    return value


def _record(event: Any, as_of: dt.date) -> dict[str, Any]:
    values = {name: _plain(_read(event, name, as_of)) for name in event_fields(event.type)}
    return {k: v for k, v in values.items() if v is not None}


class _Tally:
    """The running answer of one aggregate or item query."""

    def __init__(self, query: EventQuery, as_of: dt.date):
        self.query, self.as_of = query, as_of
        self.count, self.total = 0, 0.0
        self.best: Any = None
        self.item: Any = None

    def feed(self, event: Any) -> None:
        q = self.query
        if q.within_days is not None and (self.as_of - event.at).days >= q.within_days:
            return
        if q.where and not _passes(event, q.where, self.as_of):
            return
        if q.kind in ITEMS:
            if q.kind == "latest" or self.item is None:
                self.item = event
            return
        if q.kind == "count":
            self.count += 1
            return
        value = _read(event, q.field or "", self.as_of)
        if value is None:
            return
        self.count += 1
        self.total += value
        if self.best is None or (value < self.best if q.kind == "min" else value > self.best):
            self.best = value

    def answer(self) -> Any:
        q = self.query
        if q.kind == "count":
            return self.count
        if q.kind == "sum":
            return _plain(round(self.total, 2))
        if q.kind == "average":
            return _plain(round(self.total / self.count, 2)) if self.count else None
        if q.kind in ("min", "max"):
            return _plain(self.best)
        if self.item is None:
            return None
        if q.field is None:
            return _record(self.item, self.as_of)
        return _plain(_read(self.item, q.field, self.as_of))


def answer_queries(customer: Customer, as_of: dt.date, queries: Iterable[EventQuery]
                   ) -> dict[str, Any]:
    """Every query's answer, by name, from one pass over the events up to `as_of`.

    An aggregate over no events is 0 (`count`, `sum`) or absent (`average`, `min`, `max`);
    an item or a `days_between` whose item is missing is absent (None).
    """
    queries = list(queries)
    tallies: dict[int, _Tally] = {}
    by_event: dict[str, list[_Tally]] = {}
    for query in queries:
        for part in query.between or (query,):
            tally = _Tally(part, as_of)
            tallies[id(part)] = tally
            by_event.setdefault(part.event or "", []).append(tally)
    for event in customer.events:  # sorted by date
        if event.at > as_of:
            break
        for tally in by_event.get(event.type, ()):
            tally.feed(event)
    answers: dict[str, Any] = {}
    for query in queries:
        if query.kind == "days_between":
            start, end = (tallies[id(part)].item for part in query.between)
            answers[query.name] = None if start is None or end is None \
                else (end.at - start.at).days
        else:
            answers[query.name] = tallies[id(query)].answer()
    return answers


def query_facts(customer: Customer, as_of: dt.date, queries: Mapping[str, EventQuery],
                items: Iterable[EventQuery]) -> dict[str, Any]:
    """The facts rules read: `{"query": {NAME: value}, "last_visit": {...}, ...}`, absent
    answers left out (so `exists: false` tests them)."""
    named = list(queries.values())
    items = list(items)
    answers = answer_queries(customer, as_of, [*named, *items])
    facts: dict[str, Any] = {}
    if named:
        facts["query"] = {q.name: answers[q.name] for q in named
                          if answers[q.name] is not None}
    for item in items:
        if answers[item.name] is not None:
            facts[item.name] = answers[item.name]
    return facts
