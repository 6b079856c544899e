"""`backtest` and the population on the command line: `evaluate --population`, the scorecard."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from click.testing import CliRunner

from loyalty_rules.backtest import Scorecard
from loyalty_rules.cli import main


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result


def purchase(day: str, amount: float) -> dict:
    return {"type": "purchase", "at": day, "amount": amount}


HISTORY = [
    # bought before the cutoff, came back in the horizon with 30 + 20
    {"id": "A", "events": [purchase("2026-01-10", 500), purchase("2026-07-05", 30),
                           purchase("2026-08-01", 20)]},
    # bought before, came back only after the horizon: not counted
    {"id": "B", "events": [purchase("2026-02-01", 40), purchase("2027-03-01", 99)]},
    # bought before, never again
    {"id": "C", "events": [purchase("2026-03-01", 10)]},
    # only visited before the cutoff (a prospect), bought in the horizon
    {"id": "D", "events": [{"type": "visit", "at": "2026-05-01"}, purchase("2026-07-10", 5)]},
    # not a customer yet at the cutoff
    {"id": "E", "events": [purchase("2026-07-02", 70)]},
]


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "history.jsonl"
    lines = [json.dumps(c) for c in HISTORY] + ['{"id": "bad", "events": 7}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_backtest_scores_decisions_against_the_horizon(history, tmp_path):
    out = tmp_path / "backtest.json"
    saved = tmp_path / "population.json"
    result = run("backtest", str(history), "--cutoff", "2026-06-30", "--horizon", "90",
                 "-o", str(out), "--population", str(saved), "--workers", "1")
    assert result.exit_code == 1  # the bad record is reported, the rest scored
    assert "history.jsonl:6: events" in result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (report["format"], report["version"]) == ("loyalty-rules/backtest", 1)
    assert report["horizon_end"] == "2026-09-28"
    assert report["customers"] == {"read": 6, "rejected": 1, "not_yet_customers": 1,
                                   "scored": 4, "buyers": 3, "prospects": 1}
    assert report["outcome"] == {"came_back": 2, "came_back_rate": 0.5, "revenue": 55.0}
    stages = report["by"]["loyalty_stage"]
    assert stages["purchase"]["customers"] == 3 and stages["purchase"]["came_back"] == 1
    assert stages["expectation"]["revenue"] == 5.0
    assert report["by"]["pyramid"]["prospect"]["came_back_rate"] == 1.0
    key = report["metrics"]["key_accounts"]  # A: the top 20 % of three buyers by spend
    assert key["customers"] == 1 and key["share_of_revenue"] == pytest.approx(50 / 55, abs=1e-4)
    assert report["metrics"]["p_active_auc"] is None  # too few buyers for a model
    saved_data = json.loads(saved.read_text(encoding="utf-8"))
    assert saved_data["as_of"] == "2026-06-30" and saved_data["counts"]["customers"] == 4


def test_backtest_needs_a_positive_horizon(history):
    result = run("backtest", str(history), "--cutoff", "2026-06-30", "--horizon", "0")
    assert result.exit_code == 2


def test_evaluate_computes_the_population_first_by_default(history, tmp_path):
    result = run("evaluate", str(history), "--as-of", "2026-06-30", "--format", "jsonl",
                 "--workers", "1")
    profiles = {d["customer_id"]: d["profile"]
                for d in map(json.loads, result.stdout.splitlines())}
    assert profiles["A"]["key_account"] is True and profiles["A"]["pyramid"] == "top"
    assert profiles["D"]["pyramid"] == "prospect"
    alone = run("evaluate", str(history), "--as-of", "2026-06-30", "--format", "jsonl",
                "--no-population", "--workers", "1")
    first = json.loads(alone.stdout.split("\n")[0])
    assert "key_account" not in first["profile"] and "pyramid" not in first["profile"]


def test_population_file_is_saved_then_reused(history, tmp_path):
    saved = tmp_path / "population.json"
    args = ("evaluate", str(history), "--as-of", "2026-06-30", "--format", "jsonl",
            "--workers", "1", "--population", str(saved))
    def key_accounts(result) -> list[str]:
        return [d["customer_id"] for d in map(json.loads, result.stdout.splitlines())
                if d["profile"]["key_account"]]

    assert key_accounts(run(*args)) == ["A"]  # the top 20 % of the three buyers
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["key_account_min_value"] = 1.0  # every buyer is key now: proof of reuse
    saved.write_text(json.dumps(data), encoding="utf-8")
    assert key_accounts(run(*args)) == ["A", "B", "C"]  # E buys only after as_of
    assert run(*args, "--param", "population.key_share=0.5").exit_code == 2


def test_a_malformed_population_file_is_one_located_line(history, tmp_path):
    saved = tmp_path / "population.json"
    saved.write_text('{"format": "loyalty-rules/population", "version": 1}', encoding="utf-8")
    result = run("evaluate", str(history), "--as-of", "2026-06-30", "--population", str(saved))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{saved}:0: $.as_of: missing 'as_of'"


def test_bad_population_parameters_are_a_usage_error(history):
    result = run("evaluate", str(history), "--as-of", "2026-06-30",
                 "--param", "population.key_shares=0.1")
    assert result.exit_code == 2 and "population.key_shares: unknown" in result.stderr
    assert run("evaluate", str(history), "--as-of", "2026-06-30", "--no-population",
               "--param", "population.key_share=0.1").exit_code == 2


# -- the scorecard ---------------------------------------------------------------------------

def test_auc_and_gain_agree_with_counting_every_pair():
    rng = random.Random(5)
    card = Scorecard()
    rows = []
    for _ in range(400):
        p = round(rng.random() ** 2, 2)  # coarse: many ties
        back = rng.random() < p
        rows.append((p, back))
        card.add({"p_active": p, "purchases": 1, "dormant": p < 0.3}, (), back,
                 10.0 if back else 0.0, p)
    positives = [p for p, b in rows if b]
    negatives = [p for p, b in rows if not b]
    pairs = sum(1.0 if a > b else 0.5 if a == b else 0.0
                for a, b in itertools.product(positives, negatives))
    auc, scored = card.auc()
    assert scored == 400 and auc == round(pairs / (len(positives) * len(negatives)), 4)
    gain = card.gain()
    assert len(gain) == 20 and gain[-1]["share_of_came_back"] == 1.0
    assert gain[-1]["share_of_revenue"] == 1.0
    shares = [g["share_of_came_back"] for g in gain]
    assert shares == sorted(shares) and gain[0]["lift"] > 1
    result = card.result()
    assert sum(b["customers"] for b in result["calibration"]) == 400
    assert result["metrics"]["dormant"]["dormant_quiet"] + \
        result["metrics"]["dormant"]["active_quiet"] == len(negatives)


def test_backtest_without_a_population_judges_each_customer_alone(history, tmp_path):
    out = tmp_path / "alone.json"
    result = run("backtest", str(history), "--cutoff", "2026-06-30", "--horizon", "90",
                 "-o", str(out), "--no-population", "--workers", "1")
    assert result.exit_code == 1  # the bad record
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["population"] is None and report["metrics"]["p_active_auc"] is None
    assert set(report["by"]["pyramid"]) == {"(none)"}
    assert report["outcome"]["came_back"] == 2
    assert run("backtest", str(history), "--cutoff", "2026-06-30", "--horizon", "90",
               "--no-population", "--population", str(tmp_path / "p.json")).exit_code == 2


def test_explain_can_judge_within_a_saved_population(history, tmp_path):
    saved = tmp_path / "population.json"
    run("evaluate", str(history), "--as-of", "2026-06-30", "--population", str(saved),
        "--workers", "1")
    args = ("explain", str(history), "--customer", "A", "--as-of", "2026-06-30",
            "--action", "revisit_call_long", "--format", "json")
    within = json.loads(run(*args, "--population", str(saved)).stdout)
    alone = json.loads(run(*args).stdout)
    # A (spent 500: tier IP) is key only as the top 20 % of this base: the 611 long call
    assert "revisit_call_long" in within["recommended"]
    assert "revisit_call_long" not in alone["recommended"]


def test_docs_backtest_md_shows_every_field_the_command_writes(history, tmp_path):
    """The format documented in docs/backtest.md is the format written, key for key."""
    import re

    from conftest import ROOT

    text = (ROOT / "docs" / "backtest.md").read_text(encoding="utf-8")
    documented = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    out = tmp_path / "b.json"
    run("backtest", str(history), "--cutoff", "2026-06-30", "--horizon", "90", "-o", str(out),
        "--workers", "1")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert set(written) == set(documented)
    for key in ("customers", "outcome", "metrics"):
        assert set(written[key]) == set(documented[key]), key
    for key in ("dormant", "key_accounts"):
        assert set(written["metrics"][key]) == set(documented["metrics"][key]), key
    assert set(written["by"]) == set(documented["by"])
    group = next(iter(written["by"]["segment"].values()))
    assert set(group) == set(documented["by"]["segment"]["barnacle"])
    action = next(iter(written["actions"].values()))
    assert set(action) == set(documented["actions"]["wake_dormant"])
    assert set(written["calibration"][0]) == set(documented["calibration"][0])
    card = Scorecard()  # (this history has too few buyers for p_active, so no gain curve)
    card.add({"p_active": 0.5}, (), True, 1.0, 0.5)
    assert written["gain"] == [] and set(card.gain()[0]) == set(documented["gain"][0])
    for name in written["population"]:
        assert f"`{name}`" in text or name in documented["population"], name
