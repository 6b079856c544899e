"""Output integrity: a run completes or leaves nothing that looks complete, keeps a previous
output, says how it stopped in its exit status, takes its workers with it, and can resume
(issue 8)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_rules import Engine, FactNamespace, Rejected, get_plugin_manager, hookimpl
from loyalty_rules.cli import main
from loyalty_rules.io import output as output_module

from conftest import AS_OF

PREVIOUS = '[\n{"customer_id": "previous"}\n]\n'


def _customers(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        for i in range(count):
            handle.write(json.dumps({"id": f"C{i}", "name": "N", "events": [
                {"type": "purchase", "at": f"2026-0{1 + i % 9}-1{i % 10}", "amount": 10 + i},
                {"type": "visit", "at": f"2026-10-0{1 + i % 9}"}]}) + "\n")
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".partial")))


def test_a_missing_input_leaves_the_previous_output_alone(tmp_path):
    previous = tmp_path / "prev.json"
    previous.write_text(PREVIOUS)
    result = _run("evaluate", str(tmp_path / "missing.jsonl"), "--as-of", "2026-11-22",
                  "-o", str(previous))
    assert result.exit_code == 2
    assert previous.read_text() == PREVIOUS
    assert _leftovers(tmp_path) == []


def test_a_run_that_fails_midway_exits_3_and_writes_nothing(tmp_path, monkeypatch):
    customers = _customers(tmp_path / "c.jsonl", 10)
    previous = tmp_path / "prev.json"
    previous.write_text(PREVIOUS)
    real = output_module.Writer.write

    def write(self, decision):
        if self.count == 3:
            raise OSError(28, "No space left on device")
        real(self, decision)

    monkeypatch.setattr(output_module.Writer, "write", write)
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "-o", str(previous),
                  "--workers", "1")
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.stderr
    assert "stopped after 4 record(s)" in result.stderr
    assert previous.read_text() == PREVIOUS
    assert _leftovers(tmp_path) == []


def test_a_completed_run_replaces_the_output(tmp_path):
    customers = _customers(tmp_path / "c.jsonl", 3)
    previous = tmp_path / "prev.json"
    previous.write_text(PREVIOUS)
    assert _run("evaluate", str(customers), "--as-of", "2026-11-22",
                "-o", str(previous)).exit_code == 0
    assert [d["customer_id"] for d in json.loads(previous.read_text())] == ["C0", "C1", "C2"]
    assert _leftovers(tmp_path) == []


def _start(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "loyalty_rules", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_exits_130_and_keeps_the_previous_output(tmp_path, signum, status):
    customers = _customers(tmp_path / "c.jsonl", 20_000)
    previous = tmp_path / "prev.json"
    previous.write_text(PREVIOUS)
    proc = _start(["evaluate", str(customers), "--as-of", "2026-11-22", "-o", str(previous),
                   "--workers", "1"])
    _wait_for(lambda: any(p.stat().st_size > 0 for p in tmp_path.glob(".prev.json.*.tmp")))
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert b"interrupted" in err
    assert previous.read_text() == PREVIOUS
    assert _leftovers(tmp_path) == []


def test_an_interrupted_json_on_standard_output_is_not_valid_json(tmp_path):
    customers = _customers(tmp_path / "c.jsonl", 20_000)
    proc = _start(["evaluate", str(customers), "--as-of", "2026-11-22", "--workers", "1"])
    first = proc.stdout.read(50)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    with pytest.raises(json.JSONDecodeError):
        json.loads(first + rest)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(tmp_path, signum):
    """A caller reading the output must see it end: no worker, fork server or resource
    tracker may keep the pipe open after the parent is gone."""
    customers = _customers(tmp_path / "c.jsonl", 6_000)
    proc = _start(["evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                   "--workers", "2"])
    assert proc.stdout.read(100)  # decisions are coming: the workers run
    proc.send_signal(signum)
    deadline = time.monotonic() + 20
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "a process outlived its parent holding the output pipe"
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready and not os.read(proc.stdout.fileno(), 1 << 16):
            break
    proc.wait(timeout=20)
    proc.stderr.close()
    proc.stdout.close()


def test_resume_after_a_real_interruption_equals_an_uninterrupted_run(tmp_path):
    customers = _customers(tmp_path / "c.jsonl", 3_000)
    reference = tmp_path / "reference.jsonl"
    assert _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                "-o", str(reference), "--workers", "1").exit_code == 0
    out = tmp_path / "out.jsonl"
    proc = _start(["evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                   "-o", str(out), "--workers", "1"])
    partial = tmp_path / "out.jsonl.partial"
    _wait_for(lambda: partial.exists() and partial.stat().st_size > 0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"--resume" in err and not out.exists()
    assert 0 < len(partial.read_bytes()) < len(reference.read_bytes())
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                  "-o", str(out), "--resume", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == reference.read_bytes()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("keep", [0, 1, 4])
def test_resume_continues_after_the_last_complete_line(tmp_path, workers, keep):
    customers = tmp_path / "c.jsonl"
    _customers(customers, 8)
    with customers.open("a") as handle:  # a rejection before and after the cut
        handle.write('{"id": "bad", "events": [{"type": "visit", "at": "0001-01-01"}]}\n')
    _customers(tmp_path / "more.jsonl", 12)
    lines = (tmp_path / "more.jsonl").read_text().splitlines(keepends=True)[8:]
    with customers.open("a") as handle:
        handle.writelines(lines)
    reference = tmp_path / "reference.jsonl"
    assert _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                "-o", str(reference)).exit_code == 1
    done = reference.read_text().splitlines(keepends=True)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text("".join(done[:keep]) + done[keep][:40])
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                  "-o", str(out), "--resume", "--workers", workers)
    assert result.exit_code == 1, result.output
    assert "events[0].at: date '0001-01-01'" in result.stderr
    assert "13 read, 12 evaluated, 1 rejected" in result.stderr
    assert out.read_text() == reference.read_text()
    assert _leftovers(tmp_path) == []


def test_resume_needs_jsonl_and_an_output_file(tmp_path):
    customers = _customers(tmp_path / "c.jsonl", 2)
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--resume")
    assert result.exit_code == 2 and "--resume" in result.stderr


def test_resume_refuses_a_partial_from_another_input(tmp_path):
    customers = _customers(tmp_path / "c.jsonl", 2)
    (tmp_path / "out.jsonl.partial").write_text('{"customer_id": "elsewhere"}\n')
    result = _run("evaluate", str(customers), "--as-of", "2026-11-22", "--format", "jsonl",
                  "-o", str(tmp_path / "out.jsonl"), "--resume")
    assert result.exit_code == 2
    assert "'elsewhere'" in result.stderr
    assert (tmp_path / "out.jsonl.partial").read_text() == '{"customer_id": "elsewhere"}\n'


@pytest.mark.parametrize("raise_it", [lambda: sys.exit(3), lambda: (_ for _ in ()).throw(
    KeyboardInterrupt())])
def test_a_plugin_exiting_inside_a_calculator_fails_that_customer_only(raise_it):
    def calculate(customer, as_of, profile):
        if customer.id == "B":
            raise_it()
        return None

    class Exiting:
        @hookimpl
        def register_fact_calculators(self, register):
            register(FactNamespace("exiting", {"flag": ("boolean", "")}, calculate))

    manager = get_plugin_manager(load_entrypoints=False)
    manager.register(Exiting(), name="exiting")
    engine = Engine(plugins=["exiting"], plugin_manager=manager)
    results = list(engine.evaluate_many([{"id": "A"}, {"id": "B"}, {"id": "C"}], AS_OF))
    assert [type(r).__name__ for r in results] == ["Decision", "Rejected", "Decision"]
    assert isinstance(results[1], Rejected)
    assert "plugin 'exiting' could not derive its facts" in str(results[1])


def test_python_m_loyalty_rules_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "loyalty_rules", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "evaluate" in done.stdout


def test_standard_input_is_read_as_json_lines():
    result = CliRunner().invoke(main, ["evaluate", "-", "--as-of", "2026-11-22", "--format",
                                       "jsonl", "--no-population"],
                                input='{"id": "A"}\n{"id": 1.5}\n')
    assert result.exit_code == 1, result.output
    assert [json.loads(x)["customer_id"] for x in result.stdout.splitlines()] == ["A"]
    assert "<stdin>:2: id: expected a string (or an integer)" in result.stderr
