"""What the `validate`, `guidance` and `plugins` commands report, as plain data."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .building import _sources, check_scripts, gather_scripts, load_rulesets, vocabulary_of
from .compiler import compile_rulesets
from .errors import UsageError
from .language import Ruleset
from .plugins import ENTRY_POINT_GROUP, get_plugin_manager
from .registry import collect
from .validation import ruleset_files


def _installed(manager: Any) -> list[str]:
    return [name for name, _ in manager.list_name_plugin() if name]


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
    check_scripts(rulesets, gather_scripts(registry, installed + rulesets))
    parameters = {rs.name: {p.name: p.default for p in rs.parameters.values()}
                  for rs in rulesets}
    compile_rulesets(rulesets, parameters)
    return rulesets


def guidance_catalogue() -> list[dict[str, str]]:
    text = resources.files("loyalty_rules").joinpath("data/guidance.json").read_text("utf-8")
    return json.loads(text)


def guidance_coverage(plugins: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every guideline with the rules (``ruleset/rule``) that cite it."""
    from .engine import Engine

    engine = Engine(plugins=plugins)
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
    for gid in sorted(set(cited) - known):
        rows.append({"id": gid, "text": "(not in the catalogue)", "source": "", "rule": "",
                     "rules": cited[gid]})
    return rows


def plugin_inventory() -> dict[str, dict[str, Any]]:
    """Installed plugins, where each comes from, and what each adds."""
    manager = get_plugin_manager()
    names = _installed(manager)
    registry = collect(manager, names)
    info: dict[str, dict[str, Any]] = {}
    dists = {name: dist for name, dist in _distributions(manager)}
    for name in names:
        adds = registry.added_by(name)
        sources = [str(s) for plugin, s in registry.ruleset_sources if plugin == name]
        if sources:
            adds["ruleset files"] = sources
        info[name] = {"source": dists.get(name, "built in"), "adds": adds}
    return info


def _distributions(manager: Any) -> list[tuple[str, str]]:
    from importlib.metadata import entry_points

    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry.name) is not None and entry.dist is not None:
            found.append((entry.name, f"{entry.dist.metadata['name']} {entry.dist.version}"))
    return found
