"""The plugin contract: one test per hook, conflicts, broken plugins, blocking and tracing.

Throwaway plugins are plain modules in tests/plugin_fixtures/. A test registers them on a fresh
plugin manager, or exposes them as an installed distribution would: a ``.dist-info`` folder with
an ``entry_points.txt`` on ``sys.path``, which ``importlib.metadata`` reads like any other.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, TESTS

from loyalty_rules import (
    ActionSpec, Engine, PluginError, Rejected, get_plugin_manager, hookimpl,
)
from loyalty_rules.cli import main
from loyalty_rules.plugins.manager import BLOCK_VARIABLE, TRACE_VARIABLE, hook_names
from loyalty_rules.plugins.registry import HOOKS, collect
from plugin_fixtures import every_hook, hook_raises, spa_twin, wrong_registration

AS_OF = dt.date(2026, 11, 22)
FIXTURES = TESTS / "plugin_fixtures"
SPA_GUEST = {"id": "S1", "name": "Ms Li", "attributes": {"last_massage_on": "2026-10-18"}}


def manager_with(**plugins: object):
    """A fresh manager: the core, plus these plugins by name; installed ones not loaded."""
    manager = get_plugin_manager(load_entrypoints=False)
    for name, plugin in plugins.items():
        manager.register(plugin, name=name)
    return manager


def entry_point(folder: Path, name: str, value: str, dist: str = "loyalty-rules-fixture",
                version: str = "0.1") -> Path:
    """Write a distribution's metadata exposing `value` as plugin `name`; return the folder."""
    info = folder / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[loyalty_rules]\n{name} = {value}\n",
                                           encoding="utf-8")
    return folder


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """``installed(name, value, dist=...)``: make an entry point visible to this process."""
    def install(name: str, value: str, dist: str = "loyalty-rules-fixture") -> Path:
        folder = entry_point(tmp_path / dist, name, value, dist)
        monkeypatch.syspath_prepend(str(folder))
        return folder
    return install


