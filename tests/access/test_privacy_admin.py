"""The RGPD screens and actions are an admin's alone: the access export, a request's status, retention
batches, the audit trail, the register of processing and the minimisation review answer 404 to reps and
managers (they never learn that a batch, a flagged text or an audit entry exists)."""

from __future__ import annotations

import pytest

from tests.access.world import HTMX
from tests.url_walk import rich_world, rule_values, url_of


@pytest.fixture
def world(access_world):
    return access_world


def _call(http, method, url, headers=None):
    return http.open(url, method=method, headers=headers or {}, data={})


@pytest.mark.parametrize("who", ["rep_a", "manager_a", "admin"])
def test_the_rights_actions_on_a_client_are_the_admins_alone(app, world, login, who):
    """The access export (a POST: producing it is audited) and a request's status: 404 for the client's
    own rep and manager, done by an admin."""
    http = app.test_client()
    login(world[who], http=http)
    client_id, request_id = world["client_a"].id, world["request_a"].id
    answers = [http.post(f"/clients/{client_id}/access-export", data={"request_id": request_id}).status_code,
               http.post(f"/clients/{client_id}/access-export.json").status_code,
               http.post(f"/privacy/requests/{request_id}/status", data={"status": "in_progress"}).status_code]
    assert answers == ([200, 200, 303] if who == "admin" else [404, 404, 404])


PRIVACY_ADMIN = {"retention", "trail", "register", "minimisation", "privacy_requests", "privacy_notice", "privacy"}
# On a card, the rights actions (erase now, the person objects) are an admin's too; recording when the person
# was informed is the rep's, on their own cards (walked with every card route in test_id_routes).
CARD_RIGHTS = {"clients.erase"}
NOT_ADMIN_ONLY = {"privacy_notice.informed"}
PRIVACY_DOWNLOADS = {"trail.export", "privacy_requests.export_json"}
WHOLE_PAGES = {"privacy.settings", "privacy_notice.show", "privacy_notice.organisation"}  # plain pages (settings,
# a document to print) that no htmx request loads: the same page either way


def _privacy_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in NOT_ADMIN_ONLY
             and (r.endpoint.split(".")[0] in PRIVACY_ADMIN or r.endpoint in CARD_RIGHTS)]
    assert {"privacy_requests.index", "privacy_requests.detail", "privacy_requests.object_",
            "privacy_notice.show", "privacy_notice.organisation", "privacy.settings", "clients.erase", "trail.index"} <= {r.endpoint for r in rules}
    return rules


@pytest.mark.parametrize("who", [None, "rep_a", "manager_a", "admin"])
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_privacy_administration_is_for_admins_only(app, db, world, login, who, fragment):
    """Reps and managers get 404 on every screen and action of it (they never learn a batch, a flagged
    text or an audit entry exists); anonymous users go to the login; admins reach every page."""
    walk = rich_world(app, db, world)
    http = app.test_client()
    if who:
        login(walk[who], http=http)
    headers = HTMX if fragment else None
    for rule in _privacy_rules(app):
        url = url_of(rule, rule_values(rule, walk))
        for method in sorted(rule.methods & {"GET", "POST"}):
            if who == "admin" and method == "POST":
                continue  # the admin's actions are walked by their own tests
            response = _call(http, method, url, headers)
            if who is None:
                assert response.status_code in (204, 302), (url, response.status_code)
            elif who != "admin":
                assert response.status_code == 404, (who, method, url, response.status_code)
                assert b"Castagn" not in response.data and b"secret" not in response.data
            else:
                assert response.status_code == 200, (url, response.status_code)
                if rule.endpoint not in PRIVACY_DOWNLOADS | WHOLE_PAGES:
                    assert (b"<html" in response.data) != fragment, url
