"""Store URLs for the tests: SQLite always, PostgreSQL when a server is given.

``LOYALTY_RULES_TEST_POSTGRES`` names a PostgreSQL server (``.ci/run`` starts one with
``tests/postgres.sh`` and exports it; locally: ``eval "$(bash tests/postgres.sh start)"``).
Each test gets a database of its own, dropped afterwards. Without the variable the
PostgreSQL half is skipped locally, and fails under CI (``CI`` set): never a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES = os.environ.get("LOYALTY_RULES_TEST_POSTGRES")


def _admin():
    import sqlalchemy as sa

    from loyalty_rules.store.database import engine_url
    return sa.create_engine(engine_url(POSTGRES), isolation_level="AUTOCOMMIT")


def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database's URL, dropped when the test is done."""
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("LOYALTY_RULES_TEST_POSTGRES is not set: .ci/run starts PostgreSQL")
        pytest.skip("no PostgreSQL server: eval \"$(bash tests/postgres.sh start)\"")
    import sqlalchemy as sa
    name = f"lr_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = sa.engine.make_url(POSTGRES)
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> Iterator[str]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        yield from postgres_database()
