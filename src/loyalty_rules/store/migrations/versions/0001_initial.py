"""The first schema: customers, events, quarantine, runs, decisions, the lifecycle.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False))
    op.create_table(
        "events",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("at", sa.Date, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False))
    op.create_index("ix_events_customer_id", "events", ["customer_id"])
    op.create_table(
        "quarantine",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("kept_customer_id", sa.String(200), nullable=False),
        sa.Column("kept_payload", sa.Text, nullable=False))
    op.create_index("ix_quarantine_key", "quarantine", ["key"])
    op.create_table(
        "runs",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("outcome_seq", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("previous_id", sa.BigInteger),
        sa.Column("counts", sa.Text))
    op.create_index("ix_runs_as_of", "runs", ["as_of"])
    op.create_table(
        "run_customers",
        sa.Column("run_id", sa.BigInteger, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("customer_id", sa.String(200), primary_key=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("lifecycle_hash", sa.String(64), nullable=False),
        sa.Column("decision", sa.Text),
        sa.Column("problems", sa.Text))
    op.create_table(
        "recommendations",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("params", sa.Text, nullable=False))
    op.create_index("ix_recommendations_customer_id", "recommendations", ["customer_id"])
    op.create_table(
        "outcomes",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("recommendation_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.Date, nullable=False),
        sa.Column("until", sa.Date),
        sa.Column("channel", sa.String(40)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("event_seq", sa.BigInteger),
        sa.Column("run_id", sa.BigInteger))
    op.create_index("ix_outcomes_customer_id", "outcomes", ["customer_id"])
    op.create_index("outcomes_by_recommendation", "outcomes", ["recommendation_id", "seq"])


def downgrade() -> None:
    for table in ("outcomes", "recommendations", "run_customers", "runs", "quarantine",
                  "events", "customers"):
        op.drop_table(table)
