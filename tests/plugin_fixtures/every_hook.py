"""A small plugin that uses every hook once: a spa's rebooking reminder.

One attribute (``last_massage_on``), one fact namespace (``spa.days_since_massage``), one
computation (``weeks``), one action (``spa.rebook``) with its script, one ruleset file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loyalty_rules import ActionSpec, AttributeSpec, Computation, FactNamespace, hookimpl

RULESET = Path(__file__).with_name("spa.yaml")


def _days_since_massage(customer: Any, as_of: dt.date, profile: Any) -> dict[str, Any] | None:
    last = customer.attributes.get("last_massage_on")
    if last is None:
        return None
    return {"days_since_massage": (as_of - dt.date.fromisoformat(last)).days}


def weeks(days: int) -> int:
    return days // 7


@hookimpl
def register_attributes(register: Callable[[Any], None]) -> None:
    register(AttributeSpec("last_massage_on", "date", "the last massage"))


@hookimpl
def register_fact_calculators(register: Callable[[Any], None]) -> None:
    register(FactNamespace("spa", {"days_since_massage": ("integer", "days since")},
                           _days_since_massage))


@hookimpl
def register_computations(register: Callable[[Any], None]) -> None:
    register(Computation("weeks", weeks, ("days",), description="whole weeks in days"))


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    register(ActionSpec("spa.rebook", "Offer the next massage.", ("CRM-08",)))


@hookimpl
def register_scripts(register: Callable[..., None]) -> None:
    register("spa.rebook", en="{name}, it has been {weeks} weeks: shall we book the next one?",
             zh="{name}，已经{weeks}周了，要预约下一次吗？")


@hookimpl
def register_rulesets(register: Callable[[Any], None]) -> None:
    register(RULESET)
