"""`loyalty-rules uplift`: the interval methods against published figures, and the whole
path from an experiment's decisions and later purchases to each action's uplift."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from loyalty_rules.cli import main
from loyalty_rules.experiments.statistics import Moments, mean_difference, rate_difference, wilson

AS_OF = "2026-11-22"


def test_wilson_matches_newcombe_1998a():
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson(0, 20)[0] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("counts, expected", [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
])
def test_the_rate_interval_matches_newcombe_1998b_method_10(counts, expected):
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", Table II, method 10 (hybrid score)
    found = rate_difference(*counts)
    assert (found.low, found.high) == pytest.approx(expected, abs=5e-5)
    assert found.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


def test_the_mean_interval_is_welch_with_a_normal_quantile():
    a, b = Moments(), Moments()
    for value in (10, 12, 14, 16):
        a.add(value)
    for value in (9, 9, 10, 12, 15):
        b.add(value)
    found = mean_difference(a, b)
    # by hand: means 13 and 11, variances 20/3 and 6.5
    half = 1.959964 * ((20 / 3) / 4 + 6.5 / 5) ** 0.5
    assert (found.estimate, found.low, found.high) == pytest.approx((2, 2 - half, 2 + half))
    assert mean_difference(a, Moments()) is None and rate_difference(1, 2, 0, 0) is None


def _customer(n: int) -> dict:
    # one purchase long ago: dormant, so the core rulesets recommend wake_dormant
    return {"id": f"U{n:04d}", "events": [{"type": "purchase", "at": "2026-01-10",
                                           "amount": 50}]}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """400 dormant customers, half held out, and a later history in which the treated come
    back more often (every 2nd) than the held out (every 5th)."""
    folder = tmp_path_factory.mktemp("uplift")
    customers = folder / "customers.jsonl"
    customers.write_text("".join(json.dumps(_customer(n)) + "\n" for n in range(400)),
                         encoding="utf-8")
    decisions = folder / "decisions.jsonl"
    result = CliRunner().invoke(main, ["evaluate", str(customers), "--as-of", AS_OF,
                                       "--format", "jsonl", "--holdout", "0.5", "--salt",
                                       "uplift-test", "-o", str(decisions), "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    arms = {}
    for line in decisions.read_text(encoding="utf-8").splitlines():
        decision = json.loads(line)
        arms[decision["customer_id"]] = decision["experiment"]["arm"]
    later = folder / "later.jsonl"
    truth = {"treated": [0, 0, 0.0], "holdout": [0, 0, 0.0]}
    with later.open("w", encoding="utf-8") as out:
        for n, (cid, arm) in enumerate(arms.items()):
            record = _customer(n)
            back = n % (2 if arm == "treated" else 5) == 0
            if back:  # inside the 30-day window
                record["events"].append({"type": "purchase", "at": "2026-12-01",
                                         "amount": 30 + n % 7})
            elif n % 3 == 0:  # on the decision's own day, and after the window: not counted
                record["events"] += [{"type": "visit", "at": AS_OF},
                                     {"type": "purchase", "at": "2026-12-23", "amount": 99}]
            out.write(json.dumps(record) + "\n")
            truth[arm][0] += 1
            truth[arm][1] += back
            truth[arm][2] += (30 + n % 7) if back else 0
    return decisions, later, truth


def _uplift(*args: str):
    result = CliRunner().invoke(main, ["uplift", *args])
    assert "Traceback" not in result.output + result.stderr
    return result


def test_uplift_recovers_the_difference_it_was_given(experiment):
    decisions, later, truth = experiment
    result = _uplift(str(decisions), "--outcomes", str(later), "--horizon", "30",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    for arm, (n, back, revenue) in truth.items():
        assert report["arms"][arm]["customers"] == n and report["arms"][arm]["converted"] == back
        assert report["arms"][arm]["revenue_per_customer"] == pytest.approx(revenue / n,
                                                                            abs=0.005)
    expected = truth["treated"][1] / truth["treated"][0] - truth["holdout"][1] / truth[
        "holdout"][0]
    everyone = report["comparisons"][0]
    assert (everyone["arm"], everyone["versus"]) == ("treated", "holdout")
    assert everyone["uplift"]["estimate"] == pytest.approx(expected, abs=1e-4)
    assert 0 < everyone["uplift"]["low"] < expected < everyone["uplift"]["high"]
    wake = next(a for a in report["actions"] if a["action"] == "wake_dormant")
    assert wake["treated"]["customers"] == truth["treated"][0]
    assert wake["holdout"]["customers"] == truth["holdout"][0]
    assert wake["uplift"] == everyone["uplift"]
    assert "Newcombe" in report["method"]


def test_a_horizon_that_ends_before_the_purchases_finds_no_uplift(experiment):
    decisions, later, _ = experiment
    report = json.loads(_uplift(str(decisions), "--outcomes", str(later), "--horizon", "5",
                                "--format", "json").stdout)
    assert all(group["converted"] == 0 for group in report["arms"].values())
    assert report["comparisons"][0]["uplift"]["estimate"] == 0


def test_bad_decisions_are_located_and_the_rest_is_measured(experiment, tmp_path):
    decisions, later, truth = experiment
    lines = decisions.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "decisions.jsonl"
    broken.write_text("\n".join([lines[0], "{not json", json.dumps({"as_of": AS_OF}),
                                 *lines[1:]]) + "\n", encoding="utf-8")
    result = _uplift(str(broken), "--outcomes", str(later), "--horizon", "30",
                     "--format", "table")
    assert result.exit_code == 1
    assert f"{broken}:2: invalid JSON" in result.stderr
    assert f"{broken}:3: customer_id: missing or not a string" in result.stderr
    assert "2 record(s) rejected" in result.stderr
    assert "wake_dormant" in result.stdout and "Newcombe" in result.stdout


def test_decisions_without_an_experiment_are_refused(tmp_path):
    plain = tmp_path / "d.jsonl"
    plain.write_text(json.dumps({"customer_id": "X", "as_of": AS_OF, "profile": {},
                                 "recommendations": [], "suppressed": []}) + "\n",
                     encoding="utf-8")
    result = _uplift(str(plain), "--outcomes", str(plain), "--horizon", "30")
    assert result.exit_code == 2
    assert "no decision carries an experiment arm" in result.stderr


def test_a_challenger_is_compared_with_the_holdout_and_with_the_champion():
    import datetime as dt

    from loyalty_rules.experiments.uplift import Assigned, Assignments, measure

    day = dt.date(2026, 11, 22)
    found = Assignments(experiments={"ab"}, champions={"champion"})
    plan = {"holdout": (100, 10), "champion": (200, 40), "challenger": (200, 60)}
    for arm, (n, back) in plan.items():
        for i in range(n):
            found.customers[f"{arm}{i}"] = Assigned(
                arm, day, ("wake_dormant",), converted=i < back, revenue=10.0 * (i < back))
    report = measure(found, horizon_days=30, outcome_types=("purchase",))
    pairs = {(c["arm"], c["versus"]): c["uplift"]["estimate"] for c in report["comparisons"]}
    assert pairs == {("champion", "holdout"): pytest.approx(0.1),
                     ("challenger", "holdout"): pytest.approx(0.2),
                     ("challenger", "champion"): pytest.approx(0.1)}
    rows = {(a["action"], a["arm"]): a for a in report["actions"]}
    assert rows[("wake_dormant", "challenger")]["holdout"]["customers"] == 100
    assert rows[("wake_dormant", "challenger")]["revenue_uplift"]["estimate"] == \
        pytest.approx(2.0)
