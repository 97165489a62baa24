"""The client search as SQL: every token of the query must appear in the folded `client.search_text`.

One condition, answered by the trigram index each database has (migration 0017):
- PostgreSQL: `search_text LIKE '%token%'` for every token, which pg_trgm's GIN index answers for
  tokens of 3 characters or more (and it checks each row found: exact by construction);
- SQLite: the tokens of 3 characters or more as one FTS5 query over the trigram table `client_fts` (a
  quoted phrase matches exactly where the text contains it), the shorter ones with LIKE on what the
  index found.
A query made only of 1–2 character tokens has no trigram: LIKE alone, as before the index (the list
still stops after a page, walking the portfolio in its order).
"""

from __future__ import annotations

from sqlalchemy import Boolean, and_, column, literal, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from fieldcrm.clients.models import Client

TRIGRAM = 3  # a shorter token has no trigram: no index can find it

# What migration 0017 makes that the models do not declare (the FTS5 table and its shadow tables, the
# GIN trigram index, PostgreSQL's "nulls first" index): the migrations-match-models check skips them.
DATABASE_ONLY = frozenset({
    "client_fts", "client_fts_data", "client_fts_idx", "client_fts_docsize", "client_fts_config",
    "ix_client_search_trgm", "ix_client_owner_last_contact",
})

_fts = table("client_fts", column("rowid"), column("client_fts"))


class _per_dialect(FunctionElement):
    """Two spellings of one condition: FTS5 on SQLite (first clause), LIKE elsewhere (second)."""

    type = Boolean()
    inherit_cache = True
    name = "per_dialect"


@compiles(_per_dialect)
def _compile_like(element, compiler, **kw):
    return compiler.process(list(element.clauses)[1], **kw)


@compiles(_per_dialect, "sqlite")
def _compile_fts(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


def _contains(token: str) -> ColumnElement:
    return Client.search_text.contains(token, autoescape=True)


def fts_phrase(tokens: list[str]) -> str:
    """An FTS5 query: every token as a quoted phrase (a quote inside doubled), all required."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def matches_tokens(tokens: list[str]) -> ColumnElement | None:
    """The condition "every token is in the client's search text", None for no token."""
    if not tokens:
        return None
    like_all = and_(*(_contains(t) for t in tokens))
    indexed = [t for t in tokens if len(t) >= TRIGRAM]
    if not indexed:
        return like_all
    found = select(_fts.c.rowid).where(_fts.c.client_fts.op("MATCH")(literal(fts_phrase(indexed))))
    short = [_contains(t) for t in tokens if len(t) < TRIGRAM]
    return _per_dialect(and_(Client.id.in_(found.scalar_subquery()), *short), like_all)
