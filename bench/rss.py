"""Peak memory of a whole command: its process and every process it starts (workers included).

    uv run python bench/rss.py -- .venv/bin/python -m loyalty_rules evaluate IN.jsonl \\
        --as-of 1998-06-30 --format jsonl -o /tmp/out.jsonl --no-population --workers 2

`bench/ab.py` (like `/usr/bin/time -v`) reports the peak RSS of the command's own process:
the fork server's workers are not its children. Here the process tree is walked every
`--every` seconds (psutil: the command, the fork server, its workers, Dask's nanny and
workers), and three figures come out, in MB:

* `tree_peak_mb`: the largest sum of the tree's RSS seen in one sample (what the machine
  held at once, as sampled);
* `sum_of_peaks_mb`: the sum over every process ever seen of its own peak RSS (`VmHWM`,
  exact per process, read at each sample): an upper bound of the tree's peak, since the
  processes' peaks need not coincide;
* `largest_process_mb`: the largest single process peak (what `/usr/bin/time -v` reports).

RSS counts pages shared by forked processes once per process, so the sums overstate what
the machine held. Also printed: wall seconds, exit status, load average before and after.
`tree_cpu_s` sums each process's CPU seconds as last sampled (up to `--every` short per
process): the whole tree's work, which `bench/ab.py`'s CPU figure (the command's own
process) leaves out for workers. One JSON line on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import psutil


def _peak_kb(pid: int) -> int | None:
    """The process's own peak RSS (`VmHWM`) in kB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def measure(command: list[str], every: float = 0.05) -> dict[str, object]:
    load_before = os.getloadavg()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(child.pid)
    peaks: dict[tuple[int, float], int] = {}  # (pid, start time) → peak kB
    cpu: dict[tuple[int, float], float] = {}  # (pid, start time) → user + system seconds
    tree_peak = 0
    processes = 1
    while child.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        for process in tree:
            try:
                rss = process.memory_info().rss
                key = (process.pid, process.create_time())
                times = process.cpu_times()
                cpu[key] = times.user + times.system
            except psutil.Error:
                continue
            total += rss
            peak = _peak_kb(process.pid)
            if peak is not None:
                peaks[key] = max(peaks.get(key, 0), peak)
        processes = max(processes, len(peaks))
        tree_peak = max(tree_peak, total)
        time.sleep(every)
    _, errors = child.communicate()
    wall = time.perf_counter() - start
    # the command is reaped: its peak is in this process's RUSAGE_CHILDREN
    largest_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB, largest reaped
    return {"command": " ".join(command), "status": child.returncode,
            "wall_s": round(wall, 2),
            "tree_peak_mb": round(tree_peak / 2**20, 1),
            "sum_of_peaks_mb": round(sum(peaks.values()) / 1024, 1),
            "largest_process_mb": round(max([largest_child, *peaks.values()]) / 1024, 1),
            "processes_seen": len(peaks),
            # the last sample of each process: up to `every` seconds short per process
            "tree_cpu_s": round(sum(cpu.values()), 2),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            **({"stderr_tail": errors.decode(errors="replace")[-500:]}
               if child.returncode not in (0, 1) else {})}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--label", help="recorded with the result")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    result = {"label": args.label, **measure(command, args.every)}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
