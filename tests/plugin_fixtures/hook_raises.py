"""A plugin whose hook raises: the host names it and goes on no further."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty_rules import hookimpl


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    raise RuntimeError("the pack's action table is missing")
