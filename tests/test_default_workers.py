"""Without --workers, a small input is evaluated in one process; a large one is spread."""

from __future__ import annotations

import importlib
import json

import pytest

from click.testing import CliRunner

from loyalty_rules.cli import main
from loyalty_rules.engine import cores, parallel


def run(path, *extra):
    return CliRunner().invoke(main, ["evaluate", str(path), "--as-of", "2026-11-15",
                                     "--format", "jsonl", "--no-population", *extra])


@pytest.fixture
def pools(monkeypatch):
    """The pools started (their arguments), with the small-input bound at 600 customers."""
    started = []
    real = parallel._Pool

    def spy(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "_Pool", spy)
    command = importlib.import_module("loyalty_rules.cli.evaluate")
    monkeypatch.setattr(command, "SMALL_INPUT", 600)
    # a core idle for the workers, whatever else this machine is doing (engine/cores.py)
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: 1.0)
    return started


def test_the_default_starts_no_process_for_a_small_input(tmp_path, pools):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"C{n}"}) + "\n" for n in range(600)))
    result = run(path)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 600 and pools == []
    # asked for explicitly, 2 workers start processes from two batches on
    result = run(path, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert len(pools) == 1 and len(result.stdout.splitlines()) == 600


def test_the_default_spreads_few_customers_with_long_histories(tmp_path, pools, monkeypatch):
    """The look-ahead that tells a small input holds a bounded amount of text: past
    `HEAD_TEXT` characters the input is large, however few customers it has."""
    visits = [{"type": "visit", "at": "2026-11-01"}] * 20
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"C{n}", "events": visits}) + "\n"
                            for n in range(400)))
    small = run(path)
    assert small.exit_code == 0, small.output
    assert pools == []  # 400 customers, ~250 KB: one process
    monkeypatch.setattr(parallel, "HEAD_TEXT", 100_000)
    spread = run(path)
    assert spread.exit_code == 0, spread.output
    assert len(pools) == 1 and spread.stdout == small.stdout


def test_the_default_stays_in_one_process_when_no_core_is_idle(tmp_path, pools, monkeypatch):
    """A large input, but the machine busy with other work: workers would get no core of
    their own, so the default evaluates in its own process; same output either way."""
    visits = [{"type": "visit", "at": "2026-11-01"}] * 20
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"C{n}", "events": visits}) + "\n"
                            for n in range(400)))
    monkeypatch.setattr(parallel, "HEAD_TEXT", 100_000)  # 400 such customers are large
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: 0.2)
    busy = run(path)
    assert busy.exit_code == 0, busy.output
    assert pools == []
    monkeypatch.setattr(cores, "idle_cores", lambda since, n: 0.9)
    idle = run(path)
    assert idle.exit_code == 0, idle.output
    assert len(pools) == 1 and idle.stdout == busy.stdout
    assert len(run(path, "--workers", "2").stdout.splitlines()) == 400  # asked for: spread
    assert len(pools) == 2
