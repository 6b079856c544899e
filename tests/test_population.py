"""The population: value ranks, the pyramid, key accounts, the activity model, its file."""

from __future__ import annotations

import datetime as dt
import json
import math
import random

import pytest

from loyalty_rules import Engine, Population, PopulationError, PopulationParameters, parse_customer
from loyalty_rules.population import standing
from loyalty_rules.population.activity import ActivityModel, Repeat, fit
from loyalty_rules.population.sketch import EXACT_LIMIT, Sample, ValueSketch

AS_OF = dt.date(2026, 6, 30)


def buyer(n: int, spend: float, days: tuple[str, ...] = ("2026-01-05",), **extra) -> dict:
    events = [{"type": "purchase", "at": day, "amount": round(spend / len(days), 2)}
              for day in days]
    return {"id": f"C{n:03d}", "events": events, **extra}


def base(count: int = 100) -> list[dict]:
    """Customer n spent 10 × n; odd ones came back in March."""
    return [buyer(n, 10 * n, ("2026-01-05", "2026-03-01") if n % 2 else ("2026-01-05",))
            for n in range(1, count + 1)]


def simulate(model: str, r: float, alpha: float, a: float, b: float, count: int,
             seed: int = 7) -> list[Repeat]:
    """Repeat-purchase statistics drawn from the model itself, observed for 20–40 weeks."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        rate = rng.gammavariate(r, 1 / alpha)
        death = rng.betavariate(a, b)
        T = rng.uniform(20, 40)
        t = 0.0
        x = 0
        alive = not (model == "mbg/nbd" and rng.random() < death)
        while alive:
            t += rng.expovariate(rate) if rate > 0 else math.inf
            if t > T:
                break
            x += 1
            t_x = t
            alive = rng.random() >= death
        out.append(Repeat(x, t_x if x else 0.0, T))
    return out


def simulated_base(count: int, seed: int) -> list[dict]:
    """Customers who buy at their own Poisson rate and may drop out after each purchase (the
    MBG/NBD story), first buying in early 2025, observed to AS_OF; amounts vary by customer."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        rate, drop = rng.gammavariate(0.6, 1 / 7), rng.betavariate(0.8, 1.5)
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(90))
        amount = float(rng.randrange(5, 500))
        days = [day]
        while rng.random() >= drop and rate > 0:
            day += dt.timedelta(days=min(max(1, round(7 * rng.expovariate(rate))), 9999))
            if day > AS_OF:
                break
            days.append(day)
        records.append({"id": f"S{n}", "events": [
            {"type": "purchase", "at": d.isoformat(), "amount": amount} for d in days]})
    return records


# -- sketches and samples ----------------------------------------------------------------

def test_quantiles_are_exact_for_small_bases_and_within_half_a_percent_beyond():
    small = ValueSketch()
    for value in range(1, 101):
        small.add(float(value))
    assert small.quantile(0.8) == 80.0 and small.quantile(0.0) == 1.0
    large = ValueSketch()
    values = [float(v) for v in range(1, EXACT_LIMIT * 3)]
    for value in values:
        large.add(value)
    for q in (0.2, 0.5, 0.8, 0.99):
        true = values[math.ceil(q * len(values)) - 1]
        assert abs(large.quantile(q) - true) <= 0.0051 * true


def test_the_sample_is_bounded_and_independent_of_input_order():
    ids = [f"C{n}" for n in range(1000)]
    one, two = Sample(50), Sample(50)
    for cid in ids:
        one.add(cid, cid)
    for cid in reversed(ids):
        two.add(cid, cid)
    assert len(one.items()) == 50 and one.items() == two.items()
    assert one.seen == 1000


# -- the activity model --------------------------------------------------------------------

