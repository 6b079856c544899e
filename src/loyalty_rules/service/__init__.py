"""The HTTP service over a store (`create_app`, `serve`): FastAPI on uvicorn."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..store import Store


def create_app(store: Store, token: str, **limits: Any) -> Any:
    try:
        from .app import create_app as build
    except ImportError:
        raise UsageError("the service needs the 'service' extra: "
                         "pip install 'loyalty-rules[service,store]'") from None
    return build(store, token, **limits)


def serve(store: Store, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted. The token comes from the environment (`read_token`)."""
    import uvicorn

    from .limits import read_token
    app = create_app(store, read_token())
    store.engine  # noqa: B018 (compile the rulesets before the first request)
    import sqlalchemy as sa
    shown = sa.engine.make_url(store.url).render_as_string(hide_password=True)
    print(f"serving {shown} on "
          f"http://{host}:{port} (OpenAPI: /openapi.json, /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)


__all__ = ["create_app", "serve"]
