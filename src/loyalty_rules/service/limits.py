"""Request limits and the token: what the service refuses before any work is done."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError

MAX_BODY = 1024 * 1024  # bytes per request body
MAX_BATCH = 1000  # events per POST /v1/events


def read_token() -> str:
    """The bearer token writes need: ``LOYALTY_RULES_TOKEN``, or the first line of the file
    named by ``LOYALTY_RULES_TOKEN_FILE``. Its value appears in no message."""
    given, path = os.environ.get("LOYALTY_RULES_TOKEN"), os.environ.get("LOYALTY_RULES_TOKEN_FILE")
    if given and path:
        raise UsageError("set LOYALTY_RULES_TOKEN or LOYALTY_RULES_TOKEN_FILE, not both")
    if path:
        try:
            given = Path(path).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise UsageError(f"LOYALTY_RULES_TOKEN_FILE: cannot read {path}: "
                             f"{err.strerror}") from None
    if not given or not given.strip():
        raise UsageError("the service needs a token for writes: set LOYALTY_RULES_TOKEN, or "
                         "LOYALTY_RULES_TOKEN_FILE to a file holding it")
    if len(given.strip()) < 16:
        raise UsageError("the token is too short: use at least 16 characters")
    return given.strip()


def _reply(status: int, message: str) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"problems": [{"message": message, "text": message}]}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    return start, body


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes gets 413, whether its length is declared
    or it arrives in chunks."""

    def __init__(self, app: Any, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body over {self.limit} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                start, body = _reply(413, message)
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
        seen = 0
        sent = False

        async def guarded_send(event: dict[str, Any]) -> None:
            nonlocal sent
            if event["type"] == "http.response.start":
                sent = True
            await send(event)

        async def counted() -> dict[str, Any]:
            nonlocal seen
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return event

        try:
            await self.app(scope, counted, guarded_send)
        except _TooLarge:
            if not sent:
                start, body = _reply(413, message)
                await send(start)
                await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
