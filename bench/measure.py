"""One benchmark configuration, in this (fresh) process; prints one JSON line.

    uv run python bench/measure.py engine   bench/results/data/cdnow-10000.jsonl
    uv run python bench/measure.py engine   FILE --workers 2
    uv run python bench/measure.py cli      FILE --workers 2   # loyalty-rules evaluate → JSONL
    uv run python bench/measure.py baseline FILE
    uv run python bench/measure.py floor    FILE      # reading + derived facts only
    uv run --with zen-engine python bench/measure.py zen FILE --limit 10000
    uv run python bench/measure.py latency  FILE --limit 5000

Every configuration starts from the same JSON Lines file and reads it with
`loyalty_rules.read_customers` (parsing and validation included), so the figures compare
what a nightly run does end to end, minus writing the output. The clock starts after the
engine is built; peak RSS is this process's `ru_maxrss`, and the largest worker's for
``--workers`` > 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

AS_OF = dt.date(1998, 6, 30)
LOAD_BEFORE = os.getloadavg()[0]


class Descendants:
    """Samples this process's descendants (the workers: with ``forkserver`` they are not our
    children, so RUSAGE_CHILDREN misses them): peak RSS (VmHWM) and CPU seconds per pid."""

    def __init__(self, every: float = 0.2) -> None:
        import threading

        self.peak_kb: dict[int, int] = {}
        self.cpu_s: dict[int, float] = {}
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Descendants:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            stats[pid] = fields
        mine = {os.getpid()}
        grew = True
        while grew:
            found = {pid for pid, ppid in parents.items() if ppid in mine} - mine
            grew = bool(found)
            mine |= found
        for pid in mine - {os.getpid()}:
            fields = stats[pid]
            self.cpu_s[pid] = (int(fields[11]) + int(fields[12])) / self._tick
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), int(line.split()[1]))
            except OSError:
                pass


class Tally:
    """Counts and a checksum of the actions decided, to compare configurations."""

    def __init__(self) -> None:
        self.customers = self.actions = 0
        self.digest = hashlib.sha256()

    def add(self, customer_id: str, actions: Iterable[str]) -> None:
        names = sorted(actions)
        self.customers += 1
        self.actions += len(names)
        self.digest.update(f"{customer_id}:{','.join(names)};".encode())


def run_engine(path: Path, workers: int, limit: int | None) -> tuple[float, Tally]:
    from loyalty_rules import Engine, Rejected, read_customers
    from loyalty_rules.engine.parallel import read_records

    engine = Engine()
    tally = Tally()
    started = time.perf_counter()
    # as the CLI does: with workers, JSON Lines are parsed in the workers
    records = read_customers(path) if workers == 1 else read_records(path)
    for result in engine.evaluate_many(_limited(records, limit), AS_OF, workers=workers):
        if isinstance(result, Rejected):
            raise SystemExit(f"rejected: {result}")
        tally.add(result.customer_id, result.actions)
    return time.perf_counter() - started, tally


def run_cli(path: Path, workers: int) -> tuple[float, Tally]:
    """`loyalty-rules evaluate FILE --format jsonl -o FILE --workers N`, in this process."""
    import tempfile

    from loyalty_rules.cli import main as cli

    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "decisions.jsonl"
        started = time.perf_counter()
        try:
            cli(["evaluate", str(path), "--as-of", AS_OF.isoformat(), "--format", "jsonl",
                 "--output", str(out), "--workers", str(workers)], standalone_mode=False)
        except SystemExit as exit_:
            if exit_.code:
                raise
        seconds = time.perf_counter() - started
        with out.open(encoding="utf-8") as handle:
            for line in handle:
                decision = json.loads(line)
                tally.add(decision["customer_id"],
                          [r["action"] for r in decision["recommendations"]])
    return seconds, tally


def run_baseline(path: Path, limit: int | None, decide: bool = True) -> tuple[float, Tally]:
    from baseline import decide_customer

    from loyalty_rules import Rejected, derive_profile, read_customers

    tally = Tally()
    started = time.perf_counter()
    for customer in _limited(read_customers(path), limit):
        if isinstance(customer, Rejected):
            raise SystemExit(f"rejected: {customer}")
        if decide:
            decision = decide_customer(customer, AS_OF)
            tally.add(customer.id, [r.action for r in decision["recommendations"]])
        else:
            derive_profile(customer, AS_OF)
            tally.add(customer.id, ())
    return time.perf_counter() - started, tally


def run_zen(path: Path, limit: int | None) -> tuple[float, Tally, dict[str, Any]]:
    from peer_zen import ZenRules

    from loyalty_rules import Engine, Rejected, derive_profile, read_customers

    zen_rules = ZenRules.from_engine(Engine())
    tally = Tally()
    started = time.perf_counter()
    for customer in _limited(read_customers(path), limit):
        if isinstance(customer, Rejected):
            raise SystemExit(f"rejected: {customer}")
        profile = derive_profile(customer, AS_OF)
        tally.add(customer.id, zen_rules.fired(profile))
    return time.perf_counter() - started, tally, zen_rules.coverage()


def run_latency(path: Path, limit: int | None) -> dict[str, Any]:
    from loyalty_rules import Engine, read_customers

    engine = Engine()
    customers = list(_limited(read_customers(path), limit or 5000))
    for customer in customers[:500]:  # warm up
        engine.evaluate(customer, AS_OF)
    times = []
    for customer in customers:
        started = time.perf_counter()
        engine.evaluate(customer, AS_OF)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"p50_ms": 1000 * times[len(times) // 2],
            "p99_ms": 1000 * times[int(len(times) * 0.99)],
            "max_ms": 1000 * times[-1], "mean_ms": 1000 * statistics.fmean(times),
            "customers": len(times)}


def _limited(items: Iterable[Any], limit: int | None) -> Iterator[Any]:
    for n, item in enumerate(items):
        if limit is not None and n >= limit:
            return
        yield item


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config",
                        choices=["engine", "cli", "baseline", "floor", "zen", "latency"])
    parser.add_argument("input", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    out: dict[str, Any] = {"config": args.config, "input": args.input.name,
                           "workers": args.workers}
    descendants = Descendants()
    if args.config == "latency":
        out.update(run_latency(args.input, args.limit))
    else:
        if args.config == "engine":
            with descendants:
                seconds, tally = run_engine(args.input, args.workers, args.limit)
        elif args.config == "cli":
            with descendants:
                seconds, tally = run_cli(args.input, args.workers)
        elif args.config == "zen":
            seconds, tally, coverage = run_zen(args.input, args.limit)
            out["coverage"] = coverage
        else:
            seconds, tally = run_baseline(args.input, args.limit, args.config == "baseline")
        out.update(customers=tally.customers, seconds=round(seconds, 3),
                   per_second=round(tally.customers / seconds, 1), actions=tally.actions,
                   checksum=tally.digest.hexdigest()[:16])
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["peak_rss_mb"] = round(me.ru_maxrss / 1024, 1)
    if kids.ru_maxrss or descendants.peak_kb:  # the fork server counts as one
        out["largest_worker_rss_mb"] = round(
            max([kids.ru_maxrss, *descendants.peak_kb.values()]) / 1024, 1)
    # CPU seconds (whole process, setup included) and the machine's load: other work on a
    # shared 2-core machine shows up here, not in customers/s alone
    out["cpu_s"] = round(me.ru_utime + me.ru_stime, 2)
    if descendants.cpu_s:
        out["workers_cpu_s"] = round(sum(descendants.cpu_s.values()), 2)
    out["load_before_after"] = [round(LOAD_BEFORE, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
