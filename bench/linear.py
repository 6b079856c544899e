"""Time per customer against the size of its history, for every event type.

    uv run python bench/linear.py                 # 10, 100, 1,000, 10,000 events of each type

One customer with N events of one type (open items when the type makes them: requests,
recent promises, open complaints), evaluated with the core rulesets: parse + derive +
durable_rules + decision, the median of 3 runs in this process. Linear means the time per
event stays flat as N grows. The item bound is raised for the measurement
(`limits.max_items`), since 10,000 open items would otherwise be rejected.
Prints one JSON line per event type.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from typing import Any

from loyalty_rules import Engine, parse_customer

AS_OF = dt.date(2026, 11, 15)
SIZES = (10, 100, 1000, 10000)


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
    engine = Engine(parameters={"limits.max_items": 20000})
    kinds = sys.argv[1:] or ["purchase", "visit", "contact", "complaint", "recovery", "survey",
                             "request", "promise", "referral", "churn"]
    for kind in kinds:
        row: dict[str, Any] = {"type": kind}
        for size in SIZES:
            raw = {"id": "L", "events": [event(kind, k) for k in range(size)]}
            times = []
            for _ in range(3):
                start = time.perf_counter()
                engine.evaluate(parse_customer(raw), AS_OF)
                times.append(time.perf_counter() - start)
            row[f"{size}_ms"] = round(statistics.median(times) * 1000, 2)
        per_event = [row[f"{n}_ms"] * 1000 / n for n in SIZES]
        row["us_per_event"] = [round(x, 1) for x in per_event]
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
