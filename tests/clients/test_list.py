"""The client list: search as you type, status chips, sorting, paging, empty states."""

from __future__ import annotations

import re

import pytest

from fieldcrm.segments.services import save_segment
from tests.factories import make_client, make_user


def names(response) -> list[str]:
    return re.findall(r'class="client-name">([^<]+)<', response.get_data(as_text=True))


@pytest.fixture
def rep_with_clients(db, app):
    from fieldcrm.clients import services

    rep = make_user(db)
    make_client(db, rep, company_name="Boulangerie Hélène", city="Lyon", postal_code="69001",
                phone="+33478112233", status="client", email="contact@helene.fr")
    make_client(db, rep, company_name="Garage Durand", city="Nantes", postal_code="44000",
                mobile="+33612345678", status="prospect")
    make_client(db, rep, kind="person", last_name="Étienne", first_name="Zoé", city="Brest",
                postal_code="29200", status="lead")
    cave = make_client(db, rep, company_name="Cave Saint-Émilion", city="Bordeaux", postal_code="33000",
                       status="former_client")
    with app.test_request_context():
        services.save_contact(db, rep, cave, {"first_name": "Agnès", "last_name": "Mériadec",
                                              "mobile": "+33698765432", "email": "agnes@cave.fr"})
    return rep


@pytest.mark.parametrize("query, expected", [
    ("helene", ["Boulangerie Hélène"]),
    ("HÉLÈNE", ["Boulangerie Hélène"]),
    ("lyon", ["Boulangerie Hélène"]),
    ("69001", ["Boulangerie Hélène"]),
    ("contact@helene", ["Boulangerie Hélène"]),
    ("04 78 11 22 33", ["Boulangerie Hélène"]),
    ("04.78.11.22.33", ["Boulangerie Hélène"]),
    ("+33 4 78 11 22 33", ["Boulangerie Hélène"]),
    ("0033478112233", ["Boulangerie Hélène"]),
    ("06 12 34", ["Garage Durand"]),
    ("meriadec", ["Cave Saint-Émilion"]),  # a contact person's name
    ("06 98 76 54 32", ["Cave Saint-Émilion"]),  # a contact person's mobile
    ("agnes@cave", ["Cave Saint-Émilion"]),
    ("zoe etienne", ["Étienne Zoé"]),
    ("saint emilion", ["Cave Saint-Émilion"]),
])
def test_search_ignores_accents_case_and_phone_formatting(app, login, rep_with_clients, query, expected):
    http = app.test_client()
    login(rep_with_clients, http=http)
    assert names(http.get("/clients", query_string={"q": query})) == expected


