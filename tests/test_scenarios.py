"""Scenario tests: the file format, the runner, `loyalty-rules test`, the pytest plugin, fixtures.

The runner is tested on its own small rulesets (tests/scenario_fixtures/), so these tests do
not depend on how the core rulesets evolve.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_rules import (
    ActionSpec, Engine, FactNamespace, PluginError, ScenarioError, UsageError,
    get_plugin_manager, hookimpl,
)
from loyalty_rules.cli import main
from loyalty_rules.scenarios.runner import ScenarioRunner, scenario_files, summary_lines
from loyalty_rules.scenarios.pytest_plugin import is_scenario_file

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).parent / "scenario_fixtures"
COURTESY = FIXTURES / "rulesets" / "demo_courtesy.yaml"
FLAGS = FIXTURES / "flags"
COURTESY_RULES = ["demo_courtesy/greet-regular", "demo_courtesy/win-back-leaver",
                  "demo_courtesy/mark-big-spender", "demo_courtesy/thank-big-spender"]


def case_lines(path: Path) -> dict[str, int]:
    """Each case's name → the line of its `- name:` in the file (read from the text)."""
    found = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*- name: (.+)$", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


@pytest.fixture
def runner() -> ScenarioRunner:
    return ScenarioRunner(rulesets=[COURTESY],
                          plugin_manager=get_plugin_manager(load_entrypoints=False))


# -- the runner -----------------------------------------------------------------------------------

def test_a_passing_file_passes_and_engines_are_cached(runner: ScenarioRunner) -> None:
    report = runner.run_paths([FIXTURES / "passing.yaml"])
    assert [r.passed for r in report.results] == [True, True, True]
    assert [r.case.name for r in report.results] == list(case_lines(FIXTURES / "passing.yaml"))
    # base engine (for checking), the file's parameters, the third case's parameters
    assert len(runner._engines) == 3
    again = runner.run_paths([FIXTURES / "passing.yaml"])
    assert all(r.passed for r in again.results) and len(runner._engines) == 3
    gift = {"demo_courtesy.gift": "a box of tea"}
    assert runner.engine((), gift) is runner.engine((), dict(gift))
    assert runner.engine((), gift) is not runner.engine()


def test_cases_carry_their_file_line_and_merged_parameters(runner: ScenarioRunner) -> None:
    scenario = runner.load(FIXTURES / "passing.yaml")
    lines = case_lines(FIXTURES / "passing.yaml")
    assert {c.name: c.line for c in scenario.cases} == lines
    first, second, third = scenario.cases
    assert first.as_of == dt.date(2026, 11, 22) and third.as_of == dt.date(2026, 12, 1)
    assert second.locale == "zh" and first.locale is None
    assert third.parameters == {"demo_courtesy.gift": "a box of tea",
                                "demo_courtesy.regular_purchases": 1}


def test_a_failing_case_says_exactly_what_differed(runner: ScenarioRunner) -> None:
    report = runner.run_paths([FIXTURES / "failing.yaml"])
    passes, wrong = report.results
    assert passes.passed
    assert not wrong.passed
    assert wrong.case.line == case_lines(FIXTURES / "failing.yaml")["wrong about everything"]
    assert list(wrong.differences) == [
        "expected win_back to be recommended; recommended: greet_by_name, surprise",
        "expected greet_by_name not to be recommended; rule demo_courtesy/greet-regular "
        "recommended it",
        "expected rule demo_courtesy/win-back-leaver to fire; fired: "
        "loyalty/ask-true-friend-advice, relationship/channel-by-stage.3, "
        "demo_courtesy/greet-regular, demo_courtesy/mark-big-spender, "
        "demo_courtesy/thank-big-spender",
        "expected rule demo_courtesy/thank-big-spender to stay silent; it fired",
        "profile purchases: expected 3, got 2",
        "profile tier: expected 'P', got 'IP'",
        "profile days_to_birthday: expected 5, got nothing (absent)",
        "params of greet_by_name: expected purchases=3, got 2",
        "params of greet_by_name: expected table=4, got no table (params: {'purchases': 2})",
        "params of win_back: win_back is not recommended",
        "expected surprise to be suppressed; suppressed: ask_advice",
        "script of greet_by_name: expected it to contain 'Mrs Wang', got "
        "'Welcome back, Mr Wang! That makes 2 visits with a purchase.'",
    ]
    line = wrong.line()
    assert line.startswith(f"{FIXTURES / 'failing.yaml'}:{wrong.case.line}: "
                           "wrong about everything: expected win_back")
    assert "\n" not in line
    report_text = wrong.report()
    assert report_text.splitlines()[0].endswith("scenario 'wrong about everything' failed:")
    assert "  fired: loyalty/ask-true-friend-advice, relationship/channel-by-stage.3, " \
        "demo_courtesy/greet-regular" in report_text