def cli(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture
def spa_engine() -> Engine:
    return Engine(plugins=["spa"], plugin_manager=manager_with(spa=every_hook))


# -- one test per hook --------------------------------------------------------------------------

def test_hook_register_rulesets_adds_the_plugins_file_under_its_name(spa_engine):
    spa = [rs for rs in spa_engine.rulesets if rs.name == "spa"]
    assert [(rs.plugin, Path(rs.file)) for rs in spa] == [("spa", every_hook.RULESET)]
    assert "spa/rebook" in spa_engine.evaluate(SPA_GUEST, AS_OF).fired


def test_hook_register_rulesets_refuses_a_path_that_does_not_exist(tmp_path):
    class Lost:
        @hookimpl
        def register_rulesets(self, register):
            register(tmp_path / "nowhere")

    with pytest.raises(PluginError, match=r"plugin 'lost': register_rulesets: .*nowhere does "
                                          "not exist"):
        Engine(plugins=["lost"], plugin_manager=manager_with(lost=Lost()))


def test_hook_register_actions_makes_an_action_recommendable(spa_engine):
    assert spa_engine.registry.actions["spa.rebook"].guidance == ("CRM-08",)
    assert spa_engine.registry.owner[("action", "spa.rebook")] == "spa"
    assert spa_engine.evaluate(SPA_GUEST, AS_OF).actions == ["spa.rebook"]


def test_hook_register_scripts_fills_the_template_in_each_language(spa_engine):
    rebook = spa_engine.evaluate(SPA_GUEST, AS_OF).recommendation("spa.rebook")
    assert rebook.script == "Ms Li, it has been 5 weeks: shall we book the next one?"
    zh = spa_engine.evaluate(SPA_GUEST, AS_OF, locale="zh").recommendation("spa.rebook")
    assert zh.script == "Ms Li，已经5周了，要预约下一次吗？"


def test_hook_register_scripts_needs_both_languages():
    class HalfScript:
        @hookimpl
        def register_scripts(self, register):
            register("half.greeting", en="Hello {name}")

    with pytest.raises(PluginError, match="plugin 'half': register_scripts failed: TypeError: "
                                          ".*'zh'"):
        Engine(plugins=["half"], plugin_manager=manager_with(half=HalfScript()))


def test_hook_register_attributes_type_checks_the_input(spa_engine):
    results = list(spa_engine.evaluate_many(
        [{"id": "bad", "attributes": {"last_massage_on": "last Tuesday"}}, SPA_GUEST], AS_OF))
    assert isinstance(results[0], Rejected)
    assert [p.path for p in results[0].problems] == ["attributes.last_massage_on"]
    assert results[1].actions == ["spa.rebook"]
    assert spa_engine.registry.attributes["last_massage_on"].type == "date"


def test_hook_register_fact_calculators_adds_a_namespace_none_for_others(spa_engine):
    guest = spa_engine.evaluate(SPA_GUEST, AS_OF)
    assert guest.profile["spa"] == {"days_since_massage": 35}
    stranger = spa_engine.evaluate({"id": "S2", "attributes": {"vehicle_model": "Regal"}}, AS_OF)
    assert "spa" not in stranger.profile and stranger.actions == []


def test_hook_register_fact_calculators_undeclared_fields_reject_the_record_naming_the_plugin():
    from loyalty_rules import FactNamespace

    class Sloppy:
        @hookimpl
        def register_fact_calculators(self, register):
            register(FactNamespace("sloppy", {"declared": ("integer", "")},
                                   lambda customer, as_of, profile: {"undeclared": 1}))

    engine = Engine(plugins=["sloppy"], plugin_manager=manager_with(sloppy=Sloppy()))
    result = next(engine.evaluate_many([{"id": "x"}], AS_OF))
    assert isinstance(result, Rejected)
    assert "plugin 'sloppy' returned undeclared fields ['undeclared']" in str(result)


def test_hook_register_computations_adds_a_computed_value(spa_engine):
    assert spa_engine.registry.computations["weeks"].function is every_hook.weeks
    rebook = spa_engine.evaluate(SPA_GUEST, AS_OF).recommendation("spa.rebook")
    assert rebook.params == {"weeks": 5}


def test_every_hook_is_called_once_per_active_plugin_with_a_register_naming_it():
    calls = []

    class Recorder:
        pass

    for hook in hook_names():
        def impl(self, register, hook=hook):
            calls.append((hook, repr(register)))
        setattr(Recorder, hook, hookimpl(impl))
    collect(manager_with(recorder=Recorder()), ["recorder"])
    assert sorted(calls) == sorted((hook, f"<register for plugin 'recorder' ({hook})>")
                                   for hook in hook_names())


# -- conflicts and broken plugins ----------------------------------------------------------------

def test_two_plugins_registering_one_action_are_both_named():
    manager = manager_with(spa=every_hook, spa_twin=spa_twin)
    with pytest.raises(PluginError) as caught:
        Engine(plugins=["spa", "spa_twin"], plugin_manager=manager)
    assert str(caught.value) == ("plugin 'spa_twin': action 'spa.rebook' is already registered "
                                 "by plugin 'spa'")


def test_a_plugin_cannot_take_a_core_action():
    class Thief:
        @hookimpl
        def register_actions(self, register):
            register(ActionSpec("keep_in_touch", "Mine now.", ("CRM-07",)))

    with pytest.raises(PluginError, match="plugin 'thief': action 'keep_in_touch' is already "
                                          "registered by plugin 'core'"):
        Engine(plugins=["thief"], plugin_manager=manager_with(thief=Thief()))


def test_a_hook_that_raises_is_named_and_leaves_inactive_engines_alone():
    manager = manager_with(broken=hook_raises)
    with pytest.raises(PluginError) as caught:
        Engine(plugins=["broken"], plugin_manager=manager)
    assert str(caught.value) == ("plugin 'broken': register_actions failed: RuntimeError: "
                                 "the pack's action table is missing")
    assert Engine(plugin_manager=manager).evaluate({"id": "c"}, AS_OF).customer_id == "c"


def test_registering_the_wrong_kind_of_thing_is_named():
    with pytest.raises(PluginError, match="plugin 'sloppy': register_actions: expected an "
                                          "ActionSpec, got dict"):
        Engine(plugins=["sloppy"], plugin_manager=manager_with(sloppy=wrong_registration))


def test_an_unknown_plugin_lists_the_installed_ones():
    with pytest.raises(PluginError, match=r"plugin 'spaa': not installed \(installed: core, "
                                          r"spa\)"):
        Engine(plugins=["spaa"], plugin_manager=manager_with(spa=every_hook))


def test_an_entry_point_is_discovered_with_its_distribution(installed):
    installed("spa", "plugin_fixtures.every_hook", dist="loyalty-rules-spa")
    manager = get_plugin_manager()
    assert manager.get_plugin("spa") is every_hook
    result = cli("plugins")
    assert result.exit_code == 0
    assert "spa  (loyalty-rules-spa 0.1)" in result.stdout
    assert "action: spa.rebook" in result.stdout
    assert "facts: spa.days_since_massage" in result.stdout


def test_a_misnamed_hookimpl_is_refused_naming_the_plugin(installed):
    installed("typo", "plugin_fixtures.misnamed_hook")
    with pytest.raises(PluginError, match="plugin 'typo': .*@hookimpl 'register_action' is not "
                                          "a loyalty_rules hook; the hooks are register_actions"):
        get_plugin_manager()


def test_a_hookimpl_with_a_wrong_parameter_is_refused_naming_the_plugin():
    from loyalty_rules.plugins.manager import register_plugin

    class WrongArgument:
        @hookimpl
        def register_actions(self, registry):
            pass

    with pytest.raises(PluginError) as caught:
        register_plugin(get_plugin_manager(load_entrypoints=False), "wrong", WrongArgument())
    message = str(caught.value)
    assert message.startswith("plugin 'wrong': PluginValidationError: ")
    assert "Argument(s) {'registry'} are declared in the hookimpl" in message
    assert "\n" not in message  # the command line prints one line per error


def test_two_distributions_claiming_one_plugin_name_are_both_named(installed):
    installed("spa", "plugin_fixtures.every_hook", dist="loyalty-rules-spa")
    installed("spa", "plugin_fixtures.spa_twin", dist="spa-twin")
    with pytest.raises(PluginError, match="plugin 'spa': installed twice, by loyalty-rules-spa "
                                          "0.1 and by spa-twin 0.1"):
        get_plugin_manager()


def test_an_entry_point_cannot_take_a_built_in_name(installed):
    installed("core", "plugin_fixtures.spa_twin", dist="fake-core")
    with pytest.raises(PluginError, match="plugin 'core': fake-core 0.1 uses the name of a "
                                          "built-in plugin"):
        get_plugin_manager()


# -- the command line: one line naming the plugin, exit 2 ----------------------------------------

@pytest.fixture
def customers(tmp_path):
    path = tmp_path / "customers.jsonl"
    path.write_text(json.dumps(SPA_GUEST) + "\n", encoding="utf-8")
    return path


def test_cli_a_hook_that_raises_is_one_line_and_exit_2(installed, customers):
    installed("broken", "plugin_fixtures.hook_raises")
    result = cli("evaluate", str(customers), "--as-of", "2026-11-22", "--plugin", "broken")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: plugin 'broken': register_actions failed: RuntimeError: the pack's action "
        "table is missing"]
    # not activated, the same installed plugin costs nothing
    assert cli("evaluate", str(customers), "--as-of", "2026-11-22").exit_code == 0


