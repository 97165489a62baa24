"""Today (the home screen), the week view, visit cadences, and the time zone of "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from fieldcrm import timeutil
from tests.factories import make_appointment, make_client, make_followup, make_interaction


def test_login_lands_on_today(app, world, login):
    http = app.test_client()
    response = login(world["rep_a"], http=http)
    assert response.headers["Location"] == "/"
    page = http.get("/").get_data(as_text=True)
    assert 'href="/" aria-current="page"' in page  # Today is the first entry of the bottom bar


def test_today_lists_overdue_today_and_appointments_in_time_order(as_rep, world, db):
    rep, client = world["rep_a"], world["client_a"]
    other = make_client(db, rep, company_name="Épicerie Martin", phone="+33478000002")
    make_followup(db, rep, client, date(2026, 11, 20), reason="Devis en retard")
    make_followup(db, rep, other, date(2026, 11, 23), reason="Rappeler Martin", due_time=time(15, 0))
    make_followup(db, rep, other, date(2026, 11, 24), reason="Demain seulement")
    done = make_followup(db, rep, other, date(2026, 11, 23), reason="Déjà fait")
    with db.info["app"].test_request_context():
        from fieldcrm.followups.services import complete_followup

        complete_followup(db, rep, done)
    make_appointment(db, rep, other, datetime(2026, 11, 23, 15, tzinfo=UTC), place="Magasin")
    make_appointment(db, rep, client, datetime(2026, 11, 23, 8, tzinfo=UTC))
    make_appointment(db, rep, client, datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # overlaps the 8:00
    page = as_rep.get("/").get_data(as_text=True)
    # Headings agree with their counts (ngettext): one overdue, one today, three appointments.
    assert '<span class="count">1</span> overdue follow-up</h2>' in page and "3 days late" in page
    assert '<span class="count">1</span> follow-up today</h2>' in page
    assert '<span class="count">3</span> appointments</h2>' in page
    assert page.index("Devis en retard") < page.index("Rappeler Martin")
    assert "Demain seulement" not in page and "Déjà fait" not in page
    times = [page.index(t) for t in ("09:00–10:00", "09:30–10:30", "16:00–17:00")]  # Paris time
    assert times == sorted(times)
    assert page.count(">Overlaps<") == 2
    assert "tel:+33478000002" in page and "/log?kind=phone" in page  # call, log in one tap
    fragment = as_rep.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "Devis en retard" in fragment


def test_today_and_overdue_are_paris_days_not_utc_days(as_rep, world, db, set_now):
    make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 23), reason="Le 23")
    set_now(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 23:30 in Paris: still the 23rd
    assert timeutil.today() == date(2026, 11, 23)
    page = as_rep.get("/").get_data(as_text=True)
    assert "Le 23" in page and "day late" not in page
    set_now(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))  # 00:30 on the 24th in Paris, still the 23rd in UTC
    page = as_rep.get("/").get_data(as_text=True)
    assert "Le 23" in page and "1 day late" in page


def test_due_for_visit_by_client_segment_and_status_cadence(app, as_rep, world, db, login, set_now):
    rep = world["rep_a"]
    own = make_client(db, rep, company_name="Cadence propre", visit_cadence_days=30)
    top = make_client(db, rep, company_name="Top segment", segment="Top")
    lead = make_client(db, rep, company_name="Lead statut", status="lead")
    fresh = make_client(db, rep, company_name="Vu hier", segment="Top")
    make_client(db, rep, company_name="Sans cadence", status="client")
    make_interaction(db, rep, own, occurred_at=datetime(2026, 10, 24, 9, tzinfo=UTC))  # 30 days ago: due
    make_interaction(db, rep, top, occurred_at=datetime(2026, 10, 10, 9, tzinfo=UTC))
    make_interaction(db, rep, fresh, occurred_at=datetime(2026, 11, 22, 9, tzinfo=UTC))
    make_interaction(db, rep, lead, occurred_at=datetime(2026, 11, 20, 9, tzinfo=UTC), kind="phone")
    admin = app.test_client()
    login(world["admin"], http=admin)
    response = admin.post("/admin/cadences", data={"status-lead": "7", "segments": "Top = 30\n"})
    assert response.status_code == 303
    page = as_rep.get("/").get_data(as_text=True)
    assert "Cadence propre" in page and "Top segment" in page
    assert "Lead statut" in page  # a phone call is not a visit: never visited, status cadence 7 days
    assert "Vu hier" not in page and "Sans cadence" not in page
    assert page.index("Lead statut") < page.index("Top segment") < page.index("Cadence propre")
    set_now(datetime(2026, 10, 25, 9, tzinfo=UTC))
    assert "Cadence propre" not in as_rep.get("/").get_data(as_text=True)  # visited yesterday


def test_cadence_admin_rejects_bad_lines(app, world, login):
    admin = app.test_client()
    login(world["admin"], http=admin)
    response = admin.post("/admin/cadences", data={"status-client": "abc", "segments": "Top 30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Top 30" in body and "Line 1" in body
    assert 'value="abc"' in body and "A number of days between 1 and 730." in body
    assert 'name="status-lead" inputmode="numeric" value=""' in admin.get("/admin/cadences").get_data(as_text=True)
    assert admin.post("/admin/cadences", data={"status-lead": "7", "segments": "Top = 30\nBas = 900\n\nx = 1"}
                      ).status_code == 422  # line 2 refused: nothing saved
    assert admin.post("/admin/cadences", data={"status-lead": " 7 ", "segments": "Top = 30"}).status_code == 303
    saved = admin.get("/admin/cadences").get_data(as_text=True)
    assert 'name="status-lead" inputmode="numeric" value="7"' in saved and "Top = 30</textarea>" in saved


def test_week_view_groups_by_day(as_rep, world, db):
    make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 26), reason="Jeudi relance")
    make_appointment(db, world["rep_a"], world["client_a"], datetime(2026, 11, 28, 9, tzinfo=UTC))
    make_followup(db, world["rep_a"], world["client_a"], date(2026, 12, 1), reason="Semaine suivante")
    page = as_rep.get("/week").get_data(as_text=True)
    assert "Jeudi relance" in page and "10:00" in page and "Semaine suivante" not in page
    assert page.index("Jeudi relance") < page.index("10:00")
    following = as_rep.get("/week?start=2026-11-30", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Semaine suivante" in following and "<html" not in following


def test_week_lists_a_day_in_time_order_with_the_visits_already_logged(as_rep, world, db):
    rep, boulangerie = world["rep_a"], world["client_a"]
    menuiserie = make_client(db, rep, company_name="Menuiserie Étienne")
    make_followup(db, rep, menuiserie, date(2026, 11, 23), reason="Sans heure")
    make_appointment(db, rep, boulangerie, datetime(2026, 11, 23, 10, tzinfo=UTC))  # 11:00 in Paris
    make_followup(db, rep, menuiserie, date(2026, 11, 23), due_time=time(10, 30), reason="Rappel 10h30")
    make_interaction(db, rep, menuiserie, occurred_at=datetime(2026, 11, 23, 8, tzinfo=UTC),  # 09:00
                     kind="phone", outcome="order_taken")
    make_interaction(db, rep, boulangerie, occurred_at=datetime(2026, 11, 20, 15, tzinfo=UTC))  # last Friday
    make_interaction(db, world["rep_b"], world["client_b"], occurred_at=datetime(2026, 11, 23, 8, tzinfo=UTC))

    page = as_rep.get("/week").get_data(as_text=True)
    monday = page.split("is-today")[1].split("</section>")[0]
    lines = monday.split("<li")[1:]
    assert [line.split('data-kind="')[1].split('"')[0] for line in lines] == [
        "logged", "followup", "appointment", "followup"]
    assert "09:00" in lines[0] and "Phone call&nbsp;· Order taken" in lines[0] and "Menuiserie" in lines[0]
    assert "Rappel 10h30" in lines[1] and "11:00" in lines[2] and "Sans heure" in lines[3]
    assert "Garage Bernard" not in page  # another rep's log

    last_week = as_rep.get("/week?start=2026-11-16").get_data(as_text=True)
    friday = last_week.split("Friday 20 November")[1].split("</section>")[0]
    assert 'data-kind="logged"' in friday and "Boulangerie Hélène" in friday and "16:00" in friday
    assert 'data-kind="logged"' not in as_rep.get("/week?start=2026-11-30").get_data(as_text=True)


def test_client_list_sorts_and_filters_by_last_contact(as_rep, world, db):
    rep = world["rep_a"]
    old = make_client(db, rep, company_name="Vu il y a longtemps")
    recent = make_client(db, rep, company_name="Vu récemment")
    make_interaction(db, rep, old, occurred_at=datetime(2026, 6, 1, tzinfo=UTC))
    make_interaction(db, rep, recent, occurred_at=datetime(2026, 11, 20, tzinfo=UTC))
    page = as_rep.get("/clients?sort=last_contact").get_data(as_text=True)
    order = [page.index(n) for n in ("Boulangerie Hélène", "Vu il y a longtemps", "Vu récemment")]
    assert order == sorted(order)  # never contacted first, then the oldest contact
    stale = as_rep.get("/clients?stale=60").get_data(as_text=True)
    assert "Vu il y a longtemps" in stale and "Boulangerie Hélène" in stale and "Vu récemment" not in stale


def test_today_stays_short_and_links_to_every_open_follow_up(as_rep, world, db):
    for n in range(30):
        make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 1), reason=f"Ancienne {n:02d}")
    page = as_rep.get("/").get_data(as_text=True)
    assert page.count("Ancienne") == 10 and "See all overdue follow-ups" in page
    listing = as_rep.get("/followups").get_data(as_text=True)
    assert listing.count("Ancienne") == 30 and "30 open follow-ups" in listing


def test_week_and_timeline_survive_odd_parameters(as_rep, world):
    for start in ("0001-01-01", "9999-12-31", "2026-02-30", "lundi"):
        assert as_rep.get(f"/week?start={start}").status_code == 200, start
    for page in ("0", "-3", "x", "99999999999"):
        assert as_rep.get(f"/clients/{world['client_a'].id}/timeline?page={page}").status_code == 200, page
