"""A smoke-sized run of bench/measure.py: the benchmark's scripts keep working as the code moves.

The benchmark itself (bench/run.py, docs/benchmarks.md) is not part of the test suite.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from check import synthetic  # noqa: E402


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "small.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for customer in synthetic(300):
            out.write(json.dumps(customer) + "\n")
    return path


def measure(*args: str) -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("config, extra", [("engine", ()), ("baseline", ()), ("cli", ()),
                                           ("engine", ("--workers", "2"))])
def test_measure_reports_throughput_and_memory(small_file, config, extra):
    result = measure(config, str(small_file), *extra)
    assert result["customers"] == 300
    assert result["per_second"] > 0 and result["peak_rss_mb"] > 0
    assert isinstance(result["actions"], int) and len(result["checksum"]) == 16


def test_latency_reports_percentiles(small_file):
    result = measure("latency", str(small_file), "--limit", "100")
    assert result["customers"] == 100
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_the_peer_writes_what_the_cli_writes_byte_for_byte(tmp_path):
    """bench/peer.py (the hand-written end-to-end contender) must stay a fair peer: same
    output as `loyalty-rules evaluate --format jsonl`, on the realistic data."""
    from realistic import AS_OF, customers

    source = tmp_path / "realistic.jsonl"
    source.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n"
                              for c in customers(200)), encoding="utf-8")
    outputs = {}
    for name, command in (
            ("peer", [sys.executable, str(ROOT / "bench" / "peer.py"), str(source),
                      "--as-of", AS_OF.isoformat(), "-o", str(tmp_path / "peer.jsonl")]),
            ("cli", [sys.executable, "-m", "loyalty_rules", "evaluate", str(source),
                     "--as-of", AS_OF.isoformat(), "--format", "jsonl", "--workers", "1",
                     "--no-population",
                     "-o", str(tmp_path / "cli.jsonl")])):
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs[name] = (tmp_path / f"{name}.jsonl").read_bytes()
    assert outputs["peer"].count(b"\n") == 200
    assert outputs["peer"] == outputs["cli"]
