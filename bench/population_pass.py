"""The population pass alone, over CDNOW replicated to N customers: memory must not grow
with N (docs/population.md, "What it costs").

    uv run python bench/population_pass.py 23570
    uv run python bench/population_pass.py 235700

Streams the replicated customers (copy k of a customer has its id suffixed ``-k``) straight
into `Population.from_customers` as of 1998-06-30, nothing held, and prints one JSON line:
customers, seconds, and the process's peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time

from data import cdnow_module

from loyalty_rules import Population, parse_customer


def main(argv: list[str]) -> int:
    total = int(argv[1]) if len(argv) > 1 else 23_570
    cdnow = cdnow_module()
    base = cdnow.load(cdnow.fetch())
    started = time.perf_counter()
    population = Population.from_customers(
        (parse_customer(c) for c in cdnow.replicate(base, total)), dt.date(1998, 6, 30))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"customers": population.customers, "seconds": round(seconds, 2),
                      "fitted_on": population.activity.fitted_on if population.activity else 0,
                      "peak_rss_mib": round(peak, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
