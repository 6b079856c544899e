"""The HTTP service, served for real (uvicorn on a loopback port), on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import json
import socket

import pytest
from conftest import ROOT
from service_server import TOKEN, Server
from store_fixtures import postgres_database

from loyalty_rules.store import Store

SAMPLES = ROOT / "samples" / "customers.jsonl"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """One server per database for the module (starting one takes seconds); the tests run
    in file order against it."""
    folder = tmp_path_factory.mktemp("service")
    if request.param == "sqlite":
        urls = iter([f"sqlite:///{folder / 'crm.db'}"])
    else:
        urls = postgres_database()
    url = next(urls)
    with Store(url) as store:
        store.ingest(SAMPLES)
    running = Server(url, folder / "serve.log")
    yield running
    log = running.stop()
    next(urls, None)  # drops the PostgreSQL database
    assert TOKEN not in log  # the token is never logged
    assert "Traceback" not in log


def test_openapi_lists_the_contract_endpoints(server):
    status, spec = server.call("GET", "/openapi.json")
    assert status == 200
    assert {("put", "/v1/customers/{customer_id}"), ("post", "/v1/events"),
            ("get", "/v1/customers/{customer_id}/decision"),
            ("post", "/v1/recommendations/{rec_id}/outcome"), ("post", "/v1/runs"),
            ("get", "/v1/runs/{run_id}"), ("get", "/v1/runs/{run_id}/diff"),
            ("get", "/healthz")} <= {(m, p) for p, ops in spec["paths"].items() for m in ops}


def test_writes_need_the_token(server):
    customer = {"id": "H1", "events": [{"type": "visit", "at": "2026-11-20"}]}
    for token in (None, "wrong-token-0000000000"):
        status, body = server.call("PUT", "/v1/customers/H1", customer, token=token)
        assert status == 401
        assert body["problems"][0]["path"] == "Authorization"
    assert server.call("PUT", "/v1/customers/H1", customer, token=TOKEN)[0] == 200
    assert server.call("POST", "/v1/runs", {"as_of": "2026-11-22"})[0] == 401


def test_bad_input_is_a_located_4xx_never_a_500(server):
    status, body = server.call("PUT", "/v1/customers/H2", {
        "id": "H2", "personality": 5, "events": [{"type": "visit", "at": "tomorrow"}]},
        token=TOKEN)
    assert status == 422
    assert [p["text"] for p in body["problems"]] == [
        "personality: expected a string",
        "events[0].at: expected an ISO 8601 date (YYYY-MM-DD), got 'tomorrow'"]
    status, body = server.call("POST", "/v1/events", raw=b"[{", token=TOKEN)
    assert status == 422 and body["problems"][0]["message"].startswith("invalid JSON")
    status, body = server.call("POST", "/v1/events", {"customer_id": "C001"}, token=TOKEN)
    assert status == 422 and body["problems"][0]["path"] == "$"
    status, body = server.call("POST", "/v1/recommendations/rec-0/outcome",
                               {"status": "done", "at": "2026-13-01"}, token=TOKEN)
    assert status == 422 and body["problems"][0]["path"] == "$.at"
    assert server.call("POST", "/v1/recommendations/rec-0/outcome",
                       {"status": "done", "at": "2026-11-22"}, token=TOKEN)[0] == 404
    assert server.call("GET", "/v1/customers/NOBODY/decision?as_of=2026-11-22")[0] == 404
    assert server.call("GET", "/v1/customers/C001/decision?as_of=soon")[0] == 422
    assert server.call("GET", "/v1/customers/C001/decision")[0] == 400  # no run yet
    assert server.call("GET", "/v1/runs/99")[0] == 404
    assert server.call("GET", "/v1/runs/x")[0] == 422


def _raw(server, head: bytes, body: bytes = b"") -> tuple[int, dict]:
    """One request on a raw socket: the server may answer before the body is sent."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head)
        try:
            connection.sendall(body)
        except OSError:  # the server answered and closed: what is being tested
            pass
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, json.loads(reply.split(b"\r\n\r\n", 1)[1] or b"null")


def test_request_size_and_batch_length_are_capped(server):
    auth = f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n".encode()
    declared = (b"PUT /v1/customers/H3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth
                + b"Content-Length: 2000000\r\n\r\n")
    status, body = _raw(server, declared)
    assert status == 413 and "over 1048576 bytes" in body["problems"][0]["message"]
    piece = b"x" * 65536
    chunked = (b"PUT /v1/customers/H3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth
               + b"Transfer-Encoding: chunked\r\n\r\n")
    body_chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(20)) + b"0\r\n\r\n"
    try:  # refused midway: a 413, unless the unread rest resets the connection first
        status, body = _raw(server, chunked, body_chunks)
        assert status == 413
    except ConnectionResetError:
        pass
    assert server.call("GET", "/v1/customers/H3/decision?as_of=2026-11-22")[0] == 404
    batch = [{"customer_id": "C001", "event": {"type": "visit", "at": "2026-11-20"}}] * 1001
    status, body = server.call("POST", "/v1/events", batch, token=TOKEN)
    assert status == 413 and body["problems"][0]["message"].startswith("at most 1000 events")


def test_events_outcomes_runs_and_diffs_over_http(server):
    status, first = server.call("POST", "/v1/runs", {"as_of": "2026-11-22"}, token=TOKEN)
    assert status == 201 and first["status"] == "finished"
    status, decision = server.call("GET", "/v1/customers/C045/decision")  # the run's date
    assert status == 200 and decision["as_of"] == "2026-11-22"
    rec = next(r for r in decision["recommendations"] if r["action"] == "wake_dormant")
    assert rec["status"] == "open"
    status, recorded = server.call("POST", f"/v1/recommendations/{rec['id']}/outcome",
                                   {"status": "done", "at": "2026-11-22", "channel": "phone",
                                    "outcome": "accepted"}, token=TOKEN)
    assert status == 200 and recorded["event"]["action"] == "wake_dormant"
    status, result = server.call("POST", "/v1/events", [
        {"customer_id": "C001", "event": {"id": "h-1", "type": "visit", "at": "2026-11-23"}},
        {"customer_id": "C001", "event": {"id": "h-1", "type": "visit", "at": "2026-11-23"}},
        {"customer_id": "C001", "event": {"type": "visit"}}], token=TOKEN)
    assert status == 200
    assert [r["status"] for r in result["results"]] == ["added", "duplicate", "rejected"]
    assert result["results"][2]["problems"][0]["path"] == "$[2].event.at"
    status, second = server.call("POST", "/v1/runs", {"as_of": "2026-11-23"}, token=TOKEN)
    assert status == 201 and second["previous"] == first["id"]
    assert server.call("GET", f"/v1/runs/{second['id']}")[1]["counts"] == second["counts"]
    status, diff = server.call("GET", f"/v1/runs/{second['id']}/diff")
    assert status == 200
    assert any(c["customer_id"] == "C045" and c["id"] == rec["id"] for c in diff["changes"])


def test_concurrent_decisions_hold(server):
    ids = [json.loads(line)["id"] for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    paths = [f"/v1/customers/{ids[n % len(ids)]}/decision?as_of=2026-11-22" for n in range(200)]
    with concurrent.futures.ThreadPoolExecutor(200) as pool:
        results = list(pool.map(lambda p: server.call("GET", p), paths))
    assert [status for status, _ in results] == [200] * 200
    assert all(body["customer_id"] == p.split("/")[3] for (_, body), p in zip(results, paths))
