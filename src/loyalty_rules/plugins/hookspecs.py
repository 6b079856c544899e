"""The plugin contract: what a plugin (an industry pack, or the core itself) can add.

Every hook is a *collector*: it receives a ``register`` callable, calls it once per thing it
adds, and returns nothing. The core registers its rulesets, actions and computations through
these same hooks. Each plugin's hooks are called separately, so whatever goes wrong names the
plugin, and a name registered by two plugins names both.

Implement a hook with the ``hookimpl`` marker exported at the package root::

    from loyalty_rules import ActionSpec, hookimpl

    @hookimpl
    def register_actions(register):
        register(ActionSpec("salon.rebook", "Offer the next appointment.", ("CRM-08",)))

and expose the module under the ``loyalty_rules`` entry-point group of your distribution::

    [project.entry-points.loyalty_rules]
    salon = "loyalty_rules_salon"

docs/plugins.md has one section per hook; docs/plugin-tutorial.md builds a pack from nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Union

import pluggy

if TYPE_CHECKING:
    from ..language.model import ActionSpec, AttributeSpec, Computation, FactNamespace

PROJECT = "loyalty_rules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: What `register_rulesets` accepts: a YAML file or a folder of them, on disk or package data.
RulesetSource = Union[str, Path, Traversable]


class ScriptRegistrar(Protocol):
    """``register(key, en=..., zh=...)``: one script template in both languages."""

    def __call__(self, key: str, *, en: str, zh: str) -> None: ...


# --- rules ---------------------------------------------------------------------------------

@hookspec
def register_rulesets(register: Callable[[RulesetSource], None]) -> None:
    """Register ruleset files: ``register(path)`` with a YAML file or a folder of them.

    :param register: call once per file or folder (a ``pathlib.Path``, or an
        ``importlib.resources.files(__name__) / "rulesets"`` traversable for package data).
        Rulesets are validated and compiled with the rest; a ruleset name may be defined
        only once among the active plugins.
    """


@hookspec
def register_actions(register: Callable[[ActionSpec], None]) -> None:
    """Register actions rules may recommend: ``register(ActionSpec(...))``.

    :param register: call once per `ActionSpec`. A plugin's action names carry its prefix
        (``auto.service_reminder``); an action name may be registered by only one plugin.
    """


@hookspec
def register_scripts(register: ScriptRegistrar) -> None:
    """Register script templates: ``register(key, en="...", zh="...")``.

    :param register: call once per script key, with the text in both ``en`` and ``zh``.
        A rule uses the script named by its ``script:`` key, else its action's name.
        Templates fill ``{name}``, ``{due}``, ``{channel}`` and the rule's params only;
        nothing else runs. A key may be registered by only one plugin.
    """


# --- facts ---------------------------------------------------------------------------------

@hookspec
def register_attributes(register: Callable[[AttributeSpec], None]) -> None:
    """Declare the customer ``attributes`` a plugin reads: ``register(AttributeSpec(...))``.

    :param register: call once per attribute. Declared attributes are type-checked on input;
        a bad value rejects that record (naming ``attributes.NAME``), the batch goes on. An
        attribute name may be declared by only one plugin.
    """


@hookspec
def register_fact_calculators(register: Callable[[FactNamespace], None]) -> None:
    """Add derived facts: ``register(FactNamespace(namespace, fields, calculate))``.

    :param register: call once per namespace. ``calculate(customer, as_of, profile)`` returns
        a mapping of the declared fields (or ``None`` when the customer is not the plugin's);
        rules read them as ``NAMESPACE.FIELD``. It must depend only on its arguments.
    """


@hookspec
def register_computations(register: Callable[[Computation], None]) -> None:
    """Add computed values rules may use as ``{compute: NAME, ...}``.

    :param register: call once per `Computation` (a pure, reviewed Python function). A
        computation name may be registered by only one plugin.
    """
