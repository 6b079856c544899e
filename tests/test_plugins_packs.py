"""The three industry packs, as installed in this workspace: the issue's "done when" checks.

- each pack's sample customers produce each of its actions (``evaluate --plugin NAME``);
- a pack cannot change what another pack's customers get (decisions compared);
- blocking the packs leaves the core working;
- every rule reads its pack's namespace, actions carry the prefix, guidance IDs exist.
"""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import entry_points

import pytest
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules import Engine, get_plugin_manager
from loyalty_rules.engine.checking import guidance_catalogue
from loyalty_rules.cli import main
from loyalty_rules.language.model import condition_fields
from loyalty_rules.plugins.manager import BLOCK_VARIABLE

PACKS = ("auto", "hotel", "restaurant")
AS_OF = "2026-11-22"


def samples(pack: str) -> str:
    return str(ROOT / "plugins" / f"loyalty-rules-{pack}" / "samples" / "customers.jsonl")


def evaluate(path: str, *plugins: str, env: dict[str, str] | None = None) -> list[dict]:
    args = ["evaluate", path, "--as-of", AS_OF, "--format", "json"]
    for plugin in plugins:
        args += ["--plugin", plugin]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def engine() -> Engine:
    """All three packs active, found by entry point as a user's install finds them."""
    return Engine(plugins=PACKS)


def pack_actions(engine: Engine, pack: str) -> set[str]:
    return set(engine.registry.added_by(pack)["action"])


def test_the_packs_are_installed_by_entry_point_from_their_distributions():
    found = {e.name: e for e in entry_points(group="loyalty_rules")}
    for pack in PACKS:
        assert found[pack].value == f"loyalty_rules_{pack}"
        assert found[pack].dist.metadata["name"] == f"loyalty-rules-{pack}"
        assert get_plugin_manager().get_plugin(pack).__name__ == f"loyalty_rules_{pack}"


def test_the_workspace_wires_every_pack_in():
    """A pack folder under plugins/ is a workspace member, a source and a dev dependency."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = sorted(p.parent.relative_to(ROOT).as_posix()
                     for p in ROOT.glob("plugins/*/pyproject.toml"))
    assert folders == [f"plugins/loyalty-rules-{pack}" for pack in PACKS]
    assert sorted(config["tool"]["uv"]["workspace"]["members"]) == folders
    for folder in folders:
        dist = folder.rpartition("/")[2]
        assert config["tool"]["uv"]["sources"][dist] == {"workspace": True}
        assert dist in config["dependency-groups"]["dev"]
        assert "plugins" in config["tool"]["pytest"]["ini_options"]["testpaths"]


@pytest.mark.parametrize("pack", PACKS)
def test_each_packs_samples_produce_each_of_its_actions(pack, engine):
    decisions = evaluate(samples(pack), pack)
    produced = {r["action"] for d in decisions for r in d["recommendations"]}
    missing = pack_actions(engine, pack) - produced
    assert not missing, f"the {pack} samples never produce {sorted(missing)}"
    # and each recommendation explains itself and speaks the customer's language
    for decision in decisions:
        for rec in decision["recommendations"]:
            if rec["action"].startswith(f"{pack}."):
                assert rec["ruleset"] == pack and rec["guidance"] and rec["script"]
                assert "{" not in rec["script"]


@pytest.mark.parametrize("pack", PACKS)
def test_other_packs_do_not_change_what_a_packs_customers_get(pack):
    alone = evaluate(samples(pack), pack)
    together = evaluate(samples(pack), *PACKS)
    assert together == alone


def test_hotel_does_not_change_what_auto_customers_get():
    """The issue's wording of the check above: auto alone vs auto + hotel."""
    alone = evaluate(samples("auto"), "auto")
    assert evaluate(samples("auto"), "hotel", "auto") == alone
    assert any(r["action"].startswith("auto.") for d in alone for r in d["recommendations"])


def test_a_pack_does_not_change_what_core_customers_get():
    core = str(ROOT / "samples" / "customers.jsonl")
    assert evaluate(core, *PACKS) == evaluate(core)


def test_blocking_the_packs_leaves_the_core_working():
    core = str(ROOT / "samples" / "customers.jsonl")
    env = {BLOCK_VARIABLE: ",".join(PACKS)}
    listed = CliRunner().invoke(main, ["plugins"], env=env)
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()
            if not line.startswith(" ")] == ["core"]
    assert evaluate(core, env=env) == evaluate(core)
    refused = CliRunner().invoke(main, ["evaluate", samples("auto"), "--as-of", AS_OF,
                                        "--plugin", "auto"], env=env)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"error: plugin 'auto': not installed: blocked by {BLOCK_VARIABLE}"]


def test_every_pack_rule_reads_its_own_namespace(engine):
    """What keeps a pack to its own customers: no fact of the namespace, no match."""
    for ruleset in engine.rulesets:
        if ruleset.plugin not in PACKS:
            continue
        for rule in ruleset.rules:
            fields = condition_fields(rule.when)
            assert any(f.startswith(f"{ruleset.plugin}.") for f in fields), \
                f"{ruleset.plugin}/{rule.id} reads no {ruleset.plugin}.* field: {fields}"


def test_pack_actions_carry_the_prefix_and_cite_known_guidance(engine):
    known = {row["id"] for row in guidance_catalogue()}
    for pack in PACKS:
        for name in pack_actions(engine, pack):
            spec = engine.registry.actions[name]
            assert name.startswith(f"{pack}."), name
            assert spec.guidance and set(spec.guidance) <= known, (name, spec.guidance)
        for ruleset in engine.rulesets:
            if ruleset.plugin == pack:
                cited = set(ruleset.guidance) | {g for r in ruleset.rules for g in r.guidance}
                assert cited <= known, cited - known


def test_pack_scripts_exist_in_both_languages_for_every_action(engine):
    for pack in PACKS:
        for name in pack_actions(engine, pack):
            texts = engine.setup.scripts[name]
            assert texts["en"].strip() and texts["zh"].strip(), name
            assert texts["en"] != texts["zh"], name


def test_pack_attributes_facts_and_actions_are_documented_in_the_readme(engine):
    for pack in PACKS:
        readme = (ROOT / "plugins" / f"loyalty-rules-{pack}" / "README.md").read_text(
            encoding="utf-8")
        added = engine.registry.added_by(pack)
        for name in added["attribute"]:
            assert f"`{name}`" in readme, f"{pack} README does not document attribute {name}"
        for field in (f for space in engine.registry.namespaces.values()
                      if space.plugin == pack for f in space.fields):
            assert f"`{pack}.{field}`" in readme, f"{pack} README does not document {field}"
        for name in added["action"]:
            assert f"`{name}`" in readme, f"{pack} README does not document {name}"


@pytest.mark.parametrize("pack", PACKS)
def test_each_packs_scenarios_make_every_rule_of_the_pack_fire(pack):
    folder = ROOT / "plugins" / f"loyalty-rules-{pack}" / "tests" / "scenarios"
    result = CliRunner().invoke(main, ["test", str(folder), "--plugin", pack,
                                       "--require-coverage"])
    assert result.exit_code == 0, result.output + result.stderr
    rules = sum(len(rs.rules) for rs in Engine(plugins=[pack]).rulesets if rs.plugin == pack)
    assert f"rules under test fired: {rules} of {rules}" in result.stdout