def test_a_suppressed_action_is_named_with_its_reason(tmp_path: Path,
                                                      runner: ScenarioRunner) -> None:
    # three outbound contacts this week: the contact cap holds win_back back (not urgent)
    path = tmp_path / "capped.yaml"
    path.write_text(textwrap.dedent("""\
        as_of: 2026-11-22
        cases:
          - name: capped
            customer:
              id: C1
              events:
                - {type: churn, at: 2026-10-01}
                - {type: contact, at: 2026-11-20, direction: outbound, channel: phone}
                - {type: contact, at: 2026-11-21, direction: outbound, channel: phone}
                - {type: contact, at: 2026-11-22, direction: outbound, channel: sms}
            expect:
              suppressed: [win_back]
              actions: [win_back]
        """), encoding="utf-8")
    (result,) = runner.run_paths([path]).results
    assert result.differences == (
        "expected win_back to be recommended (suppressed: contact cap: 3 per 7 days, "
        "filled by a contact (phone) on 2026-11-20, a contact (phone) on 2026-11-21, "
        "a contact (sms) on 2026-11-22); recommended: (none)",)


MALFORMED = [  # (line, $-path) of every problem in malformed.yaml
    (1, "$.as_of"), (2, "$.plugins[0]"), (3, "$.colour"),
    (5, "$.parameters.demo_courtesy.big_spnd"), (6, "$.parameters.demo_courtesy.gift"),
    (9, "$.cases[0].customer.mood"), (9, "$.cases[0].customer.events[0].at"),
    (9, "$.cases[0].customer.events[0].amount"), (11, "$.cases[0].expect.actions[0]"),
    (12, "$.cases[0].expect.fires[0]"), (13, "$.cases[0].expect.silent[0]"),
    (14, "$.cases[0].expect.profile.segmnt"), (14, "$.cases[0].expect.profile.tier"),
    (15, "$.cases[0].expect.params.not_an_action"), (16, "$.cases[0].expect.wanted"),
    (17, "$.cases[1].name"), (18, "$.cases[1].locale"), (20, "$.cases[1].expect.absent[0]"),
    (23, "$.cases[2].expect"), (24, "$.cases[3]"),
]


def test_a_malformed_file_reports_every_problem_with_its_line(runner: ScenarioRunner) -> None:
    path = FIXTURES / "malformed.yaml"
    with pytest.raises(ScenarioError) as caught:
        runner.load(path)
    problems = caught.value.problems
    assert [(p.line, p.path) for p in problems] == MALFORMED
    assert all(p.file == str(path) for p in problems)
    text = {p.path: p.message for p in problems}
    assert "did you mean 'demo_courtesy.big_spend'" in text["$.parameters.demo_courtesy.big_spnd"]
    assert "expected a string" in text["$.parameters.demo_courtesy.gift"]
    assert "'no_such_pack' is not installed (installed: core)" in text["$.plugins[0]"]
    assert "did you mean 'greet_by_name'" in text["$.cases[0].expect.actions[0]"]
    assert "did you mean 'demo_courtesy/greet-regular'" in text["$.cases[0].expect.fires[0]"]
    assert "did you mean 'segment'" in text["$.cases[0].expect.profile.segmnt"]
    assert "'gold' is not one of P, IP" in text["$.cases[0].expect.profile.tier"]
    assert "duplicate case name (also on line 8)" in text["$.cases[1].name"]
    assert "in both actions and absent" in text["$.cases[1].expect.absent[0]"]
    assert str(caught.value).splitlines()[0] == \
        f"{path}:1: $.as_of: expected a date YYYY-MM-DD, got 'next tuesday'"


