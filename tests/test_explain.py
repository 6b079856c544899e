"""Why and why not (`Engine.explain`, `loyalty-rules explain`), and the effective rule set
(`loyalty-rules rules`), the `compute` catalogue and what rulesets declare, on the gym."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from loyalty_rules import Engine, UsageError, get_plugin_manager
from loyalty_rules.cli import main

GYM = ROOT / "docs" / "examples" / "gym" / "fitco.yaml"
PT_SLOT = {"id": "G8", "name": "Mr Li", "personality": "dominant", "events": [
    {"type": "visit", "at": "2026-11-21"},
    {"type": "request", "at": "2026-11-21", "dimension": "pt_slot", "expected": 2,
     "deliverable": 2, "unit": "days"}]}
COMPLAINED = {"id": "G3", "events": [{"type": "visit", "at": "2026-10-01"},
                                     {"type": "complaint", "at": "2026-11-19"}]}


@pytest.fixture(scope="module")
def gym() -> Engine:
    return Engine(rulesets=[GYM], plugin_manager=get_plugin_manager(load_entrypoints=False))


def test_a_rule_that_did_not_fire_names_its_first_failing_condition_and_values(gym):
    explanation = gym.explain(COMPLAINED, "2026-11-22", action="fitco.coach_call")
    (trace,) = explanation.rules
    assert (trace.rule, trace.fired, trace.outcome) == ("fitco/no-visit-three-weeks", False,
                                                        "not matched")
    assert trace.reason == "failed: not (derived.cooling_off = True)"
    assert trace.values == {"derived.cooling_off": True}
    quiet = gym.explain({"id": "G2", "events": [{"type": "visit", "at": "2026-11-02"}]},
                        "2026-11-22", action="fitco.coach_call")
    assert quiet.rules[0].reason == "failed: last_visit.days_ago ≥ 21 (quiet_visit_days)"
    assert quiet.rules[0].values == {"last_visit.days_ago": 20}


def test_a_rule_that_fired_but_lost_says_what_displaced_it(gym):
    explanation = gym.explain(PT_SLOT, "2026-11-22", action="under_promise")
    outcomes = {t.rule: (t.fired, t.outcome, t.reason) for t in explanation.rules}
    assert outcomes == {
        "expectations/dominant-under-promise": (
            True, "suppressed", "duplicate action: rule 'pt-slot-under-promise' (priority 90) "
            "chosen"),
        "expectations/dominant-under-promise-amount": (
            False, "not matched", "failed: request.lower_is_better = False"),
        "fitco/pt-slot-under-promise": (True, "recommended", "")}
    norm = gym.explain(PT_SLOT, "2026-11-22", action="tell_industry_norm").rules
    assert [(t.outcome, t.reason) for t in norm] == [
        ("disabled", f"disabled by {GYM}:71"), ("disabled", f"disabled by {GYM}:72")]


def test_every_rule_is_explained_and_the_verdicts_agree_with_the_engine(gym):
    explanation = gym.explain(PT_SLOT, "2026-11-22")
    fired = {t.rule for t in explanation.rules if t.fired}
    assert fired == set(explanation.decision.fired)
    assert not any("although its conditions read true" in t.reason for t in explanation.rules)
    assert len(explanation.rules) == len(gym.program.rules) + 3  # and the three disabled
    with pytest.raises(UsageError, match=r"unknown action 'under_promis' \(did you mean "
                                         r"'under_promise'\?\)"):
        gym.explain(PT_SLOT, "2026-11-22", action="under_promis")


def test_cli_explain_text_and_json(tmp_path):
    customers = tmp_path / "members.jsonl"
    customers.write_text(json.dumps(COMPLAINED) + "\n", encoding="utf-8")
    args = ["explain", str(customers), "--customer", "G3", "--as-of", "2026-11-22",
            "--ruleset", str(GYM), "--action", "fitco.coach_call"]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[2] == (
        "fitco/no-visit-three-weeks  fitco.coach_call p70: not matched — failed: not "
        "(derived.cooling_off = True) (read: derived.cooling_off=True)")
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    assert data["rules"][0]["values"] == {"derived.cooling_off": True}
    missing = CliRunner().invoke(main, [*args[:3], "G404", *args[4:]])
    assert missing.exit_code == 2 and "no customer 'G404'" in missing.stderr


def test_cli_rules_lists_sources_and_overrides():
    result = CliRunner().invoke(main, ["rules", "--ruleset", str(GYM)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("loyalty/referral-advocate  ask_referral p20  (plugin core, ")
               for line in lines)
    i = next(i for i, line in enumerate(lines) if line.startswith("relationship/wake-dormant"))
    assert lines[i].endswith("[disabled]") and lines[i + 1] == f"    ↳ disabled by {GYM}:70"
    near = GYM.relative_to(Path.cwd()) if GYM.is_relative_to(Path.cwd()) else GYM
    assert f"fitco/vip-thanks  fitco.vip_thanks p65  ({near}:99)" in lines
    assert lines[-1] == f"  relationship.wake_retry_days: default 30 → 45 by {GYM}:75"


def test_cli_computations_documents_every_argument_from_the_registry():
    from loyalty_rules.language.computations import CORE_COMPUTATIONS
    result = CliRunner().invoke(main, ["computations"])
    assert result.exit_code == 0
    for spec in CORE_COMPUTATIONS:
        assert set(spec.arguments) == set(spec.required + spec.optional), spec.name
        assert f"{spec.name}  (core): {spec.description}" in result.stdout


def test_declared_actions_and_guidance_show_in_plugins_and_guidance():
    plugins = CliRunner().invoke(main, ["plugins", "--ruleset", str(GYM)])
    assert "    action: fitco.coach_call, fitco.vip_thanks" in plugins.stdout.splitlines()
    guidance = CliRunner().invoke(main, ["guidance", "--coverage", "--ruleset", str(GYM)])
    lines = guidance.stdout.splitlines()
    i = lines.index(next(x for x in lines if x.startswith("FIT-02")))
    assert lines[i + 1].strip() == "↳ fitco/vip-thanks"


def _blocks(page: Path) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every `<!-- run: ... -->` console block."""
    import re
    text = page.read_text(encoding="utf-8")
    runs = []
    for block in re.findall(r"<!-- run: \w+ -->\n```console\n(.*?)```", text, re.S):
        command, lines = "", []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    runs.append((command, lines))
                command, lines = line[2:], []
            else:
                lines.append(line)
        runs.append((command, lines))
    return runs


def test_the_cli_page_shows_real_output_of_explain_rules_and_computations(monkeypatch):
    monkeypatch.chdir(ROOT)
    runs = _blocks(ROOT / "docs" / "cli.md")
    assert [c.split()[1] for c, _ in runs] == ["explain", "explain", "explain", "rules",
                                               "computations"]
    for command, expected in runs:
        result = CliRunner().invoke(main, command.split()[1:])
        assert result.exit_code == 0, (command, result.output)
        got = result.stdout.splitlines()
        if "..." not in expected:
            assert got == expected, command
            continue
        wanted = [line for line in expected if line != "..."]
        position = 0
        for line in wanted:  # in order, gaps allowed where the page says "..."
            assert line in got[position:], (command, line)
            position = got.index(line, position) + 1
