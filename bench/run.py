"""The whole benchmark in one run: every configuration in a fresh process, ratios at the end.

    uv run python bench/run.py                              # 10k, 100k and 1M customers
    uv run python bench/run.py --sizes 10000 --zen-limit 2000   # a quick look

Writes bench/results/run-<UTC timestamp>.json and prints a Markdown report (the one in
docs/benchmarks.md). Each configuration runs as ``bench/measure.py`` in its own process, so
peak RSS is that configuration's alone. The peer engine runs under
``uv run --with zen-engine`` (installed for the benchmark only, never a dependency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from data import RESULTS, dataset  # noqa: E402

TARGETS = {"throughput_vs_baseline": 1 / 3, "two_workers_speedup": 1.7, "rss_mb": 400,
           "p99_ms": 2.0}


def best_of(times: int, config: str, path: Path, *extra: str, zen: bool = False
            ) -> dict[str, Any]:
    """The fastest of `times` runs (this machine is shared: slower runs measure the others),
    with every run's customers/s kept."""
    runs = [measure(config, path, *extra, zen=zen) for _ in range(times)]
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[-1]
    best = dict(max(good, key=lambda r: r["per_second"]))
    best["runs_per_second"] = [r["per_second"] for r in good]
    return best


def measure(config: str, path: Path, *extra: str, zen: bool = False) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "measure.py"), config, str(path), *extra]
    if zen:
        uv = shutil.which("uv")
        if uv is None:
            return {"config": config, "error": "uv not found: cannot add zen-engine"}
        command = [uv, "run", "--quiet", "--with", "zen-engine", "python",
                   str(HERE / "measure.py"), config, str(path), *extra]
    print("$", " ".join(Path(c).name if n == 0 else c for n, c in enumerate(command)),
          file=sys.stderr, flush=True)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"config": config, "error": done.stderr.strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("  ", json.dumps(result), file=sys.stderr, flush=True)
    return result


