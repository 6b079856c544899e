"""docs/examples/gym: a gym chain's ruleset written in YAML alone passes its scenario tests.

Before version 2 of the language none of it could be written: `last_visit.days_ago`, the
queries, the declared actions and guidance and the overrides were all refused.
"""

from __future__ import annotations

from conftest import ROOT

from loyalty_rules import Engine, get_plugin_manager
from loyalty_rules.scenarios.runner import ScenarioRunner

GYM = ROOT / "docs" / "examples" / "gym"


def test_the_gym_ruleset_passes_every_scenario_of_its_own():
    runner = ScenarioRunner(rulesets=[GYM / "fitco.yaml"],
                            plugin_manager=get_plugin_manager(load_entrypoints=False))
    report = runner.run_paths([GYM / "scenarios"])
    assert len(report.results) == 10
    assert [r.report() for r in report.failed] == []
    # every gym rule fired in some case and the three exclusions were seen holding back
    assert report.coverage.never_fired([None]) == []


def test_the_gym_is_yaml_alone_and_layers_over_the_core():
    engine = Engine(rulesets=[GYM / "fitco.yaml"],
                    plugin_manager=get_plugin_manager(load_entrypoints=False))
    assert list(GYM.rglob("*.py")) == []
    assert engine.plugins == ("core",)
    keys = set(engine.program.rules)
    assert "relationship/wake-dormant" not in keys and "expectations/industry-norm" not in keys
    assert engine.program.rules["loyalty/referral-advocate"].rule.then.priority == 20
    assert engine.setup.parameters["relationship"]["wake_retry_days"] == 45
    spec = engine.setup.vocabulary.actions["fitco.vip_thanks"]
    assert (spec.role, spec.default_channel, spec.lever, spec.done_by) == (
        "manager", "visit", "raise_experience", "contact")
