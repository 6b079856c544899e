"""The core, registered as a plugin like any other: its rulesets, actions and computations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..language.actions import CORE_ACTIONS
from ..language.computations import CORE_COMPUTATIONS
from .hookspecs import hookimpl


def core_rulesets_dir() -> Path:
    """The core rulesets: inside the installed package, or `rulesets/` of a source checkout."""
    packaged = Path(__file__).parent.parent / "rulesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rulesets"


@hookimpl
def register_rulesets(register: Callable[[Any], None]) -> None:
    register(core_rulesets_dir())


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    for spec in CORE_ACTIONS:
        register(spec)


@hookimpl
def register_computations(register: Callable[[Any], None]) -> None:
    for spec in CORE_COMPUTATIONS:
        register(spec)
