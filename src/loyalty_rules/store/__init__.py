"""The event store: customers and their history in SQLite or PostgreSQL, ingested
idempotently, with the lifecycle of every recommendation issued (see `Store`)."""

from .database import engine_url
from .lifecycle import STATUSES
from .store import IngestReport, Store

__all__ = ["STATUSES", "IngestReport", "Store", "engine_url"]
