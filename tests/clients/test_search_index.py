"""The indexed search (FTS5 trigram on SQLite, pg_trgm on PostgreSQL) finds exactly what the plain
`LIKE '%token%'` over the folded search text found, on a corpus of accents, phone formats, e-mails and
LIKE's own wildcards; and the index follows every write to a card."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlmodel import select

from fieldcrm.clients import services
from fieldcrm.clients.models import Client
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.clients.queries import list_clients, matching_clients, scope
from fieldcrm.db import make_engine
from fieldcrm.migrate import upgrade
from tests.conftest import PG_URL
from tests.factories import make_client, make_user
from tests.tours.test_one_tour_a_day import insert_row

CORPUS = [
    dict(company_name="Boulangerie Hélène", city="Lyon", postal_code="69001", phone="+33478112233",
         email="contact@helene.fr", status="client"),
    dict(company_name="Garage Durand & Fils", city="Nantes", postal_code="44000", mobile="+33612345678"),
    dict(kind="person", company_name=None, last_name="Étienne", first_name="Zoé", city="Brest", postal_code="29200", status="lead"),
    dict(company_name="Cave Saint-Émilion", city="Bordeaux", postal_code="33000", status="former_client",
         contacts=[{"first_name": "Agnès", "last_name": "Mériadec", "mobile": "+33698765432",
                    "email": "agnes@cave.fr"}]),
    dict(company_name="Œufs & Cœur d'Æther", city="Strasbourg", postal_code="67000", phone="+33388000000"),
    dict(company_name="Straße Müller GmbH", city="Saint-Louis", postal_code="68300", phone="+4930123456"),
    dict(company_name="100% Bio_Ferme", city="Île-d'Arz", postal_code="56840", email="ferme+bio@arz.bzh"),
    dict(company_name="Pâtisserie L'Éclair", city="Lyon", postal_code="69002", mobile="+262692123456"),
    dict(company_name="Garage Dupont", city="Lyon", postal_code="69003", phone="+33478000001", status="suspect"),
    dict(company_name='Café "Le Zinc"', city="Paris", postal_code="75004", phone="+33142000003"),
]
QUERIES = [
    "helene", "HÉLÈNE", "hél", "lyon", "ly", "69", "69001", "contact@helene", "contact@", "@", ".fr", "cave.fr",
    "04 78 11 22 33", "04.78.11.22.33", "+33 4 78 11 22 33", "0033478112233", "0478", "06 12 34", "612345",
    "06 98 76 54 32", "meriadec", "agnes@cave", "zoe etienne", "etienne zoe", "saint emilion", "saint-émilion",
    "oeufs coeur", "aether", "strasse", "müller", "+49 30 123456", "4930", "100%", "100", "bio_ferme", "bio",
    "ferme+bio", "ile d arz", "arz", "patisserie eclair", "l eclair", "0692 12 34 56", "+262 692 12 34 56",
    "garage", "garage lyon", "ga ly", "du", "dupont durand", 'le "zinc"', "zinc", "cafe", "%", "_", "\\",
    "zzzz-no-match", "xq", "a", "e", "  ", "",
]


@pytest.fixture
def corpus_rep(db, app):
    rep, other = make_user(db), make_user(db)
    for fields in CORPUS:
        make_client(db, rep, **fields)
    make_client(db, other, company_name="Boulangerie Hélène d'un autre", city="Lyon")  # never found by rep
    return rep


def legacy_ids(db, actor, q) -> list[int]:
    """The search as it was before the index: every token contained in search_text (LIKE, escaped)."""
    stmt = scope(select(Client.id), actor)
    for token in search_tokens(q):
        stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
    return sorted(db.exec(stmt).all())


def found_ids(db, actor, q) -> list[int]:
    return sorted(c.id for c in matching_clients(db, actor, q=q, limit=1000))


@pytest.mark.parametrize("query", QUERIES)
def test_indexed_search_finds_what_the_plain_search_found(app, db, corpus_rep, query):
    with app.test_request_context():
        assert found_ids(db, corpus_rep, query) == legacy_ids(db, corpus_rep, query)


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_walked_in_the_lists_order_finds_what_the_index_finds(app, db, corpus_rep, query):
    """Many matches: the list walks its own order checking each card (clients/search.py); the same cards."""
    from fieldcrm.clients.queries import _listed

    with app.test_request_context():
        found = {walk: [c.id for c in db.exec(stmt.order_by(*order)).all()]
                 for walk in (False, True)
                 for stmt, _counts, order in [_listed(corpus_rep, query, None, None, "name", {}, walk=walk)]}
    assert found[True] == found[False] and sorted(found[True]) == legacy_ids(db, corpus_rep, query)


def test_the_corpus_queries_find_something_and_nothing(app, db, corpus_rep):
    """The comparison above is not empty on both sides: most queries find cards, a few find none."""
    with app.test_request_context():
        sizes = {q: len(found_ids(db, corpus_rep, q)) for q in QUERIES}
    assert sizes["helene"] == 1 and sizes["lyon"] == 3 and sizes["+33 4 78 11 22 33"] == 1
    assert sizes["100%"] == 1 and sizes["bio_ferme"] == 1 and sizes["oeufs coeur"] == 1 and sizes["zzzz-no-match"] == 0
    assert sum(1 for n in sizes.values() if n) > 40


def test_the_index_follows_every_write_to_a_card(app, db, corpus_rep):
    rep = corpus_rep

    def names(q):
        with app.test_request_context():
            return [c.display_name for c in list_clients(db, rep, q=q).rows]

    shop = make_client(db, rep, company_name="Quincaillerie Ravel", city="Lille")
    assert names("quincaillerie") == ["Quincaillerie Ravel"]
    with app.test_request_context():
        services.update_client(db, rep, shop, {"company_name": "Droguerie Ravel"}, shop.version)
        assert names("quincaillerie") == [] and names("droguerie") == ["Droguerie Ravel"]
        contact = services.save_contact(db, rep, shop, {"last_name": "Séverin", "mobile": "+33611223344"})
        assert names("severin") == names("06 11 22 33 44") == ["Droguerie Ravel"]
        services.delete_contact(db, rep, shop, contact)
        assert names("severin") == []
        services.soft_delete(db, rep, shop)
        assert names("droguerie") == []
        services.restore(db, rep, shop)
        assert names("droguerie") == ["Droguerie Ravel"]
        assert services.purge_client(db, shop.id)
        db.commit()
    assert names("droguerie") == [] and names("ravel") == []


def test_a_search_that_matches_nothing_reads_no_card(app, db, corpus_rep):
    """SQLite's plan: the FTS5 index first, then cards by id only, never a walk over the portfolio."""
    if db.bind.dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's; on PostgreSQL the bench prints it at 100,000 clients")
    from fieldcrm.clients.queries import _listed

    stmt, _counts, order = _listed(corpus_rep, "zzzz-no-match", None, None, "name", {})
    compiled = stmt.order_by(*order).limit(31).compile(db.bind)
    plan = db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(
        compiled.params[name] for name in compiled.positiontup)).all()
    details = " | ".join(row[-1] for row in plan)
    assert details.startswith("SCAN client_fts VIRTUAL TABLE"), details  # the index first…
    assert "SEARCH client USING INTEGER PRIMARY KEY" in details, details  # …then cards by id
    assert "SCAN client " not in details + " " and "USING INDEX" not in details, details


