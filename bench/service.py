"""The HTTP service under load: 200 concurrent decision requests, latency percentiles.

    uv run python bench/service.py                      # SQLite, 5 rounds of 200
    uv run python bench/service.py --store postgresql://postgres@127.0.0.1:54329/bench

Starts `loyalty-rules serve` on a free loopback port over a store holding the sample
customers and one run, then sends `--concurrency` GET /v1/customers/{id}/decision requests at
once (one thread each, each its own connection), `--rounds` times, and reports errors and
latency percentiles (ms) per round and over all. Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from service_server import TOKEN, Server  # noqa: E402

from loyalty_rules.runs import run_day  # noqa: E402
from loyalty_rules.store import Store  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-service-"))
    url = args.store or f"sqlite:///{folder / 'crm.db'}"
    with Store(url) as store:
        store.ingest(ROOT / "samples" / "customers.jsonl")
        run_day(store, dt.date(2026, 11, 22))
        ids = store.customer_ids()
    server = Server(url, folder / "serve.log", TOKEN)
    barrier = threading.Barrier(args.concurrency)

    def one(n: int) -> tuple[int, float]:
        path = f"/v1/customers/{ids[n % len(ids)]}/decision?as_of=2026-11-22"
        barrier.wait()  # all requests leave together
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(server.base + path, timeout=120) as response:
                json.loads(response.read())
                status = response.status
        except Exception:  # noqa: BLE001 (counted as an error)
            status = 0
        return status, (time.perf_counter() - start) * 1000
    everything: list[float] = []
    errors = 0
    try:
        server.call("GET", f"/v1/customers/{ids[0]}/decision?as_of=2026-11-22")  # warm up
        for round_number in range(1, args.rounds + 1):
            with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(one, range(args.concurrency)))
            latencies = [ms for status, ms in results if status == 200]
            failed = sum(1 for status, _ in results if status != 200)
            errors += failed
            everything += latencies
            print(f"round {round_number}: {len(latencies)} ok, {failed} errors; ms p50 "
                  f"{percentile(latencies, .5):.0f}, p90 {percentile(latencies, .9):.0f}, "
                  f"p99 {percentile(latencies, .99):.0f}, max {max(latencies):.0f}", flush=True)
    finally:
        server.stop()
    print(f"all {len(everything) + errors} requests ({args.concurrency} at once, "
          f"{os.cpu_count()} cores, {url.split(':')[0]}): {errors} errors; ms p50 "
          f"{percentile(everything, .5):.0f}, p90 {percentile(everything, .9):.0f}, p99 "
          f"{percentile(everything, .99):.0f}, max {max(everything):.0f}, mean "
          f"{statistics.mean(everything):.0f}")


if __name__ == "__main__":
    main()
