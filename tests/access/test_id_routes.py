"""Every URL rule that takes an id, walked with each of its methods as anonymous / another rep of the
team / a rep of another team / the owner / the owner's manager / an admin, as a full page and as an
htmx fragment: one test each, so one failure hides no other.

Outside a user's reach is 404, never 403 (a 403 tells a stranger the record exists), and a refused
request changes nothing. The rules are read from the app's url_map: a new route is walked without
anyone adding it here, and a new kind of id fails until this file says whose record it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import url_for
from sqlmodel import Session
from werkzeug.routing import IntegerConverter, UUIDConverter

from fieldcrm import create_app
from tests.access.rows import all_rows, changed_tables, fingerprint, put_back
from tests.access.world import HTMX, SECRET_NOTE, build_world
from tests.conftest import app_config, fresh_database_url
from tests.factories import logged_in_http
from tests.url_walk import PLAIN_VALUES, rich_world

# Every id a URL may carry, and the world's record (all rep_a's, or rep_a himself) it names.
ID_ARGUMENTS = {
    "client_id": "client_a", "other_id": "other_a", "contact_id": "contact_a", "user_id": "rep_a",
    "tour_id": "tour_a", "stop_id": "stop_a", "interaction_id": "interaction_a",
    "followup_id": "followup_a", "appointment_id": "appointment_a", "deletion_id": "deletion_a",
    "import_id": "import_a", "campaign_id": "campaign_a", "merge_id": "merge_a",
    "purchase_id": "purchase_a", "segment_id": "segment_a", "field_id": "field_a",
    "request_id": "request_a", "handover_id": "handover_a", "run_id": "run_a", "item_id": "interaction_a",
    "followup_uid": "followup_a",
}
ROLES = ("anonymous", "rep_b", "rep_c", "rep_a", "manager_a", "admin")
STRANGERS = ("rep_b", "rep_c")  # rep_b shares rep_a's team and manager, rep_c does not
# Files: the same answer for htmx as for a page.
DOWNLOADS = {"exports.vcard", "exports.campaign_csv", "imports.error_report", "tours.map_download",
             "maps.segment_download", "privacy_requests.export_json"}
# Reached by plain links and forms only (no htmx element asks for them): always the full page.
PAGE_ONLY = {"accounts.user_edit"}
# What a route needs in its form to find what it acts on: sent by everyone, so a stranger is refused a
# request that would otherwise have done something.
FORMS = {"sales.respond": {"response": "bought"}, "clients.erase": {"confirm": "yes"}}
# Administration: users, custom fields and the RGPD tools (erasure, access export, opposition, the
# register of requests, retention batches, the minimisation review) are an admin's only.
ADMIN_ONLY_ARGUMENTS = {"user_id", "field_id", "request_id", "run_id", "item_id"}
ADMIN_ONLY_ENDPOINTS = {"clients.erase", "privacy_requests.object_", "privacy_requests.export_html",
                        "privacy_requests.export_json", "privacy_requests.detail", "privacy_requests.set_status"}
# A hand-over is managed by the team's manager (and an admin); the reps whose cards moved see it on the
# cards' history, not here.
MANAGER_ARGUMENTS = {"handover_id"}
# A saved segment is its owner's (and an admin's); rep_a's is private, so not his manager's either.
OWNER_ONLY_ARGUMENTS = {"segment_id"}
# A follow-up named by the id its maker's phone gave it is reached so by its maker alone.
MAKER_ONLY_ARGUMENTS = {"followup_uid"}
# A tour is driven by its rep alone: the manager and the admin see it (so a refusal tells them
# nothing new, hence 403) but do not change it.
DRIVER_ONLY_POSTS = {"tours.add_agenda", "tours.optimise", "tours.reoptimise", "tours.add_segment",
                     "tours.settings", "tours.start_here", "tours.add_stops", "tours.stop_edit",
                     "tours.stop_move", "tours.stop_remove", "tours.stop_state", "mileage.odometer"}


def id_arguments(app, rule) -> set[str]:
    """The arguments of `rule` taken by an integer or uuid converter (the app's own `int` included)."""
    converters = app.url_map.converters
    found = re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule)
    return {name for converter, name in found
            if issubclass(converters[converter or "default"], (IntegerConverter, UUIDConverter))}


def id_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if id_arguments(app, rule)), key=lambda r: r.rule)


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def expected(rule, method: str, who: str):
    """What `who` gets calling `rule` with `method` on rep_a's records: "login", 404, 403 or "allowed"."""
    if who == "anonymous":
        return "login"
    arguments = rule.arguments
    if arguments & ADMIN_ONLY_ARGUMENTS or rule.endpoint in ADMIN_ONLY_ENDPOINTS:
        return "allowed" if who == "admin" else 404
    if arguments & MANAGER_ARGUMENTS:
        return "allowed" if who in ("manager_a", "admin") else 404
    if arguments & OWNER_ONLY_ARGUMENTS:
        return "allowed" if who in ("rep_a", "admin") else 404
    if arguments & MAKER_ONLY_ARGUMENTS:
        return "allowed" if who == "rep_a" else 404
    if who in STRANGERS:
        return 404
    if method != "GET" and rule.endpoint in DRIVER_ONLY_POSTS and who != "rep_a":
        return 403
    return "allowed"


