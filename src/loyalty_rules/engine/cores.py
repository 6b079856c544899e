"""How many of the machine's cores are idle: whether more worker processes would get a core.

`loyalty-rules evaluate` without ``--workers`` starts one worker per core for a large input.
On a machine that other work keeps busy that loses: the workers get no second core, and
starting them is pure cost (docs/benchmarks.md measured 0.8–0.95× of one process at a load
average of 2–5 on 2 cores). So the command samples the kernel's CPU accounting
(``/proc/stat``) when it starts and again when it has read enough to know the input is
large; the idle time in between — while it imported, built its engine and read ahead, using
one core itself — is what a second process would get. Below `MIN_IDLE` cores it evaluates
in its own process. Only the number of processes depends on this, never a decision.

Where ``/proc/stat`` does not exist (macOS, Windows), `idle_cores` is None: the cores count.
"""

from __future__ import annotations

from pathlib import Path

#: idle cores (averaged since start) below which a default run stays in one process
MIN_IDLE = 0.5

STAT = Path("/proc/stat")


def cpu_ticks(stat: Path = STAT) -> tuple[int, int] | None:
    """(idle, total) clock ticks of all cores since boot, or None where they cannot be read."""
    try:
        with stat.open("rb") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != b"cpu" or len(fields) < 5:
        return None
    try:
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        ticks = [int(value) for value in fields[1:9]]
    except ValueError:
        return None
    return ticks[3] + (ticks[4] if len(ticks) > 4 else 0), sum(ticks)


def idle_cores(since: tuple[int, int] | None, cores: int,
               now: tuple[int, int] | None = None) -> float | None:
    """Cores idle on average from `since` (a `cpu_ticks`) to `now` (default: this moment);
    None when it cannot be told (no reading, or too little time has passed)."""
    now = cpu_ticks() if now is None else now
    if since is None or now is None:
        return None
    idle, total = now[0] - since[0], now[1] - since[1]
    if total < 10 * cores:  # under ~0.1 s at 100 ticks a second: too little to judge
        return None
    return cores * idle / total


def spread_pays(since: tuple[int, int] | None, cores: int) -> bool:
    """Whether worker processes would get a core of their own: at least `MIN_IDLE` idle."""
    idle = idle_cores(since, cores)
    return idle is None or idle >= MIN_IDLE