@pytest.mark.parametrize("model", ["mbg/nbd", "bg/nbd"])
def test_the_fit_recovers_the_parameters_it_was_simulated_with(model):
    truth = dict(r=0.6, alpha=6.0, a=0.8, b=2.5)
    fitted = fit(simulate(model, count=4000, **truth), model)
    assert fitted is not None and fitted.model == model and fitted.fitted_on == 4000
    assert fitted.r == pytest.approx(truth["r"], rel=0.25)
    assert fitted.alpha == pytest.approx(truth["alpha"], rel=0.35)
    assert fitted.a / (fitted.a + fitted.b) == pytest.approx(0.8 / 3.3, rel=0.3)


def test_nothing_to_fit_without_repeat_buying():
    assert fit([Repeat(0, 0.0, 10.0)] * 50) is None
    assert fit([]) is None


def test_p_active_falls_with_silence_and_rises_with_frequency():
    model = ActivityModel("mbg/nbd", 0.64, 7.3, 0.81, 1.23, -1.0, 1)
    recent = model.p_purchase_within(Repeat(3, 30.0, 31.0), 90 / 7)
    silent = model.p_purchase_within(Repeat(3, 5.0, 31.0), 90 / 7)
    frequent = model.p_purchase_within(Repeat(8, 30.0, 31.0), 90 / 7)
    assert 0 < silent < recent < frequent < 1
    bg = ActivityModel("bg/nbd", 0.64, 7.3, 0.81, 1.23, -1.0, 1)
    assert bg.p_alive(Repeat(0, 0.0, 40.0)) == 1.0  # the reference's known flaw
    assert model.p_alive(Repeat(0, 0.0, 40.0)) < 1.0


# -- the population --------------------------------------------------------------------------

def test_key_accounts_are_the_top_share_by_value_and_the_pyramid_splits_the_rest():
    customers = [parse_customer(c) for c in base(200)]
    population = Population.from_customers(customers, AS_OF)
    assert (population.customers, population.buyers, population.rejected) == (200, 200, 0)
    assert population.key_account_min_value == 1610.0  # customer 161 … 200: the top 20 %
    assert population.pyramid_min_value == {"top": 1990.0, "large": 1910.0, "medium": 1610.0}
    assert population.activity is None  # 200 buyers: too few for a model (min_model_buyers)
    fields = [standing(c, AS_OF, {"churned": False, "referrals": 0, "kind": "individual"},
                       population) for c in customers]
    assert sum(f["key_account"] for f in fields) == 40
    levels = [f["pyramid"] for f in fields]
    assert (levels.count("top"), levels.count("large"), levels.count("medium")) == (2, 8, 30)
    percentiles = [f["value_percentile"] for f in fields]
    assert percentiles == sorted(percentiles) and percentiles[-1] == 100.0
    assert "p_active" not in fields[0]


def test_influence_makes_a_key_account_and_churn_unmakes_one():
    customers = [parse_customer(c) for c in base(100)]
    population = Population.from_customers(customers, AS_OF)
    small = customers[0]
    assert standing(small, AS_OF, {"referrals": 2, "churned": False}, population)["key_account"]
    assert standing(small, AS_OF, {"kind": "channel", "churned": False},
                    population)["key_account"]
    top = customers[-1]
    assert standing(top, AS_OF, {"churned": False}, population)["key_account"]
    gone = standing(top, AS_OF, {"churned": True}, population)
    assert not gone["key_account"] and gone["pyramid"] == "inactive"
    prospect = parse_customer({"id": "P", "events": [{"type": "visit", "at": "2026-06-01"}]})
    fields = standing(prospect, AS_OF, {"churned": False}, population)
    assert fields["pyramid"] == "prospect" and fields["value_percentile"] == 0.0


def test_a_fitted_base_gives_p_active_and_derives_dormant_from_it():
    records = simulated_base(800, seed=3)
    population = Population.from_customers(records, AS_OF)
    assert population.activity is not None and population.activity.fitted_on == 800
    assert 0 < population.dormant_below < 1
    engine = Engine(population=population)
    decisions = list(engine.evaluate_many(records, AS_OF, workers=1))
    assert 0 < sum(d.profile["dormant"] for d in decisions) < len(decisions)
    for decision in decisions:
        p = decision.profile
        assert 0 <= p["p_active"] <= 1
        assert p["dormant"] == (p["p_active"] < population.dormant_below)
        assert p["pyramid"] in ("inactive",) if p["dormant"] else p["pyramid"] != "inactive"
    # the same customer, the same population, the same as_of: the same standing
    again = Engine(population=population).evaluate(records[5], AS_OF)
    assert again.profile == decisions[5].profile


