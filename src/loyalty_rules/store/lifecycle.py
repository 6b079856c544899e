"""The recommendation lifecycle: open → done / dismissed / snoozed (until a date) / expired.

Outcomes are appended, never updated; a recommendation's state is its latest outcome (none:
open). What marks an action done is declared with it (`ActionSpec.done_by`), and recording
`done` appends that history event itself, so the next evaluation sees it:

| done_by | the history event appended |
|---|---|
| `contact` | `{"type": "contact", "direction": "outbound", "action": ACTION, "channel": …}` |
| `recovery:STEP` | `{"type": "recovery", "complaint_id": <its complaint>, "step": STEP}` |
| `record` | none: kept in the store only (not a contact with the customer) |

Done, dismissed and snoozed recommendations are *held*: shown with their status, they take
no contact-cap slot, so the next one in line may go out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from ..errors import NotFoundError, Problem, RecordError
from ..facts.models import CHANNELS
from ..io.reading import parse_event
from ..language.model import ActionSpec
from .ingestion import CHUNK, store_events
from .records import keyed_events
from .schema import outcomes, recommendations

STATUSES = ("open", "done", "dismissed", "snoozed", "expired")
SETTABLE = ("done", "dismissed", "snoozed")
OUTCOMES = ("accepted", "rejected", "ignored")


@attrs.frozen
class State:
    """A recommendation's outcome: as sent (`POST /v1/recommendations/{id}/outcome`'s body,
    checked by `parse_outcome`) or as recorded (the latest one is its state)."""

    status: str
    at: dt.date
    until: dt.date | None = None
    channel: str | None = None
    outcome: str | None = None

    def held_as(self, as_of: dt.date) -> str | None:
        """The status that holds it on `as_of` (done, dismissed, snoozed), or None: open."""
        if self.status in ("done", "dismissed"):
            return self.status
        if self.status == "snoozed" and self.until is not None and as_of < self.until:
            return "snoozed"
        return None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "at": self.at.isoformat()}
        for name in ("until", "channel", "outcome"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value.isoformat() if isinstance(value, dt.date) else value
        return data


def states(connection: sa.Connection, customer_ids: Sequence[str],
           outcome_seq: int | None = None) -> dict[str, dict[str, State]]:
    """customer id → recommendation id → latest state (outcomes up to `outcome_seq`)."""
    found: dict[str, dict[str, State]] = {}
    for start in range(0, len(customer_ids), CHUNK):
        query = (sa.select(outcomes).where(outcomes.c.customer_id.in_(
            list(customer_ids[start:start + CHUNK]))).order_by(outcomes.c.seq))
        if outcome_seq is not None:
            query = query.where(outcomes.c.seq <= outcome_seq)
        for row in connection.execute(query):
            found.setdefault(row.customer_id, {})[row.recommendation_id] = State(
                row.status, row.at, row.until, row.channel, row.outcome)
    return found


def held(customer_states: Mapping[str, State], as_of: dt.date) -> dict[str, str]:
    """The recommendations held on `as_of`: id → done, dismissed or snoozed."""
    found = {}
    for rec_id, state in sorted(customer_states.items()):
        status = state.held_as(as_of)
        if status is not None:
            found[rec_id] = status
    return found


def max_outcome_seq(connection: sa.Connection) -> int:
    return connection.execute(sa.select(sa.func.max(outcomes.c.seq))).scalar() or 0


def remember(connection: sa.Connection, customer_id: str, recs: Sequence[Mapping[str, Any]]
             ) -> None:
    """Note every recommendation issued (id, customer, action, params) so an outcome can be
    recorded against it later; already known ids are left as they are."""
    rows = {r["id"]: {"id": r["id"], "customer_id": customer_id, "action": r["action"],
                      "params": json.dumps(r.get("params", {}), sort_keys=True,
                                           ensure_ascii=False, default=str)}
            for r in recs if r.get("id")}
    if not rows:
        return
    known = set(connection.execute(sa.select(recommendations.c.id).where(
        recommendations.c.id.in_(list(rows)))).scalars())
    fresh = [row for rec_id, row in rows.items() if rec_id not in known]
    if fresh:
        connection.execute(_insert_ignoring_duplicates(connection, recommendations), fresh)


def _insert_ignoring_duplicates(connection: sa.Connection, table: sa.Table) -> Any:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def parse_outcome(raw: Any) -> State:
    """Check an outcome's body; `RecordError` with every problem, each at its `$`-path."""
    if not isinstance(raw, Mapping):
        raise RecordError([Problem(f"expected an object, got {type(raw).__name__}", path="$")])
    problems: list[Problem] = []
    allowed = ("status", "at", "until", "channel", "outcome")
    problems += [Problem(f"unknown field; expected one of {', '.join(allowed)}", path=f"$.{k}")
                 for k in raw if k not in allowed]
    status = raw.get("status")
    if status not in SETTABLE:
        problems.append(Problem(f"expected one of {', '.join(SETTABLE)}; got {status!r}",
                                path="$.status"))
    dates: dict[str, dt.date | None] = {}
    for name in ("at", "until"):
        value = raw.get(name)
        if value is None:
            dates[name] = None
            continue
        try:  # the event parser's date reading, so the message is the same
            dates[name] = parse_event({"type": "visit", "at": value}, "$").at
        except RecordError:
            problems.append(Problem(f"expected an ISO 8601 date (YYYY-MM-DD), got {value!r}",
                                    path=f"$.{name}"))
            dates[name] = dt.date.min
    if "at" not in raw:
        problems.append(Problem("missing required field", path="$.at"))
    if status == "snoozed" and raw.get("until") is None:
        problems.append(Problem("a snooze needs the date it ends", path="$.until"))
    elif status != "snoozed" and raw.get("until") is not None:
        problems.append(Problem("only a snooze has an end date", path="$.until"))
    elif (status == "snoozed" and dates.get("at") and dates.get("until")
          and dates["until"] <= dates["at"]):
        problems.append(Problem("a snooze ends after the day it is recorded", path="$.until"))
    channel = raw.get("channel")
    if channel is not None and channel not in CHANNELS:
        problems.append(Problem(f"expected one of {', '.join(CHANNELS)}; got {channel!r}",
                                path="$.channel"))
    outcome = raw.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        problems.append(Problem(f"expected one of {', '.join(OUTCOMES)}; got {outcome!r}",
                                path="$.outcome"))
    if problems:
        raise RecordError(problems)
    return State(status, dates["at"], dates["until"], channel, outcome)