def test_cli_a_plugin_that_cannot_be_imported_is_one_line_naming_it_in_a_real_process(
        tmp_path, customers):
    folder = entry_point(tmp_path / "site", "salon", "plugin_fixtures.import_fails",
                         dist="loyalty-rules-salon")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), str(TESTS)]))
    env.pop(BLOCK_VARIABLE, None)
    command = [sys.executable, "-m", "loyalty_rules.cli", "evaluate", str(customers),
               "--as-of", "2026-11-22", "--format", "json"]
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 2
    assert broken.stderr.splitlines() == [
        "error: plugin 'salon': cannot be loaded from 'plugin_fixtures.import_fails' "
        "(loyalty-rules-salon 0.1): ImportError: No module named 'salon_booking_sdk' "
        f"(set {BLOCK_VARIABLE}=salon to run without it)"]
    assert broken.stdout == ""
    # the way out the message names: block it, and the core works again
    blocked = subprocess.run(command, env=dict(env, **{BLOCK_VARIABLE: "salon"}),
                             capture_output=True, text=True, timeout=120)
    assert blocked.returncode == 0, blocked.stderr
    assert json.loads(blocked.stdout)[0]["customer_id"] == "S1"


def test_cli_conflicting_plugins_name_both(installed, customers):
    installed("spa", "plugin_fixtures.every_hook", dist="loyalty-rules-spa")
    installed("twin", "plugin_fixtures.spa_twin", dist="spa-twin")
    result = cli("evaluate", str(customers), "--as-of", "2026-11-22", "--plugin", "spa",
                 "--plugin", "twin")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: plugin 'twin': action 'spa.rebook' is already registered by plugin 'spa'"]


