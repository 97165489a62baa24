"""The client search as SQL: every token of the query must appear in the folded `client.search_text`.

Every surface that searches clients (the list and its next pages, its export, "add these to my tour",
a segment's words, the map's search) narrows its select with `search_clients`, so they all find the
same cards. The condition is always `search_text LIKE '%token%'` for every token (exact, LIKE's
wildcards escaped); what changes is how the database finds the cards that hold it:

- through the trigram index (migration 0017), when the matches are few: PostgreSQL's pg_trgm GIN
  index serves those LIKEs as they are (tokens of 3 characters or more; its planner weighs it against
  the list's own index); on SQLite the select starts from the FTS5 trigram table `client_fts` (a
  quoted phrase matches exactly where the text contains it; a 2-character token as any of its
  trigrams, the token and the next character) and reads cards by id from there (`CROSS JOIN` fixes
  that order);
- by walking the list in its own order (`walk=True`), when they are many (SQLite: `search_density`
  counts them in client_fts, up to `DENSE`): one page of a list that matches one card in ten is
  found after some three hundred cards of the (owner, sort) index, whereas the trigram index would
  hand over every match to be read and sorted before the first row. The LIKEs then read an
  expression no index serves, so that the database walks the list's index.
A 2-character token is also found through the index: SQLite looks up its trigrams in client_fts (above);
PostgreSQL matches it as `search_text ~ 'token[<ALPHABET>]'` (a token is always followed by one of those
characters, as the text ends with a space), a regular expression pg_trgm serves from the same GIN index,
so that a two-letter typo that matches nothing reads no card there either.
A 1-character token is checked by its LIKE alone, walking the list.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    Boolean,
    String,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.visitors import InternalTraversal

from fieldcrm.clients.models import Client

TRIGRAM = 3  # the length of what the index holds
# Every character a folded search text holds (clients/normalise.py: fold, build_search_text), which
# also ends in a space: a 2-character token is there exactly where one of its trigrams (the token and
# the next character) is, so the index finds it too.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789@.+ "
# From this many matches, a page in the list's order is found sooner by walking it than through the index.
DENSE = 1500

# What migration 0017 makes that the models do not declare (the FTS5 table and its shadow tables, the
# GIN trigram index, PostgreSQL's "nulls first" index): the migrations-match-models check skips them.
DATABASE_ONLY = frozenset({
    "client_fts", "client_fts_data", "client_fts_idx", "client_fts_docsize", "client_fts_config",
    "ix_client_search_trgm", "ix_client_owner_last_contact",
})

_fts = table("client_fts", column("rowid"), column("client_fts"))
# The same text as an expression no index serves (a walk in the list's order reads it card by card).
_unindexed_text = type_coerce(Client.search_text.op("||")(literal_column("''")), String)


# Set on a select once it starts from `_FtsFirst`: a second search on it (a segment's words on the
# list's search) adds its LIKEs only. An execution option, because reading a select's final FROMs
# (`get_final_froms()`) builds its whole compile state, a third of a search request.
_FTS_FIRST = "fieldcrm_client_fts_first"


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


# What follows a 2-character token in the search text, as a regular expression's class.
_FOLLOWED_BY = "[" + ALPHABET.replace("abcdefghijklmnopqrstuvwxyz", "a-z").replace("0123456789", "0-9") + "]"


class _ShortToken(ColumnElement):
    """A 2-character token in the search text: its exact LIKE on SQLite (client_fts has already
    narrowed the cards by its trigrams), a regular expression pg_trgm's index serves on PostgreSQL."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("like", InternalTraversal.dp_clauseelement),
                           ("regex", InternalTraversal.dp_clauseelement)]

    def __init__(self, token: str):
        self.like = _unindexed_text.contains(token, autoescape=True)
        # The token's characters are ALPHABET's: only "." and "+" mean something in a regular expression.
        self.regex = Client.search_text.op("~")(bindparam("short_token", re.escape(token) + _FOLLOWED_BY,
                                                           unique=True))


@compiles(_ShortToken)
def _short_like(element, compiler, **kw):
    return compiler.process(element.like, **kw)


@compiles(_ShortToken, "postgresql")
def _short_regex(element, compiler, **kw):
    return compiler.process(element.regex, **kw)


def _terms(token: str) -> list[str]:
    """What the trigram index holds of a token: itself, or the trigrams that start with it."""
    return [token] if len(token) >= TRIGRAM else [token + c for c in ALPHABET]


def fts_query(tokens: list[str]) -> str:
    """An FTS5 query: every token as a quoted phrase (a quote inside doubled), or a 2-character one as
    any of its trigrams; all tokens required."""
    def phrase(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    return " AND ".join(phrase(t) if len(t) >= TRIGRAM else "(" + " OR ".join(map(phrase, _terms(t))) + ")"
                        for t in tokens)


def indexed_tokens(tokens: list[str]) -> list[str]:
    """The tokens a trigram index can find (2 characters or more)."""
    return [t for t in tokens if len(t) >= TRIGRAM - 1]


def search_clients(stmt: Select, tokens: list[str], *, walk: bool = False) -> Select:
    """Narrow a select over Client to the cards whose search text holds every token: found through
    the trigram index, or (`walk`) checked card by card in the order the caller gives."""
    indexed = [] if walk else indexed_tokens(tokens)
    joined = stmt.get_execution_options().get(_FTS_FIRST, False)
    for token in tokens:
        if token not in indexed:
            stmt = stmt.where(_unindexed_text.contains(token, autoescape=True))
        elif len(token) >= TRIGRAM:
            stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
        else:  # exact; SQLite finds its trigrams in client_fts, PostgreSQL by a regular expression
            stmt = stmt.where(_ShortToken(token))
    if indexed and not joined:  # (already narrowed by the index, e.g. the list's search and a segment's)
        stmt = stmt.select_from(_FtsFirst(_fts, Client.__table__, _fts_match(indexed))).execution_options(
            **{_FTS_FIRST: True})
    return stmt


def _fts_match(tokens: list[str]):
    return (Client.id == _fts.c.rowid) & _fts.c.client_fts.op("MATCH")(literal(fts_query(tokens)))


def search_density(db, tokens: list[str]) -> int | None:
    """How many cards (of every portfolio) the index finds for `tokens`, counted up to `DENSE` in
    client_fts alone: from `DENSE` on, a page in the list's order is found sooner by walking it; 0,
    nothing to read. None on PostgreSQL, whose planner weighs the GIN index against the list's own
    from its statistics (a probe there would build the whole bitmap of the matches)."""
    indexed = indexed_tokens(tokens)
    if db.bind.dialect.name != "sqlite" or not indexed:
        return None
    found = select(_fts.c.rowid).where(_fts.c.client_fts.op("MATCH")(literal(fts_query(indexed))))
    return db.execute(select(func.count()).select_from(found.limit(DENSE).subquery())).scalar_one()