def completion_event(spec: ActionSpec | None, action: str, params: Mapping[str, Any],
                     outcome: State) -> dict[str, Any] | None:
    """The history event that recording `done` appends (see the module's table)."""
    done_by = spec.done_by if spec is not None else "contact"
    if done_by == "record":
        return None
    if done_by == "contact":
        event: dict[str, Any] = {"type": "contact", "at": outcome.at.isoformat(),
                                 "direction": "outbound", "action": action}
        if outcome.channel:
            event["channel"] = outcome.channel
        return event
    step = done_by.partition(":")[2]
    event = {"type": "recovery", "at": outcome.at.isoformat(), "step": step}
    if params.get("complaint") is not None:
        event["complaint_id"] = str(params["complaint"])
    return event


def record(connection: sa.Connection, actions: Mapping[str, ActionSpec], rec_id: str,
           outcome: State) -> dict[str, Any]:
    """Record an outcome; `done` appends its history event. Recording the same outcome again
    is a no-op. Raises `NotFoundError` for a recommendation the store never issued."""
    row = connection.execute(sa.select(recommendations).where(
        recommendations.c.id == rec_id)).first()
    if row is None:
        raise NotFoundError(f"recommendation {rec_id!r}: not issued by this store "
                            "(run the day or ask for the customer's decision first)")
    latest = connection.execute(sa.select(outcomes).where(
        outcomes.c.recommendation_id == rec_id).order_by(outcomes.c.seq.desc()).limit(1)).first()
    state = outcome
    if latest is not None and State(latest.status, latest.at, latest.until, latest.channel,
                                    latest.outcome) == state:
        return {"id": rec_id, "customer_id": row.customer_id, "recorded": False,
                **state.to_dict()}
    event_seq = None
    appended = None
    if outcome.status == "done":
        appended = completion_event(actions.get(row.action), row.action,
                                    json.loads(row.params), outcome)
        if appended is not None:
            appended["id"] = f"outcome:{rec_id}:{outcome.at.isoformat()}"
            keyed = keyed_events(row.customer_id, [parse_event(appended)])
            store_events(connection, keyed)
            from .schema import events
            event_seq = connection.execute(sa.select(events.c.seq).where(
                events.c.key == keyed[0].key)).scalar()
    connection.execute(outcomes.insert().values(
        recommendation_id=rec_id, customer_id=row.customer_id, status=outcome.status,
        at=outcome.at, until=outcome.until, channel=outcome.channel, outcome=outcome.outcome,
        event_seq=event_seq))
    result = {"id": rec_id, "customer_id": row.customer_id, "recorded": True,
              **state.to_dict()}
    if appended is not None:
        result["event"] = appended
    return result
