"""Scale-out on Dask: a real `distributed.LocalCluster` of 2 worker processes (one cluster for
the module, so the suite pays its start-up once)."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT

pytest.importorskip("distributed")  # the `dask` extra; in the dev group, so CI has it

import dask.bag as db  # noqa: E402

import crashing_plugin  # noqa: E402
from loyalty_rules import Decision, Engine, Rejected, read_customers  # noqa: E402
from loyalty_rules.cli import main  # noqa: E402
from loyalty_rules import dask as loyalty_dask  # noqa: E402
from loyalty_rules.dask import _close, evaluate_bag, evaluate_on_dask, local_client  # noqa: E402
from loyalty_rules.engine.parallel import read_records  # noqa: E402
from loyalty_rules.plugins.manager import get_plugin_manager  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))

from realistic import AS_OF, customers  # noqa: E402


@pytest.fixture(scope="module")
def client():
    client = local_client(2)
    assert len(client.nthreads()) == 2
    yield client
    _close(client)


@pytest.fixture(scope="module")
def records():
    return list(customers(300))


def reference(engine, records):
    return [d.to_dict() for d in engine.evaluate_many(records, AS_OF)]


def test_a_bag_gives_what_one_process_gives_in_the_bags_order(client, records):
    engine = Engine(batch_size=40)
    bag = db.from_sequence(records, npartitions=7)
    got = evaluate_bag(bag, AS_OF, engine=engine).compute()
    assert [d.to_dict() for d in got] == reference(engine, records)


def test_the_cli_path_streams_in_input_order_with_the_files_checks(client, records, tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[5] = "{not json"
    lines[9] = json.dumps(records[3], ensure_ascii=False)  # a duplicate id
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = Engine(batch_size=25)
    got = list(evaluate_on_dask(engine, read_records(path), AS_OF, client=client))
    want = list(engine.evaluate_many(read_customers(path), AS_OF))
    assert [type(r) for r in got] == [type(r) for r in want]
    assert [r.to_dict() for r in got if isinstance(r, Decision)] == \
        [r.to_dict() for r in want if isinstance(r, Decision)]
    assert isinstance(got[5], Rejected) and f"{path}:6" in str(got[5])
    assert isinstance(got[9], Rejected) and "duplicate customer id" in str(got[9])


def test_a_worker_lost_mid_batch_loses_and_duplicates_nothing(client, records, tmp_path):
    manager = get_plugin_manager(load_entrypoints=False)
    manager.register(crashing_plugin, name="crashing")
    engine = Engine(plugins=["crashing"], plugin_manager=manager, batch_size=30)
    marked = [dict(r) for r in records]
    marked[47]["attributes"] = {"crash_once": str(tmp_path / "crashed")}
    got = list(evaluate_on_dask(engine, marked, AS_OF, client=client))
    assert (tmp_path / "crashed").exists()  # a worker really died
    assert [r.customer_id for r in got] == [r["id"] for r in marked]  # none lost, none twice
    assert all(isinstance(r, Decision) for r in got)  # the batch was evaluated again
    # and the decisions are the single-process ones (the marker exists now: no crash)
    assert [d.to_dict() for d in got] == reference(engine, marked)


def test_the_command_line_runs_on_dask_and_writes_what_one_process_writes(client, tmp_path,
                                                                          records):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:120]),
                    encoding="utf-8")
    outputs = {}
    for name, extra in (("one", ["--workers", "1"]),
                        ("dask", ["--executor", "dask", "--scheduler",
                                  client.scheduler.address])):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(main, ["evaluate", str(path), "--as-of", AS_OF.isoformat(),
                                           "--format", "jsonl", "-o", str(out), *extra])
        assert result.exit_code == 0, result.output + result.stderr
        outputs[name] = out.read_bytes()
    assert outputs["dask"] == outputs["one"]


def test_a_scheduler_that_cannot_be_reached_is_a_usage_error(tmp_path, records, monkeypatch):
    monkeypatch.setattr(loyalty_dask, "CONNECT_TIMEOUT", "1s")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(path), "--as-of", "2026-11-15",
                                       "--executor", "dask", "--scheduler",
                                       "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach a Dask scheduler" in result.stderr
    assert "Traceback" not in result.stderr
    lone = CliRunner().invoke(main, ["evaluate", str(path), "--as-of", "2026-11-15",
                                     "--scheduler", "tcp://127.0.0.1:9"])
    assert lone.exit_code == 2 and "goes with --executor dask" in lone.stderr


def test_the_python_example_in_docs_scale_runs_on_the_cluster(client, capsys):
    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```python\n")[1:]]
    assert len(blocks) == 2  # the decisions, then the population (run in one namespace)
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        exec(compile("\n".join(blocks), "docs/scale.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "['C1', 'C2']"
    from loyalty_rules.population import PYRAMID_LEVELS

    assert printed[1] in PYRAMID_LEVELS
    assert stream.data  # its tasks ran on the cluster's workers


def test_the_population_is_a_dask_reduction_equal_to_one_process(client, records):
    from loyalty_rules import Population
    from loyalty_rules.dask import population_bag, population_on_dask

    one = Population.from_customers(read_customers_of(records), AS_OF)
    bag = population_bag(db.from_sequence(records, npartitions=5), AS_OF)
    batches = population_on_dask(records, AS_OF, client=client, batch=37)
    assert bag.to_dict() == one.to_dict()
    assert batches.to_dict() == one.to_dict()
    assert one.to_dict()["counts"]["customers"] == len(records)
    # and it reaches the workers with the engine: the bag's decisions are the population's
    engine = Engine(population=bag)
    got = evaluate_bag(db.from_sequence(records, npartitions=4), AS_OF, engine=engine)
    assert [d.to_dict() for d in got.compute()] == reference(engine, records)
    assert "p_active" in got.compute()[0].profile


def read_customers_of(records):
    from loyalty_rules import parse_customer

    return [parse_customer(r) for r in records]