def test_the_population_ignores_events_after_as_of_and_rejects_bad_records():
    late = buyer(1, 100.0, ("2026-01-05", "2026-09-01"))
    population = Population.from_customers([late, {"id": "bad", "events": 3}], AS_OF)
    assert (population.customers, population.rejected) == (1, 1)
    assert population.spend_percentiles[-1] == 50.0


def test_relative_tiers_put_tier_spends_at_the_base_s_percentiles():
    customers = base(100)
    population = Population.from_customers(customers, AS_OF, {"relative_tiers": True})
    assert population.tier_min_spend == {"IP": 500.0, "VIP": 800.0, "double_VIP": 950.0,
                                         "triple_VIP": 990.0}
    engine = Engine(population=population)
    tiers = [d.profile["tier"] for d in engine.evaluate_many(customers, AS_OF)]
    assert tiers.count("VIP") == 15 and tiers.count("triple_VIP") == 2


def test_without_a_population_the_profile_is_as_before(core_engine):
    decision = core_engine.evaluate(buyer(1, 10.0), AS_OF)
    assert not {"key_account", "pyramid", "value_percentile", "p_active"} & set(decision.profile)


# -- the file --------------------------------------------------------------------------------

def test_the_file_round_trips_and_is_readable_json(tmp_path):
    population = Population.from_customers(base(60), AS_OF, {"key_share": 0.1})
    path = tmp_path / "population.json"
    population.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "loyalty-rules/population" and data["version"] == 1
    assert len(data["spend_percentiles"]) == 101
    assert Population.load(path) == population
    assert path.read_text(encoding="utf-8").count("\n") < 80  # lists of numbers on one line


