"""Without --workers, a small input is evaluated in one process; a large one is spread."""

from __future__ import annotations

import importlib
import json

import pytest

from click.testing import CliRunner

from loyalty_rules.cli import main
from loyalty_rules.engine import parallel


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
