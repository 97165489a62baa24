"""The status chips' counters (client_status_count, kept by database triggers) stay equal to a COUNT over
the cards through every way a card is written: the card's own services, a merge, an import, a
hand-over, an anonymisation, a purge, and many requests at once against a served app."""

from __future__ import annotations

import io
import json
from collections import Counter

from sqlalchemy import func, text
from sqlmodel import select

from fieldcrm.clients import services
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import list_clients, scope
from fieldcrm.dedupe.services import merge_clients
from fieldcrm.imports.models import ImportJob
from fieldcrm.privacy.anonymise import anonymise_client
from tests.factories import PASSWORD, hand_over, make_client, make_team, make_user
from tests.served import csrf_token, in_parallel, serve

IMPORT_CSV = ("Raison sociale;Ville;Statut\r\n"
              "Boulangerie Hélène;Lyon;client\r\n"
              "Garage Bernard;Marseille;prospect\r\n"
              "Café de l'Église;Paris;lead\r\n").encode()


def counted(db) -> dict[tuple[int, str], int]:
    """What a COUNT over the cards says, per (owner, status); owner 0 for cards without one."""
    rows = db.execute(text("SELECT coalesce(owner_id, 0), status, count(*) FROM client WHERE deleted_at IS NULL "
                           "GROUP BY coalesce(owner_id, 0), status")).all()
    return {(owner, status): n for owner, status, n in rows}


def maintained(db) -> dict[tuple[int, str], int]:
    rows = db.execute(text("SELECT owner_id, status, n FROM client_status_count WHERE n <> 0")).all()
    return {(owner, status): n for owner, status, n in rows}


def assert_counters_right(db, app, *reps) -> None:
    db.expire_all()
    assert maintained(db) == counted(db)
    with app.test_request_context():
        for rep in reps:  # and the list's chips say what a COUNT in the person's reach says
            reach = scope(select(Client.status, func.count()), rep).group_by(Client.status)
            assert list_clients(db, rep).status_counts == dict(db.exec(reach).all())


def test_counters_follow_the_cards_own_services(app, db):
    rep, other = make_user(db), make_user(db)
    shop = make_client(db, rep, status="prospect")
    make_client(db, rep, status="client", contacts=[{"last_name": "Morel"}])
    make_client(db, other, status="lead")
    assert maintained(db) == {(rep.id, "prospect"): 1, (rep.id, "client"): 1, (other.id, "lead"): 1}
    assert_counters_right(db, app, rep, other)
    with app.test_request_context():
        services.update_client(db, rep, shop, {"status": "client"}, shop.version)  # status change
        assert_counters_right(db, app, rep, other)
        services.update_client(db, rep, shop, {"company_name": "Renamed"}, shop.version)  # edit, same status
        assert_counters_right(db, app, rep, other)
        services.update_client(db, rep, shop, {"owner_id": other.id}, shop.version)  # to another owner
        assert maintained(db)[(other.id, "client")] == 1
        assert_counters_right(db, app, rep, other)
        services.soft_delete(db, other, shop)
        assert (other.id, "client") not in maintained(db)
        assert_counters_right(db, app, rep, other)
        services.restore(db, other, shop)
        assert_counters_right(db, app, rep, other)
        services.soft_delete(db, other, shop)
        assert services.purge_client(db, shop.id)  # a deleted card purged: counted once, not twice
        db.commit()
        assert_counters_right(db, app, rep, other)
        live = make_client(db, rep, status="suspect")
        assert services.purge_client(db, live.id)
        db.commit()
        assert_counters_right(db, app, rep, other)
        erased = make_client(db, rep, status="lead")
        assert services.erase_client(db, make_user(db, "admin"), erased)
        assert_counters_right(db, app, rep, other)


def test_a_failed_write_leaves_the_counters_as_they_were(app, db):
    rep = make_user(db)
    shop = make_client(db, rep, status="prospect")
    before = maintained(db)
    shop.status = "client"
    db.add(shop)
    db.flush()
    assert maintained(db)[(rep.id, "client")] == 1  # in the same transaction as the card…
    db.rollback()
    assert maintained(db) == before  # …and gone with it


