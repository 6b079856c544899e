"""Time per customer against the size of its history, for every event type.

    uv run python bench/linear.py                 # 10, 100, 1,000, 10,000 events of each type
    uv run python bench/linear.py complaint --sizes 1000 3000 10000 20000

One customer with N events of one type (open items when the type makes them: requests,
recent promises, open complaints), evaluated with the core rulesets: parse + derive +
durable_rules + decision, the median of 5 runs in this process. Linear means the time per
event stays flat as N grows, and the growth exponent of each decade (`exponent`: the time
grows as N to that power from 10 to 100, 100 to 1,000, 1,000 to 10,000 events) stays near
1 once the fixed cost per customer no longer dominates; a quadratic derivation shows as 2. The item bound is raised for the measurement
(`limits.max_items`), since 10,000 open items would otherwise be rejected.
Prints one JSON line per event type.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from typing import Any

from loyalty_rules import Engine, parse_customer
from loyalty_rules.facts.models import EVENT_TYPES

AS_OF = dt.date(2026, 11, 15)
SIZES = (10, 100, 1000, 10000)
REPEAT = 5


def event(kind: str, k: int) -> dict[str, Any]:
    at = (AS_OF - dt.timedelta(days=k % 25)).isoformat()
    extra: dict[str, Any] = {
        "purchase": {"amount": 10 + k % 90}, "visit": {}, "referral": {},
        "contact": {"direction": "outbound", "action": "revisit_sms"},
        "complaint": {"id": f"K{k}", "topic": ("late", "rude", "price")[k % 3]},
        "recovery": {"complaint_id": f"K{k}", "step": "acknowledged"},
        "survey": {"score": k % 6}, "churn": {"reason": "price"},
        "request": {"dimension": f"d{k % 5}", "expected": 3, "deliverable": 1 + k % 5},
        "promise": {"dimension": "x", "promised": 3, "delivered": 2 + k % 3}}[kind]
    return {"type": kind, "at": at, **extra}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", default=list(EVENT_TYPES), metavar="TYPE")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="N",
                        help="history sizes (default: 10 100 1000 10000)")
    args = parser.parse_args()
    sizes = args.sizes
    engine = Engine(parameters={"limits.max_items": max(20000, *sizes)})
    for kind in args.kinds:
        row: dict[str, Any] = {"type": kind}
        for size in sizes:
            raw = {"id": "L", "events": [event(kind, k) for k in range(size)]}
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                engine.evaluate(parse_customer(raw), AS_OF)
                times.append(time.perf_counter() - start)
            row[f"{size}_ms"] = round(statistics.median(times) * 1000, 2)
        per_event = [row[f"{n}_ms"] * 1000 / n for n in sizes]
        row["us_per_event"] = [round(x, 1) for x in per_event]
        # growth exponent from one size to the next (time ∝ events^k): 1 linear, 2 quadratic
        row["exponent"] = [round(math.log(row[f"{b}_ms"] / row[f"{a}_ms"]) / math.log(b / a), 2)
                           for a, b in zip(sizes, sizes[1:])]
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