def test_search_is_an_htmx_fragment_with_count(app, login, rep_with_clients):
    http = app.test_client()
    login(rep_with_clients, http=http)
    r = http.get("/clients", query_string={"q": "a"}, headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert "<html" not in body and 'class="result-count"' in body
    assert "HX-Request" in r.headers.get("Vary", "")
    # A history restore gets the full page.
    r = http.get("/clients", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in r.get_data(as_text=True)


def test_status_chips_filter_and_count(app, login, rep_with_clients):
    http = app.test_client()
    login(rep_with_clients, http=http)
    r = http.get("/clients", query_string={"status": "prospect"})
    assert names(r) == ["Garage Durand"]
    body = r.get_data(as_text=True)
    assert re.search(r'status-client"[^>]*>\s*\S+\s*<span class="count">1</span>', body)
    assert re.search(r'class="result-count">\s*1 client\s*<', body)


def test_sorting(app, login, rep_with_clients):
    http = app.test_client()
    login(rep_with_clients, http=http)
    assert names(http.get("/clients", query_string={"sort": "name"})) == [
        "Boulangerie Hélène", "Cave Saint-Émilion", "Étienne Zoé", "Garage Durand"]
    assert names(http.get("/clients", query_string={"sort": "city"})) == [
        "Cave Saint-Émilion", "Étienne Zoé", "Boulangerie Hélène", "Garage Durand"]
    assert names(http.get("/clients", query_string={"sort": "updated"}))[0] == "Cave Saint-Émilion"


def test_paging_with_infinite_scroll(app, db, login):
    rep = make_user(db)
    for i in range(65):
        make_client(db, rep, company_name=f"Client {i:03d}")
    http = app.test_client()
    login(rep, http=http)
    first = http.get("/clients")
    assert len(names(first)) == 30
    assert 'hx-trigger="revealed"' in first.get_data(as_text=True)
    second = http.get("/clients/rows", query_string={"page": 2}, headers={"HX-Request": "true"})
    third = http.get("/clients/rows", query_string={"page": 3}, headers={"HX-Request": "true"})
    seen = names(first) + names(second) + names(third)
    assert seen == [f"Client {i:03d}" for i in range(65)]
    assert 'hx-trigger="revealed"' not in third.get_data(as_text=True)
    assert "65" in first.get_data(as_text=True)


def test_empty_states_tell_what_to_do(app, db, login, rep_with_clients):
    http = app.test_client()
    login(rep_with_clients, http=http)
    body = http.get("/clients", query_string={"q": "zzzz"}).get_data(as_text=True)
    assert "/clients/new" in body and "zzzz" in body
    newbie = make_user(db)
    http2 = app.test_client()
    login(newbie, http=http2)
    body = http2.get("/clients").get_data(as_text=True)
    assert 'class="empty"' in body and "/clients/new" in body


def test_bad_paging_input_does_not_crash(app, login, rep_with_clients):
    http = app.test_client()
    login(rep_with_clients, http=http)
    assert http.get("/clients", query_string={"page": "abc", "sort": "drop table", "status": "x"}).status_code == 200
    assert http.get("/clients", query_string={"q": "%_\\"}).status_code == 200


def test_status_counts_are_the_same_whether_counted_on_the_page_or_in_the_database(app, db, login):
    """A search whose matches all fit on the first page is counted from that page; a longer one is not
    counted with its first page (that would read every match) but by list_counts, which the chips'
    fragment loads after it. Both give the same figures as a count over the whole portfolio."""
    from collections import Counter

    from fieldcrm.clients.queries import PAGE_SIZE, list_clients, list_counts

    rep, other = make_user(db), make_user(db)
    statuses = ["client", "prospect", "lead", "client", "former_client", "suspect", "client"]
    for i in range(PAGE_SIZE + 12):  # "rare" on a few cards, "commun" on every one
        word = "rare commun" if i % 9 == 0 else "commun"
        make_client(db, rep, company_name=f"{word} {i:03d}", status=statuses[i % len(statuses)])
    make_client(db, other, company_name="rare commun d'un autre", status="client")  # never counted
    expected = {word: Counter(statuses[i % len(statuses)] for i in range(PAGE_SIZE + 12)
                              if word == "commun" or i % 9 == 0) for word in ("rare", "commun")}
    with app.test_request_context():
        few = list_clients(db, rep, q="rare")
        many = list_clients(db, rep, q="commun")
        filtered = list_clients(db, rep, q="rare", status="client")
        many_counts = list_counts(db, rep, q="commun")
        filtered_counts = list_counts(db, rep, q="rare", status="client")
    assert not few.has_more and few.status_counts == dict(expected["rare"]) and few.total == len(few.rows)
    assert many.has_more and many.status_counts is None and many.total is None  # not with the first page
    assert many_counts == (dict(expected["commun"]), PAGE_SIZE + 12)
    assert filtered.status_counts is None and [r.display_name for r in filtered.rows] == [
        f"rare commun {i:03d}" for i in range(0, PAGE_SIZE + 12, 9) if statuses[i % len(statuses)] == "client"]
    assert filtered_counts == (dict(expected["rare"]), expected["rare"]["client"])

    http = app.test_client()
    login(rep, http=http)
    first = http.get("/clients", query_string={"q": "commun"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load"' in first and 'class="count"' not in first  # the figures come after the page
    url = re.search(r'hx-get="([^"]*/clients/counts[^"]*)"', first).group(1).replace("&amp;", "&")
    chips = http.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'status-client"[^>]*>\s*\S+\s*<span class="count">18</span>', chips)
    assert re.search(rf'class="result-count">\s*{PAGE_SIZE + 12} clients\s*<', chips)
    assert "hx-trigger" not in chips and 'id="tour-from-list" hx-swap-oob="true"' in chips
    assert f"Add these {PAGE_SIZE + 12} clients to today" in chips
    rows = http.get("/clients/rows", query_string={"q": "commun", "page": 2},
                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "/clients/counts" not in rows and 'class="count"' not in rows  # a next page: never counted


def test_an_empty_filtered_list_says_what_matched_nothing(app, db, login, rep_with_clients, in_app):
    """A saved segment that matches nobody is not an empty client file."""
    http = app.test_client()
    login(rep_with_clients, http=http)
    with in_app():
        segment = save_segment(db, rep_with_clients, {"status": ["former_client"], "city": "Nowhere"},
                               "Nobody", False, "blue")
    body = http.get("/clients", query_string={"segment": segment.id}).get_data(as_text=True)
    assert "No client of your file is in this segment." in body and "Your client file is empty." not in body