# The rules are read at collection time from an app with no database behind it (none is needed to
# build the url_map), so each (rule, method, role, page or fragment) is its own test.
_APP = create_app(app_config("sqlite://", GEOCODER_CHAIN="offline"))
CASES = [pytest.param(rule.rule, method, who, kind, id=f"{rule.endpoint}-{method}-{who}-{kind}")
         for rule in id_rules(_APP) for method in methods_of(rule) for who in ROLES
         for kind in ("page", "htmx")]


@dataclass
class World:
    app: object
    records: dict
    browsers: dict
    pristine: dict
    digest: dict

    def rule(self, path: str):
        return next(rule for rule in self.app.url_map.iter_rules() if rule.rule == path)

    def url(self, rule) -> str:
        values = {}
        for name in rule.arguments:
            if name in PLAIN_VALUES:  # an argument that is not an id (a file format, a source's name)
                values[name] = PLAIN_VALUES[name]
                continue
            if name not in ID_ARGUMENTS:
                pytest.fail(f"{rule.rule} ({rule.endpoint}) takes an id named {name!r} that the access "
                            f"matrix does not know: add it to ID_ARGUMENTS with the record it names, "
                            f"and say in expected() who may reach it")
            record = self.records[ID_ARGUMENTS[name]]
            values[name] = record.uid if name.endswith("_uid") else record.id
        with self.app.test_request_context():
            return url_for(rule.endpoint, **values)

    def settle(self) -> list[str]:
        """The tables the last request changed, put back as they were for the next test."""
        engine = self.app.extensions["fieldcrm.engine"]
        changed = changed_tables(self.digest, fingerprint(engine))
        if changed:
            put_back(engine, self.pristine)
        return changed


@pytest.fixture(scope="module")
def walk(database_template, tmp_path_factory):
    """One world for the whole module, logged in once per role; a test that changes it is undone."""
    directory = tmp_path_factory.mktemp("access")
    app = create_app(app_config(fresh_database_url(database_template, directory), GEOCODER_CHAIN="offline"))
    app.instance_path = str(directory / "instance")
    engine = app.extensions["fieldcrm.engine"]
    with Session(engine, expire_on_commit=False) as db:
        db.info["app"] = app
        records = rich_world(app, db, build_world(app, db))
    browsers = {who: logged_in_http(app, records[who]) for who in ROLES if who != "anonymous"}
    browsers["anonymous"] = app.test_client()
    yield World(app, records, browsers, all_rows(engine), fingerprint(engine))
    engine.dispose()


def test_every_id_argument_is_known():
    unknown = {f"{rule.rule}: {name}" for rule in id_rules(_APP) for name in id_arguments(_APP, rule)
               if name not in ID_ARGUMENTS}
    assert not unknown, f"ids the access matrix does not know (add them to ID_ARGUMENTS): {sorted(unknown)}"
    assert len(CASES) > 500, "the matrix must walk every route taking an id"


@pytest.mark.parametrize("path, method, who, kind", CASES)
def test_id_route(walk, path, method, who, kind):
    rule = walk.rule(path)
    url = walk.url(rule)
    headers = HTMX if kind == "htmx" else None
    response = walk.browsers[who].open(url, method=method, headers=headers, data=FORMS.get(rule.endpoint, {}))
    changed = walk.settle()
    want = expected(rule, method, who)
    status = response.status_code
    if want == "login":
        if kind == "htmx":
            assert status == 204 and "/login" in response.headers["HX-Redirect"], status
        else:
            assert status == 302 and "/login" in response.headers["Location"], status
    elif want in (403, 404):
        assert status == want, f"{who} {method} {url}: {status}, expected {want}"
        body = response.get_data(as_text=True)
        assert "Boulangerie Hélène" not in body and SECRET_NOTE not in body
    else:
        assert status < 500 and status not in (401, 403, 404), f"{who} {method} {url}: {status}"
        assert "/login" not in response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
        if method == "GET" and rule.endpoint not in DOWNLOADS | PAGE_ONLY and status == 200:
            assert ("<html" in response.get_data(as_text=True)) == (kind == "page"), \
                f"{url} must answer {'a page' if kind == 'page' else 'a fragment to htmx'}"
    if want != "allowed":
        assert changed == [], f"{who} {method} {url} changed {changed}"
    elif method == "GET":  # reading a card or exporting is audited (the one write a GET makes), nothing else
        assert set(changed) <= {"audit_event"}, f"{who} {method} {url} changed {changed}"