def test_counters_follow_a_merge_an_anonymisation_and_a_hand_over(app, db):
    team = make_team(db)
    manager = make_user(db, "manager", team=team)
    rep, heir = make_user(db, team=team), make_user(db, team=team)
    first = make_client(db, rep, company_name="Fromagerie Lefèvre", status="client")
    second = make_client(db, rep, company_name="Fromagerie Lefevre", status="lead")
    for status in ("prospect", "client", "former_client"):
        make_client(db, rep, status=status)
    with app.test_request_context():
        merge_clients(db, rep, first, second, {"status"})
    assert_counters_right(db, app, rep, heir, manager)
    with app.test_request_context():
        assert anonymise_client(db, first.id, rule="test")
        db.commit()
    assert_counters_right(db, app, rep, heir, manager)
    hand_over(db, manager, rep, heir)
    assert not any(owner == rep.id for owner, _ in maintained(db))
    assert_counters_right(db, app, rep, heir, manager)


def test_counters_follow_an_import_and_its_reimport(app, db, login):
    rep = make_user(db, locale="en")
    make_client(db, rep, company_name="Garage Bernard", status="lead")
    http = app.test_client()
    login(rep, http=http)
    for data in (IMPORT_CSV, IMPORT_CSV.replace(b"lead", b"client")):
        response = http.post("/imports", data={"file": (io.BytesIO(data), "clients.csv")},
                             content_type="multipart/form-data")
        assert response.status_code == 303
        db.expire_all()
        job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
        form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
        done = http.post(f"/imports/{job.id}/mapping", data={**form, "action": "run", "error_mode": "skip"})
        assert done.status_code == 303
        db.expire_all()
        assert db.get(ImportJob, job.id).status == "done"
        assert_counters_right(db, app, rep)
    assert sum(maintained(db).values()) >= 4


def test_counters_stay_right_under_parallel_requests(database_url, db, app, tmp_path):
    """Reps create, re-status and delete cards at the same time on a served app (2 workers × 4
    threads): afterwards every counter equals the COUNT, and every request was answered."""
    reps = [make_user(db) for _ in range(2)]
    cards = [make_client(db, reps[i % 2], status="prospect") for i in range(8)]
    with serve(database_url, tmp_path, workers=2, threads=4, ready_timeout=120) as served:
        sessions = []
        for rep in reps:
            http = served.session()
            assert served.log_in(http, rep.email, PASSWORD).status_code == 303
            sessions.append((http, csrf_token(http.get(served.url + "/clients/new", timeout=10).text)))

        def act(i: int):
            http, token = sessions[i % 2]
            headers = {"X-CSRFToken": token}
            if i < 8:  # a new card
                status = ("client", "lead", "suspect")[i % 3]
                return http.post(served.url + "/clients/new", headers=headers, allow_redirects=False, timeout=30,
                                 data={"kind": "company", "company_name": f"Parallèle {i}", "status": status,
                                       "country": "FR", "confirm_duplicate": "1"}).status_code
            card = cards[i - 8]
            if i % 3:  # a card deleted
                return http.post(f"{served.url}/clients/{card.id}/delete", headers=headers,
                                 allow_redirects=False, timeout=30).status_code
            form = {"kind": "company", "company_name": card.company_name, "status": "client", "country": "FR",
                    "owner_id": str(card.owner_id), "version": str(card.version)}
            return http.post(f"{served.url}/clients/{card.id}/edit", headers=headers, data=form,
                             allow_redirects=False, timeout=30).status_code

        answers = in_parallel(act, 16)
        log = served.log()
    assert Counter(answers) == Counter({303: 16}), (answers, log[-3000:])
    assert "Traceback" not in log
    assert_counters_right(db, app, *reps)
    assert sum(maintained(db).values()) == 8 + 8 - sum(1 for i in range(8, 16) if i % 3)