@pytest.mark.parametrize(("text", "line", "path", "message"), [
    ("as_of: 2026-11-32\ncases: []\n", 1, "$.as_of", "invalid value: day is out of range"),
    ("cases:\n  - name: x\n    customer: {id: [\n", 4, "$", "invalid YAML"),
    ("- just\n- a list\n", 1, "$", "expected a mapping with `cases`, got list"),
    ("as_of: 2026-11-22\n", 1, "$", "missing required key: cases"),
    ("as_of: 2026-11-22\ncases: {a: 1}\n", 2, "$.cases", "expected a non-empty list"),
    ("cases:\n  - name: no date\n    customer: {id: X}\n    expect: {actions: [upsell]}\n",
     2, "$.cases[0]", "missing as_of (and the file sets no default as_of)"),
    ("as_of: 2026-11-22\ncases:\n  - name: no customer\n    expect: {actions: [upsell]}\n",
     3, "$.cases[0]", "missing required key: customer"),
    ("as_of: 2026-11-22\ncases:\n  - name: no expect\n    customer: {id: X}\n",
     3, "$.cases[0]", "missing required key: expect"),
    ("as_of: 2026-11-22\ncases:\n  - name: x\n    customer: {id: X}\n"
     "    expect: {fires: [a/b, expectations/industry-norm], silent: "
     "[expectations/industry-norm]}\n",
     5, "$.cases[0].expect.fires[0]", "unknown rule 'a/b'"),
])
def test_one_malformed_file_at_a_time(tmp_path: Path, runner: ScenarioRunner, text: str,
                                      line: int, path: str, message: str) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        runner.load(file)
    first = caught.value.problems[0]
    assert (first.file, first.line, first.path) == (str(file), line, path)
    assert message in first.message


