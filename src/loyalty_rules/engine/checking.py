"""What the `validate`, `guidance` and `plugins` commands report, as plain data."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..language.compiler import compile_rulesets
from ..language.model import Ruleset
from ..language.validation import ruleset_files
from ..plugins.manager import get_plugin_manager, installed_plugins, plugin_entry_points
from ..plugins.registry import collect
from .layering import apply_overrides, check_declarations
from .building import (
    _sources,
    plugin_actions,
    check_scripts,
    gather_scripts,
    load_rulesets,
    vocabulary_of,
)


def _installed(manager: Any) -> list[str]:
    return installed_plugins(manager)


def validate_paths(paths: Iterable[str | Path], plugins: Sequence[str] | None = None
                   ) -> list[Ruleset]:
    """Validate ruleset files against the core and the given (default: all) plugins.

    Raises one `RulesetError` listing every problem in every file.
    """
    manager = get_plugin_manager()
    active = ["core", *(plugins if plugins is not None else _installed(manager))]
    registry = collect(manager, dict.fromkeys(active))
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        files += ruleset_files(path)
    if not files:
        raise UsageError("no ruleset files (*.yaml) found")
    given = {f.resolve() for f in files}
    vocabulary = vocabulary_of(registry)
    # The installed rulesets provide scripts and derived facts the files may rely on.
    others = [(plugin, source) for plugin, source in _sources(registry, [])
              if Path(str(source)).resolve() not in given]
    installed = load_rulesets(others, vocabulary)
    rulesets = load_rulesets([(None, f) for f in files], vocabulary)
    check_declarations(installed + rulesets, plugin_actions(registry))
    check_scripts(rulesets, gather_scripts(registry, installed + rulesets))
    layered, _ = apply_overrides(installed + rulesets)
    rulesets = [rs for rs in layered if rs.plugin is None and Path(rs.file).resolve() in given]
    parameters = {rs.name: {p.name: p.default for p in rs.parameters.values()}
                  for rs in rulesets}
    compile_rulesets(rulesets, parameters)
    return rulesets


def guidance_catalogue() -> list[dict[str, str]]:
    text = resources.files("loyalty_rules").joinpath("data/guidance.json").read_text("utf-8")
    return json.loads(text)


def guidance_coverage(plugins: Sequence[str] = (), rulesets: Sequence[str | Path] = ()
                      ) -> list[dict[str, Any]]:
    """Every guideline with the rules (``ruleset/rule``) that cite it: the course's catalogue,
    then the guidance IDs rulesets declare themselves (`guidelines:`)."""
    from .engine import Engine

    engine = Engine(plugins=plugins, rulesets=rulesets)
    cited: dict[str, list[str]] = {}
    for ruleset in engine.rulesets:
        for rule in ruleset.rules:
            for gid in rule.guidance:
                cited.setdefault(gid, []).append(f"{ruleset.name}/{rule.id}")
    rows = []
    known = set()
    for row in guidance_catalogue():
        known.add(row["id"])
        rows.append({**row, "rules": cited.get(row["id"], [])})
    for ruleset in engine.rulesets:
        for gid, guideline in ruleset.guidelines.items():
            known.add(gid)
            rows.append({"id": gid, "text": guideline.text, "source": guideline.source,
                         "rule": "", "declared_in": ruleset.file, "rules": cited.get(gid, [])})
    for gid in sorted(set(cited) - known):
        rows.append({"id": gid, "text": "(not in the catalogue)", "source": "", "rule": "",
                     "rules": cited[gid]})
    return rows


def ruleset_inventory(rulesets: Sequence[str | Path]) -> dict[str, dict[str, Any]]:
    """What ruleset files declare, in the shape of `plugin_inventory`: ``{"ruleset NAME":
    {"source": FILE, "adds": {kind: [names]}}}`` (actions, guidance, queries, scripts,
    overrides)."""
    from .engine import Engine

    engine = Engine(rulesets=rulesets)
    found: dict[str, dict[str, Any]] = {}
    for ruleset in engine.rulesets:
        if ruleset.plugin is not None:
            continue
        adds = {"action": sorted(ruleset.actions), "guidance": sorted(ruleset.guidelines),
                "query": sorted(ruleset.queries), "script": sorted(ruleset.scripts),
                "overrides": [o.target for o in ruleset.overrides],
                "rules": [rule.id for rule in ruleset.rules]}
        found[f"ruleset {ruleset.name}"] = {"source": ruleset.file,
                                            "adds": {k: v for k, v in adds.items() if v}}
    return found


def plugin_inventory() -> dict[str, dict[str, Any]]:
    """Installed plugins, where each comes from, and what each adds.

    ``{name: {"source": "built in" | "DIST VERSION", "adds": {kind: [names]}}}``; kinds are
    action, attribute, computation, fact namespace, facts (``NAMESPACE.FIELD``), script and
    rulesets (``NAME (FILE)``).
    """
    manager = get_plugin_manager()
    names = _installed(manager)
    registry = collect(manager, names)
    info: dict[str, dict[str, Any]] = {}
    dists = dict(_distributions(manager))
    files = _sources(registry, [])
    for name in names:
        adds = registry.added_by(name)
        facts = [f"{space.namespace}.{field}" for space in registry.namespaces.values()
                 if space.plugin == name for field in space.fields]
        if facts:
            adds["facts"] = facts
        rulesets = [_ruleset_label(source) for plugin, source in files if plugin == name]
        if rulesets:
            adds["rulesets"] = rulesets
        info[name] = {"source": dists.get(name, "built in"), "adds": adds}
    return info


def _ruleset_label(source: Any) -> str:
    """``NAME (FILE)`` for a ruleset file; the file alone when it has no readable name."""
    import yaml

    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        name = data.get("ruleset") if isinstance(data, dict) else None
    except (OSError, yaml.YAMLError):
        name = None
    return f"{name} ({source})" if isinstance(name, str) else str(source)


def _distributions(manager: Any) -> list[tuple[str, str]]:
    found = []
    for entry in plugin_entry_points():
        if manager.get_plugin(entry.name) is not None and entry.dist is not None:
            found.append((entry.name, f"{entry.dist.metadata['name']} {entry.dist.version}"))
    return found
