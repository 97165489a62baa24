"""The manager's home: the team's day on Today (overdue follow-ups and clients due per rep, the team's
appointments, the week's activity and portfolio coverage), scoped to the manager's team; the client
list's filter by rep."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from fieldcrm.agenda import team as team_view
from fieldcrm.agenda.services import set_cadence_rules
from fieldcrm.followups.services import complete_followup
from tests.factories import make_appointment, make_client, make_followup, make_interaction, make_user

LAST_WEEK = datetime(2026, 11, 16, 9, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 25, 9, tzinfo=UTC)  # 10:00 in Paris; the week began on Monday 23


def complete(db, actor, followup):
    with db.info["app"].test_request_context():
        complete_followup(db, actor, followup)


@pytest.fixture
def week(db, world, set_now):
    """Hand-made figures (see each line's comment for what it counts towards)."""
    rep_a, rep_b, rep_c = world["rep_a"], world["rep_b"], world["rep_c"]
    set_now(LAST_WEEK)
    with db.info["app"].test_request_context():
        set_cadence_rules(db, {("status", "client"): 30})
    c1 = make_client(db, rep_a, company_name="Visité il y a 10 jours")
    c2 = make_client(db, rep_a, company_name="Visité il y a 40 jours")
    c3 = make_client(db, rep_a, company_name="Visité il y a 40 jours, appelé il y a 5")
    lead = make_client(db, rep_a, company_name="Prospect sans cadence", status="lead")
    make_interaction(db, rep_a, c1, occurred_at=datetime(2026, 11, 15, 9, tzinfo=UTC))  # covered, not due
    make_interaction(db, rep_a, c2, occurred_at=datetime(2026, 10, 16, 9, tzinfo=UTC))  # due, not covered
    make_interaction(db, rep_a, c3, occurred_at=datetime(2026, 10, 16, 9, tzinfo=UTC))  # due…
    make_interaction(db, rep_a, c3, kind="phone", occurred_at=datetime(2026, 11, 20, 9, tzinfo=UTC))  # …covered
    old_done = make_followup(db, rep_a, c1, date(2026, 11, 16), reason="Fait la semaine dernière")
    complete(db, rep_a, old_done)
    set_now(WEDNESDAY)
    make_client(db, rep_a, company_name="Nouveau cette semaine", status="lead")  # new (with client_a)
    # This week's activity of rep A, on the lead (no cadence: the due and coverage figures stay put).
    make_interaction(db, rep_a, lead, occurred_at=datetime(2026, 11, 23, 14, tzinfo=UTC))
    make_interaction(db, rep_a, lead, occurred_at=datetime(2026, 11, 24, 14, tzinfo=UTC))
    make_interaction(db, rep_a, lead, kind="phone", occurred_at=datetime(2026, 11, 25, 8, tzinfo=UTC))
    make_interaction(db, rep_a, lead, kind="email", occurred_at=datetime(2026, 11, 25, 8, 30, tzinfo=UTC))
    make_followup(db, rep_a, c1, date(2026, 11, 20), reason="En retard 1")
    make_followup(db, rep_a, c2, date(2026, 11, 24), reason="En retard 2")
    make_followup(db, rep_a, c2, date(2026, 11, 25), reason="Aujourd'hui")  # due today: not overdue
    complete(db, rep_a, make_followup(db, rep_a, c3, date(2026, 11, 22), reason="Fait cette semaine"))
    make_followup(db, rep_b, world["client_b"], date(2026, 11, 24), reason="Bea en retard")
    make_appointment(db, rep_b, world["client_b"], datetime(2026, 11, 25, 13, tzinfo=UTC), place="Garage")
    make_appointment(db, rep_b, world["client_b"], datetime(2026, 11, 26, 13, tzinfo=UTC))  # tomorrow
    for n in range(3):
        make_followup(db, rep_c, world["client_c"], date(2026, 11, 20), reason=f"Sud-Est {n}")
    make_appointment(db, rep_c, world["client_c"], datetime(2026, 11, 25, 9, tzinfo=UTC), place="Cave")
    return world


def figures(day, user) -> tuple:
    rep = next(r for r in day.reps if r.user.id == user.id)
    return (rep.overdue, rep.due, rep.visits, rep.calls, rep.followups_done, rep.new_clients, rep.covered,
            rep.with_cadence)


def test_the_figures_match_the_hand_made_week(db, week, in_app):
    with in_app():
        manager = week["manager_a"]
        day = team_view.team_day(db, manager, team_view.team_in_reach(db, manager, None))
    # overdue, due, visits, calls, done, new, covered, with a cadence
    assert figures(day, week["rep_a"]) == (2, 3, 2, 1, 1, 2, 2, 4)
    assert figures(day, week["rep_b"]) == (1, 1, 0, 0, 0, 1, 0, 1)
    assert figures(day, week["manager_a"]) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert next(r for r in day.reps if r.user.id == week["rep_a"].id).coverage == 0.5
    assert [(c.display_name, who) for _a, c, who in day.appointments] == [("Garage Bernard", "Bea Rep")]
    assert week["rep_c"].id not in {r.user.id for r in day.reps}


def shown(page: str, user) -> dict[str, str]:
    """The figures of `user`'s card on Today, as the page shows them."""
    card = page.split(f'data-rep="{user.id}"', 1)[1].split('data-rep="', 1)[0]
    return dict(re.findall(r'data-figure="(\w+)"><b>([^<]*)</b>', card))


def test_a_managers_today_shows_their_team_only(app, db, week, login):
    http = app.test_client()
    login(week["manager_a"], http=http)
    page = http.get("/").get_data(as_text=True)
    team = page[page.index('id="team-day"'):]
    team = team[:team.index("</section>")]
    assert "Team Ouest" in team
    assert shown(team, week["rep_a"]) == {"overdue": "2", "due": "3", "coverage": "50%", "visits": "2",
                                          "calls": "1", "done": "1", "new": "2", "appointments": "0",
                                          "ahead": "1"}
    # Bea's appointments: today's and tomorrow's (the whole week, not Monday to now).
    assert shown(team, week["rep_b"]) == {"overdue": "1", "due": "1", "coverage": "0%", "visits": "0",
                                          "calls": "0", "done": "0", "new": "1", "appointments": "2",
                                          "ahead": "0"}
    assert shown(team, week["manager_a"])["coverage"] == "–"  # Manon has no client
    assert "1 team appointment today" in " ".join(team.split()) and "Garage Bernard" in team
    assert "Cyril Rep" not in page and "Cave Castagné" not in page and "Sud-Est" not in page
    assert "All teams" not in page  # a manager has no team chooser
    assert http.get("/?team=999").status_code == 200  # a manager's team is their own, whatever is asked


def test_an_admin_sees_every_team_or_the_one_chosen(app, db, week, login):
    http = app.test_client()
    login(week["admin"], http=http)
    page = " ".join(http.get("/").get_data(as_text=True).split())
    assert "All teams" in page and "Cyril Rep" in page and "Rémi Rep" in page
    assert "2 team appointments today" in page
    team_b = week["rep_c"].team_id
    page = " ".join(http.get(f"/?team={team_b}").get_data(as_text=True).split())
    assert "Team Sud-Est" in page and "Cyril Rep" in page and "Rémi Rep" not in page
    assert shown(page, week["rep_c"])["overdue"] == "3" and "Cave Castagné" in page
    assert http.get("/?team=999").status_code == 404


def test_the_week_runs_monday_to_sunday_and_earlier_weeks_are_whole(app, db, week, login, set_now):
    """On Wednesday the week's figures reach Sunday: an appointment on Saturday, a follow-up due on
    Sunday, an interaction logged for Friday count; the week before is summed up whole, Monday to Sunday,
    and no week to come is offered."""
    rep_a = week["rep_a"]
    c1 = make_client(db, rep_a, company_name="Fin de semaine")
    make_appointment(db, rep_a, c1, datetime(2026, 11, 28, 9, tzinfo=UTC))  # Saturday
    make_followup(db, rep_a, c1, date(2026, 11, 29), reason="Dimanche")  # Sunday
    make_followup(db, rep_a, c1, date(2026, 11, 30), reason="Semaine prochaine")  # next week: not counted
    make_interaction(db, rep_a, c1, occurred_at=datetime(2026, 11, 27, 15, tzinfo=UTC))  # Friday, logged ahead
    http = app.test_client()
    login(week["manager_a"], http=http)
    page = " ".join(http.get("/").get_data(as_text=True).split())
    assert "Week: Monday 23 November to Sunday 29 November" in page
    figures_now = shown(page, rep_a)
    assert (figures_now["visits"], figures_now["appointments"], figures_now["ahead"]) == ("3", "1", "2")
    assert "Next week" not in page and 'href="/?week=2026-11-16"' in page
    page = " ".join(http.get("/?week=2026-11-18").get_data(as_text=True).split())  # any day of that week
    assert "Week: Monday 16 November to Sunday 22 November" in page and "Week of 16 November" in page
    # Rémi's week of the 16th: the call of Friday 20 and the follow-up done on Monday 16; his four cards
    # were made that Monday (the whole week, seen on Wednesday the 25th).
    last_week = shown(page, rep_a)
    assert {k: last_week[k] for k in ("visits", "calls", "done", "new")} == {
        "visits": "0", "calls": "1", "done": "1", "new": "4"}
    assert "ahead" not in last_week  # nothing is "still due" in a week gone by
    assert shown(page, rep_a)["overdue"] == "2"  # today's backlog stays today's, and says so
    assert '<p class="team-caption">Today</p>' in page
    assert '<a class="btn btn-ghost btn-small" href="/">Next week →</a>' in page  # back to this week
    # A week to come, or a date out of range, shows this week.
    for asked in ("2026-12-07", "1066-10-14", "nonsense"):
        page = " ".join(http.get(f"/?week={asked}").get_data(as_text=True).split())
        assert "Week: Monday 23 November to Sunday 29 November" in page, asked


def test_a_rep_has_no_team_section(as_rep, week):
    page = as_rep.get("/").get_data(as_text=True)
    assert 'id="team-day"' not in page and "Bea Rep" not in page


def test_no_query_per_rep(db, world, in_app):
    """The team's day costs the same number of statements for 2 reps as for 8."""
    def statements(manager) -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        engine = db.get_bind()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            with in_app():
                team_view.team_day(db, manager, team_view.team_in_reach(db, manager, None))
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    manager = world["manager_a"]
    from fieldcrm.accounts.models import Team

    team = db.get(Team, manager.team_id)
    few = statements(manager)
    for n in range(6):
        rep = make_user(db, "rep", team, name=f"Renfort {n}")
        make_followup(db, rep, make_client(db, rep), date(2026, 11, 1), reason="Vieux")
    assert statements(manager) == few


def test_client_list_filters_by_rep_within_reach(app, db, world, login, as_rep):
    http = app.test_client()
    login(world["manager_a"], http=http)
    page = http.get("/clients").get_data(as_text=True)
    owner = page[page.index('id="owner"'):page.index("</select>", page.index('id="owner"'))]
    assert "Bea Rep" in owner and "Rémi Rep" in owner and "Cyril Rep" not in owner
    page = http.get(f"/clients?owner={world['rep_b'].id}").get_data(as_text=True)
    assert "Garage Bernard" in page and "Boulangerie Hélène" not in page
    assert http.get(f"/clients?owner={world['rep_c'].id}").status_code == 404
    # A rep never gets the filter, and the argument changes nothing for them.
    page = as_rep.get(f"/clients?owner={world['rep_b'].id}").get_data(as_text=True)
    assert 'id="owner"' not in page and "Boulangerie Hélène" in page and "Garage Bernard" not in page


def test_a_rep_with_no_client_is_not_an_empty_client_file(app, db, world, login):
    """A manager filters the list on a rep who has no client yet: the page says so, by name."""
    from fieldcrm.accounts.models import Team

    newcomer = make_user(db, "rep", db.get(Team, world["manager_a"].team_id), name="Noé Nouveau")
    http = app.test_client()
    login(world["manager_a"], http=http)
    body = " ".join(http.get(f"/clients?owner={newcomer.id}").get_data(as_text=True).split())
    assert "Noé Nouveau has no client." in body and "Your client file is empty." not in body
    assert "Garage Bernard" not in body
