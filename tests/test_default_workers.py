"""Without --workers, a small input is evaluated in one process; a large one is spread."""

from __future__ import annotations

import importlib
import json

from click.testing import CliRunner

from loyalty_rules.cli import main
from loyalty_rules.engine import parallel


def run(path, *extra):
    return CliRunner().invoke(main, ["evaluate", str(path), "--as-of", "2026-11-15",
                                     "--format", "jsonl", "--no-population", *extra])


def test_the_default_starts_no_process_for_a_small_input(tmp_path, monkeypatch):
    pools = []
    real = parallel._Pool

    def spy(*args, **kwargs):
        pools.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "_Pool", spy)
    command = importlib.import_module("loyalty_rules.cli.evaluate")
    monkeypatch.setattr(command, "SMALL_INPUT", 600)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"C{n}"}) + "\n" for n in range(600)))
    result = run(path)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 600 and pools == []
    # asked for explicitly, 2 workers start processes from two batches on
    result = run(path, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert len(pools) == 1 and len(result.stdout.splitlines()) == 600
