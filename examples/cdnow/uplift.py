"""A holdout on CDNOW, end to end, with a SIMULATED intervention.

CDNOW records purchases only: nobody ever acted on a recommendation in it, so no real uplift
can be measured from it. This script shows the whole path of `evaluate --holdout` and
`loyalty-rules uplift` on real customers with an effect that is **simulated, and stated**:

1. every customer is evaluated as of the cutoff, **1997-09-30** (the end of the 39-week
   calibration period of Fader, Hardie & Lee 2005), from their purchases up to that day
   (and the population computed from them, as `evaluate` does), with a **20 % holdout**
   (salt ``cdnow-uplift-demo``);
2. the outcomes are the customers' **real** purchases after the cutoff, plus the simulated
   effect: each treated customer recommended `wake_dormant` makes one **extra purchase**
   with probability **10 %** (decided by the same kind of hash, salt
   ``cdnow-simulated-response``, so every run is the same), on a day within 30 days of the
   cutoff, worth the customer's own average order. Held-out customers get no extra purchase;
3. `uplift` measures every action against the holdout within a **90-day** horizon.

The true effect on `wake_dormant`'s came-back rate is therefore known: the share of its
treated customers who came back *only* because of a simulated purchase (about 10 % of those
who would not have come back anyway). The script prints it next to the measured uplift and
its interval. Every other action's true effect is zero. With ``--effect 0`` nothing is
simulated: an A/A test, where every interval should hold zero.

    uv run python examples/cdnow/uplift.py                 # into examples/cdnow/data/
    uv run python examples/cdnow/uplift.py --effect 0      # no simulated effect
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cdnow  # noqa: E402  (the example next to this one: fetching and conversion)

CUTOFF = dt.date(1997, 9, 30)
HORIZON_DAYS = 90
HOLDOUT = 0.2
SALT = "cdnow-uplift-demo"
RESPONSE_SALT = "cdnow-simulated-response"
EFFECT = 0.10
ACTION = "wake_dormant"


def before(customers: Iterable[dict[str, Any]], cutoff: dt.date) -> Iterator[dict[str, Any]]:
    """Each customer with only the events on or before the cutoff (none yet: left out)."""
    day = cutoff.isoformat()
    for customer in customers:
        events = [e for e in customer["events"] if e["at"] <= day]
        if events:
            yield {**customer, "events": events}


def simulate_purchase(customer: dict[str, Any], decision: dict[str, Any], effect: float,
                      cutoff: dt.date = CUTOFF) -> dict[str, Any] | None:
    """The SIMULATED extra purchase of a treated customer recommended `ACTION`, or None."""
    from loyalty_rules.experiments.assignment import bucket

    if decision["experiment"]["arm"] == "holdout" or effect <= 0:
        return None
    if ACTION not in (r["action"] for r in decision["recommendations"]):
        return None
    draw = bucket(customer["id"], RESPONSE_SALT)
    if draw >= effect:
        return None
    day = cutoff + dt.timedelta(days=1 + int(draw / effect * 30))
    paid = [e["amount"] for e in customer["events"] if e["at"] <= cutoff.isoformat()]
    return {"type": "purchase", "at": day.isoformat(),
            "amount": round(sum(paid) / len(paid), 2)}


def evaluate(data: Path, workers: int = 1) -> tuple[list[dict[str, Any]], Path]:
    """Every customer as of the cutoff, 20 % held out: (the customers, the decisions file).

    As `evaluate` does by default: the population (value ranks, pyramid, key accounts,
    p_active) from the history up to the cutoff first, then every customer against it."""
    from loyalty_rules import Engine, Population
    from loyalty_rules.experiments.definition import Experiment
    from loyalty_rules.experiments.running import evaluate_experiment

    customers = cdnow.load(cdnow.fetch(data))
    experiment = Experiment.holdout_only(HOLDOUT, SALT, name="cdnow-uplift-demo")
    path = data / "uplift-decisions.jsonl"
    population = Population.from_customers(before(customers, CUTOFF), CUTOFF)
    engine = Engine(population=population)
    with path.open("w", encoding="utf-8") as out:
        for result in evaluate_experiment(experiment, {"treated": engine},
                                          before(customers, CUTOFF), CUTOFF, workers=workers):
            out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    return customers, path


def simulate_and_measure(customers: list[dict[str, Any]], decisions_path: Path,
                         effect: float = EFFECT) -> dict[str, Any]:
    """The real later purchases plus the SIMULATED ones, measured against the holdout."""
    from loyalty_rules import read_customers
    from loyalty_rules.experiments.uplift import measure, observe, read_assignments
    from loyalty_rules.io.decision_files import read_decisions

    decisions = {}
    with decisions_path.open(encoding="utf-8") as handle:
        for line in handle:
            decision = json.loads(line)
            decisions[decision["customer_id"]] = decision
    outcomes_path = decisions_path.with_name("uplift-outcomes.jsonl")
    end = (CUTOFF + dt.timedelta(days=HORIZON_DAYS)).isoformat()
    simulated = 0
    made_the_difference: collections.Counter[str] = collections.Counter()
    with outcomes_path.open("w", encoding="utf-8") as out:
        for customer in customers:
            decision = decisions.get(customer["id"])
            extra = simulate_purchase(customer, decision, effect) if decision else None
            if extra is not None:
                simulated += 1
                if not any(CUTOFF.isoformat() < e["at"] <= end for e in customer["events"]):
                    made_the_difference.update({r["action"] for r in decision["recommendations"]})
                customer = {**customer, "events": [*customer["events"], extra]}
            out.write(json.dumps(customer) + "\n")
    assignments = read_assignments(read_decisions(decisions_path))
    matched, rejected = observe(assignments, read_customers(outcomes_path), HORIZON_DAYS,
                                ("purchase",))
    if rejected or assignments.rejected:
        raise RuntimeError(f"unexpected rejections: {rejected[:3]} {assignments.rejected[:3]}")
    report = measure(assignments, horizon_days=HORIZON_DAYS, outcome_types=("purchase",),
                     matched=matched)
    # per action: the share of its treated customers who came back only because of a
    # simulated purchase (customers recommended ACTION and another action count for both)
    true_uplift = {row["action"]: round(made_the_difference[row["action"]]
                                        / row["treated"]["customers"], 4)
                   for row in report["actions"]}
    report["simulation"] = {
        "effect": effect, "action": ACTION, "simulated_purchases": simulated,
        "true_uplift": true_uplift[ACTION], "true_uplift_by_action": true_uplift,
        "note": "SIMULATED: CDNOW has no record of any action taken; the extra purchases of "
                "treated wake_dormant customers are made up by this script",
    }
    (decisions_path.with_name("uplift.json")).write_text(json.dumps(report, indent=1) + "\n",
                                                          encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=cdnow.DATA)
    parser.add_argument("--effect", type=float, default=EFFECT,
                        help="probability of the simulated extra purchase (default %(default)s)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        customers, decisions = evaluate(args.data, args.workers)
    except cdnow.FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = simulate_and_measure(customers, decisions, args.effect)
    from loyalty_rules.cli.uplift import write_table

    write_table(sys.stdout, report)
    sim = report["simulation"]
    wake = next(a for a in report["actions"] if a["action"] == ACTION)
    print(f"\nSIMULATED effect on {ACTION}: {sim['simulated_purchases']} extra purchases; "
          f"true uplift (in this sample) {100 * sim['true_uplift']:+.2f} pp; measured "
          f"{100 * wake['uplift']['estimate']:+.2f} pp "
          f"[{100 * wake['uplift']['low']:+.2f}, {100 * wake['uplift']['high']:+.2f}]")
    print(f"decisions, outcomes and uplift.json in {args.data}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
