"""What the active plugins registered, each item attributed to the plugin that registered it.

`collect(manager, active)` calls every collector hook once per active plugin, so a conflict
(two plugins registering one name) can name both, and a failing plugin is named in its error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import pluggy

from ..errors import PluginError, one_line
from ..language.model import ActionSpec, AttributeSpec, Computation, FactNamespace


@attrs.define
class Registry:
    actions: dict[str, ActionSpec] = attrs.field(factory=dict)
    computations: dict[str, Computation] = attrs.field(factory=dict)
    namespaces: dict[str, FactNamespace] = attrs.field(factory=dict)
    attributes: dict[str, AttributeSpec] = attrs.field(factory=dict)
    scripts: dict[str, dict[str, str]] = attrs.field(factory=dict)
    ruleset_sources: list[tuple[str, Any]] = attrs.field(factory=list)  # (plugin, path)
    owner: dict[tuple[str, str], str] = attrs.field(factory=dict)  # (kind, name) -> plugin

    def claim(self, kind: str, name: str, plugin: str) -> None:
        other = self.owner.get((kind, name))
        if other is not None and other != plugin:
            raise PluginError(plugin, f"{kind} {name!r} is already registered by plugin "
                              f"{other!r}")
        if other == plugin:
            raise PluginError(plugin, f"{kind} {name!r} is registered twice")
        self.owner[(kind, name)] = plugin

    def added_by(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin added, by kind (for `loyalty-rules plugins`)."""
        found: dict[str, list[str]] = {}
        for (kind, name), owner in self.owner.items():
            if owner == plugin:
                found.setdefault(kind, []).append(name)
        return {k: sorted(v) for k, v in sorted(found.items())}


def _expect(plugin: str, kind: str, value: Any, cls: type) -> None:
    if not isinstance(value, cls):
        article = "an" if cls.__name__[0] in "AEIOU" else "a"
        raise PluginError(plugin, f"register_{kind}: expected {article} {cls.__name__}, got "
                          f"{type(value).__name__}")


class Register:
    """The ``register`` callable one plugin's hook receives; its repr names both (for traces)."""

    def __init__(self, plugin: str, hook: str, add: Callable[..., None]):
        self.plugin, self.hook, self._add = plugin, hook, add

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self._add(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<register for plugin {self.plugin!r} ({self.hook})>"


def _registrars(registry: Registry, plugin: str) -> dict[str, Callable[..., None]]:
    def action(spec: ActionSpec) -> None:
        _expect(plugin, "actions", spec, ActionSpec)
        registry.claim("action", spec.name, plugin)
        registry.actions[spec.name] = spec

    def computation(spec: Computation) -> None:
        _expect(plugin, "computations", spec, Computation)
        registry.claim("computation", spec.name, plugin)
        registry.computations[spec.name] = spec

    def namespace(spec: FactNamespace) -> None:
        _expect(plugin, "fact_calculators", spec, FactNamespace)
        registry.claim("fact namespace", spec.namespace, plugin)
        registry.namespaces[spec.namespace] = attrs.evolve(spec, plugin=plugin)

    def attribute(spec: AttributeSpec) -> None:
        _expect(plugin, "attributes", spec, AttributeSpec)
        registry.claim("attribute", spec.name, plugin)
        registry.attributes[spec.name] = spec

    def script(key: str, *, en: str, zh: str) -> None:
        if not isinstance(key, str) or not key:
            raise PluginError(plugin, f"register_scripts: a script key is text, got {key!r}")
        if not isinstance(en, str) or not isinstance(zh, str):
            raise PluginError(plugin, f"script {key!r}: en and zh must both be text")
        registry.claim("script", key, plugin)
        registry.scripts[key] = {"en": en, "zh": zh}

    def ruleset(path: Any) -> None:
        if not hasattr(path, "read_text") and not isinstance(path, (str, Path)):
            raise PluginError(plugin, f"register_rulesets: expected a path, got "
                              f"{type(path).__name__}")
        if isinstance(path, str):
            path = Path(path)
        if not path.is_file() and not path.is_dir():
            raise PluginError(plugin, f"register_rulesets: {path} does not exist")
        registry.ruleset_sources.append((plugin, path))

    adders = {"register_actions": action, "register_computations": computation,
              "register_fact_calculators": namespace, "register_attributes": attribute,
              "register_scripts": script, "register_rulesets": ruleset}
    return {hook: Register(plugin, hook, add) for hook, add in adders.items()}


HOOKS = ("register_computations", "register_actions", "register_attributes",
         "register_fact_calculators", "register_scripts", "register_rulesets")


def collect(manager: pluggy.PluginManager, active: Iterable[str]) -> Registry:
    """Call every collector hook of every active plugin; conflicts and failures name plugins."""
    registry = Registry()
    active = list(active)
    plugins = {name: manager.get_plugin(name) for name in active}
    for name, plugin in plugins.items():
        if plugin is None:
            if manager.is_blocked(name):
                raise PluginError(name, "not installed: blocked by LOYALTY_RULES_BLOCK_PLUGINS")
            known = ", ".join(sorted(n for n, p in manager.list_name_plugin() if n and p is not None))
            raise PluginError(name, f"not installed (installed: {known})")
    everyone = [p for _, p in manager.list_name_plugin() if p is not None]
    for hook in HOOKS:
        for name, plugin in plugins.items():
            caller = manager.subset_hook_caller(hook, [p for p in everyone if p is not plugin])
            try:
                caller(register=_registrars(registry, name)[hook])
            except PluginError:
                raise
            except Exception as exc:  # a plugin's bug: name the plugin, keep the host alive
                raise PluginError(name, f"{hook} failed: {type(exc).__name__}: "
                                  f"{one_line(exc)}") from exc
    return registry