# -- environment variables -----------------------------------------------------------------------

def test_block_variable_skips_a_plugin_without_importing_it(installed, monkeypatch, customers):
    installed("salon", "plugin_fixtures.import_fails")
    monkeypatch.setenv(BLOCK_VARIABLE, " salon , nothing-else ")
    manager = get_plugin_manager()
    assert manager.get_plugin("salon") is None and manager.is_blocked("salon")
    assert "plugin_fixtures.import_fails" not in sys.modules
    result = cli("evaluate", str(customers), "--as-of", "2026-11-22", "--plugin", "salon")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: plugin 'salon': not installed: blocked by {BLOCK_VARIABLE}"]


def test_block_variable_can_block_the_core_too(monkeypatch):
    monkeypatch.setenv(BLOCK_VARIABLE, "core")
    manager = get_plugin_manager(load_entrypoints=False)
    assert manager.get_plugin("core") is None and manager.is_blocked("core")


def test_trace_variable_writes_every_hook_call_naming_the_plugin(monkeypatch, capsys):
    monkeypatch.setenv(TRACE_VARIABLE, "1")
    manager = get_plugin_manager(load_entrypoints=False)
    manager.register(every_hook, name="spa")
    collect(manager, ["core", "spa"])
    err = capsys.readouterr().err
    for hook in hook_names():
        assert f"{hook} [hook]" in err
        assert f"<register for plugin 'spa' ({hook})>" in err
    assert "<register for plugin 'core' (register_actions)>" in err


# -- meta: every hook has a test here and a section in docs/plugins.md ---------------------------

def _test_functions() -> set[str]:
    names = set()
    for path in TESTS.glob("test_plugins*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return names


def test_the_collector_calls_every_hook_of_the_contract():
    assert sorted(HOOKS) == hook_names()


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_test(hook):
    tests = [name for name in _test_functions() if name.startswith(f"test_hook_{hook}")]
    assert tests, f"no test_hook_{hook}* test in tests/test_plugins*.py"


def _doc_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    parts = re.split(r"^### `(register_\w+)`\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_documentation_section(hook):
    section = _doc_sections().get(hook)
    assert section is not None, f"docs/plugins.md has no '### `{hook}`' section"
    assert f"def {hook}(register" in section, "the section shows no signature"
    assert "```python" in section, "the section has no example"
    assert "plugins/loyalty-rules-" in section, "the section links no pack"


def test_the_documentation_has_no_section_for_a_hook_that_does_not_exist():
    assert sorted(_doc_sections()) == hook_names()


@pytest.mark.parametrize("hook", hook_names())
def test_each_hooks_documented_example_runs_and_registers_something(hook, tmp_path):
    """The example of each section is a plugin module: register it, collect, look."""
    import types

    section = _doc_sections()[hook]
    [code] = [block for block in re.findall(r"```python\n(.*?)```", section, flags=re.S)
              if "@hookimpl" in block]
    (tmp_path / "rulesets").mkdir()  # what an example's plugin ships next to its module
    module = types.ModuleType(f"docs_example_{hook}")
    module.__file__ = str(tmp_path / f"{module.__name__}.py")
    exec(compile(code, f"docs/plugins.md ({hook})", "exec"), module.__dict__)
    registry = collect(manager_with(example=module), ["core", "example"])
    assert registry.added_by("example") or [p for p, _ in registry.ruleset_sources
                                            if p == "example"]
