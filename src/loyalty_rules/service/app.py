"""The HTTP service: the store under /v1, for CRMs in any language (FastAPI; OpenAPI at
/openapi.json, an interactive page at /docs).

Reads are open; writes need ``Authorization: Bearer TOKEN``. Bad input gets a 4xx whose body
is ``{"problems": [{"message", "path"?, "text"}]}``: the same located problems the command
line prints (``text`` is that line); an unexpected failure is a 500 with no traceback.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import threading
from typing import Any, Literal

from fastapi import Body, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from .. import __version__
from ..errors import LoyaltyRulesError, NotFoundError, Problem, ProblemsError
from ..store import Store
from ..store.ingestion import problem_dict
from .limits import MAX_BATCH, MAX_BODY, BodyLimit

log = logging.getLogger("loyalty_rules.service")


class OutcomeBody(BaseModel):
    """What happened to a recommendation."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["done", "dismissed", "snoozed"]
    at: dt.date
    until: dt.date | None = None
    channel: Literal["phone", "sms", "email", "letter", "wechat", "visit"] | None = None
    outcome: Literal["accepted", "rejected", "ignored"] | None = None


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: dt.date


class _Refused(Exception):
    def __init__(self, status: int, problems: list[Problem], headers: dict[str, str] | None = None):
        self.status, self.problems, self.headers = status, problems, headers


def _problems(status: int, problems: list[Problem] | tuple[Problem, ...],
              headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"problems": [problem_dict(p) for p in problems]}, status_code=status,
                        headers=headers)


def _path(loc: tuple[Any, ...]) -> str:
    path = "$"
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path") else loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def create_app(store: Store, token: str, *, max_body: int = MAX_BODY,
               max_batch: int = MAX_BATCH) -> Any:
    """The ASGI application over `store`; `token` authorises writes."""
    app = FastAPI(title="loyalty_rules", version=__version__,
                  description="Customers, their history, daily explained decisions and the "
                              "lifecycle of every recommendation. Writes need a bearer token.")
    bearer = HTTPBearer(auto_error=False)
    runs_lock = threading.Lock()  # one run at a time in this process

    def writer(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if credentials is None or not hmac.compare_digest(
                credentials.credentials.encode(), token.encode()):
            raise _Refused(401, [Problem("a valid bearer token is required for writes",
                                         path="Authorization")],
                           {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(_Refused)
    async def refused(_request: Request, err: _Refused) -> JSONResponse:
        return _problems(err.status, err.problems, err.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        problems = []
        for error in err.errors():
            message = error.get("msg", "invalid")
            loc = tuple(error.get("loc", ()))
            if error.get("type") == "json_invalid":  # loc holds a character position
                where = f" (character {loc[-1]})" if loc and isinstance(loc[-1], int) else ""
                problems.append(Problem(f"invalid JSON: "
                                        f"{error.get('ctx', {}).get('error', message)}{where}"))
                continue
            problems.append(Problem(message, path=_path(loc)))
        return _problems(422, problems)

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, err: NotFoundError) -> JSONResponse:
        return _problems(404, [Problem(str(err))])

    @app.exception_handler(ProblemsError)
    async def bad_record(_request: Request, err: ProblemsError) -> JSONResponse:
        return _problems(422, err.problems)

    @app.exception_handler(LoyaltyRulesError)
    async def refused_usage(_request: Request, err: LoyaltyRulesError) -> JSONResponse:
        return _problems(400, [Problem(str(err))])

    @app.exception_handler(Exception)
    async def failed(request: Request, err: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %s", request.method, request.url.path,
                  type(err).__name__)
        return _problems(500, [Problem(f"internal error: {type(err).__name__}")])

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """The service is up and its store answers."""
        with store.database.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"status": "ok", "database": store.database.dialect.name,
                "version": __version__}

    @app.put("/v1/customers/{customer_id}", dependencies=[Depends(writer)], tags=["customers"])
    def put_customer(customer_id: str, customer: dict[str, Any] = Body(
            ..., description="A contract customer, events included (each may carry an id).",
            examples=[{"id": "C042", "name": "Mr Huang", "personality": "主导型",
                       "events": [{"id": "e1", "type": "request", "at": "2026-11-20",
                                   "dimension": "delivery", "expected": 7,
                                   "deliverable": 14, "unit": "days"}]}])) -> dict[str, Any]:
        """Store a customer record and its events (re-sent events are no-ops; an id re-sent
        with another payload is quarantined and reported)."""
        given = customer.get("id", customer_id)
        if given != customer_id:
            raise _Refused(422, [Problem(f"the body's id {given!r} is not the path's "
                                         f"{customer_id!r}", path="$.id")])
        return store.put_customer({**customer, "id": customer_id})

    @app.post("/v1/events", dependencies=[Depends(writer)], tags=["customers"])
    def post_events(items: list[Any] = Body(
            ..., description=f"At most {max_batch} items {{customer_id, event}}.",
            examples=[[{"customer_id": "C042",
                        "event": {"id": "e2", "type": "visit", "at": "2026-11-23"}}]])
                    ) -> dict[str, Any]:
        """Add events; one result per item (added, duplicate, conflict, rejected)."""
        if len(items) > max_batch:
            raise _Refused(413, [Problem(f"at most {max_batch} events per request, got "
                                         f"{len(items)}", path="$")])
        results = [r.to_dict() for r in store.add_events(items)]
        counts: dict[str, int] = {}
        for result in results:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        return {"counts": counts, "results": results}

    @app.get("/v1/customers/{customer_id}/decision", tags=["decisions"])
    def decision(customer_id: str, as_of: dt.date | None = None) -> dict[str, Any]:
        """The customer's decision (default date: the latest run's), each recommendation
        with its id and lifecycle status."""
        if as_of is None:
            from ..runs.running import latest_as_of
            as_of = latest_as_of(store)
        return store.decision(customer_id, as_of).to_dict()

    @app.post("/v1/recommendations/{rec_id}/outcome", dependencies=[Depends(writer)],
              tags=["decisions"])
    def outcome(rec_id: str, body: OutcomeBody) -> dict[str, Any]:
        """Record done / dismissed / snoozed; `done` appends the history event the action
        declares (a contact naming it, or a recovery step)."""
        return store.record_outcome(rec_id, body.model_dump(mode="json", exclude_none=True))

    @app.post("/v1/runs", dependencies=[Depends(writer)], status_code=201, tags=["runs"])
    def post_run(body: RunBody) -> dict[str, Any]:
        """Run the day (or finish its unfinished run); answers when it is recorded."""
        from ..runs import run_day
        with runs_lock:
            return run_day(store, body.as_of)

    @app.get("/v1/runs/{run_id}", tags=["runs"])
    def get_run(run_id: int) -> dict[str, Any]:
        from ..runs.running import describe, run_row
        with store.database.connect() as connection:
            return describe(run_row(connection, run_id))

    @app.get("/v1/runs/{run_id}/diff", tags=["runs"])
    def get_diff(run_id: int) -> dict[str, Any]:
        """What changed since the previous run, each change with its cause."""
        from ..runs import diff_runs
        return diff_runs(store, run_id)

    return BodyLimit(app, max_body) if max_body else app
