"""A plugin that registers a plain dict where an `ActionSpec` is expected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty_rules import hookimpl


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    register({"name": "sloppy.action"})
