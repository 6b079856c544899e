"""Opening a store URL: one spelling per database, the schema brought up to date by Alembic.

    sqlite:///crm.db                      a file (relative to the working folder)
    sqlite:////var/lib/crm.db             an absolute path
    postgresql://user:password@host/db    PostgreSQL, through psycopg 3

The URL's password is never printed: errors show the URL with it masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError:  # the `store` extra is not installed
        raise UsageError("the store needs the 'store' extra: "
                         "pip install 'loyalty-rules[store]'") from None
    return sqlalchemy


def engine_url(url: str) -> Any:
    """The SQLAlchemy URL for a store URL; `UsageError` for any other spelling."""
    sa = _sqlalchemy()
    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        raise UsageError(f"--store {url!r}: expected sqlite:///FILE or "
                         "postgresql://USER@HOST/DB") from None
    if parsed.drivername == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise UsageError(f"--store {url!r}: a store is a file (sqlite:///crm.db), "
                             "not an in-memory database")
        return parsed
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise UsageError(f"--store {parsed.render_as_string(hide_password=True)!r}: "
                     "expected sqlite:///FILE or postgresql://USER@HOST/DB")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def connect(url: str, *, migrate: bool = True) -> Any:
    """A SQLAlchemy engine on the store at `url`, its schema migrated to the latest version."""
    sa = _sqlalchemy()
    target = engine_url(url)
    if target.drivername == "sqlite":
        folder = Path(target.database).resolve().parent
        if not folder.is_dir():
            raise UsageError(f"--store {url!r}: no such folder {folder}")
        engine = sa.create_engine(target, connect_args={"check_same_thread": False,
                                                        "timeout": 30},
                                  pool_size=20, max_overflow=40)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(target, pool_size=10, max_overflow=30, pool_pre_ping=True)
    try:
        with engine.connect() as probe:
            probe.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as err:
        engine.dispose()
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise UsageError(f"--store {shown!r}: cannot connect: {reason}") from None
    if migrate:
        upgrade(engine)
    return engine


def upgrade(engine: Any) -> None:
    """Apply every Alembic migration not yet applied (a no-op on an up-to-date store)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # two processes opening one new store
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(72657765)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
