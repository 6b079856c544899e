"""Bounds that keep one customer from stalling or swelling a run.

A history of 200,000 events, or thousands of open complaints, is almost certainly a data
error (an import loop, a test account); evaluated anyway it would hold a run for minutes and
hundreds of MB inside durable_rules. Past a bound the customer is **rejected with the reason**
and the rest of the batch is evaluated. The bounds count events and items, not seconds: a
bound on evaluation time would make the same input decide differently on a busy machine.

Override them like any parameter: ``limits.max_events=500000`` (``--param`` on the command
line, ``parameters=`` in Python).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import Problem, UsageError

PREFIX = "limits."


@attrs.frozen
class Limits:
    """Per-customer bounds, and the size of each call into durable_rules."""

    #: events in one customer's history (all types, up to `as_of` or not)
    max_events: int = 100_000
    #: open requests + recent promises + open complaints of one customer: one fact each
    max_items: int = 2_000
    #: facts asserted in one durable_rules call; customers are grouped up to this many
    #: (durable_rules holds ~10 KB per fact until the call ends, so this bounds its memory)
    facts_per_call: int = 4_000

    def events_problem(self, events: int) -> Problem | None:
        if events > self.max_events:
            return Problem(f"history too large to evaluate: {events} events, more than "
                           f"limits.max_events={self.max_events}", path="events")
        return None

    def items_problem(self, items: int) -> Problem | None:
        if items > self.max_items:
            return Problem(f"too many open items to evaluate: {items} open requests, recent "
                           f"promises and open complaints, more than "
                           f"limits.max_items={self.max_items}", path="events")
        return None


def split_limits(overrides: Mapping[str, Any]) -> tuple[Limits, dict[str, Any]]:
    """The `limits.*` overrides as `Limits`, and every other override, untouched."""
    defaults = attrs.asdict(Limits())
    chosen: dict[str, int] = {}
    rest: dict[str, Any] = {}
    for key, value in overrides.items():
        if not key.startswith(PREFIX):
            rest[key] = value
            continue
        name = key[len(PREFIX):]
        if name not in defaults:
            raise UsageError(f"unknown parameter {key!r}; known limits: "
                             f"{', '.join(PREFIX + n for n in defaults)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UsageError(f"parameter {key!r}: expected a positive integer "
                             f"(default {defaults[name]}), got {value!r}")
        chosen[name] = value
    return Limits(**chosen), rest
