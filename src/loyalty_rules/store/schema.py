"""The store's one schema (SQLite and PostgreSQL alike), as SQLAlchemy Core tables.

History is stored once and only grows: `customers` (the record without its events), `events`
(one row per event, keyed by its `id` or, without one, by its content), `quarantine` (events
whose id was re-sent with a different payload). Runs add `runs`, `run_customers` (one
decision per customer per run) and `recommendations` (every recommendation id ever issued);
the lifecycle is `outcomes`, append-only, its latest row per recommendation being the state.
The Alembic migrations in `migrations/versions` create exactly these tables (a test checks).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: an auto-incrementing key on both databases (SQLite only auto-increments INTEGER keys)
Serial = BigInteger().with_variant(Integer(), "sqlite")

customers = Table(
    "customers", metadata,
    Column("id", String(200), primary_key=True),
    Column("record", Text, nullable=False),  # canonical JSON of the record, events excluded
    Column("revision", Integer, nullable=False),  # bumped when the record changes
)

events = Table(
    "events", metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),  # the event id, or ~content hash
    Column("customer_id", String(200), nullable=False, index=True),
    Column("at", Date, nullable=False),
    Column("type", String(40), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON of the contract event
)

quarantine = Table(
    "quarantine", metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, index=True),
    Column("customer_id", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("kept_customer_id", String(200), nullable=False),
    Column("kept_payload", Text, nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False, index=True),
    Column("status", String(20), nullable=False),  # running, finished
    Column("event_seq", BigInteger, nullable=False),  # history read: events up to this seq
    Column("outcome_seq", BigInteger, nullable=False),  # lifecycle read: outcomes up to this
    Column("content_hash", String(64), nullable=False),
    Column("versions", Text, nullable=False),  # JSON: rulesets and plugins with versions
    Column("options", Text, nullable=False),  # JSON: plugins, ruleset files, parameters
    Column("previous_id", BigInteger),
    Column("counts", Text),  # JSON, once finished
)

run_customers = Table(
    "run_customers", metadata,
    Column("run_id", BigInteger, ForeignKey("runs.id"), primary_key=True),
    Column("customer_id", String(200), primary_key=True),
    Column("input_hash", String(64), nullable=False),  # the record and history evaluated
    Column("lifecycle_hash", String(64), nullable=False),  # the outcomes it was evaluated with
    Column("decision", Text),  # JSON decision, or null when rejected
    Column("problems", Text),  # JSON list of located problems when rejected
)

recommendations = Table(
    "recommendations", metadata,
    Column("id", String(200), primary_key=True),
    Column("customer_id", String(200), nullable=False, index=True),
    Column("action", String(200), nullable=False),
    Column("params", Text, nullable=False),  # JSON, e.g. the complaint a recovery step is for
)

outcomes = Table(
    "outcomes", metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("recommendation_id", String(200), nullable=False),
    Column("customer_id", String(200), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # done, dismissed, snoozed, expired, open
    Column("at", Date, nullable=False),
    Column("until", Date),
    Column("channel", String(40)),
    Column("outcome", String(20)),  # accepted, rejected, ignored
    Column("event_seq", BigInteger),  # the history event the outcome appended, if any
    Column("run_id", BigInteger),  # the run that expired it, for `expired`
)
Index("outcomes_by_recommendation", outcomes.c.recommendation_id, outcomes.c.seq)
