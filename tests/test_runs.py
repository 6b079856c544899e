"""Daily runs on SQLite and PostgreSQL: recorded, diffed with causes, replayed, resumed after
a SIGKILL with no duplicated and no missing recommendation."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from conftest import ROOT
from store_fixtures import store_url  # noqa: F401 (the fixture)

from loyalty_rules import Engine
from loyalty_rules.errors import UsageError
from loyalty_rules.runs import diff_runs, replay, run_day
from loyalty_rules.store import Store
from loyalty_rules.store.schema import events, outcomes, run_customers, runs

SAMPLES = ROOT / "samples" / "customers.jsonl"
DAY1, DAY2 = dt.date(2026, 11, 22), dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture
def store(store_url, engine):  # noqa: F811
    with Store(store_url, engine=engine) as opened:
        opened.ingest(SAMPLES)
        yield opened


def count(store: Store, table: sa.Table, *where) -> int:
    with store.database.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)
                                  .where(*where)).scalar_one()


def test_a_run_records_date_versions_hash_and_counts(store):
    run = run_day(store, DAY1)
    assert run["status"] == "finished" and run["as_of"] == "2026-11-22"
    assert run["plugins"] == {"core": "0.1.0"}
    assert set(run["rulesets"]) == {"expectations", "loyalty", "recovery", "relationship"}
    assert len(run["content_hash"]) == 64
    assert run["counts"]["customers"] == 66 and run["counts"]["rejected"] == 0
    assert run["counts"]["recommendations"]["open"] == sum(run["counts"]["actions"].values())


def _recorded(store: Store, run_id: int) -> dict[str, list]:
    with store.database.connect() as connection:
        return {row.customer_id: [(r["action"], r["id"]) for r in
                                  json.loads(row.decision)["recommendations"]]
                for row in connection.execute(sa.select(run_customers).where(
                    run_customers.c.run_id == run_id))}


def test_a_run_judges_each_customer_within_the_stored_base_as_evaluate_does(store_url):  # noqa: F811
    """`run` decides what `evaluate` decides by default: within the population (value ranks,
    key accounts, p_active); `Store(population=False)` what `evaluate --no-population` does."""
    from loyalty_rules import Population, read_customers

    customers = list(read_customers(SAMPLES))
    want = {}
    for flag, engine in ((True, Engine(population=Population.from_customers(customers, DAY1))),
                         (False, Engine())):
        want[flag] = {d.customer_id: [(r.action, r.id) for r in d.recommendations]
                      for d in engine.evaluate_many(customers, DAY1)}
    assert want[True] != want[False]  # the population changes the day (C030 is let go)
    for flag in (True, False):
        with Store(store_url, population=flag) as opened:
            if flag:
                opened.ingest(SAMPLES)
            run = run_day(opened, DAY1)
            assert _recorded(opened, run["id"]) == want[flag], flag
            assert [(r.action, r.id) for r in opened.decision("C034", DAY1).recommendations] \
                == want[flag]["C034"]


def test_history_is_stored_once_not_per_run(store):
    stored = count(store, events)
    run_day(store, DAY1)
    run_day(store, DAY2)
    assert count(store, events) == stored
    assert count(store, run_customers) == 2 * 66  # one decision per customer per run


def test_the_diff_attributes_each_change_to_its_cause(store):
    first = run_day(store, DAY1)
    # a new event for one customer, a dismissal for another
    store.add_events([{"customer_id": "C030", "event": {
        "id": "late-visit", "type": "purchase", "at": "2026-11-23", "amount": 80}}])
    with store.database.connect() as connection:
        decision = json.loads(connection.execute(sa.select(run_customers.c.decision).where(
            run_customers.c.run_id == first["id"],
            run_customers.c.customer_id == "C051")).scalar_one())
    dismissed = decision["recommendations"][0]
    store.record_outcome(dismissed["id"], {"status": "dismissed", "at": "2026-11-22"})
    second = run_day(store, DAY2)
    diff = diff_runs(store)
    assert (diff["from"]["id"], diff["to"]["id"]) == (first["id"], second["id"])
    causes = {(c["customer_id"], c["cause"]) for c in diff["changes"]}
    assert ("C030", "events") in causes
    assert ("C051", "outcome") in causes
    assert {c["cause"] for c in diff["changes"] if c["customer_id"] not in ("C030", "C051")} \
        <= {"time"}
    status = [c for c in diff["changes"] if c["id"] == dismissed["id"]]
    assert status and status[0]["fields"]["status"] == ["open", "dismissed"]
    assert diff["counts"] == {k: sum(1 for c in diff["changes"] if c["change"] == k)
                              for k in ("new", "gone", "changed")}
    # gone recommendations that nobody marked are expired by the run
    gone = {c["id"] for c in diff["changes"] if c["change"] == "gone"}
    with store.database.connect() as connection:
        expired = set(connection.execute(sa.select(outcomes.c.recommendation_id).where(
            outcomes.c.status == "expired")).scalars())
    assert expired == gone - {dismissed["id"]}
    assert second["counts"]["expired"] == len(expired)


def test_a_ruleset_change_is_the_cause_when_nothing_else_changed(store, tmp_path):
    run_day(store, DAY1)
    with Store(store.url, parameters={"relationship.keep_in_touch_days": 7}) as changed:
        run_day(changed, DAY1)
        diff = diff_runs(changed)
    assert diff["ruleset_changed"] is True
    assert diff["changes"] and {c["cause"] for c in diff["changes"]} == {"ruleset"}
    with store.database.connect() as connection:
        hashes = list(connection.execute(sa.select(runs.c.content_hash)).scalars())
    assert len(set(hashes)) == 2


def test_replay_gives_the_recorded_decisions_back(store):
    first = run_day(store, DAY1)
    # later history and outcomes do not change what the first run read
    store.add_events([{"customer_id": "C030", "event": {
        "type": "purchase", "at": "2026-11-21", "amount": 999}}])
    run_day(store, DAY2)
    result = replay(store, first["id"])
    assert result["customers"] == 66 and result["differing"] == []
    with Store(store.url, parameters={"relationship.keep_in_touch_days": 7}) as changed:
        with pytest.raises(UsageError, match="replay with the rulesets"):
            replay(changed, first["id"])


def _kill_during_run(url: str, day: str, batch: int, after_rows: int) -> int:
    """Start `loyalty-rules run`, SIGKILL it once the open run has `after_rows` decisions
    committed; returns how many it had."""
    from loyalty_rules.store.database import engine_url
    process = subprocess.Popen(
        [sys.executable, "-m", "loyalty_rules", "run", "--store", url, "--as-of", day,
         "--batch-size", str(batch)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = sa.create_engine(engine_url(url))
    query = (sa.select(sa.func.count()).select_from(run_customers)
             .join(runs, runs.c.id == run_customers.c.run_id).where(runs.c.status == "running"))
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and process.poll() is None:
            with watcher.connect() as connection:
                done = connection.execute(query).scalar_one()
            if done >= after_rows:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        return done
    finally:
        watcher.dispose()


def test_a_run_killed_midway_finishes_with_no_duplicate_and_no_missing(store):
    reference = run_day(store, DAY1)  # uninterrupted, for comparison
    # the same date again (same history, no outcome since): killed twice, then finished
    for after in (9, 36):
        done = _kill_during_run(store.url, "2026-11-22", 3, after_rows=after)
        assert after <= done < 66, "the kill should land midway"
    result = subprocess.run([sys.executable, "-m", "loyalty_rules", "run", "--store",
                             store.url, "--as-of", "2026-11-22", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    resumed = json.loads(result.stdout)
    with store.database.connect() as connection:
        assert list(connection.execute(sa.select(runs.c.id, runs.c.status)
                                       .order_by(runs.c.id))) == [
            (reference["id"], "finished"), (resumed["id"], "finished")]  # resumed, not doubled

        def decisions(run_id: int) -> dict[str, str]:
            found = list(connection.execute(sa.select(
                run_customers.c.customer_id, run_customers.c.decision).where(
                run_customers.c.run_id == run_id)))
            assert len(found) == len({cid for cid, _ in found})
            return dict(found)
        assert decisions(resumed["id"]) == decisions(reference["id"])
    assert resumed["counts"] == reference["counts"]