@pytest.mark.parametrize("change, where", [
    (lambda d: d.update(version=9), "$.version"),
    (lambda d: d.pop("dormant_below"), "$.dormant_below"),
    (lambda d: d.update(spend_percentiles=[3, 2, 1]), "$.spend_percentiles"),
    (lambda d: d["parameters"].update(key_share="lots"), "population.key_share"),
    (lambda d: d.update(as_of="yesterday"), "$.as_of"),
])
def test_a_malformed_file_is_named_with_its_field(tmp_path, change, where):
    path = tmp_path / "population.json"
    data = Population.from_customers(base(20), AS_OF).to_dict()
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PopulationError) as caught:
        Population.load(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and where in message


def test_bad_parameters_are_refused():
    with pytest.raises(PopulationError, match="population.nonsense"):
        PopulationParameters.from_mapping({"nonsense": 1})
    with pytest.raises(PopulationError, match="shares"):
        PopulationParameters(key_share=1.5)
    with pytest.raises(ValueError):
        PopulationParameters(activity_model="pareto")


# -- the core rules with a population (CRM-11, CRM-02, LOY-05) ---------------------------------

def test_crm11_key_accounts_are_the_real_top_20_percent_not_the_tier(core_engine):
    """On the 611 long-call date, the programme goes to the base's top 20 % by spend: a
    customer of tier P can be one, a VIP outside the top fifth is not (the base is rich)."""
    quarter_end = dt.date(2026, 6, 30)
    rich = [buyer(n, 5000 + 100 * n, ("2026-06-01",)) for n in range(1, 101)]
    small = buyer(900, 100.0, ("2026-06-01",))
    poor_base = [buyer(n, 1 + n / 10, ("2026-06-01",)) for n in range(1, 100)] + [small]
    calls = {}
    for name, customers in (("rich", rich), ("poor", poor_base)):
        population = Population.from_customers(customers, quarter_end)
        engine = Engine(population=population)
        for decision in engine.evaluate_many(customers, quarter_end):
            calls[(name, decision.customer_id)] = (
                decision.profile["key_account"],
                "revisit_call_long" in {r.action for r in decision.recommendations})
    assert calls[("rich", "C001")] == (False, False)  # VIP by tier, bottom of this base
    assert calls[("rich", "C100")] == (True, True)
    assert calls[("poor", "C900")] == (True, True)  # tier P, top of this base
    keyed = [k for k, (key, _) in calls.items() if key]
    assert len([k for k in keyed if k[0] == "rich"]) == 20
    alone = core_engine.evaluate(rich[0], quarter_end)  # judged alone: the tier stands in
    assert "revisit_call_long" in {r.action for r in alone.recommendations}


def test_wake_dormant_goes_to_the_dormant_worth_waking():
    records = simulated_base(700, seed=11)
    population = Population.from_customers(records, AS_OF)
    assert population.activity is not None
    woken = dormant = 0
    for decision in Engine(population=population).evaluate_many(records, AS_OF):
        p = decision.profile
        # proposed: recommended, or held back today by the day's conversation (issue 9)
        wakes = "wake_dormant" in {r.action for r in decision.recommendations} or any(
            s.action == "wake_dormant" and s.displaced_by for s in decision.suppressed)
        # worth waking (the value gate), and not let go (quiet at most two years, fewer
        # than three unanswered calls: relationship.wake_max_quiet_days, wake_max_attempts)
        assert wakes == (p["dormant"] and p["value_percentile"] >= 50
                         and p["days_since_activity"] <= 730
                         and p["wake_dormant_attempts"] < 3)
        assert p["pyramid"] == "inactive" if p["dormant"] else p["pyramid"] != "inactive"
        woken += wakes
        dormant += p["dormant"]
    assert 0 < woken < dormant


def test_guidance_coverage_counts_the_pyramid_as_encoded():
    from loyalty_rules.engine.checking import guidance_coverage

    rows = {row["id"]: row["rules"] for row in guidance_coverage()}
    assert "relationship/key-account-by-value" in rows["LOY-05"]
    assert "relationship/wake-dormant" in rows["LOY-05"]


def test_the_parallel_pass_gives_the_population_of_one_process(tmp_path, monkeypatch):
    from loyalty_rules import read_customers
    from loyalty_rules.engine import populating
    from loyalty_rules.engine.parallel import read_records

    records = simulated_base(60, seed=5)
    lines = [json.dumps(r) for r in records]
    lines.insert(10, '{"id": "broken", "events": 3}')
    lines.insert(30, json.dumps(records[3]))  # a duplicate id: the first one counts
    lines.insert(40, "not json")
    path = tmp_path / "base.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(populating, "BATCH", 7)  # many batches, more than in flight
    counted = []
    parallel = populating.population_parallel(read_records(path), AS_OF,
                                              {"min_model_buyers": 10}, 2,
                                              on_record=lambda: counted.append(1))
    alone = Population.from_customers(read_customers(path), AS_OF, {"min_model_buyers": 10})
    assert parallel == alone
    assert (alone.customers, alone.rejected) == (60, 3) and len(counted) == 63


def test_worker_processes_get_the_population_too():
    records = simulated_base(600, seed=9)
    population = Population.from_customers(records, AS_OF)
    engine = Engine(population=population)
    one = [d.profile for d in engine.evaluate_many(records, AS_OF, workers=1)]
    two = [d.profile for d in engine.evaluate_many(records, AS_OF, workers=2)]
    assert one == two and all("p_active" in p for p in two)


def test_a_version_1_file_still_reads_the_same():
    """tests/data/population-v1.json was written by the first version (from the samples as of
    2026-11-22): the format is stable, so it must keep loading, field for field."""
    from conftest import ROOT

    path = ROOT / "tests" / "data" / "population-v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    population = Population.load(path)
    assert population.to_dict() == data
    assert population.as_of == dt.date(2026, 11, 22)
    assert population.key_account_min_value == 2600.0
    assert population.value_percentile(2600.0) >= 80 > population.value_percentile(2000.0)
