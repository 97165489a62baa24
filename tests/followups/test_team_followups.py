"""Managers (and admins) follow their team's follow-ups on /followups: theirs, the team's, one rep's.
Reps see no switch and only their own; nothing of another team ever shows."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_client, make_followup, make_team, make_user

HTMX = {"HX-Request": "true"}
REASONS = ("Point manager", "Devis Hélène", "Relance Bernard", "Relance Castagné")


@pytest.fixture
def followed(db, world):
    """An open follow-up for each of manager_a, rep_a (overdue), rep_b (today) and rep_c (another team)."""
    w = dict(world)
    w["f_manager"] = make_followup(db, w["manager_a"], w["client_a"], date(2026, 11, 25), reason="Point manager")
    w["f_a"] = make_followup(db, w["rep_a"], w["client_a"], date(2026, 11, 18), reason="Devis Hélène")
    w["f_b"] = make_followup(db, w["rep_b"], w["client_b"], date(2026, 11, 23), reason="Relance Bernard")
    w["f_c"] = make_followup(db, w["rep_c"], w["client_c"], date(2026, 11, 20), reason="Relance Castagné")
    team_b = make_team(db, "Est")
    w["manager_b"] = make_user(db, "manager", team_b, name="Bruno Manager")
    w["rep_d"] = make_user(db, "rep", team_b, name="Dora Rep")
    make_followup(db, w["rep_d"], make_client(db, w["rep_d"], company_name="Chez Dora"), date(2026, 11, 19),
                  reason="Relance Dora")
    return w


def shown(http, **params) -> set[str]:
    body = http.get("/followups", query_string=params).get_data(as_text=True)
    return {r for r in REASONS + ("Relance Dora",) if r in body}


def as_user(app, login, user):
    http = app.test_client()
    login(user, http=http)
    return http


def test_a_rep_has_no_switch_and_only_their_own(app, login, followed):
    rep = as_user(app, login, followed["rep_a"])
    page = rep.get("/followups").get_data(as_text=True)
    assert 'name="who"' not in page and "My team" not in page
    assert shown(rep) == {"Devis Hélène"}
    for who in ("team", str(followed["rep_b"].id), str(followed["manager_a"].id), "x"):
        assert shown(rep, who=who) == {"Devis Hélène"}, who


def test_a_manager_switches_between_mine_the_team_and_one_rep(app, login, followed):
    manager = as_user(app, login, followed["manager_a"])
    page = manager.get("/followups").get_data(as_text=True)
    assert 'name="who"' in page and "My team" in page
    assert followed["rep_a"].name in page and followed["rep_b"].name in page
    assert followed["rep_c"].name not in page  # another team's rep is not in the list to choose from
    assert shown(manager, who="me") == {"Point manager"}

    team = manager.get("/followups").get_data(as_text=True)  # a manager opens on the team's
    assert 'href="/followups?who=team" aria-current="true"' in team
    assert {r for r in REASONS if r in team} == {"Point manager", "Devis Hélène", "Relance Bernard"}
    assert "3 open follow-ups" in team
    # Each row names its assignee; the overdue one stands out as it does for the rep.
    row_a = team.split(f'data-followup="{followed["f_a"].id}"')[1].split("</li>")[0]
    assert followed["rep_a"].name in row_a and "5 days late" in row_a
    assert f'is-overdue" data-followup="{followed["f_a"].id}"' in team
    row_b = team.split(f'data-followup="{followed["f_b"].id}"')[1].split("</li>")[0]
    assert followed["rep_b"].name in row_b and "late" not in row_b
    # The one-tap actions come back to the team view.
    assert "next\" value=\"/followups?who=team\"" in team

    assert shown(manager, who=followed["rep_b"].id) == {"Relance Bernard"}
    assert shown(manager, who=followed["manager_a"].id) == {"Point manager"}
    assert shown(manager, who="nonsense") == {"Point manager", "Devis Hélène", "Relance Bernard"}
    assert manager.get("/followups", query_string={"who": followed["rep_c"].id}).status_code == 404
    assert manager.get("/followups", query_string={"who": 999999}).status_code == 404


def test_a_manager_of_another_team_sees_nothing_of_this_team(app, login, followed):
    other = as_user(app, login, followed["manager_b"])
    assert shown(other, who="team") == {"Relance Dora"}
    for rep in ("rep_a", "rep_b", "manager_a", "rep_c"):
        assert other.get("/followups", query_string={"who": followed[rep].id}).status_code == 404, rep
    page = other.get("/followups", query_string={"who": "team"}).get_data(as_text=True)
    assert followed["rep_a"].name not in page and "Boulangerie" not in page


def test_an_admin_follows_everyone(app, login, followed):
    admin = as_user(app, login, followed["admin"])
    page = admin.get("/followups", query_string={"who": "team"}).get_data(as_text=True)
    assert "Everyone" in page
    assert {r for r in REASONS + ("Relance Dora",) if r in page} == set(REASONS) | {"Relance Dora"}
    assert shown(admin, who=followed["rep_c"].id) == {"Relance Castagné"}


def test_a_client_given_to_another_team_takes_its_follow_ups_out_of_the_team_view(app, db, login, followed):
    from fieldcrm.clients.models import Client

    client = db.get(Client, followed["client_a"].id)
    client.owner_id = followed["rep_c"].id
    db.add(client)
    db.commit()
    manager = as_user(app, login, followed["manager_a"])
    assert shown(manager, who="team") == {"Relance Bernard"}


def test_the_team_view_pages_and_keeps_its_choice(app, db, login, followed):
    for n in range(55):
        make_followup(db, followed["rep_b"], followed["client_b"], date(2026, 12, 1), reason=f"Série {n:02d}")
    manager = as_user(app, login, followed["manager_a"])
    first = manager.get("/followups", query_string={"who": "team"}).get_data(as_text=True)
    assert first.count("Série") == 50 - 3 and "58 open follow-ups" in first
    assert "/followups?page=2&amp;who=team" in first
    second = manager.get("/followups", query_string={"who": "team", "page": 2}, headers=HTMX).get_data(as_text=True)
    assert "<html" not in second and second.count("Série") == 8
    assert followed["rep_b"].name in second  # rows of a later page still name their assignee


def test_a_manager_opens_on_the_team_a_rep_and_an_admin_on_their_own(app, login, followed):
    manager = as_user(app, login, followed["manager_a"])
    assert shown(manager) == {"Point manager", "Devis Hélène", "Relance Bernard"}
    mine = manager.get("/followups", query_string={"who": "me"}).get_data(as_text=True)
    assert 'href="/followups?who=me" aria-current="true"' in mine
    assert "next\" value=\"/followups?who=me\"" in mine  # the one-tap actions come back to "mine"
    assert shown(as_user(app, login, followed["rep_a"])) == {"Devis Hélène"}
    assert shown(as_user(app, login, followed["admin"])) == set()


def test_upcoming_follow_ups_show_their_due_date(app, db, login, followed):
    make_followup(db, followed["rep_a"], followed["client_a"], date(2026, 12, 3), reason="Plus tard")
    page = as_user(app, login, followed["rep_a"]).get("/followups").get_data(as_text=True)
    later = page.split("Plus tard")[0].rsplit("<li", 1)[1]
    assert "Due Thu 3 Dec" in later
    overdue = page.split("Devis Hélène")[0].rsplit("<li", 1)[1]
    assert "5 days late" in overdue and "Due " not in overdue
