"""Stable identity and honest due dates of recommendations.

A CRM tracks a recommendation from one day's run to the next by its `id`, so the id must be
the same on every day for the same customer, rule and *triggering item*, and change when the
item changes. The triggering item (`Trigger.key`) is:

- for a rule over items (`for_each`), the item: `request:<event>`, `promise:<event>`,
  `complaint:<id>`, where `<event>` is the event's `id` when it has one, else
  `<date>#<n>` (its date and place among that day's events of its type);
- otherwise, the action's `anchor` (`ActionSpec.anchor`): the first of its profile fields the
  customer has. A day count becomes a date (`days_since_activity: 40` on 2026-11-22 is
  `days_since_activity:2026-10-13`; `*_pending_days` counts back the same way, `days_to_*`
  forward), so it stays put while the days go by; any other field is taken as it is
  (`visits:3`);
- plus, for those, `done:<date>` when a contact carrying the action was recorded: a
  recommendation carried out and due again is a new one.

`recommendation_id(customer, ruleset, rule, key)` hashes the four into `rec-` and 16 hex digits;
nothing else (not `as_of`, not the wording, not the priority) goes in.

The due date counts from the trigger's date when it has one (`Trigger.on`: the request, the
complaint or the previous recovery step, the broken promise's delivery, the 611 programme's
date, the birthday), plus the rule's `due_in_days`; such a recommendation is `overdue` once
`as_of` is past its due date. A recommendation about an open-ended state (dormant, quiet,
churned) has no trigger date: it is due `due_in_days` after `as_of` and carries no `overdue`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

import attrs

from ..facts.models import Contact, Customer
from ..language.model import ActionSpec

ID_PREFIX = "rec-"


@attrs.frozen
class Trigger:
    """What a recommendation is about, and the date its due date counts from (if any)."""

    key: str
    on: dt.date | None = None

    def due(self, as_of: dt.date, due_in_days: int) -> dt.date:
        return (self.on or as_of) + dt.timedelta(days=due_in_days)

    def overdue(self, as_of: dt.date, due: dt.date) -> bool | None:
        """True past due; None when there is no trigger date to count from."""
        return None if self.on is None else as_of > due


def recommendation_id(customer_id: str, ruleset: str, rule: str, trigger_key: str) -> str:
    """The stable id of a recommendation: the same inputs give the same id on every day."""
    text = "\x1f".join((customer_id, ruleset, rule, trigger_key))
    return ID_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def item_trigger(kind: str, key: str, since: dt.date | None) -> Trigger:
    """The trigger of a `for_each` rule's recommendation: the item it matched."""
    return Trigger(f"{kind}:{key}", since)


def anchor_date(field: str, value: Any, as_of: dt.date) -> dt.date | None:
    """The date a day-count anchor stands for; None for any other field."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if field.startswith("days_since_") or field.endswith("_pending_days"):
        return as_of - dt.timedelta(days=value)
    if field.startswith("days_to_"):
        return as_of + dt.timedelta(days=value)
    return None


def last_done(customer: Customer, as_of: dt.date) -> dict[str, tuple[dt.date, int]]:
    """For each action a contact carried out up to `as_of`: the latest date, and how many
    times (the rotation of repeated messages reads the count)."""
    done: dict[str, tuple[dt.date, int]] = {}
    for event in customer.events:  # sorted by date
        if event.at > as_of:
            break
        if isinstance(event, Contact) and event.action is not None:
            done[event.action] = (event.at, done.get(event.action, (event.at, 0))[1] + 1)
    return done


def customer_trigger(spec: ActionSpec | None, action: str, profile: Mapping[str, Any],
                     done: Mapping[str, tuple[dt.date, int]], as_of: dt.date) -> Trigger:
    """The trigger of a customer-level rule's recommendation (see the module docstring)."""
    parts: list[str] = []
    on: dt.date | None = None
    for field in spec.anchor if spec is not None else ():
        value = profile.get(field)
        if value is None:
            continue
        date = anchor_date(field, value, as_of)
        parts.append(f"{field}:{date.isoformat() if date is not None else value}")
        if spec is not None and spec.scheduled:
            on = date
        break
    if action in done:
        parts.append(f"done:{done[action][0].isoformat()}")
    return Trigger(" ".join(parts) or "standing", on)
