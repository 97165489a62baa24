"""Every row of every table, kept and put back: lets a module share one world between tests that may
change it, and says which tables a request changed."""

from __future__ import annotations

from sqlalchemy import select, text

from fieldcrm.models import metadata

# Kept by the database's own triggers from other tables (the list's status chips): a change to them is a
# change to `client`, already seen there, and putting `client` back puts them back.
DERIVED = frozenset({"client_status_count"})


def _tables():
    return [table for table in metadata.sorted_tables if table.name not in DERIVED]


def all_rows(engine) -> dict:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                for table in _tables()}


def fingerprint(engine) -> dict:
    """A digest of each table's rows: on PostgreSQL in one round trip (a test walking hundreds of
    requests pays for it each time), elsewhere the rows themselves."""
    if engine.dialect.name != "postgresql":
        return all_rows(engine)
    names = [table.name for table in _tables()]
    digests = ", ".join(f"(SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{name}\" t)"
                        for name in names)
    with engine.connect() as conn:
        return dict(zip(names, conn.execute(text(f"SELECT {digests}")).one(), strict=True))


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def put_back(engine, rows: dict) -> None:
    """Make every table hold exactly `rows` again. Rows are deleted, not truncated (much faster on
    PostgreSQL); id sequences are left ahead, which no test minds."""
    tables = _tables()
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                conn.execute(table.insert(), [dict(row._mapping) for row in rows[table.name]])
