"""What a run was evaluated with: ruleset and plugin versions, and one content hash.

The hash covers every ruleset file's bytes, the resolved parameters, the scripts, the action
vocabulary (what marks each done included) and the profile and contact-cap parameters, so
any change that could change a decision changes it; version numbers alone are not trusted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import attrs

from .. import __version__


def versions(engine: Any) -> dict[str, Any]:
    """``{"rulesets": {name: version}, "plugins": {name: version}}`` of an engine."""
    plugins: dict[str, str] = {}
    manager = engine.plugin_manager
    dists = {id(plugin): dist for plugin, dist in manager.list_plugin_distinfo()}
    for name in engine.plugins:
        plugin = manager.get_plugin(name)
        dist = dists.get(id(plugin))
        plugins[name] = dist.version if dist is not None else __version__
    return {"rulesets": {r.name: r.version for r in engine.rulesets}, "plugins": plugins}


def content_hash(engine: Any) -> str:
    """sha256 over everything that decides: see the module's docstring."""
    digest = hashlib.sha256()

    def feed(label: str, value: Any) -> None:
        digest.update(label.encode() + b"\0")
        digest.update(json.dumps(value, sort_keys=True, default=str).encode() + b"\0")

    for ruleset in engine.rulesets:
        path = Path(ruleset.file)
        body = path.read_bytes() if path.is_file() else repr(ruleset).encode()
        digest.update(ruleset.name.encode() + b"\0" + body + b"\0")
    setup = engine.setup
    feed("parameters", setup.parameters)
    feed("scripts", setup.scripts)
    feed("profile", attrs.asdict(setup.profile))
    feed("policy", attrs.asdict(setup.policy))
    feed("actions", {name: {k: v for k, v in attrs.asdict(spec).items()}
                     for name, spec in sorted(engine.registry.actions.items())})
    return digest.hexdigest()
