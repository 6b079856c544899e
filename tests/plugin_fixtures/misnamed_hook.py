"""A plugin with a typo in a hook name (``register_action``): refused when registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty_rules import ActionSpec, hookimpl


@hookimpl
def register_action(register: Callable[[Any], None]) -> None:
    register(ActionSpec("typo.never", "Never registered.", ("CRM-08",)))
