"""Daily runs over a store: evaluate the base as of a date and record it (resumably), diff
two runs with each change's cause, replay a recorded run."""

from .diffing import diff_runs, render_diff
from .replay import replay
from .running import describe, run_day

__all__ = ["describe", "diff_runs", "render_diff", "replay", "run_day"]
