"""A loyalty_rules pack for hair salons: the plugin module the entry point names."""

from importlib import resources

from loyalty_rules import hookimpl

from .actions import ACTIONS, COMPUTATIONS, SCRIPTS
from .facts import ATTRIBUTES, NAMESPACE


@hookimpl
def register_attributes(register):
    for spec in ATTRIBUTES:
        register(spec)


@hookimpl
def register_fact_calculators(register):
    register(NAMESPACE)


@hookimpl
def register_actions(register):
    for spec in ACTIONS:
        register(spec)


@hookimpl
def register_scripts(register):
    for key, texts in SCRIPTS.items():
        register(key, en=texts["en"], zh=texts["zh"])


@hookimpl
def register_computations(register):
    for spec in COMPUTATIONS:
        register(spec)


@hookimpl
def register_rulesets(register):
    register(resources.files(__name__) / "rulesets")
