"""loyalty_rules industry pack for restaurants (``loyalty-rules evaluate --plugin restaurant``).

This module is the plugin: loyalty_rules finds it through the ``loyalty_rules`` entry point
``restaurant = "loyalty_rules_restaurant"`` and calls the hooks below. What each hook adds:

* attributes: the waiting list, the next booking, the favourite server and dish, membership,
  the last treat (`facts.ATTRIBUTES`, type-checked on input; see the pack's README);
* facts: the ``restaurant.*`` namespace (`facts.calculate`), ``None`` for everyone else;
* actions and default scripts: ``restaurant.pad_wait_quote`` and four more (`actions`);
* the ruleset: ``rulesets/restaurant.yaml`` (package data), citing EXP-13, IND-PARK-01,
  IND-REST-01…04 and LOY-03.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from loyalty_rules import hookimpl

from .actions import ACTIONS, SCRIPTS
from .facts import ATTRIBUTES, NAMESPACE_SPEC

__version__ = "0.1.0"


@hookimpl
def register_attributes(register: Callable[[Any], None]) -> None:
    for spec in ATTRIBUTES:
        register(spec)


@hookimpl
def register_fact_calculators(register: Callable[[Any], None]) -> None:
    register(NAMESPACE_SPEC)


@hookimpl
def register_actions(register: Callable[[Any], None]) -> None:
    for spec in ACTIONS:
        register(spec)


@hookimpl
def register_scripts(register: Callable[..., None]) -> None:
    for key, texts in SCRIPTS.items():
        register(key, en=texts["en"], zh=texts["zh"])


@hookimpl
def register_rulesets(register: Callable[[Any], None]) -> None:
    register(resources.files(__name__) / "rulesets")
