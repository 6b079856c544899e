"""The figures behind the speed changes made for the benchmark, each as an A/B in one process.

    uv run python bench/micro.py bench/results/data/cdnow-10000.jsonl

1. ``sentinel``: `RuleHost.fire` parsing every firing's JSON (before) vs skipping the
   sentinel's firings unparsed (now), evaluate-only customers/s, best of 5 each; the
   decisions are compared equal.
2. ``transport``: moving a `Decision` between processes — pickling the attrs objects (what
   parallel.py does) vs plain tuples (tried, no consistent gain, not kept), µs per decision
   to dump and to load.
3. ``start``: time to the first result from a fresh 2-worker pool with ``spawn`` (every worker
   imports everything) vs ``forkserver`` preloading the package (now).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import attrs

AS_OF = dt.date(1998, 6, 30)


def sentinel(customers: list[Any]) -> dict[str, Any]:
    from loyalty_rules import Engine
    from loyalty_rules.engine import host as host_module
    from loyalty_rules.language.compiler import SENTINEL
    from loyalty_rules.errors import EngineError

    engine = Engine()

    def best(runs: int = 5) -> tuple[float, list[Any]]:
        rates, results = [], []
        for _ in range(runs):
            started = time.perf_counter()
            results = list(engine.evaluate_many(customers, AS_OF))
            rates.append(len(results) / (time.perf_counter() - started))
        return max(rates), results

    best(1)  # warm up: the first pass pays for caches and allocator pools
    engine_api = host_module._engine

    def parse_every_firing(self: Any, part: str, facts: Any) -> list[tuple[str, str]]:
        """RuleHost.fire as it was before: json.loads on every firing, the sentinel's too."""
        handle, fired = self._handles[part], []
        with self._lock:
            try:
                result = engine_api.assert_facts(handle, json.dumps(facts, ensure_ascii=False))
                if result[0] in (host_module._NOT_HANDLED, host_module._OBSERVED):
                    raise EngineError("unexpected result")
                state = result[1]
                pending = engine_api.start_action_for_state(handle, state) if state else None
                message = pending[1] if pending else None
                while message:
                    for rule, matched in json.loads(message).items():
                        if rule != SENTINEL:
                            fired.append((rule, matched["m"]["id"]))
                    message = engine_api.complete_and_start_action(handle, state)
            finally:
                try:
                    engine_api.delete_state(handle, host_module.SESSION)
                except Exception:
                    pass
        return fired

    original = host_module.RuleHost.fire
    rates: dict[str, float] = {"before": 0.0, "now": 0.0}
    same = True
    for _ in range(3):  # alternate, so drift in the machine's speed hits both alike
        host_module.RuleHost.fire = parse_every_firing  # type: ignore[method-assign]
        try:
            rate, before = best(3)
            rates["before"] = max(rates["before"], rate)
        finally:
            host_module.RuleHost.fire = original  # type: ignore[method-assign]
        rate, now = best(3)
        rates["now"] = max(rates["now"], rate)
        same = same and before == now
    return {"before_per_second": round(rates["before"]), "now_per_second": round(rates["now"]),
            "gain": round(rates["now"] / rates["before"], 2), "same_decisions": same}


def _pack(decision: Any) -> tuple[Any, ...]:
    """A Decision as plain tuples (tried for the worker → parent transport, not kept)."""
    return (decision.customer_id, decision.as_of, decision.profile,
            tuple(attrs.astuple(r, recurse=False) for r in decision.recommendations),
            tuple(attrs.astuple(s, recurse=False) for s in decision.suppressed),
            decision.fired)


def _unpack(packed: tuple[Any, ...]) -> Any:
    from loyalty_rules.decisions.model import Decision, Recommendation, Suppressed

    cid, as_of, profile, recs, suppressed, fired = packed
    return Decision(cid, as_of, profile, tuple(Recommendation(*r) for r in recs),
                    tuple(Suppressed(*x) for x in suppressed), fired)


def transport(customers: list[Any]) -> dict[str, Any]:
    from loyalty_rules import Engine

    decisions = list(Engine().evaluate_many(customers, AS_OF))
    n = len(decisions)

    def timed(dump: Any, load: Any) -> tuple[float, float]:
        started = time.perf_counter()
        blob = pickle.dumps(dump(decisions), pickle.HIGHEST_PROTOCOL)
        middle = time.perf_counter()
        back = load(pickle.loads(blob))
        done = time.perf_counter()
        assert back == decisions
        return 1e6 * (middle - started) / n, 1e6 * (done - middle) / n

    objects = timed(lambda ds: ds, lambda ds: ds)
    tuples = timed(lambda ds: [_pack(d) for d in ds], lambda ps: [_unpack(p) for p in ps])
    return {"objects_us": [round(x, 1) for x in objects],
            "tuples_us": [round(x, 1) for x in tuples], "decisions": n}


def start(method: str) -> float:
    from loyalty_rules import Engine
    from loyalty_rules.engine import parallel

    parallel.start_method = lambda: method  # type: ignore[assignment]
    recipe = parallel.EngineRecipe.of(Engine())
    started = time.perf_counter()
    pool = parallel._Pool(recipe, 2)
    futures = [pool.submit([{"id": str(n)}], AS_OF, None) for n in range(2)]
    for future in futures:
        future.result()
    seconds = time.perf_counter() - started
    pool.close()
    return round(seconds, 2)


def main() -> None:
    from loyalty_rules import read_customers

    path = Path(sys.argv[1])
    customers = list(read_customers(path))
    if len(sys.argv) > 2 and sys.argv[2] == "start":  # a fresh process per start method
        print(json.dumps({sys.argv[3]: start(sys.argv[3])}))
        return
    import subprocess

    starts = {}
    for method in ("spawn", "forkserver"):
        done = subprocess.run([sys.executable, __file__, str(path), "start", method],
                              capture_output=True, text=True)
        starts.update(json.loads(done.stdout.strip().splitlines()[-1]))
    print(json.dumps({"sentinel": sentinel(customers), "transport": transport(customers),
                      "first_result_s": starts}))


if __name__ == "__main__":
    main()
