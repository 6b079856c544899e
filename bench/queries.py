"""The cost of event queries in the profile pass: the profile alone vs the profile plus the
gym's queries (docs/examples/gym: five named queries and `last_visit`), on customers with a
given number of events. Timed from outside as a whole process, A/B in turn:

    uv run python bench/queries.py --events 200            # profile + queries
    uv run python bench/queries.py --events 200 --no-queries

and at 10× the history (`--events 2000`, `--customers 100`) to see the queries' share stay
the same: one pass over the events, so their cost grows linearly with the history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path

from loyalty_rules import Engine, get_plugin_manager, parse_customer
from loyalty_rules.facts.profile import derive_profile
from loyalty_rules.facts.queries import query_facts

AS_OF = dt.date(2026, 11, 22)
GYM = Path(__file__).resolve().parents[1] / "docs" / "examples" / "gym" / "fitco.yaml"


def member(number: int, events: int, rng: random.Random) -> dict:
    history = []
    for _ in range(events):
        day = (AS_OF - dt.timedelta(days=rng.randrange(0, 3 * 365))).isoformat()
        kind = rng.choices(["visit", "purchase", "contact", "complaint", "referral"],
                           [60, 25, 10, 3, 2])[0]
        event = {"type": kind, "at": day}
        if kind == "purchase":
            event["amount"] = rng.randrange(20, 200)
        elif kind == "contact":
            event["action"] = rng.choice(["fitco.vip_thanks", "keep_in_touch", None])
        elif kind == "complaint":
            event["topic"] = rng.choice(["showers", "trainer"])
        history.append(event)
    return {"id": f"M{number}", "events": history}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--no-queries", action="store_true")
    args = parser.parse_args()
    rng = random.Random(12)
    customers = [parse_customer(member(n, args.events, rng)) for n in range(args.customers)]
    setup = Engine(rulesets=[GYM],
                   plugin_manager=get_plugin_manager(load_entrypoints=False)).setup
    start = time.perf_counter()
    answered = 0
    for customer in customers:
        derive_profile(customer, AS_OF, setup.profile)
        if not args.no_queries:
            answered += len(query_facts(customer, AS_OF, setup.queries, setup.items)["query"])
    seconds = time.perf_counter() - start
    print(f"{args.customers} customers × {args.events} events, queries "
          f"{'off' if args.no_queries else 'on'}: {seconds:.2f} s in the loop ({answered} "
          "answers)")


if __name__ == "__main__":
    main()
