"""Before timing anything: do the baseline and the peer engine decide what the engine decides?

    uv run --with zen-engine python bench/check.py bench/results/data/cdnow-10000.jsonl

Compares, customer by customer, the engine's decision with the hand-written baseline's:
recommendations in order (action, rule, priority, channel, due, params, script text, id,
role, overdue, trigger, the answers a reply includes, the conversation carrying it),
suppressions (with the held-back id and what displaced it),
the rules fired and the profile; and the engine's fired rules with the rules ZEN matched.
Three sets are checked: CDNOW (purchases only), the older synthetic set below, and
`bench/realistic.py`'s customers (open requests, promises and complaints, several items of a
kind, every event type) as of its date and as of a quarter's end. The verdict lists the core
rules that fired in no set (`never_fired`): it must be empty. Prints one JSON line; exit
status 1 on any difference or any rule that never fired.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CDNOW_AS_OF = dt.date(1998, 6, 30)
SYNTHETIC_AS_OF = dt.date(2026, 11, 22)


def synthetic(count: int) -> Iterator[dict[str, Any]]:
    """Varied customers around 2026-11-22 that exercise every kind of fact."""
    for n in range(count):
        events: list[dict[str, Any]] = []
        day = lambda back: (SYNTHETIC_AS_OF - dt.timedelta(days=back)).isoformat()  # noqa: E731
        for k in range(n % 7):
            events.append({"type": "purchase", "at": day(3 + (n * 37 + k * 53) % 400),
                           "amount": 150 * (1 + (n * k) % 23)})
        for k in range(n % 5):
            events.append({"type": "visit", "at": day((n + 11 * k) % 70)})
        if n % 3 == 0:
            events.append({"type": "request", "at": day(n % 40), "dimension": "delivery",
                           "expected": 1 + n % 9, "deliverable": 2 + n % 13, "unit": "days"})
        if n % 4 == 1:
            events.append({"type": "promise", "at": day(n % 35), "dimension": "wait",
                           "promised": 10 + n % 5, "delivered": 8 + n % 9, "unit": "minutes"})
        if n % 5 == 2:
            events.append({"type": "complaint", "at": day(n % 20), "id": f"K{n}",
                           "topic": ("late", "rude", "price")[n % 3], "severity": 1 + n % 5})
            steps = ("acknowledged", "explained", "compensated", "followed_up")
            for step in steps[: n % 5]:
                events.append({"type": "recovery", "at": day(n % 10), "complaint_id": f"K{n}",
                               "step": step})
        if n % 6 == 3:
            events.append({"type": "survey", "at": day(n % 50), "score": n % 6})
        if n % 7 == 4:
            events.append({"type": "contact", "at": day(n % 12), "direction": "outbound",
                           "channel": "phone"})
        if n % 11 == 5:
            events.append({"type": "churn", "at": day(30 + n % 30)})
        if n % 13 == 6:
            events.append({"type": "referral", "at": day(n % 90)})
        yield {"id": f"S{n:05d}", "name": f"Customer {n}",
               "personality": ("dominant", "analytical", "social", "powerful", None)[n % 5],
               "kind": ("individual", "corporate", "channel")[n % 3],
               "preferred_channel": ("phone", "sms", "email", None)[n % 4],
               "locale": ("en", "zh")[n % 2],
               "birthday": f"19{60 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
               "events": events}


def _key(rec: Any) -> tuple[Any, ...]:
    return (rec.action, rec.rule, rec.priority, rec.channel, rec.due.isoformat(),
            json.dumps(dict(rec.params), sort_keys=True), rec.script, rec.id, rec.role,
            rec.overdue, rec.trigger, rec.includes, rec.conversation)


def _suppressed(item: Any) -> tuple[str, ...]:
    return (item.action, item.rule, item.reason, item.id, item.displaced_by)


def compare(customers: list[Any], as_of: dt.date, zen_rules: Any = None) -> dict[str, Any]:
    from baseline import decide_customer

    from loyalty_rules import Engine, derive_profile

    engine = Engine()
    found: dict[str, Any] = {"customers": 0, "recommendations": 0, "baseline_differs": 0,
                             "zen_differs": 0, "example": None, "fired": set()}
    covered = set(zen_rules.covered) if zen_rules is not None else set()
    for customer, decision in zip(customers, engine.evaluate_many(customers, as_of)):
        found["customers"] += 1
        found["recommendations"] += len(decision.recommendations)
        found["fired"].update(decision.fired)
        mine = decide_customer(customer, as_of)
        same = ([_key(r) for r in decision.recommendations]
                == [_key(r) for r in mine["recommendations"]]
                and sorted(map(_suppressed, decision.suppressed))
                == sorted(map(_suppressed, mine["suppressed"]))
                and sorted(decision.fired) == sorted(mine["fired"])
                and json.dumps(dict(decision.profile), sort_keys=True, default=str)
                == json.dumps(mine["profile"], sort_keys=True, default=str))
        if not same:
            found["baseline_differs"] += 1
            if found["example"] is None:
                found["example"] = {
                    "customer": customer.id,
                    "engine": [_key(r) for r in decision.recommendations],
                    "baseline": [_key(r) for r in mine["recommendations"]],
                    "engine_suppressed": sorted(map(_suppressed, decision.suppressed)),
                    "baseline_suppressed": sorted(map(_suppressed, mine["suppressed"])),
                    "fired": sorted(set(decision.fired) ^ set(mine["fired"]))}
        if zen_rules is not None:
            fired = sorted(k for k in decision.fired if k in covered)
            if sorted(set(zen_rules.fired(derive_profile(customer, as_of)))) != fired:
                found["zen_differs"] += 1
    return found


def check(path: Path, limit: int = 10000, zen: bool = True) -> dict[str, Any]:
    """Run this file in a subprocess (with zen-engine when asked); return its verdict."""
    import shutil

    command = [sys.executable, str(HERE / "check.py"), str(path), str(limit)]
    uv = shutil.which("uv")
    if zen and uv:
        command = [uv, "run", "--quiet", "--with", "zen-engine", "python", *command[1:]]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(lines[-1])


def main() -> int:
    from loyalty_rules import Engine, parse_customer, read_customers

    path, limit = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    zen_rules = None
    try:
        from peer_zen import ZenRules

        zen_rules = ZenRules.from_engine(Engine())
    except ImportError:
        pass
    from baseline import COVERED
    from realistic import AS_OF, QUARTER_END, customers

    cdnow = [c for _, c in zip(range(limit), read_customers(path))]
    made = [parse_customer(raw) for raw in synthetic(3000)]
    realistic = [parse_customer(raw) for raw in customers(min(limit, 5000))]
    verdict: dict[str, Any] = {
        "cdnow": compare(cdnow, CDNOW_AS_OF, zen_rules),
        "synthetic": compare(made, SYNTHETIC_AS_OF, zen_rules),
        "realistic": compare(realistic, AS_OF, zen_rules),
        "realistic_quarter_end": compare(realistic, QUARTER_END, zen_rules)}
    fired: set[str] = set()
    for found in verdict.values():
        rules = found.pop("fired")
        found["rules_fired"] = len(rules)
        fired |= rules
    verdict["never_fired"] = [k for k in COVERED if k not in fired]
    verdict["zen"] = zen_rules.coverage() if zen_rules is not None else "not installed"
    print(json.dumps(verdict))
    bad = any(verdict[k]["baseline_differs"] or verdict[k]["zen_differs"]
              for k in ("cdnow", "synthetic", "realistic", "realistic_quarter_end"))
    bad = bad or bool(verdict["never_fired"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
