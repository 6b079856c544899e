"""loyalty_rules industry pack for car dealers (``loyalty-rules evaluate --plugin auto``).

This module is the plugin: loyalty_rules finds it through the ``loyalty_rules`` entry point
``auto = "loyalty_rules_auto"`` and calls the hooks below. What each hook adds:

* attributes: the car, its service history, test drives and walk-ins, an open repair
  (`facts.ATTRIBUTES`, type-checked on input; see the pack's README);
* facts: the ``auto.*`` namespace (`facts.calculate`), ``None`` for non-auto customers;
* actions and default scripts: ``auto.service_reminder`` and five more (`actions`);
* the ruleset: ``rulesets/auto.yaml`` (package data), citing IND-AUTO-02…05 and EXP-13.
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
