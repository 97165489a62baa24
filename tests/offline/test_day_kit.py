"""What a rep's phone keeps for a day without network: only their own day, only clients they may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import (
    logged_in_http,
    make_appointment,
    make_client,
    make_followup,
    make_tour,
)

MONDAY = date(2026, 11, 23)  # the clock of the daily-loop tests (set_now)


def day_of(http, recent=()):
    response = http.get("/offline/day.json", query_string={"recent": ",".join(str(i) for i in recent)})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_json()


def test_the_day_lists_todays_and_tomorrows_tours_and_their_clients(app, db, world):
    rep = world["rep_a"]
    today_client = make_client(db, rep, company_name="Épicerie Noël", city="Mâcon", phone="+33385000001")
    tomorrow_client = make_client(db, rep, company_name="Pharmacie du Parc")
    later_client = make_client(db, rep, company_name="Tabac de la Gare")
    today, today_stops = make_tour(db, rep, [today_client, world["client_a"]], day=MONDAY)
    tomorrow, _ = make_tour(db, rep, [tomorrow_client], day=MONDAY + timedelta(days=1))
    make_tour(db, rep, [later_client], day=MONDAY + timedelta(days=9))

    day = day_of(logged_in_http(app, rep))

    assert day["user"] == rep.id
    for page in ("/", "/week", "/tours", "/tours/today", "/tours/week", "/offline/search",
                 f"/tours/{today.id}", f"/tours/{tomorrow.id}",
                 f"/clients/{today_client.id}", f"/clients/{tomorrow_client.id}", f"/clients/{world['client_a'].id}"):
        assert page in day["pages"], page
    assert f"/clients/{later_client.id}" not in day["pages"]
    # each stop's own page, and what the rep does at a client of the day: log, follow-up, appointment,
    # correction — the forms that work offline
    for stop in today_stops:
        assert f"/tours/{today.id}/stops/{stop.id}" in day["pages"]
    for path in ("log", "followups/new", "appointments/new", "correct"):
        assert f"/clients/{today_client.id}/{path}" in day["pages"], path
        assert f"/clients/{later_client.id}/{path}" not in day["pages"], path
    entry = next(c for c in day["clients"] if c["id"] == today_client.id)
    assert entry["name"] == "Épicerie Noël" and entry["city"] == "Mâcon" and entry["phone"] == "03 85 00 00 01"
    # the server's folded search text: accents gone, phone digits in national and international forms
    assert " epicerie noel " in entry["search"] and "macon" in entry["search"]
    assert "0385000001" in entry["search"] and "33385000001" in entry["search"]


def test_the_weeks_followups_and_appointments_bring_their_clients(app, db, world):
    rep = world["rep_a"]
    followed = make_client(db, rep, company_name="Fromagerie Lou")
    met = make_client(db, rep, company_name="Cave Saint-Jean")
    next_month = make_client(db, rep, company_name="Atelier Loin")
    make_followup(db, rep, followed, MONDAY + timedelta(days=3))
    due_today = make_client(db, rep, company_name="Cordonnerie Pia")
    make_followup(db, rep, due_today, MONDAY)
    make_appointment(db, rep, met, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    make_followup(db, rep, next_month, MONDAY + timedelta(days=40))

    day = day_of(logged_in_http(app, rep))
    ids = {c["id"] for c in day["clients"]}

    assert {followed.id, met.id} <= ids
    assert next_month.id not in ids
    # later in the week: the card is kept, the forms only for today's and tomorrow's clients
    assert f"/clients/{followed.id}/log" not in day["pages"]
    assert f"/clients/{met.id}/log" not in day["pages"]
    assert f"/clients/{due_today.id}/log" in day["pages"]


def test_a_rep_never_gets_another_reps_clients_or_tours(app, db, world):
    rep_a, rep_b, rep_c = world["rep_a"], world["rep_b"], world["rep_c"]
    tour_b, _ = make_tour(db, rep_b, [world["client_b"]], day=MONDAY)
    make_followup(db, rep_c, world["client_c"], MONDAY + timedelta(days=1))

    # rep_a's phone asks for other reps' clients among "opened last": they are left out
    day = day_of(logged_in_http(app, rep_a),
                 recent=[world["client_b"].id, world["client_c"].id, world["client_a"].id, 999999])

    assert [c["id"] for c in day["clients"]] == [world["client_a"].id]
    assert f"/tours/{tour_b.id}" not in day["pages"]
    assert f"/clients/{world['client_b'].id}" not in day["pages"]
    assert f"/clients/{world['client_c'].id}" not in day["pages"]


def test_a_manager_keeps_their_own_day_not_their_teams_tours(app, db, world):
    manager = world["manager_a"]
    tour_b, _ = make_tour(db, world["rep_b"], [world["client_b"]], day=MONDAY)

    day = day_of(logged_in_http(app, manager))

    assert f"/tours/{tour_b.id}" not in day["pages"]
    assert day["clients"] == []


def test_opened_last_is_capped_by_the_setting_and_ignores_junk(app, db, world):
    rep = world["rep_a"]
    opened = [make_client(db, rep) for _ in range(3)]
    app.config["OFFLINE_RECENT_CLIENTS"] = 2
    http = logged_in_http(app, rep)

    response = http.get("/offline/day.json", query_string={"recent": f"{opened[2].id},x,{opened[0].id},"
                                                                     f"{opened[1].id}"})

    # "x" counts among the two the phone may name: only the first id is kept
    assert [c["id"] for c in response.get_json()["clients"]] == [opened[2].id]
    assert response.get_json()["recent_limit"] == 2


def test_the_day_needs_a_session(client):
    response = client.get("/offline/day.json")
    assert response.status_code in (302, 303, 401)
    assert b"clients" not in response.data


def test_the_offline_search_page_is_a_plain_page_for_the_signed_in_rep(app, world):
    page = logged_in_http(app, world["rep_a"]).get("/offline/search")
    assert page.status_code == 200
    assert 'data-offline-search' in page.get_data(as_text=True)
    assert "Clients" in page.get_data(as_text=True)


def test_clients_only_opened_lately_bring_their_card_not_their_forms(app, db, world):
    rep = world["rep_a"]
    day = day_of(logged_in_http(app, rep), recent=[world["client_a"].id])
    assert f"/clients/{world['client_a'].id}" in day["pages"]
    assert f"/clients/{world['client_a'].id}/log" not in day["pages"]
