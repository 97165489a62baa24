"""The maximum of active users holds when several admins create or reactivate users at once."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from fieldcrm.accounts.models import User
from tests.factories import PASSWORD, make_user
from tests.served import in_parallel, serve

FULL = "Le maximum de 50 utilisateurs actifs est atteint."


def active_count(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(User).where(User.active)).one()


def admin_browsers(served, admin, count: int, page: str) -> list[tuple]:
    http = served.session()
    assert served.log_in(http, admin.email, PASSWORD).status_code == 303
    return served.browsers(count, page, http)


def users_at(db, active: int, inactive: int = 0):
    admin = make_user(db, "admin", locale="fr")
    dormant = [make_user(db) for _ in range(inactive)]
    for user in dormant:
        user.active = False
        db.add(user)
    db.commit()
    for _ in range(active - 1):
        make_user(db)
    assert active_count(db) == active
    return admin, dormant


@pytest.mark.fault
def test_parallel_creations_stop_exactly_at_the_maximum(database_url, tmp_path, db):
    admin, _ = users_at(db, active=46)
    with serve(database_url, tmp_path, workers=2, threads=4, env={"FIELDCRM_MAX_ACTIVE_USERS": "50"}) as served:
        browsers = admin_browsers(served, admin, 8, "/admin/users/new")

        def create(i):
            browser, token = browsers[i]
            return browser.post(served.url + "/admin/users/new", allow_redirects=False, timeout=60, data={
                "csrf_token": token, "name": f"Nouvelle Recrue {i}", "email": f"recrue{i}@example.fr",
                "role": "rep", "team_id": "", "password": "une phrase assez longue"})

        answers = in_parallel(create, 8)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303] * 4 + [422] * 4
    assert all(FULL in a.text for a in answers if a.status_code == 422)
    assert active_count(db) == 50


@pytest.mark.fault
def test_parallel_reactivations_stop_exactly_at_the_maximum(database_url, tmp_path, db):
    admin, dormant = users_at(db, active=46, inactive=8)
    with serve(database_url, tmp_path, workers=2, threads=4, env={"FIELDCRM_MAX_ACTIVE_USERS": "50"}) as served:
        browsers = admin_browsers(served, admin, 8, f"/admin/users/{dormant[0].id}")

        def reactivate(i):
            browser, token = browsers[i]
            return browser.post(f"{served.url}/admin/users/{dormant[i].id}/active", allow_redirects=False,
                                timeout=60, data={"csrf_token": token, "active": "1"})

        answers = in_parallel(reactivate, 8)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303] * 4 + [422] * 4
    assert all(FULL in a.text for a in answers if a.status_code == 422)
    assert active_count(db) == 50
