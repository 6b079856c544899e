"""A second plugin registering ``spa.rebook``: a conflict with `every_hook`, naming both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty_rules import ActionSpec, hookimpl


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    register(ActionSpec("spa.rebook", "Offer the next treatment.", ("CRM-08",)))
