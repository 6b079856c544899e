"""Plugin discovery: one factory, the core registered the same way as outside plugins.

Outside plugins are found by the ``loyalty_rules`` entry-point group. Environment variables:

* ``LOYALTY_RULES_BLOCK_PLUGINS=auto,hotel`` — never load these plugins;
* ``LOYALTY_RULES_TRACE_PLUGINS=1`` — write every hook call to standard error.
"""

from __future__ import annotations

import importlib
import os
import sys

import pluggy

from . import hookspecs
from .errors import PluginError

ENTRY_POINT_GROUP = "loyalty_rules"
BLOCK_VARIABLE = "LOYALTY_RULES_BLOCK_PLUGINS"
TRACE_VARIABLE = "LOYALTY_RULES_TRACE_PLUGINS"

#: Built-in plugins: ordinary modules registered exactly like outside ones.
DEFAULT_PLUGINS = {"core": "loyalty_rules.core_plugin"}


def blocked_plugins() -> set[str]:
    return {n.strip() for n in os.environ.get(BLOCK_VARIABLE, "").split(",") if n.strip()}


def get_plugin_manager(load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager: the core plugins, plus installed ones unless told not to."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    blocked = blocked_plugins()
    for name in blocked:
        manager.set_blocked(name)
    for name, module_name in DEFAULT_PLUGINS.items():
        if name not in blocked:
            manager.register(importlib.import_module(module_name), name=name)
    if load_entrypoints:
        _load_entrypoints(manager, blocked)
    if os.environ.get(TRACE_VARIABLE):
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    return manager


def _load_entrypoints(manager: pluggy.PluginManager, blocked: set[str]) -> None:
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in blocked or manager.get_plugin(entry.name) is not None:
            continue
        try:
            plugin = entry.load()
        except Exception as exc:
            raise PluginError(entry.name, f"cannot be loaded from {entry.value!r}: "
                              f"{type(exc).__name__}: {exc}") from exc
        try:
            manager.register(plugin, name=entry.name)
        except Exception as exc:  # pluggy validates hook names and signatures here
            raise PluginError(entry.name, f"{type(exc).__name__}: {exc}") from exc
