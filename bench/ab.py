"""Time two commands as whole processes, alternately (A B A B …), and compare them pair by pair.

    uv run python bench/ab.py -n 5 \\
        --a "loyalty-rules evaluate IN.jsonl --as-of 2026-11-15 --format jsonl -o {out}" \\
        --b "python bench/peer.py IN.jsonl --as-of 2026-11-15 -o {out}" --same

Each run is a fresh process, start-up (imports, building the engine) included: what a
nightly job costs. Wall time, CPU time (user + sys) and peak RSS come from the operating
system's accounting of the finished child (`os.wait4`). CPU time and peak RSS are those of
the command's own process (and children it waited for): worker processes started through a
fork server are not included, so for multi-process runs quote wall time. One warm-up pair is not counted. The machine is shared: the load
average is recorded before and after, and the figure to quote is the **median of the
per-pair ratios** B/A (how many times faster A is), with its range — of wall time, and of
CPU time, which a loaded machine distorts less. `{out}` in a command is
replaced by a fresh output file per contender; with `--same` the two outputs of the warm-up
must be byte-identical or nothing is timed. `--a` alone times one command.

Prints one JSON line (also appended to bench/results/ab.jsonl with `--label`).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run_once(command: list[str]) -> dict[str, float]:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode not in (0, 1):  # 1: some records rejected, still a finished run
        raise SystemExit(f"{shlex.join(command)} failed ({child.returncode}): {errors[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024}


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="command A (the one whose speed-up is reported)")
    parser.add_argument("--b", help="command B (the reference)")
    parser.add_argument("-n", "--runs", type=int, default=5, help="counted pairs")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--same", action="store_true",
                        help="the outputs ({out}) of A and B must be byte-identical")
    parser.add_argument("--label", help="name of the comparison, recorded with the result")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ab-"))
    outs = {"a": folder / "a.out", "b": folder / "b.out"}
    commands = {"a": shlex.split(args.a.replace("{out}", str(outs["a"])))}
    if args.b:
        commands["b"] = shlex.split(args.b.replace("{out}", str(outs["b"])))
    load_before = os.getloadavg()
    for _ in range(args.warmup):
        for command in commands.values():
            run_once(command)
    same = None
    if args.same and args.b:
        # compared in chunks: a child's peak RSS starts from this process's at fork time
        same = filecmp.cmp(outs["a"], outs["b"], shallow=False)
        if not same:
            print(json.dumps({"label": args.label, "same": False,
                              "outputs": [str(outs["a"]), str(outs["b"])]}))
            return 1
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for key, command in commands.items():
            runs[key].append(run_once(command))
    result: dict[str, Any] = {
        "label": args.label, "runs": args.runs, "same_output": same,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()]}
    for key, measured in runs.items():
        result[key] = {"command": shlex.join(commands[key]),
                       **{figure: spread([m[figure] for m in measured])
                          for figure in ("wall_s", "cpu_s", "rss_mb")}}
    if args.b:
        ratios = [b["wall_s"] / a["wall_s"] for a, b in zip(runs["a"], runs["b"])]
        result["speedup_a_over_b"] = spread(ratios, 2)
        result["pairs"] = [round(r, 2) for r in ratios]
        # CPU seconds: what a loaded machine distorts least (wall time waits for the others)
        cpu = [b["cpu_s"] / a["cpu_s"] for a, b in zip(runs["a"], runs["b"])]
        result["cpu_speedup_a_over_b"] = spread(cpu, 2)
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    if args.label:
        (HERE / "results").mkdir(exist_ok=True)
        with (HERE / "results" / "ab.jsonl").open("a", encoding="utf-8") as log:
            log.write(line + "\n")
    for path in outs.values():
        path.unlink(missing_ok=True)
    folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
