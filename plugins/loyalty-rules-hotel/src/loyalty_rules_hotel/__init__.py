"""loyalty_rules industry pack for hotels (``loyalty-rules evaluate --plugin hotel``).

This module is the plugin: loyalty_rules finds it through the ``loyalty_rules`` entry point
``hotel = "loyalty_rules_hotel"`` and calls the hooks below. What each hook adds:

* attributes: the booked arrival, stays, remembered preferences, VIP flag, an incident
  (`facts.ATTRIBUTES`, type-checked on input; see the pack's README);
* facts: the ``hotel.*`` namespace (`facts.calculate`), ``None`` for non-hotel customers;
* actions and default scripts: ``hotel.pre_arrival_recognition`` and four more (`actions`);
* the ruleset: ``rulesets/hotel.yaml`` (package data), citing IND-HOTEL-01…03, LOY-11,
  CRM-10 and CMP-04.
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
