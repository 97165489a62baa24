"""indexed search, maintained status counts, list indexes that start with the owner

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:40:00

The client list must cost the same at 100,000 clients as at 10,000:

- search: the folded `client.search_text` gets a trigram index (SQLite: an FTS5 table with the trigram
  tokenizer, kept by triggers; PostgreSQL: pg_trgm's GIN index, which `LIKE '%…%'` uses as it is), so a
  search reads the matching cards only;
- the status chips: `client_status_count` holds, per owner and status, how many cards are not deleted,
  kept by triggers in the same transaction as every write to `client` (a service, an import's bulk
  insert, a hand-over's bulk update, a purge alike);
- the list's sorts and filters walk indexes that start with the owner, then stop after one page.
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# owner_id 0 stands for "no owner" (such cards are seen by admins only): a key column cannot be NULL.
SQLITE_COUNT_TRIGGERS = """
CREATE TRIGGER client_status_count_insert AFTER INSERT ON client WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO client_status_count (owner_id, status, n) VALUES (coalesce(new.owner_id, 0), new.status, 1)
  ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER client_status_count_delete AFTER DELETE ON client WHEN old.deleted_at IS NULL BEGIN
  UPDATE client_status_count SET n = n - 1 WHERE owner_id = coalesce(old.owner_id, 0) AND status = old.status;
END;
CREATE TRIGGER client_status_count_update AFTER UPDATE OF owner_id, status, deleted_at ON client
WHEN old.owner_id IS NOT new.owner_id OR old.status IS NOT new.status
  OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
  UPDATE client_status_count SET n = n - 1
    WHERE old.deleted_at IS NULL AND owner_id = coalesce(old.owner_id, 0) AND status = old.status;
  INSERT INTO client_status_count (owner_id, status, n)
    SELECT coalesce(new.owner_id, 0), new.status, 1 WHERE new.deleted_at IS NULL
  ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
END;
"""

# External-content FTS5 over client.search_text (rowid = client.id): the index only, the text stays in
# `client`. The triggers hand FTS5 the old text to forget, as external content requires.
SQLITE_FTS = """
CREATE VIRTUAL TABLE client_fts USING fts5(search_text, content='client', content_rowid='id',
                                           tokenize='trigram');
INSERT INTO client_fts (client_fts) VALUES ('rebuild');
CREATE TRIGGER client_fts_insert AFTER INSERT ON client BEGIN
  INSERT INTO client_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER client_fts_delete AFTER DELETE ON client BEGIN
  INSERT INTO client_fts (client_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER client_fts_update AFTER UPDATE OF search_text ON client
WHEN old.search_text IS NOT new.search_text BEGIN
  INSERT INTO client_fts (client_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO client_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
"""

# One statement-level trigger per event: a bulk write (an import, a hand-over) applies its net changes
# in one upsert, locking the counter rows in key order (two transactions never wait on each other in
# opposite orders within a statement), and an update that moves no card between chips touches nothing.
PG_COUNT_FUNCTION = """
CREATE FUNCTION client_status_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO client_status_count AS c (owner_id, status, n)
      SELECT coalesce(owner_id, 0), status, count(*) FROM new_rows WHERE deleted_at IS NULL
      GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (owner_id, status) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO client_status_count AS c (owner_id, status, n)
      SELECT coalesce(owner_id, 0), status, -count(*) FROM old_rows WHERE deleted_at IS NULL
      GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (owner_id, status) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO client_status_count AS c (owner_id, status, n)
      SELECT owner_id, status, sum(d) FROM (
        SELECT coalesce(owner_id, 0) AS owner_id, status, -1 AS d FROM old_rows WHERE deleted_at IS NULL
        UNION ALL
        SELECT coalesce(owner_id, 0), status, 1 FROM new_rows WHERE deleted_at IS NULL) AS moves
      GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
    ON CONFLICT (owner_id, status) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER client_status_count_insert AFTER INSERT ON client REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_count_sync();
CREATE TRIGGER client_status_count_delete AFTER DELETE ON client REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_count_sync();
CREATE TRIGGER client_status_count_update AFTER UPDATE ON client
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION client_status_count_sync();
"""

LIST_INDEXES = {
    # name: columns (the list's sorts, each after the owner; the status filter with the name sort)
    "ix_client_owner_sort_name": ("owner_id", "sort_name", "id"),
    "ix_client_owner_status_name": ("owner_id", "status", "sort_name", "id"),
    "ix_client_owner_updated": ("owner_id", "updated_at", "id"),
}


def upgrade() -> None:
    op.create_table(
        'client_status_count',
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('owner_id', 'status'),
    )
    op.execute("INSERT INTO client_status_count (owner_id, status, n) "
                "SELECT coalesce(owner_id, 0), status, count(*) FROM client WHERE deleted_at IS NULL "
                "GROUP BY coalesce(owner_id, 0), status")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, 'client', list(columns))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_client_search_trgm ON client USING gin (search_text gin_trgm_ops)")
        # "Longest without contact first, never contacted at the top": NULLS FIRST in the index itself.
        op.execute("CREATE INDEX ix_client_owner_last_contact ON client "
                   "(owner_id, last_contact_at ASC NULLS FIRST, id)")
        op.execute(PG_COUNT_FUNCTION)
    else:
        op.create_index("ix_client_owner_last_contact", 'client', ['owner_id', 'last_contact_at', 'id'])
        for statement in _statements(SQLITE_FTS) + _statements(SQLITE_COUNT_TRIGGERS):
            op.execute(statement)


def _statements(script: str) -> list[str]:
    """The statements of a script, each trigger whole (its body holds semicolons of its own)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        inside_trigger = current[0].startswith("CREATE TRIGGER")
        if line.endswith(";") and (not inside_trigger or line == "END;"):
            statements.append("\n".join(current).rstrip(";"))
            current = []
    return statements


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER client_status_count_{event} ON client")
        op.execute("DROP FUNCTION client_status_count_sync()")
        op.execute("DROP INDEX ix_client_search_trgm")
    else:
        for trigger in ("client_fts_insert", "client_fts_delete", "client_fts_update",
                        "client_status_count_insert", "client_status_count_delete", "client_status_count_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE client_fts")
    op.drop_index("ix_client_owner_last_contact", table_name='client')
    for name in LIST_INDEXES:
        op.drop_index(name, table_name='client')
    op.drop_table('client_status_count')
