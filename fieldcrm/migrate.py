"""Apply and check Alembic migrations from Python (CLI, tests, start-up check)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from fieldcrm.paths import shipped

MIGRATIONS_DIR = shipped("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class ForeignKeyViolation(RuntimeError):
    """A migration left rows pointing at rows that do not exist (SQLite's foreign_key_check)."""


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for the migrations. On SQLite, foreign keys are off during it: a table rebuilt
    in batch mode drops the old table, which with them on would cascade into its dependants. The pragma
    only changes outside a transaction, so it is set before; the result is checked before the commit."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # ends SQLAlchemy's autobegun transaction: the pragma took effect outside one
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise ForeignKeyViolation(f"rows with a missing parent after migrating: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to `revision` on the given engine."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to `revision` (tests and rescue only)."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, alembic_command, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with _migration_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        alembic_command(cfg, revision)


def pending(engine: Engine) -> bool:
    """True when the database is not at the newest migration."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != heads