def test_a_rule_in_both_fires_and_silent_is_an_error(tmp_path: Path,
                                                     runner: ScenarioRunner) -> None:
    file = tmp_path / "both.yaml"
    file.write_text("as_of: 2026-11-22\ncases:\n  - name: x\n    customer: {id: X}\n"
                    "    expect:\n      fires: [demo_courtesy/greet-regular]\n"
                    "      silent: [demo_courtesy/greet-regular]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        runner.load(file)
    assert [(p.line, p.path) for p in caught.value.problems] == [
        (7, "$.cases[0].expect.silent[0]")]
    assert "in both fires and silent" in caught.value.problems[0].message


def test_load_all_reports_the_problems_of_every_file(tmp_path: Path,
                                                     runner: ScenarioRunner) -> None:
    (tmp_path / "a.yaml").write_text("as_of: nope\ncases: []\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("cases: 3\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        runner.load_all([tmp_path])
    files = [Path(p.file).name for p in caught.value.problems]
    assert files == ["a.yaml", "a.yaml", "b.yml"]


def test_scenario_files_expands_folders_and_rejects_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("", encoding="utf-8")
    (tmp_path / "deeper").mkdir()
    (tmp_path / "deeper" / "a.yml").write_text("", encoding="utf-8")
    (tmp_path / "c.json").write_text("", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in scenario_files([tmp_path])] == \
        ["b.yaml", "deeper/a.yml"]
    with pytest.raises(UsageError, match="no such scenario file"):
        scenario_files([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no scenario files"):
        scenario_files([tmp_path / "empty"])


def test_coverage_counts_rules_fired_and_asserted_silent(runner: ScenarioRunner) -> None:
    report = runner.run_paths([FIXTURES / "passing.yaml"])
    coverage = report.coverage
    assert set(COURTESY_RULES) <= set(coverage.owners)
    assert coverage.owners["demo_courtesy/greet-regular"] is None  # a --ruleset file
    assert coverage.owners["expectations/industry-norm"] == "core"
    assert coverage.never_fired([None]) == ["demo_courtesy/win-back-leaver"]
    # asserted silent *and* silent: mark-big-spender was never listed in `silent`
    assert coverage.never_silenced([None]) == ["demo_courtesy/mark-big-spender"]
    assert "expectations/industry-norm" in coverage.never_fired(["core"])
    assert not set(coverage.never_fired(["core"])) & set(COURTESY_RULES)
    lines, missing = summary_lines(report, [None])
    assert lines[0] == "3 passed, 0 failed"
    total = len(coverage.owners)
    assert lines[1] == (f"rules fired: {total - len(coverage.never_fired())} of {total}; "
                        f"asserted silent: {total - len(coverage.never_silenced())} of {total}")
    assert "  demo_courtesy/win-back-leaver" in lines
    assert lines[-1] == "rules under test fired: 3 of 4"
    assert missing == ["demo_courtesy/win-back-leaver"]
    assert summary_lines(report)[1] == []  # nothing required, nothing missing
    assert not any(x.startswith("rules under test") for x in summary_lines(report)[0])


def test_a_silent_assertion_that_fails_does_not_count(runner: ScenarioRunner) -> None:
    report = runner.run_paths([FIXTURES / "failing.yaml"])
    # the failing case asserted thank-big-spender silent, but it fired
    assert "demo_courtesy/thank-big-spender" in report.coverage.never_silenced()
    assert "demo_courtesy/thank-big-spender" in report.coverage.fired


class _CrashingFacts:
    @hookimpl
    def register_fact_calculators(self, register):  # type: ignore[no-untyped-def]
        def calculate(customer, as_of, profile):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")
        register(FactNamespace("crash", {"x": ("integer", "never computed")}, calculate))


def test_a_case_whose_evaluation_fails_fails_with_the_reason(tmp_path: Path) -> None:
    manager = get_plugin_manager(load_entrypoints=False)
    manager.register(_CrashingFacts(), name="crashing")
    runner = ScenarioRunner(plugin_manager=manager)
    path = tmp_path / "crash.yaml"
    path.write_text("as_of: 2026-11-22\nplugins: [crashing]\ncases:\n  - name: crash\n"
                    "    customer: {id: X}\n    expect: {absent: [upsell]}\n", encoding="utf-8")
    (result,) = runner.run_paths([path]).results
    assert not result.passed
    assert result.differences[0].startswith("evaluation failed: ")
    assert "plugin 'crashing' could not derive its facts: RuntimeError: boom" in \
        result.differences[0]


# -- the command line -----------------------------------------------------------------------------

def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["test", *map(str, args)], env=env)


def test_cli_passing_scenarios_exit_0_with_a_summary_and_coverage() -> None:
    result = invoke(FIXTURES / "passing.yaml", "--ruleset", COURTESY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 passed, 0 failed"
    assert lines[1] == "rules under test fired: 3 of 4; asserted silent: 3 of 4"
    # only the rulesets under test: no core rule is listed (`--all-rules` lists them)
    assert not any(line.startswith(("  expectations/", "  loyalty/")) for line in lines)
    everything = invoke(FIXTURES / "passing.yaml", "--ruleset", COURTESY, "--all-rules")
    assert "  expectations/industry-norm" in everything.stdout.splitlines()
    never_fired = lines[lines.index(next(x for x in lines if x.startswith("never fired"))) + 1:]
    assert "  demo_courtesy/win-back-leaver" in never_fired
    assert "  demo_courtesy/greet-regular" not in lines
    assert result.stderr == ""


def test_cli_a_failing_case_exits_1_with_one_line_per_failure() -> None:
    failing = FIXTURES / "failing.yaml"
    result = invoke(FIXTURES / "passing.yaml", failing, "--ruleset", COURTESY)
    assert result.exit_code == 1
    failures = [x for x in result.stdout.splitlines() if x.startswith(str(failing))]
    line = case_lines(failing)["wrong about everything"]
    assert len(failures) == 1
    assert failures[0].startswith(f"{failing}:{line}: wrong about everything: expected win_back")
    assert "4 passed, 1 failed" in result.stdout.splitlines()


def test_cli_a_malformed_file_exits_2_listing_every_problem() -> None:
    result = invoke(FIXTURES / "malformed.yaml", FIXTURES / "passing.yaml", "--ruleset", COURTESY)
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing runs when a file is malformed
    located = [re.match(r"^(.+):(\d+): (\S+): ", e) for e in result.stderr.splitlines()]
    assert [(m.group(1), int(m.group(2)), m.group(3)) for m in located if m] == \
        [(str(FIXTURES / "malformed.yaml"), line, path) for line, path in MALFORMED]


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = invoke(tmp_path / "nowhere.yaml")
    assert missing.exit_code == 2 and "no such scenario file" in missing.stderr
    unknown = invoke(FIXTURES / "passing.yaml", "--plugin", "no_such_pack")
    assert unknown.exit_code == 2 and "no_such_pack" in unknown.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("ruleset: broken\nrules: [{id: x}]\n", encoding="utf-8")
    bad_ruleset = invoke(FIXTURES / "passing.yaml", "--ruleset", broken)
    assert bad_ruleset.exit_code == 2 and f"{broken}:" in bad_ruleset.stderr


def test_cli_require_coverage_passes_when_every_rule_under_test_fires() -> None:
    env = {"LOYALTY_RULES_BLOCK_PLUGINS": "core"}  # only the derive-only ruleset is active
    result = invoke(FLAGS / "flags_leaver.yaml", FLAGS / "flags_regular.yaml",
                    "--ruleset", FLAGS / "demo_flags.yaml", "--require-coverage", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2 passed, 0 failed", "rules under test fired: 2 of 2; asserted silent: 2 of 2"]


def test_cli_require_coverage_fails_naming_the_rules_never_fired() -> None:
    env = {"LOYALTY_RULES_BLOCK_PLUGINS": "core"}
    args = (FLAGS / "flags_leaver.yaml", "--ruleset", FLAGS / "demo_flags.yaml")
    assert invoke(*args, env=env).exit_code == 0  # coverage is only reported...
    result = invoke(*args, "--require-coverage", env=env)  # ...unless it is required
    assert result.exit_code == 1
    assert "1 passed, 0 failed" in result.stdout
    assert result.stderr.strip() == ("coverage required: 1 rule(s) under test never fired: "
                                     "demo_flags/flag-regular")


def test_cli_require_coverage_without_ruleset_or_plugin_means_the_core(tmp_path: Path) -> None:
    path = tmp_path / "scenario_core.yaml"
    path.write_text("as_of: 2026-11-22\ncases:\n  - name: no request, no under-promise\n"
                    "    customer: {id: X, personality: dominant}\n"
                    "    expect: {silent: [expectations/dominant-under-promise]}\n",
                    encoding="utf-8")
    result = invoke(path, "--require-coverage")
    assert result.exit_code == 1
    assert "expectations/dominant-under-promise" in result.stderr
    # a custom ruleset named on the command line is what is under test instead
    assert invoke(FIXTURES / "passing.yaml", FIXTURES / "failing.yaml", "--ruleset", COURTESY,
                  "--require-coverage").stderr == ""


# -- the pytest plugin ----------------------------------------------------------------------------

@pytest.mark.parametrize(("relative", "collected"), [
    ("scenario_auto.yaml", True), ("scenarios.yml", True), ("tests/scenarios/x.yaml", True),
    ("tests/scenarios/deep/x.yaml", True), ("tests/rulesets/x.yaml", False),
    ("config.yaml", False), ("tests/scenarios/x.json", False), ("my_scenario.yaml", False),
])
def test_which_files_are_scenario_files(tmp_path: Path, relative: str, collected: bool) -> None:
    assert is_scenario_file(tmp_path / relative, tmp_path) is collected


def test_only_scenario_folders_below_the_rootdir_count(tmp_path: Path) -> None:
    root = tmp_path / "scenarios" / "project"
    assert not is_scenario_file(root / "tests" / "config.yaml", root)
    assert is_scenario_file(root / "tests" / "scenarios" / "a.yaml", root)


def _pytester_files(pytester: pytest.Pytester) -> None:
    (pytester.path / "scenarios").mkdir()
    for name, target in (("passing.yaml", "scenarios/courtesy.yaml"),
                         ("failing.yaml", "scenario_failing.yaml")):
        (pytester.path / target).write_text((FIXTURES / name).read_text("utf-8"), "utf-8")
    (pytester.path / "unrelated.yaml").write_text("cases: not a scenario\n", "utf-8")
    (pytester.path / "pytest.ini").write_text(
        f"[pytest]\nloyalty_rules_rulesets = {COURTESY}\n", "utf-8")


def test_pytest_collects_scenario_files_one_item_per_case(pytester: pytest.Pytester) -> None:
    _pytester_files(pytester)
    result = pytester.runpytest("--collect-only", "-q")
    items = [x for x in result.outlines if "::" in x]
    assert items == [
        "scenario_failing.yaml::passes", "scenario_failing.yaml::wrong about everything",
        *(f"scenarios/courtesy.yaml::{name}" for name in case_lines(FIXTURES / "passing.yaml")),
    ]


def test_pytest_reports_a_failing_case_readably(pytester: pytest.Pytester) -> None:
    _pytester_files(pytester)
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, failed=1)
    line = case_lines(FIXTURES / "failing.yaml")["wrong about everything"]
    result.stdout.fnmatch_lines([
        "*_ scenario: wrong about everything _*",
        f"*scenario_failing.yaml:{line}: scenario 'wrong about everything' failed:",
        "  - expected win_back to be recommended; recommended: greet_by_name, surprise",
        "  - profile tier: expected 'P', got 'IP'",
        "  recommended: greet_by_name (demo_courtesy/greet-regular, priority 100), *",
    ])
    assert "Traceback" not in result.stdout.str()


def test_pytest_options_add_rulesets_and_plugins(pytester: pytest.Pytester) -> None:
    _pytester_files(pytester)
    (pytester.path / "pytest.ini").unlink()
    without = pytester.runpytest("scenarios")  # demo_courtesy's names are unknown
    without.assert_outcomes(errors=1)
    with_option = pytester.runpytest("scenarios", f"--loyalty-ruleset={COURTESY}")
    with_option.assert_outcomes(passed=3)
    unknown = pytester.runpytest("scenarios", f"--loyalty-ruleset={COURTESY}",
                                 "--loyalty-plugin=no_such_pack")
    unknown.assert_outcomes(errors=1)
    unknown.stdout.fnmatch_lines(["*plugin 'no_such_pack': not installed*"])


def test_pytest_shows_a_malformed_file_as_one_collection_error(
        pytester: pytest.Pytester) -> None:
    _pytester_files(pytester)
    (pytester.path / "scenarios" / "broken.yaml").write_text(
        (FIXTURES / "malformed.yaml").read_text("utf-8"), "utf-8")
    result = pytester.runpytest("scenarios")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "scenarios/broken.yaml:1: $.as_of: expected a date YYYY-MM-DD, got 'next tuesday'" \
        in output
    assert "scenarios/broken.yaml:24: $.cases[3]: expected a case (a mapping), got str" in output
    assert sum("scenarios/broken.yaml:" in line for line in result.outlines) == len(MALFORMED)
    assert "Traceback" not in result.stdout.str()


# -- fixtures for plugin authors ------------------------------------------------------------------

WAVE_RULESET = """\
ruleset: demo_wave
version: "1"
description: Wave at regulars (a test fixture).
guidance: [LOY-11]
rules:
  - id: wave-at-regular
    guidance: [LOY-11]
    when: {purchases: {gte: 1}}
    then: {recommend: demo.wave, priority: 50}
"""


class WavePlugin:
    """A throwaway plugin: one action, its script and a ruleset using it."""

    def __init__(self, ruleset: Path):
        self.ruleset = ruleset

    @hookimpl
    def register_actions(self, register):  # type: ignore[no-untyped-def]
        register(ActionSpec("demo.wave", "Wave at a regular.", ("LOY-11",), outbound=False,
                            default_channel="visit"))

    @hookimpl
    def register_scripts(self, register):  # type: ignore[no-untyped-def]
        register("demo.wave", en="Wave at {name}.", zh="向{name}挥手。")

    @hookimpl
    def register_rulesets(self, register):  # type: ignore[no-untyped-def]
        register(self.ruleset)


REGULAR = {"id": "R1", "name": "Ms Li", "events": [
    {"type": "purchase", "at": "2026-11-01", "amount": 10}]}


def test_loyalty_as_of(loyalty_as_of: dt.date) -> None:
    assert loyalty_as_of == dt.date(2026, 11, 22)


def test_loyalty_plugin_manager_is_fresh_with_the_core_only(loyalty_plugin_manager) -> None:  # type: ignore[no-untyped-def]
    from loyalty_rules.plugins.manager import DEFAULT_PLUGINS

    names = [name for name, _ in loyalty_plugin_manager.list_name_plugin()]
    assert names == list(DEFAULT_PLUGINS)  # the built-ins, no installed plugin
    assert loyalty_plugin_manager is not get_plugin_manager(load_entrypoints=False)


def test_engine_factory_registers_a_named_plugin_object(tmp_path: Path, loyalty_engine_factory,  # type: ignore[no-untyped-def]
                                                        loyalty_as_of: dt.date) -> None:
    ruleset = tmp_path / "wave.yaml"
    ruleset.write_text(WAVE_RULESET, encoding="utf-8")
    engine = loyalty_engine_factory(("wave", WavePlugin(ruleset)))
    assert isinstance(engine, Engine)
    assert engine.plugins == ("core", "wave")
    decision = engine.evaluate(REGULAR, loyalty_as_of)
    assert decision.recommendation("demo.wave").script == "Wave at Ms Li."
    assert "demo_wave/wave-at-regular" in decision.fired
    # a second engine in the same test has its own manager: the same name registers again
    other = loyalty_engine_factory(("wave", WavePlugin(ruleset)), locale="zh")
    assert other.plugin_manager is not engine.plugin_manager
    assert other.evaluate(REGULAR, loyalty_as_of).recommendation("demo.wave").script == \
        "向Ms Li挥手。"


def test_engine_factory_names_a_module_by_its_name(tmp_path: Path, loyalty_engine_factory,  # type: ignore[no-untyped-def]
                                                   loyalty_as_of: dt.date) -> None:
    ruleset = tmp_path / "wave.yaml"
    ruleset.write_text(WAVE_RULESET, encoding="utf-8")
    module = types.ModuleType("wave_pack")
    plugin = WavePlugin(ruleset)
    module.register_actions = hookimpl(lambda register: plugin.register_actions(register))  # type: ignore[attr-defined]
    module.register_scripts = hookimpl(lambda register: plugin.register_scripts(register))  # type: ignore[attr-defined]
    module.register_rulesets = hookimpl(lambda register: plugin.register_rulesets(register))  # type: ignore[attr-defined]
    engine = loyalty_engine_factory(module, parameters={"profile.loyal_purchases": 1})
    assert engine.plugins == ("core", "wave_pack")
    assert engine.setup.profile.loyal_purchases == 1
    assert engine.evaluate(REGULAR, loyalty_as_of).actions.count("demo.wave") == 1
    # without the plugin, the action does not exist
    plain = loyalty_engine_factory()
    assert "demo.wave" not in plain.registry.actions


def test_engine_factory_errors_are_clear(loyalty_engine_factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="a module or a \\(name, plugin\\) tuple"):
        loyalty_engine_factory(WavePlugin(Path("x")))

    class WrongSignature:
        @hookimpl
        def register_actions(self, registrar):  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(PluginError, match="plugin 'wrong'"):
        loyalty_engine_factory(("wrong", WrongSignature()))
    with pytest.raises(UsageError, match="its own plugin manager"):
        loyalty_engine_factory(plugin_manager=get_plugin_manager(load_entrypoints=False))


# -- docs/testing.md: every example runs ----------------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "testing.md"
DOC_BLOCK = re.compile(r"(?:^<!-- (?P<directive>[^>]*?) -->\n)?^```(?P<lang>[\w-]*)\n"
                       r"(?P<body>.*?)^```$", re.S | re.M)


def _matches(expected: str, actual: str) -> bool:
    """`...` in an expected line stands for any text."""
    pattern = ".*".join(re.escape(piece) for piece in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def _check_output(expected: list[str], actual: list[str], where: str) -> None:
    """Every expected line matches an output line, in order (a line `...`: any lines)."""
    position = 0
    for line in expected:
        if line == "...":
            continue
        while position < len(actual) and not _matches(line, actual[position]):
            position += 1
        assert position < len(actual), f"{where}: no output line matches {line!r} in order; " \
                                       f"output:\n" + "\n".join(actual)
        position += 1


def test_every_example_in_docs_testing_md_runs(pytester: pytest.Pytester) -> None:
    import shlex

    text = DOC.read_text(encoding="utf-8")
    blocks = list(DOC_BLOCK.finditer(text))
    assert len(blocks) >= 10
    ran = 0
    for block in blocks:
        where = f"docs/testing.md:{text.count(chr(10), 0, block.start()) + 1}"
        directive, lang, body = block["directive"] or "", block["lang"], block["body"]
        if directive.startswith("file: "):
            path = pytester.path / directive.removeprefix("file: ")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            continue
        assert lang == "console", f"{where}: a {lang or 'plain'} block that no test runs"
        exit_code = int(directive.removeprefix("exit: ")) if directive else 0
        commands = re.split(r"^\$ ", body, flags=re.M)[1:]
        assert commands, f"{where}: a console block without a command"
        for command in commands:
            first, *expected = command.splitlines()
            argv = shlex.split(first)
            if argv[0] == "loyalty-rules":
                result = CliRunner().invoke(main, argv[1:])
                code, output = result.exit_code, result.output.splitlines()
            else:
                assert argv[0] == "pytest", f"{where}: cannot run {first!r}"
                outcome = pytester.runpytest(*argv[1:])
                code, output = int(outcome.ret), outcome.outlines + outcome.errlines
            assert code == exit_code, f"{where}: {first!r} exited {code}:\n" + "\n".join(output)
            _check_output(expected, output, where)
            ran += 1
    assert ran >= 6


def test_engine_factory_refuses_a_misspelled_hook(loyalty_engine_factory):
    class Misspelled:
        @staticmethod
        @hookimpl
        def register_action(register):  # the hook is register_actions
            pass

    with pytest.raises(PluginError, match="plugin 'typo'.*'register_action' is not a "
                                          "loyalty_rules hook"):
        loyalty_engine_factory(("typo", Misspelled()))
