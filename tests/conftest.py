from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loyalty_rules import Engine, get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="session")
def core_engine() -> Engine:
    """The core rulesets only (no installed packs), built once for the session."""
    return Engine(plugin_manager=get_plugin_manager(load_entrypoints=False))


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
