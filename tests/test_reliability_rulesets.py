"""Hostile rulesets and scenario files: refused quickly, with file and line, and `validate`
refuses everything the engine would (issue 8)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_rules import Engine, EngineError, RulesetError, ScenarioError, get_plugin_manager
from loyalty_rules.cli import main
from loyalty_rules.language.source import load_yaml
from loyalty_rules.scenarios.runner import ScenarioRunner

from conftest import BASIC

BOMB = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi")]
) + "\n"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _rule(when: str) -> str:
    return ("ruleset: deep\nversion: '1'\ndescription: deep\nrules:\n  - id: deep-rule\n"
            f"    guidance: [EXP-08]\n    when: {when}\n"
            "    then: {recommend: keep_in_touch, priority: 10}\n")


def _nested(kind: str, depth: int) -> str:
    cond = "{visits: {gt: 1}}"
    for _ in range(depth):
        cond = (f"{{not: {cond}}}" if kind == "not"
                else f"{{{kind}: [{cond}, {{purchases: {{gt: 2}}}}]}}")
    return cond


def test_an_alias_bomb_is_refused_quickly_with_file_and_line():
    assert len(BOMB) < 400
    start = time.perf_counter()
    with pytest.raises(RulesetError) as caught:
        load_yaml(BOMB, "bomb.yaml", RulesetError)
    assert time.perf_counter() - start < 10  # a hang guard: it took > 60 s before
    assert str(caught.value).startswith("bomb.yaml:")
    assert "alias" in str(caught.value)


def test_anchors_and_aliases_of_ordinary_size_still_work():
    data, _ = load_yaml("base: &b {x: 1}\nother: *b\nmerged: {<<: *b, y: 2}\n", "f", RulesetError)
    assert data == {"base": {"x": 1}, "other": {"x": 1}, "merged": {"x": 1, "y": 2}}


@pytest.mark.parametrize("command", ["validate", "evaluate", "test"])
def test_every_command_refuses_the_bomb(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    customers = tmp_path / "c.jsonl"
    customers.write_text('{"id": "A"}\n')
    args = {"validate": ["validate", str(bomb)],
            "evaluate": ["evaluate", str(customers), "--as-of", "2026-11-22",
                         "--ruleset", str(bomb)],
            "test": ["test", str(bomb)]}[command]
    start = time.perf_counter()
    result = _run(*args)
    assert time.perf_counter() - start < 30
    assert result.exit_code == 2, result.output
    assert f"{bomb}:" in result.stderr and "alias" in result.stderr
    assert "internal error" not in result.stderr


def test_a_scenario_file_bomb_is_a_scenario_error(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    with pytest.raises(ScenarioError, match="alias"):
        ScenarioRunner().load(bomb)


@pytest.mark.parametrize("text, line", [
    ("x: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
    (_rule(_nested("not", 10_000)), 7),
    (_rule(_nested("any", 400)), 7),
])
def test_deep_nesting_is_a_located_error_not_a_recursion_error(tmp_path, text, line):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{path}:{line}: ")
    assert "RecursionError" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("kind", ["any", "all"])
def test_validate_refuses_the_nesting_the_engine_refuses(tmp_path, kind):
    path = tmp_path / "deep.yaml"
    path.write_text(_rule(_nested(kind, 15)))
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:7: $.rules[0].when" in result.stderr
    assert "nest more than" in result.stderr


def test_validate_starts_the_engine_and_names_the_rule_it_refuses(tmp_path, monkeypatch):
    from loyalty_rules.language import bounds

    monkeypatch.setattr(bounds, "MAX_CONDITION_DEPTH", 50)  # past our bound: durable's own
    path = tmp_path / "deep.yaml"
    path.write_text(_rule(_nested("any", 15)))
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:5: $.rules[0]: the rule engine refuses this rule" in result.stderr
    with pytest.raises(EngineError, match="rule deep/deep-rule"):
        Engine(rulesets=[path], plugin_manager=get_plugin_manager(load_entrypoints=False))


def test_validate_refuses_a_custom_ruleset_reusing_a_core_name(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(BASIC.read_text().replace("ruleset: basic", "ruleset: expectations", 1))
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:1: $.ruleset: ruleset 'expectations' is also defined in" in result.stderr


@pytest.mark.parametrize("placeholder", ["{Name}", "{ due }", "{0}", "{name:>99999999}"])
def test_template_placeholders_must_be_identifiers(tmp_path, placeholder):
    path = tmp_path / "mine.yaml"
    path.write_text(_rule("{visits: {gt: 1}}").replace("keep_in_touch, priority: 10",
                                                       "keep_in_touch, priority: 10, "
                                                       "script: hello")
                    + f"scripts:\n  hello:\n    en: 'Hi {placeholder}'\n    zh: '你好'\n")
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert f"placeholder {placeholder} is not" in result.stderr
    assert result.stderr.startswith(f"{path}:")


def test_a_ruleset_that_is_not_utf8_names_its_file_and_line(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(_rule("{visits: {gt: 1}}").replace("description: deep",
                                                        "description: Müller").encode("latin-1"))
    result = _run("validate", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{path}:3: not valid UTF-8: byte 0xfc")
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes("cases: []  # Müller\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=f"{scenario}:1: not valid UTF-8"):
        ScenarioRunner().load(scenario)


def test_real_rulesets_are_far_within_the_bounds():
    for path in sorted(Path(BASIC).parents[2].joinpath("rulesets").glob("*.yaml")):
        load_yaml(path.read_text(encoding="utf-8"), str(path), RulesetError)


pytest_plugins = ["pytester"]


def test_pytest_collection_refuses_a_bomb_and_a_placeholder_date_with_file_and_line(
        pytester: pytest.Pytester) -> None:
    (pytester.path / "scenario_bomb.yaml").write_text(BOMB)
    (pytester.path / "scenario_date.yaml").write_text(
        "as_of: 2026-11-22\ncases:\n  - name: placeholder\n    customer:\n      id: A\n"
        "      events:\n        - {type: visit, at: 0001-01-01}\n"
        "    expect: {absent: [win_back]}\n")
    (pytester.path / "scenario_good.yaml").write_text(
        "as_of: 2026-11-22\ncases:\n  - name: fine\n    customer: {id: B}\n"
        "    expect: {absent: [win_back]}\n")
    start = time.perf_counter()
    result = pytester.runpytest("--continue-on-collection-errors")
    assert time.perf_counter() - start < 60
    result.assert_outcomes(passed=1, errors=2)
    output = result.stdout.str()
    assert "scenario_bomb.yaml:" in output and "alias" in output
    assert "scenario_date.yaml:7: $.cases[0].customer.events[0].at: date '0001-01-01'" in output
    assert "RecursionError" not in output and "OverflowError" not in output


def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path):
    """YAML keeps the last of two equal keys silently: a second `personality:` in one `when`
    would replace the first condition unseen. Every duplicate is reported, with both lines."""
    path = tmp_path / "twice.yaml"
    path.write_text("ruleset: twice\nversion: '1'\ndescription: twice\nrules:\n"
                    "  - id: r1\n    guidance: [EXP-08]\n    when:\n"
                    "      personality: dominant\n      personality: analytical\n"
                    "    then: {recommend: under_promise}\n"
                    "  - id: r2\n    id: r3\n    guidance: [EXP-08]\n"
                    "    when: {personality: social}\n    then: {recommend: under_promise}\n",
                    encoding="utf-8")
    result = _run("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:9: $.rules[0].when.personality: duplicate key 'personality' (first at " \
           "line 8)" in result.output
    assert f"{path}:12: $.rules[1].id: duplicate key 'id' (first at line 11)" in result.output
    with pytest.raises(ScenarioError) as caught:
        load_yaml("a: 1\nb: {c: 2, c: 3}\n", "s.yaml", ScenarioError)
    assert [(p.line, p.path) for p in caught.value.problems] == [(2, "$.b.c")]


def test_merge_keys_and_aliases_are_not_duplicates():
    data, _ = load_yaml("base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\nagain: *b\n", "m.yaml",
                        RulesetError)
    assert data["more"] == {"x": 1, "y": 2}
