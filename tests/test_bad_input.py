"""Hostile input answers 4xx with a clear message, never 500: ids and page numbers past 64 bits,
NUL bytes in form values, query strings and JSON bodies (PostgreSQL refuses them in text)."""

from __future__ import annotations

import pytest

from tests.url_walk import HTMX, HUGE, TOO_LARGE, app_rules, rich_world, rule_values, url_of

NUL = "ab\x00cd"


@pytest.fixture
def walk_world(app, db, access_world):
    return rich_world(app, db, access_world)


def _as(app, login, user=None):
    http = app.test_client()
    if user is not None:
        login(user, http=http)
    return http


@pytest.mark.parametrize("who", [None, "admin", "rep_a"])
@pytest.mark.parametrize("huge", TOO_LARGE)
def test_huge_ids_in_every_url_are_404_never_500(app, walk_world, login, who, huge):
    http = _as(app, login, walk_world[who] if who else None)
    walked = 0
    for method in ("GET", "POST"):
        for rule in app_rules(app, method):
            if not any(name.endswith("_id") for name in rule.arguments):
                continue
            url = url_of(rule, rule_values(rule, walk_world, huge=huge))
            response = http.open(url, method=method, data={})
            walked += 1
            assert response.status_code < 500, (method, url, response.status_code)
            if who:
                assert response.status_code == 404, (method, url, response.status_code)
    assert walked > 60


# Every number the app reads from a query string or a form (its forms' fields included).
NUMBER_ARGUMENTS = ("page", "segment", "days", "max_per_day", "cv", "saved_segment", "quiet_days", "stale",
                     "who", "client_id", "segment_id", "index", "version", "months", "limit", "owner_id",
                     "team_id", "assignee_id", "contact_id", "tag", "visit_cadence_days", "visit_minutes",
                     "service_minutes", "priority", "lunch_minutes", "duration_minutes", "amount", "quantity",
                    "lat", "lon", "south", "west", "north", "east", "near_lat", "near_lon", "near_km",
                    "no_contact_days", "purchase_within_months", "no_purchase_months", "revenue_min", "revenue_max",
                    "custom_field_id")


@pytest.mark.parametrize("value", [str(2**31), str(HUGE), "-" + str(HUGE), "-3", "abc", "nan", "1e400"])
def test_huge_integers_in_query_strings_and_forms_never_500(app, walk_world, login, value):
    http = _as(app, login, walk_world["rep_a"])
    arguments = dict.fromkeys(NUMBER_ARGUMENTS, value)
    for method in ("GET", "POST"):
        for rule in app_rules(app, method):
            if rule.endpoint == "accounts.logout":
                continue  # would end the walk
            url = url_of(rule, rule_values(rule, walk_world))
            if method == "GET":
                response = http.get(url, query_string=arguments)
            else:
                response = http.post(url, data=arguments)
            assert response.status_code < 500, (method, url, value, response.status_code)


@pytest.mark.parametrize("page", [str(HUGE), "-1", "0", "deux", "999999"])
def test_page_numbers_out_of_range_show_a_sensible_page(app, walk_world, login, page):
    http = _as(app, login, walk_world["rep_a"])
    for url in ("/clients", "/clients/rows", "/followups", f"/clients/{walk_world['client_a'].id}/timeline"):
        response = http.get(url, query_string={"page": page})
        assert response.status_code in (200, 400), (url, page, response.status_code)
    listing = http.get("/clients", query_string={"page": page}).get_data(as_text=True)
    assert "Boulangerie Hélène" in listing  # the first page, or the last one: never an empty page
    assert "Relance" in http.get("/followups", query_string={"page": page}).get_data(as_text=True)


@pytest.mark.parametrize("who", [None, "admin", "rep_a"])
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_nul_bytes_in_posted_values_are_refused_with_400(app, walk_world, login, who, fragment):
    http = _as(app, login, walk_world[who] if who else None)
    fields = {"email": NUL, "password": NUL, "q": NUL, "name": NUL, "note": NUL, "company_name": NUL}
    for rule in app_rules(app, "POST"):
        url = url_of(rule, rule_values(rule, walk_world))
        response = http.post(url, data=fields, headers=HTMX if fragment else {})
        assert response.status_code == 400, (url, response.status_code)
        assert (b"<html" in response.data) is not fragment


def test_nul_byte_refusal_is_clear_in_french_and_for_htmx(make_app, db):
    app = make_app(BABEL_DEFAULT_LOCALE="fr")
    http = app.test_client()
    page = http.post("/login", data={"email": NUL, "password": "x"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "caractère invalide" in text and "<html" in text and "Traceback" not in text
    fragment = http.post("/login", data={"email": NUL, "password": "x"}, headers=HTMX)
    assert fragment.status_code == 400 and b"<html" not in fragment.data
    assert "caractère invalide" in fragment.get_data(as_text=True)


def test_nul_bytes_in_query_strings_and_json_are_refused(app, walk_world, login):
    http = _as(app, login, walk_world["admin"])
    for rule in app_rules(app, "GET"):
        url = url_of(rule, rule_values(rule, walk_world))
        response = http.get(url, query_string={"q": NUL, "status": NUL, "page": NUL})
        assert response.status_code == 400, (url, response.status_code)
    assert http.post("/map/zone", json={"zone": [[NUL, 1]]}).status_code == 400
    # In a text part of the path (a calendar token, an export format) too.
    for url in ("/calendar/ab%00cd.ics", "/exports/clients.c%00sv"):
        assert http.get(url).status_code == 400, url
    # A NUL in a field name is refused too.
    assert http.post("/clients/new", data={"company" + NUL: "x"}).status_code == 400
