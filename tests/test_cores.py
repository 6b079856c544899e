"""Idle cores from the kernel's CPU accounting (engine/cores.py)."""

from __future__ import annotations

from loyalty_rules.engine import cores


def test_idle_cores_is_the_idle_share_of_the_ticks_times_the_cores():
    # 2 cores, 200 ticks passed, 150 of them idle (idle + iowait): 1.5 cores idle
    assert cores.idle_cores((1000, 5000), 2, now=(1150, 5200)) == 1.5
    assert cores.idle_cores((1000, 5000), 2, now=(1000, 5200)) == 0.0


def test_too_short_a_time_or_no_reading_tells_nothing():
    assert cores.idle_cores((1000, 5000), 2, now=(1005, 5010)) is None
    assert cores.idle_cores(None, 2, now=(1, 2)) is None


def test_ticks_are_read_from_the_first_line_of_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 50 800 20 0 3 2 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\n")
    assert cores.cpu_ticks(stat) == (820, 980)
    stat.write_text("intr 1 2 3\n")
    assert cores.cpu_ticks(stat) is None
    assert cores.cpu_ticks(tmp_path / "missing") is None


def test_spread_pays_unless_less_than_half_a_core_is_idle(monkeypatch):
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: 0.4)
    assert not cores.spread_pays((0, 0), 2)
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: 0.6)
    assert cores.spread_pays((0, 0), 2)
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: None)  # cannot tell: spread
    assert cores.spread_pays((0, 0), 2)
