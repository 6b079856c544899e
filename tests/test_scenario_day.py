"""The scenario `day` check: the whole day's decision compared exactly (scenarios/day.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loyalty_rules import ScenarioError
from loyalty_rules.scenarios.runner import ScenarioRunner

CUSTOMER = """\
    customer:
      id: D1
      personality: dominant
      events:
        - {type: purchase, at: 2026-05-01, amount: 400}
        - {type: purchase, at: 2026-06-01, amount: 400}
        - {type: purchase, at: 2026-07-01, amount: 400}
        - {type: complaint, at: 2026-11-21, id: K1, topic: late, severity: 3}
        - {type: request, at: 2026-11-22, expected: 7, deliverable: 14, unit: days}
"""


def _file(tmp_path: Path, day: str) -> Path:
    path = tmp_path / "day.yaml"
    path.write_text("as_of: 2026-11-22\ncases:\n  - name: recovery and a request\n"
                    + CUSTOMER + "    expect:\n      day:\n"
                    + textwrap.indent(textwrap.dedent(day), " " * 8), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runner() -> ScenarioRunner:
    return ScenarioRunner()


def test_the_day_passes_when_every_part_matches(tmp_path: Path, runner: ScenarioRunner) -> None:
    path = _file(tmp_path, """\
        recommended: [acknowledge_and_apologize, under_promise]
        conversations: [[acknowledge_and_apologize]]
        includes: {under_promise: [set_expectations, tell_industry_norm]}
        """)
    (result,) = runner.run_paths([path]).results
    assert result.differences == ()


def test_a_wrong_day_lists_every_part_that_differs(tmp_path: Path,
                                                  runner: ScenarioRunner) -> None:
    path = _file(tmp_path, """\
        recommended: [under_promise]
        conversations: [[under_promise, acknowledge_and_apologize]]
        includes: {under_promise: [tell_industry_norm]}
        held: {upsell: surprise}
        """)
    (result,) = runner.run_paths([path]).results
    assert result.differences == (
        "day: expected exactly under_promise recommended; got acknowledge_and_apologize, "
        "under_promise",
        "day: expected conversations [under_promise, acknowledge_and_apologize]; got "
        "[acknowledge_and_apologize]",
        "day: expected the reply under_promise to include tell_industry_norm; it includes "
        "set_expectations, tell_industry_norm",
        "day: expected exactly upsell held back; got (none)")


def test_a_held_item_names_what_displaced_it(tmp_path: Path, runner: ScenarioRunner) -> None:
    path = tmp_path / "held.yaml"
    path.write_text(textwrap.dedent("""\
        as_of: 2026-11-22
        cases:
          - name: give before you ask
            customer:
              id: D2
              events:
                - {type: purchase, at: 2026-05-01, amount: 400}
                - {type: purchase, at: 2026-09-01, amount: 400}
                - {type: referral, at: 2026-10-01, referred_id: X}
            expect:
              day:
                recommended: [keep_in_touch, surprise]
                held: {ask_referral: acknowledge_and_apologize, grow_share_of_wallet: surprise,
                       invite_loyalty_programme: "give before you ask"}
        """), encoding="utf-8")
    (result,) = runner.run_paths([path]).results
    assert len(result.differences) == 1
    assert result.differences[0].startswith(
        "day: expected ask_referral held back by 'acknowledge_and_apologize'; held back: "
        "give before you ask: no ask on the day of surprise")


def test_a_malformed_day_is_an_error_with_its_line(tmp_path: Path,
                                                   runner: ScenarioRunner) -> None:
    path = _file(tmp_path, """\
        recommended: [under_promis]
        conversations: under_promise
        held: {upsell: 3}
        talks: []
        """)
    with pytest.raises(ScenarioError) as caught:
        runner.load(path)
    found = sorted((p.line, p.path) for p in caught.value.problems)
    assert found == [(15, "$.cases[0].expect.day.recommended[0]"),
                     (16, "$.cases[0].expect.day.conversations"),
                     (17, "$.cases[0].expect.day.held.upsell"),
                     (18, "$.cases[0].expect.day.talks")]