@pytest.mark.parametrize("query", ["zzzz-no-match", "xq", "ly"])
def test_postgresql_can_answer_every_indexed_token_from_the_trigram_index(app, db, corpus_rep, query):
    """On PostgreSQL, every token of two characters or more is a condition the GIN trigram index serves
    (a two-letter one as a regular expression), so that a search that matches nothing need not walk the
    rep's cards. (Whether the planner takes the index depends on the table: with sequential scans ruled
    out, it must be able to; bench/growth.py prints its own choice at 100,000 clients.)"""
    if db.bind.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan; SQLite's is checked above")
    from fieldcrm.clients.search import search_clients

    db.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
    compiled = search_clients(select(Client.id), search_tokens(query)).compile(db.bind)
    plan = "\n".join(row[0] for row in db.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all())
    assert "Bitmap Index Scan on ix_client_search_trgm" in plan, plan
    assert "~" in plan or len(query) > 2, plan


@pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite database at the revision before the index")
def test_the_migration_indexes_and_counts_the_cards_already_there(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0016")
    with engine.begin() as conn:
        insert_row(conn, "app_user", id=1, email="r@x.fr", role="rep")
        for client_id, status, deleted in ((1, "client", None), (2, "client", None), (3, "lead", None),
                                           (4, "lead", datetime(2026, 1, 1))):
            insert_row(conn, "client", id=client_id, owner_id=1, display_name=f"Client {client_id}", status=status,
                       search_text=f" boulangerie numero{client_id} ", deleted_at=deleted)
    upgrade(engine)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT owner_id, status, n FROM client_status_count ORDER BY status")).all()
        assert counts == [(1, "client", 2), (1, "lead", 1)]
        found = conn.execute(text("SELECT rowid FROM client_fts WHERE client_fts MATCH '\"numero3\"'")).all()
        assert found == [(3,)]
    engine.dispose()


def test_the_list_pages_are_the_same_whether_the_search_is_walked_or_read_through_the_index(app, db, monkeypatch):
    """From `DENSE` matches on (SQLite counts them in client_fts) the list walks its order: same pages."""
    from fieldcrm.clients import queries

    rep = make_user(db)
    for i in range(40):
        make_client(db, rep, company_name=f"{'Dupont' if i % 3 else 'Durand'} {i:02d}", city="Lyon" if i % 2 else "Nantes")

    def pages(q):
        with app.test_request_context():
            return [[c.id for c in queries.list_clients(db, rep, q=q, page=n, page_size=7, sort=sort).rows]
                    for sort in ("name", "city", "last_contact") for n in (1, 2, 3)]

    through_index = {q: pages(q) for q in ("dupont", "du", "lyon dupont", "du ly", "nantes")}
    monkeypatch.setattr(queries, "DENSE", 3)
    assert {q: pages(q) for q in through_index} == through_index
    assert sum(len(p) for p in through_index["dupont"]) == 3 * 7 * 3 and through_index["nantes"][0]
