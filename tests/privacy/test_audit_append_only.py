"""The audit trail is append-only for the app: every route of the url_map, called as an admin and as a
rep with real records (GET and POST), is watched at the database driver; no statement updates or deletes
an audit row, except:
- the undo of a merge or of a deleted log marks its entry undone (undone_at, undone_by_id: a fact added,
  nothing recorded changed);
- the erasure of a person (RGPD) anonymises the payloads about them and drops the copies of their
  deleted logs;
- the retention of the audit trail deletes entries past the period an admin set (its rule, applied)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.url_walk import app_rules, rich_world, rule_values, url_of

WRITE = re.compile(r'^\s*(UPDATE|DELETE\s+FROM)\s+"?audit_event"?\s*(?:SET\s+(.*?)\s+WHERE)?', re.I | re.S)
MARKS_UNDONE = {"undone_at", "undone_by_id"}
ERASURE = {"clients.erase"}
RETENTION = {"retention.apply", "retention.run_now"}
# Routes that end the walking session, walked last or not at all.
SESSION_ENDING = {"accounts.logout", "accounts.change_password"}


@pytest.fixture
def world(access_world):
    return access_world


def allowed(endpoint: str, verb: str, columns: set[str]) -> bool:
    if verb == "UPDATE" and columns <= MARKS_UNDONE:
        return True
    if endpoint in ERASURE:
        return verb.startswith("DELETE") or columns <= {"payload"}
    return endpoint in RETENTION and verb.startswith("DELETE")


@pytest.fixture
def statements(app):
    seen: list[str] = []
    engine = app.extensions["fieldcrm.engine"]

    def watch(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    yield seen
    event.remove(engine, "before_cursor_execute", watch)


@pytest.mark.parametrize("who", ["rep_a", "admin"])
def test_no_route_edits_or_deletes_the_audit_trail(app, db, world, login, statements, who):  # noqa: F811
    walk = rich_world(app, db, world)
    http = app.test_client()
    login(walk[who], http=http)
    unique = {id(r): r for r in app_rules(app, "GET") + app_rules(app, "POST") if r.endpoint not in SESSION_ENDING}
    # Applying the retention batch (before its dismissal), then the erasure, last: they take the trail and client_a.
    late = ["retention.apply", "retention.dismiss", "clients.erase"]
    rules = sorted(unique.values(), key=lambda r: (late.index(r.endpoint) + 1 if r.endpoint in late else 0, r.rule))
    writes, walked = [], 0
    for rule in rules:
        url = url_of(rule, rule_values(rule, walk))
        for method in sorted(rule.methods & {"GET", "POST"}):
            statements.clear()
            response = http.open(url, method=method, data={"confirm": "yes"})
            assert response.status_code < 500, (url, method, response.status_code)
            walked += 1
            for sql in statements:
                match = WRITE.match(sql)
                if not match:
                    continue
                verb = match.group(1).upper()
                columns = {c.split("=")[0].strip().strip('"') for c in (match.group(2) or "").split(",") if c.strip()}
                writes.append((rule.endpoint, verb, sorted(columns)))
                assert allowed(rule.endpoint, verb, columns), (rule.endpoint, method, sql)
    assert walked > 150
    if who == "admin":  # the walk did reach the writes it allows (the check above is not vacuous)
        assert {endpoint for endpoint, *_ in writes} >= {"clients.erase", "dedupe.undo", "retention.apply"}
