"""The client search as SQL: every token of the query must appear in the folded `client.search_text`.

The condition stays `search_text LIKE '%token%'` for every token (exact, LIKE's wildcards escaped), and
each database answers it from the trigram index it has (migration 0017), so a search reads the
matching cards, not the portfolio:
- PostgreSQL: pg_trgm's GIN index serves those LIKEs as they are (tokens of 3 characters or more);
- SQLite: the select starts from the FTS5 trigram table `client_fts` (a quoted phrase matches exactly
  where the text contains it) and reads cards by id from there. `CROSS JOIN` fixes that order: left
  to itself, SQLite without statistics walks the portfolio in the list's order and probes each card.
A query made only of 1–2 character tokens has no trigram: the LIKEs alone, as before the index (the
list still stops after one page, walking the portfolio in its order).
"""

from __future__ import annotations

from sqlalchemy import column, literal, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import Join

from fieldcrm.clients.models import Client

TRIGRAM = 3  # a shorter token has no trigram: no index can find it

# What migration 0017 makes that the models do not declare (the FTS5 table and its shadow tables, the
# GIN trigram index, PostgreSQL's "nulls first" index): the migrations-match-models check skips them.
DATABASE_ONLY = frozenset({
    "client_fts", "client_fts_data", "client_fts_idx", "client_fts_docsize", "client_fts_config",
    "ix_client_search_trgm", "ix_client_owner_last_contact",
})

_fts = table("client_fts", column("rowid"), column("client_fts"))


class _FtsFirst(Join):
    """`client_fts CROSS JOIN client` on SQLite; just `client` elsewhere (the LIKEs use the index there)."""

    inherit_cache = True


@compiles(_FtsFirst)
def _client_only(element, compiler, **kw):
    return compiler.process(element.right, **{**kw, "asfrom": True})


@compiles(_FtsFirst, "sqlite")
def _fts_cross_join(element, compiler, **kw):
    tables = {**kw, "asfrom": True}
    on = {k: v for k, v in kw.items() if k != "asfrom"}
    return (f"{compiler.process(element.left, **tables)} CROSS JOIN {compiler.process(element.right, **tables)} "
            f"ON {compiler.process(element.onclause, **on)}")


def fts_query(tokens: list[str]) -> str:
    """An FTS5 query: every token as a quoted phrase (a quote inside doubled), all required."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def search_clients(stmt: Select, tokens: list[str]) -> Select:
    """Narrow a select over Client to the cards whose search text holds every token."""
    for token in tokens:
        stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
    indexed = [t for t in tokens if len(t) >= TRIGRAM]
    if indexed:
        found = (Client.id == _fts.c.rowid) & _fts.c.client_fts.op("MATCH")(literal(fts_query(indexed)))
        stmt = stmt.select_from(_FtsFirst(_fts, Client.__table__, found))
    return stmt
