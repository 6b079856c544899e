"""Plugin discovery: one factory, the core registered the same way as outside plugins.

Outside plugins are found by the ``loyalty_rules`` entry-point group. Environment variables:

* ``LOYALTY_RULES_BLOCK_PLUGINS=auto,hotel`` — never load these plugins (not even import them);
* ``LOYALTY_RULES_TRACE_PLUGINS=1`` — write every hook call to standard error.

Nothing happens at import time: discovery runs when `get_plugin_manager` is called, and every
call returns a fresh manager.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import EntryPoint, entry_points

import pluggy

from ..errors import PluginError, one_line
from . import hookspecs

ENTRY_POINT_GROUP = "loyalty_rules"
BLOCK_VARIABLE = "LOYALTY_RULES_BLOCK_PLUGINS"
TRACE_VARIABLE = "LOYALTY_RULES_TRACE_PLUGINS"

#: Built-in plugins: ordinary modules registered exactly like outside ones.
DEFAULT_PLUGINS = {"core": "loyalty_rules.plugins.core"}


def blocked_plugins() -> set[str]:
    """The plugin names listed in ``LOYALTY_RULES_BLOCK_PLUGINS`` (comma-separated)."""
    return {n.strip() for n in os.environ.get(BLOCK_VARIABLE, "").split(",") if n.strip()}


def get_plugin_manager(load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager: the core plugins, plus installed ones unless told not to.

    Raises `PluginError` naming the plugin when one cannot be imported or registered.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    blocked = blocked_plugins()
    for name in blocked:
        manager.set_blocked(name)
    for name, module_name in DEFAULT_PLUGINS.items():
        if name not in blocked:
            register_plugin(manager, name, importlib.import_module(module_name))
    if load_entrypoints:
        _load_entrypoints(manager, blocked)
    if os.environ.get(TRACE_VARIABLE):
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    return manager


def installed_plugins(manager: pluggy.PluginManager) -> list[str]:
    """The names of the plugins registered on `manager` (blocked names left out)."""
    return [name for name, plugin in manager.list_name_plugin() if name and plugin is not None]


def plugin_entry_points() -> list[EntryPoint]:
    """The installed ``loyalty_rules`` entry points, sorted by name (a stable order)."""
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))


def _distribution(entry: EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.metadata['name']} {dist.version}" if dist is not None else entry.value


def _load_entrypoints(manager: pluggy.PluginManager, blocked: set[str]) -> None:
    hint = f"(set {BLOCK_VARIABLE}={{}} to run without it)"
    seen: dict[str, EntryPoint] = {}
    for entry in plugin_entry_points():
        if entry.name in blocked:
            continue
        if entry.name in DEFAULT_PLUGINS:
            raise PluginError(entry.name, f"{_distribution(entry)} uses the name of a built-in "
                              "plugin; rename its entry point")
        if entry.name in seen:
            raise PluginError(entry.name, f"installed twice, by {_distribution(seen[entry.name])}"
                              f" and by {_distribution(entry)}; uninstall one "
                              + hint.format(entry.name))
        seen[entry.name] = entry
        try:
            plugin = entry.load()
        except Exception as exc:  # ImportError, SyntaxError, a bug at import time...
            raise PluginError(entry.name, f"cannot be loaded from {entry.value!r} "
                              f"({_distribution(entry)}): {type(exc).__name__}: {one_line(exc)} "
                              + hint.format(entry.name)) from exc
        register_plugin(manager, entry.name, plugin, hint.format(entry.name))


def register_plugin(manager: pluggy.PluginManager, name: str, plugin: object,
                    hint: str = "") -> None:
    """Register one plugin; a hook it misnames or misdeclares is its error, named."""
    suffix = f" {hint}" if hint else ""
    try:
        manager.register(plugin, name=name)
        _check_hooks(manager, plugin)
    except PluginError:
        raise
    except Exception as exc:  # pluggy validates hook names and signatures here
        raise PluginError(name, f"{type(exc).__name__}: {one_line(exc)}{suffix}") from exc


def _check_hooks(manager: pluggy.PluginManager, plugin: object) -> None:
    """A ``@hookimpl`` whose name is no hook of the contract (a typo) is an error."""
    for caller in manager.get_hookcallers(plugin) or ():
        if caller.spec is None:
            raise ValueError(f"@hookimpl {caller.name!r} is not a loyalty_rules hook; "
                             f"the hooks are {', '.join(hook_names())}")


def hook_names() -> list[str]:
    """The names of the contract's hooks (every ``register_*`` spec in `hookspecs`)."""
    return sorted(name for name in vars(hookspecs) if name.startswith("register_")
                  and callable(getattr(hookspecs, name)))


__all__ = ["BLOCK_VARIABLE", "DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "TRACE_VARIABLE",
           "blocked_plugins", "get_plugin_manager", "hook_names", "installed_plugins", "one_line",
           "plugin_entry_points"]
