from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loyalty_rules import Engine, get_plugin_manager, hookimpl
from loyalty_rules.language.actions import CORE_ACTIONS
from loyalty_rules.language.computations import CORE_COMPUTATIONS

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
AS_OF = dt.date(2026, 11, 22)
BASIC = TESTS / "rulesets" / "basic.yaml"


class VocabularyOnly:
    """The core's actions and computations without its rulesets: engine tests stay independent
    of how the shipped rulesets evolve."""

    @staticmethod
    @hookimpl
    def register_actions(register: Callable[[Any], None]) -> None:
        for spec in CORE_ACTIONS:
            register(spec)

    @staticmethod
    @hookimpl
    def register_computations(register: Callable[[Any], None]) -> None:
        for spec in CORE_COMPUTATIONS:
            register(spec)


def bare_manager():
    manager = get_plugin_manager(load_entrypoints=False)
    manager.unregister(name="core")
    manager.register(VocabularyOnly(), name="core")
    return manager


def make_engine(*rulesets: Path | str, **kwargs: Any) -> Engine:
    return Engine(rulesets=rulesets or (BASIC,), plugin_manager=bare_manager(), **kwargs)


@pytest.fixture(scope="session")
def basic_engine() -> Engine:
    return make_engine()


@pytest.fixture(scope="session")
def core_engine() -> Engine:
    """The shipped core rulesets (no installed packs), built once for the session."""
    return Engine(plugin_manager=get_plugin_manager(load_entrypoints=False))


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
