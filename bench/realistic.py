"""Benchmark input with everything CDNOW lacks: mixed events, open items, several of a kind.

    uv run python bench/realistic.py 100000      # → bench/results/data/realistic-100000.jsonl
    uv run python bench/realistic.py --items 200 400   # 400 customers × 200 open items each

CDNOW is purchases only: one fact per customer and 15 of the 63 core rules fire. These
customers (seeded, so every file of one size is the same) have every personality type
(peaceful included), purchases, visits, outbound contacts naming past actions and inbound
ones left unanswered, requests still open (often two or three on one dimension, some
unanswered for days, some higher-is-better like a discount, some with the trade's
`industry_norm`), promises kept and broken, complaints with a responsibility at every
recovery step (the agreed solution, compensation only where ours or shared) with recurring
topics, surveys, referrals, churn with its reason code and note, and birthdays, promises not
yet delivered (some made better than the deliverable just quoted: at risk); every core
rule fires on a few thousand of them (`bench/check.py` counts it). Evaluated as of `AS_OF`, and as of `QUARTER_END` for the one
rule (CRM-04's quarterly call) that is only due on a quarter's last day.

`--items N` builds the memory case instead: each customer has N open items (a third each
requests, recent promises and open complaints).

Written as a stream: nothing but one customer is held in memory, whatever the size.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
AS_OF = dt.date(2026, 11, 15)  # a 15th and the 45th day of a quarter: CRM-04's sms and call
#: the quarter's end, when CRM-04's long call is due: check.py evaluates the same file then too
QUARTER_END = dt.date(2026, 12, 31)

PERSONALITIES = ("dominant", "analytical", "social", "powerful", "peaceful", None, None)
ORIENTATIONS = ("price", "value", "added_value", None)
TOPICS = ("late", "rude", "price", "quality")
STEPS = ("acknowledged", "explained", "agreed", "compensated", "followed_up")
RESPONSIBILITIES = ("ours", "shared", "theirs", "unknown")
CHURN_REASONS = ("price", "competitor", "service", "quality", "moved", "no_need", "other")
DONE_ACTIONS = ("recover_broken_promise", "revisit_sms", "revisit_call_short",
                "revisit_call_long", "keep_in_touch", "surprise", "ask_referral",
                "birthday_greeting", "reward_and_nurture", "upsell")
REQUESTS = (("wait", "minutes", 5, 40), ("delivery", "days", 1, 14),
            ("repair", "hours", 2, 48), ("fitting", "weeks", 1, 6))
#: higher-is-better requests (`lower_is_better: false`): padded and judged the other way
HIGHER_REQUESTS = (("discount", "%", 5, 30),)


def _day(back: int) -> str:
    return (AS_OF - dt.timedelta(days=back)).isoformat()


def customer(n: int) -> dict[str, Any]:
    """Customer number `n`: the same whatever the size of the file it is written into."""
    rng = random.Random(n * 7919 + 17)
    pending = random.Random(n * 104729 + 3)  # its own stream: the draws above stay the same
    events: list[dict[str, Any]] = []
    shape = rng.random()
    if shape < 0.04:  # a prospect: came three times or more, bought nothing, quiet for weeks
        back = rng.randint(15, 80)
        events += [{"type": "visit", "at": _day(back + 3 * k)} for k in range(rng.randint(3, 5))]
        return {"id": f"R{n:07d}", "locale": rng.choice(("en", "zh")), "events": events}
    # purchases: strangers, one-timers, regulars, big spenders
    buys = 0 if shape < 0.15 else 1 if shape < 0.35 else rng.randint(2, 12)
    scale = rng.choice((40, 120, 400, 1500, 6000))
    for _ in range(buys):
        events.append({"type": "purchase", "at": _day(rng.randint(0, 700)),
                       "amount": round(scale * rng.uniform(0.3, 2.5), 2),
                       **({"profit": round(scale * rng.uniform(0.05, 1.2), 2)}
                          if rng.random() < 0.5 else {})})
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 5, 8))):
        events.append({"type": "visit", "at": _day(rng.choice((0, 0, rng.randint(1, 120))))})
    for _ in range(rng.choice((0, 0, 1, 2, 4))):  # outbound contacts, some naming an action
        contact: dict[str, Any] = {"type": "contact", "at": _day(rng.randint(0, 200)),
                                   "direction": rng.choice(("outbound", "outbound", "inbound")),
                                   "channel": rng.choice(("phone", "sms", "email"))}
        if rng.random() < 0.5:
            contact["action"] = rng.choice(DONE_ACTIONS)
        events.append(contact)
    if rng.random() < 0.35:  # open requests, often several on one dimension
        higher = rng.random() < 0.15
        dimension, unit, low, high = rng.choice(HIGHER_REQUESTS if higher else REQUESTS)
        for _ in range(rng.choice((1, 1, 2, 3))):
            expected = rng.randint(low, high)
            request = {"type": "request", "at": _day(rng.randint(0, 45)),
                       "dimension": dimension, "unit": unit, "expected": expected,
                       "deliverable": max(1, round(expected * rng.uniform(0.6, 2.2)))}
            if higher:
                request["lower_is_better"] = False
            if rng.random() < 0.4:  # the trade's figure, when known
                request["industry_norm"] = max(1, round(expected * rng.uniform(0.8, 1.6)))
            events.append(request)
    if rng.random() < 0.3:  # promises: kept, broken, over-delivered; some on a request's dimension
        dimension, unit, low, high = rng.choice(REQUESTS)
        for _ in range(rng.choice((1, 1, 2))):
            promised = rng.randint(low, high)
            promise = {"type": "promise", "at": _day(rng.randint(0, 50)),
                       "dimension": dimension, "unit": unit, "promised": promised,
                       "delivered": max(0, promised + rng.randint(-3, 3)),
                       "lower_is_better": rng.random() < 0.6}
            if pending.random() < 0.25:  # not delivered yet (an at-risk one is forewarned)
                del promise["delivered"]
                if pending.random() < 0.5:  # promised better than the deliverable just said
                    promise["at"] = _day(pending.randint(0, 2))
                    events.append({"type": "request", "at": promise["at"],
                                   "dimension": dimension, "unit": unit,
                                   "expected": promised, "deliverable": promised + 2})
            events.append(promise)
    if rng.random() < 0.25:  # complaints at every recovery step, topics that recur
        topic = rng.choice(TOPICS)
        for k in range(rng.choice((1, 1, 2, 3, 4))):
            at = rng.randint(0, 400)
            cid = f"K{n}-{k}"
            complaint = {"type": "complaint", "at": _day(at), "id": cid,
                         "topic": topic if rng.random() < 0.7 else rng.choice(TOPICS),
                         "severity": rng.randint(1, 5)}
            responsibility = rng.choice((*RESPONSIBILITIES, None))
            if responsibility:  # compensation only where ours or shared
                complaint["responsibility"] = responsibility
            events.append(complaint)
            steps = [s for s in STEPS if s != "compensated"
                     or responsibility in ("ours", "shared")]
            for step in steps[: rng.randint(0, len(steps))]:
                events.append({"type": "recovery", "at": _day(max(0, at - 1)),
                               "complaint_id": cid, "step": step})
    if rng.random() < 0.3:
        scale5 = rng.random() < 0.7
        events.append({"type": "survey", "at": _day(rng.randint(0, 150)),
                       "score": rng.choice((3, 4, 4, 5, 5)) if scale5 else rng.randint(5, 10),
                       **({} if scale5 else {"scale": 10})})
    for _ in range(rng.choice((0, 0, 0, 1, 2, 3))):
        events.append({"type": "referral", "at": _day(rng.randint(0, 300))})
    if rng.random() < 0.1:
        churn = {"type": "churn", "at": _day(rng.randint(0, 500)),
                 "reason": rng.choice(CHURN_REASONS)}
        if rng.random() < 0.3:
            churn["note"] = rng.choice(("found a cheaper shop", "moved to Shenzhen", "搬家了"))
        events.append(churn)
    near = rng.random() < 0.1  # a birthday within the week
    birthday = (AS_OF + dt.timedelta(days=rng.randint(0, 6))) if near else \
        dt.date(1950 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28))
    record: dict[str, Any] = {
        "id": f"R{n:07d}", "name": f"Customer {n}",
        "kind": rng.choice(("individual", "individual", "corporate", "channel")),
        "preferred_channel": rng.choice(("phone", "sms", "email", "wechat")),
        "locale": rng.choice(("en", "zh")),
        "birthday": birthday.replace(year=1950 + n % 50).isoformat() if near
        else birthday.isoformat(),
        "events": events}
    personality = rng.choice(PERSONALITIES)
    if personality:
        record["personality"] = personality
    orientation = rng.choice(ORIENTATIONS)
    if orientation:
        record["orientation"] = orientation
    return record


def item_heavy(n: int, items: int) -> dict[str, Any]:
    """A customer with `items` open items: requests, recent promises, open complaints."""
    rng = random.Random(n)
    events: list[dict[str, Any]] = [{"type": "purchase", "at": _day(rng.randint(0, 300)),
                                     "amount": 250} for _ in range(3)]
    for k in range(items):
        back = rng.randint(0, 25)
        if k % 3 == 0:
            events.append({"type": "request", "at": _day(back), "dimension": f"d{k % 7}",
                           "unit": "days", "expected": 3, "deliverable": 1 + k % 5})
        elif k % 3 == 1:
            events.append({"type": "promise", "at": _day(back), "dimension": "x",
                           "unit": "days", "promised": 3, "delivered": 2 + k % 3})
        else:
            events.append({"type": "complaint", "at": _day(back), "id": f"K{k}",
                           "topic": TOPICS[k % 4], "severity": 1 + k % 5})
    return {"id": f"H{n:07d}", "locale": "en", "events": events}


def customers(count: int, items: int | None = None) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield customer(n) if items is None else item_heavy(n, items)


def dataset(size: int, items: int | None = None, folder: Path = RESULTS / "data") -> Path:
    """The path of a JSONL file with `size` customers, written if it is not there yet."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"realistic-{size}" if items is None else f"items{items}-{size}"
    path = folder / f"{name}.jsonl"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for record in customers(size, items):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)
    return path


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--items"]:
        print(dataset(int(args[2]) if len(args) > 2 else 400, items=int(args[1])))
    else:
        for arg in args or ["10000"]:
            print(dataset(int(arg)))
