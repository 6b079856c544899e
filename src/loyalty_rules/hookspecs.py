"""The plugin contract: what a plugin (an industry pack, or the core itself) can add.

Every hook is a *collector*: it receives a ``register`` callable and returns nothing. The core
registers its rulesets, actions and computations through these same hooks.

Implement a hook with the ``hookimpl`` marker exported at the package root::

    from loyalty_rules import ActionSpec, hookimpl

    @hookimpl
    def register_actions(register):
        register(ActionSpec("salon.rebook", "Offer the next appointment.", ("CRM-08",)))

and expose the module under the ``loyalty_rules`` entry-point group of your distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT = "loyalty_rules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- rules ---------------------------------------------------------------------------------

@hookspec
def register_rulesets(register: Callable[[Any], None]) -> None:
    """Register ruleset files: ``register(path)`` with a YAML file or a folder of them.

    :param register: call once per file or folder (a ``pathlib.Path`` or an
        ``importlib.resources`` traversable). Rulesets are validated and compiled with the
        rest; a ruleset name may be registered by only one plugin.
    """


@hookspec
def register_actions(register: Callable[[Any], None]) -> None:
    """Register actions rules may recommend: ``register(ActionSpec(...))``.

    :param register: call once per `ActionSpec`. A plugin's action names carry its prefix
        (``auto.service_reminder``); an action name may be registered by only one plugin.
    """


@hookspec
def register_scripts(register: Callable[..., None]) -> None:
    """Register script templates: ``register(key, en="...", zh="...")``.

    :param register: call once per script key, with the text in both ``en`` and ``zh``.
        Templates fill ``{name}`` and the recommendation's params; nothing else runs.
    """


# --- facts ---------------------------------------------------------------------------------

@hookspec
def register_attributes(register: Callable[[Any], None]) -> None:
    """Declare the customer ``attributes`` a plugin reads: ``register(AttributeSpec(...))``.

    :param register: call once per attribute. Declared attributes are type-checked on input;
        a bad value rejects that record (naming ``attributes.NAME``), the batch goes on.
    """


@hookspec
def register_fact_calculators(register: Callable[[Any], None]) -> None:
    """Add derived facts: ``register(FactNamespace(namespace, fields, calculate))``.

    :param register: call once per namespace. ``calculate(customer, as_of, profile)`` returns
        a mapping of the declared fields (or ``None`` when the customer is not the plugin's);
        rules read them as ``NAMESPACE.FIELD``.
    """


@hookspec
def register_computations(register: Callable[[Any], None]) -> None:
    """Add computed values rules may use as ``{compute: NAME, ...}``.

    :param register: call once per `Computation` (a pure, reviewed Python function).
    """
