"""The holdout demonstration on CDNOW (examples/cdnow/uplift.py): real customers, a 20 %
holdout, and a SIMULATED effect whose size is known, measured back by `uplift`."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT

HERE = ROOT / "examples" / "cdnow"
sys.path.insert(0, str(HERE))
_spec = importlib.util.spec_from_file_location("cdnow_uplift_example", HERE / "uplift.py")
assert _spec is not None and _spec.loader is not None
demo = importlib.util.module_from_spec(_spec)
sys.modules["cdnow_uplift_example"] = demo
_spec.loader.exec_module(demo)


def test_only_treated_customers_recommended_the_action_get_a_simulated_purchase():
    customer = {"id": "00007", "events": [{"type": "purchase", "at": "1997-02-01",
                                           "amount": 10.0},
                                          {"type": "purchase", "at": "1997-03-01",
                                           "amount": 30.0}]}
    treated = {"experiment": {"arm": "treated"}, "recommendations": [{"action": "wake_dormant"}]}
    held = {"experiment": {"arm": "holdout"}, "recommendations": [{"action": "wake_dormant"}]}
    other = {"experiment": {"arm": "treated"}, "recommendations": [{"action": "surprise"}]}
    extra = demo.simulate_purchase(customer, treated, effect=1.0)
    assert extra["type"] == "purchase" and extra["amount"] == 20.0  # the customer's average
    assert "1997-10-01" <= extra["at"] <= "1997-10-31"
    assert demo.simulate_purchase(customer, held, effect=1.0) is None
    assert demo.simulate_purchase(customer, other, effect=1.0) is None
    assert demo.simulate_purchase(customer, treated, effect=0.0) is None


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    import cdnow

    data = tmp_path_factory.mktemp("cdnow-uplift")
    try:
        (data / cdnow.FILE_NAME).write_bytes(cdnow.fetch(cdnow.DATA).read_bytes())
    except cdnow.FetchError as err:
        pytest.skip(f"CDNOW could not be downloaded here: {err}")
    return demo.evaluate(data)


def _covers(interval, value) -> bool:
    return interval["low"] <= value <= interval["high"]


def test_the_simulated_effect_is_measured_back_and_nothing_else_moves(evaluated):
    customers, decisions = evaluated
    report = demo.simulate_and_measure(customers, decisions, effect=0.10)
    holdout, treated = report["arms"]["holdout"], report["arms"]["treated"]
    assert holdout["customers"] + treated["customers"] == 23_570
    assert holdout["customers"] / 23_570 == pytest.approx(0.2, abs=0.01)
    rows = {a["action"]: a for a in report["actions"]}
    wake = rows["wake_dormant"]
    truth = report["simulation"]["true_uplift"]
    assert 0.07 < truth < 0.10  # 10 % of those who would not have come back anyway
    assert wake["uplift"]["low"] > 0 and _covers(wake["uplift"], truth)
    # any other action's customers feel the effect only where they were also recommended
    # wake_dormant: their own true uplift is smaller, and measured as such
    by_action = report["simulation"]["true_uplift_by_action"]
    for action, row in rows.items():
        if row["uplift"] is not None:
            assert by_action[action] <= truth and _covers(row["uplift"], by_action[action]), \
                action


def test_without_a_simulated_effect_every_interval_holds_zero(evaluated):
    customers, decisions = evaluated
    report = demo.simulate_and_measure(customers, decisions, effect=0.0)
    assert report["simulation"]["simulated_purchases"] == 0
    for row in report["comparisons"] + report["actions"]:
        if row["uplift"] is not None:
            assert _covers(row["uplift"], 0), row.get("action", row["arm"])