def concurrently(config: str, path: Path, copies: int = 2) -> list[dict[str, Any]]:
    """`copies` independent single-process runs at the same time: what the cores give with
    no communication at all (the ceiling for any speed-up from workers on this machine)."""
    command = [sys.executable, str(HERE / "measure.py"), config, str(path)]
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT) for _ in range(copies)]
    results = []
    for process in running:
        out, _ = process.communicate()
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def speedups(path: Path, pairs: int) -> dict[str, Any]:
    """1 worker and 2 workers timed back to back, `pairs` times: on a shared machine whose
    speed drifts, the ratio within a pair is what can be trusted; the median is reported."""
    found: dict[str, list[float]] = {"Python API": [], "CLI": [], "ceiling": []}
    for _ in range(pairs):
        for name, config in (("Python API", "engine"), ("CLI", "cli")):
            one = measure(config, path, "--workers", "1")
            two = measure(config, path, "--workers", "2")
            if "error" not in one and "error" not in two:
                found[name].append(round(two["per_second"] / one["per_second"], 2))
        alone = measure("engine", path)
        both = concurrently("engine", path)
        found["ceiling"].append(round(sum(r["per_second"] for r in both)
                                      / alone["per_second"], 2))
    return {name: {"median": sorted(r)[len(r) // 2] if r else None, "pairs": r}
            for name, r in found.items()}


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory,
            "python": platform.python_version(), "system": platform.platform()}


def revision() -> str:
    """The commit measured, and whether the rulesets or the code differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "rulesets"],
                               capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" (+ uncommitted changes in src/ or rulesets/)" if dirty else "")


def report(run: dict[str, Any]) -> str:
    run.setdefault("sizes", {})
    lines = [f"Run {run['date']} at commit {run.get('commit', '?')} on "
             f"{run['machine']['cpu']} ({run['machine']['cores']} cores, "
             f"{run['machine']['memory']}), Python {run['machine']['python']}.", "",
             f"Decisions checked first: {json.dumps(run.get('check'))}", ""]
    lines += ["| customers | configuration | customers/s (best) | vs baseline | peak RSS (MB) "
              "| all runs (customers/s) |", "|---:|---|---:|---:|---:|---|"]
    for size, rows in run["sizes"].items():
        base = rows.get("baseline", {}).get("per_second")
        for name, row in rows.items():
            if "error" in row:
                lines.append(f"| {int(size):,} | {name} | error: {row['error']} | | | |")
                continue
            rss = row["peak_rss_mb"]
            if row.get("largest_worker_rss_mb"):
                rss = f"{rss} + {row['largest_worker_rss_mb']} per worker"
            ratio = f"{row['per_second'] / base:.2f}" if base else ""
            runs = ", ".join(f"{r:,.0f}" for r in row.get("runs_per_second", []))
            lines.append(f"| {row['customers']:,} | {name} | {row['per_second']:,.0f} | "
                         f"{ratio} | {rss} | {runs} |")
    if run.get("speedups"):
        paired = run["speedups"]
        lines += ["", f"1 vs 2 workers timed back to back on {paired['customers']:,} customers "
                      "(ratio of customers/s within each pair; the machine's speed drifts "
                      "between pairs):", "",
                  "| | median | every pair |", "|---|---:|---|"]
        for name, label in (("Python API", "Python API (`Decision` objects to the caller)"),
                            ("CLI", "CLI (`--format jsonl --output FILE`)"),
                            ("ceiling", "ceiling: 2 independent 1-process runs at once "
                                        "vs 1 alone")):
            row = paired[name]
            lines.append(f"| {label} | {row['median']} | "
                         f"{', '.join(str(r) for r in row['pairs'])} |")
    if run.get("latency"):
        lat = run["latency"]
        lines += ["", f"Single-customer `Engine.evaluate` over {lat['customers']:,} CDNOW "
                      f"customers: p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms, "
                      f"max {lat['max_ms']:.3f} ms."]
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for name, (value, target, met) in run["targets"].items():
        label = {"throughput_vs_baseline": "throughput ≥ 1/3 of the baseline (ratio per size)",
                 "rss_mb": f"peak RSS < {target:g} MB (engine, 1 worker, per size)",
                 "p99_ms": f"single-customer p99 < {target:g} ms"}.get(
                     name, name.replace("two_workers_speedup", f"2 workers ≥ {target:g}× one"))
        lines.append(f"| {label} | {value} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


def targets(run: dict[str, Any]) -> dict[str, tuple[Any, float, bool]]:
    found: dict[str, tuple[Any, float, bool]] = {}
    sizes = run["sizes"]
    ratios, speedups_api, cli_speedups, rss = [], [], [], []
    for rows in sizes.values():
        base = rows.get("baseline", {}).get("per_second")
        one = rows.get("engine (1 worker)", {}).get("per_second")
        two = rows.get("engine (2 workers)", {}).get("per_second")
        cli_one = rows.get("CLI to JSONL (1 worker)", {}).get("per_second")
        cli_two = rows.get("CLI to JSONL (2 workers)", {}).get("per_second")
        if base and one:
            ratios.append(round(one / base, 2))
        # worker start-up (~1 s) is amortised from 100k customers on: speed-ups count there
        amortised = rows.get("engine (1 worker)", {}).get("customers", 0) >= 100_000
        if one and two and amortised:
            speedups_api.append(round(two / one, 2))
        if cli_one and cli_two and amortised:
            cli_speedups.append(round(cli_two / cli_one, 2))
        if "peak_rss_mb" in rows.get("engine (1 worker)", {}):
            rss.append(rows["engine (1 worker)"]["peak_rss_mb"])
    if ratios:
        found["throughput_vs_baseline"] = (ratios, TARGETS["throughput_vs_baseline"],
                                           min(ratios) >= TARGETS["throughput_vs_baseline"])
    paired = run.get("speedups")
    for name, separate in (("Python API", speedups_api), ("CLI", cli_speedups)):
        median = paired[name]["median"] if paired and paired[name]["median"] else None
        if median is not None:  # back-to-back pairs: the figure that can be trusted here
            found[f"two_workers_speedup ({name}, median of pairs)"] = (
                median, TARGETS["two_workers_speedup"],
                median >= TARGETS["two_workers_speedup"])
        elif separate:
            found[f"two_workers_speedup ({name})"] = (
                separate, TARGETS["two_workers_speedup"],
                min(separate) >= TARGETS["two_workers_speedup"])
    if rss:
        found["rss_mb"] = (rss, TARGETS["rss_mb"], max(rss) < TARGETS["rss_mb"])
    if run.get("latency"):
        p99 = round(run["latency"]["p99_ms"], 3)
        found["p99_ms"] = (p99, TARGETS["p99_ms"], p99 < TARGETS["p99_ms"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--zen-limit", type=int, default=10000,
                        help="customers the peer engine runs on (default: %(default)s)")
    parser.add_argument("--skip-zen", action="store_true")
    parser.add_argument("--pairs", type=int, default=5,
                        help="back-to-back 1-vs-2-worker pairs on the middle size "
                             "(default: %(default)s)")
    parser.add_argument("--speedups-only", action="store_true",
                        help="only the back-to-back 1-vs-2-worker pairs")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per configuration below 1M customers, the best kept "
                             "(default: %(default)s; 1M runs once)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    run: dict[str, Any] = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                           "machine": machine(), "command": " ".join(sys.argv),
                           "commit": revision(), "sizes": {}}
    if args.speedups_only:
        middle = sorted(sizes)[len(sizes) // 2]
        run["speedups"] = {"customers": middle, **speedups(dataset(middle), args.pairs)}
        run["targets"] = targets(run)
        print(report(run))
        return
    from check import check  # same decisions, or the comparison means nothing

    run["check"] = check(dataset(min(sizes)), limit=min(min(sizes), 10000),
                         zen=not args.skip_zen)
    print("  check:", json.dumps(run["check"]), file=sys.stderr, flush=True)
    for size in sizes:
        path = dataset(size)
        times = args.repeat if size < 1_000_000 else 1
        rows: dict[str, Any] = {}
        rows["floor: read + derived facts"] = best_of(times, "floor", path)
        rows["baseline"] = best_of(times, "baseline", path)
        rows["engine (1 worker)"] = best_of(times, "engine", path)
        rows["engine (2 workers)"] = best_of(times, "engine", path, "--workers", "2")
        rows["CLI to JSONL (1 worker)"] = best_of(times, "cli", path, "--workers", "1")
        rows["CLI to JSONL (2 workers)"] = best_of(times, "cli", path, "--workers", "2")
        if not args.skip_zen and size == min(sizes):
            rows["peer: zen-engine"] = best_of(times, "zen", path, "--limit",
                                               str(args.zen_limit), zen=True)
        run["sizes"][str(size)] = rows
    middle = sorted(sizes)[len(sizes) // 2]
    if args.pairs:
        run["speedups"] = {"customers": middle, **speedups(dataset(middle), args.pairs)}
    run["latency"] = measure("latency", dataset(min(sizes)), "--limit", "5000")
    run["targets"] = targets(run)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"run-{stamp}.json"
    out.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    print(report(run))
    print(f"\n(raw results: {out.relative_to(ROOT)})", file=sys.stderr)


if __name__ == "__main__":
    main()
