"""The totals Today shows are right whether or not a count query was needed (a page that is not full
is its own total; a full page is counted, up to the cap)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fieldcrm.agenda import queries
from fieldcrm.followups import queries as followup_queries
from tests.factories import make_client, make_followup, make_interaction


@pytest.mark.parametrize(("never", "late", "shown", "total"), [
    (3, 4, 7, 7), (0, 0, 0, 0), (12, 0, 10, 12), (12, 5, 10, 17), (10, 3, 10, 13), (4, 9, 10, 13),
])
def test_due_for_visit_totals(app, db, world, never, late, shown, total):
    rep = world["rep_a"]
    for n in range(never):
        make_client(db, rep, company_name=f"Jamais {n}", visit_cadence_days=30)
    for n in range(late):
        client = make_client(db, rep, company_name=f"En retard {n}", visit_cadence_days=30)
        make_interaction(db, rep, client, occurred_at=datetime(2026, 9, 1 + n, 9, tzinfo=UTC))
    with app.test_request_context():
        page = queries.due_for_visit(db, rep, date(2026, 11, 23))
    assert (len(page.rows), page.total) == (shown, total)


@pytest.mark.parametrize("count", [0, 3, 10, 11, 120])
def test_overdue_totals_and_the_cap(app, db, world, count):
    rep = world["rep_a"]
    for n in range(count):
        make_followup(db, rep, world["client_a"], date(2026, 11, 1 + n % 20), reason=f"R{n}")
    with app.test_request_context():
        rows, total = followup_queries.open_followups(db, rep, before=date(2026, 11, 23), limit=10,
                                                      cap=queries.COUNT_CAP)
        everything, all_total = followup_queries.open_followups(db, rep, limit=50, offset=50)
    assert len(rows) == min(count, 10) and total == min(count, queries.COUNT_CAP)
    assert [f.due_date for f, _c in rows] == sorted(f.due_date for f, _c in rows)
    assert len(everything) == max(0, min(count - 50, 50)) and all_total == count
