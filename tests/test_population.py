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
    rng = random.Random(3)
    records = []
    for n in range(800):
        days = sorted({dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(500))
                       for _ in range(rng.choice((1, 1, 2, 3, 6)))})
        records.append({"id": f"B{n}", "events": [
            {"type": "purchase", "at": d.isoformat(), "amount": 20.0} for d in days]})
    population = Population.from_customers(records, AS_OF)
    assert population.activity is not None and population.activity.fitted_on == 800
    assert 0 < population.dormant_below < 1
    engine = Engine(population=population)
    decisions = list(engine.evaluate_many(records, AS_OF, workers=1))
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
