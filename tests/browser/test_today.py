"""Today on a phone: overdue follow-ups stand out, appointments in time order, clients due for a visit,
each with one tap to call, navigate or log; a follow-up done leads straight to the log."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fieldcrm import timeutil, workdays
from fieldcrm.followups.models import FollowUp
from fieldcrm.visits.models import Interaction
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import (
    PASSWORD,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    portfolio_world,
)


def test_today_on_a_phone(page: Page, live_app, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    with live_app.app_context():
        today, now = timeutil.today(), timeutil.now()
        at = lambda hour, minute=0: timeutil.local_datetime(today, time(hour, minute))  # noqa: E731
    epicerie = make_client(live_db, rep, company_name="Épicerie Martin", phone="+33478000002",
                           street="3 rue Mercière", postal_code="69002", city="Lyon")
    make_followup(live_db, rep, world["client_a"], today - timedelta(days=3), reason="Devis à relancer")
    make_followup(live_db, rep, epicerie, today, due_time=time(17, 0), reason="Confirmer la livraison")
    make_appointment(live_db, rep, epicerie, at(14), place="3 rue Mercière, Lyon")
    make_appointment(live_db, rep, world["client_a"], at(14, 30), place="Boulangerie")
    for n, days in enumerate((95, 62, 40)):
        due = make_client(live_db, rep, company_name=f"Client à visiter {n + 1}", visit_cadence_days=30,
                          city="Villeurbanne", phone=f"+3347800001{n}")
        make_interaction(live_db, rep, due, occurred_at=now - timedelta(days=days))

    log_in(page, rep, PASSWORD)
    expect(page).to_have_url(live_url("agenda.today"))
    overdue = page.locator(".block-overdue .agenda-item")
    expect(overdue).to_have_count(1)
    expect(overdue.first).to_contain_text("3 jours de retard")
    appointments = page.locator("#h-appointments + .agenda-list .agenda-item")
    expect(appointments).to_have_count(2)
    expect(appointments.nth(0)).to_contain_text("Épicerie Martin")  # 14:00 before 14:30
    expect(page.locator(".is-overlap")).to_have_count(2)
    expect(page.locator("#h-due + .agenda-list .agenda-item")).to_have_count(3)
    expect(page.locator("#h-due + .agenda-list .agenda-item").first).to_contain_text("Client à visiter 1")
    expect(page.locator("body")).not_to_contain_text("Garage Bernard")
    screenshot(page, "01-today")
    assert_tap_targets(page, ".act, .bottom-nav a, .page-head .btn")
    assert_fits_narrow_phone(page, screenshot, "01-today")

    # One tap to call or navigate.
    first_due = page.locator("#h-due + .agenda-list .agenda-item").first
    expect(first_due.locator("a[href^='tel:']")).to_have_attribute("href", "tel:+33478000010")
    expect(page.locator(".agenda-item", has_text="Épicerie Martin").first.locator(
        "a[href*='google.com/maps']")).to_be_visible()

    # The overdue follow-up: Done → the log sheet (a call) → how it went: two taps, saved.
    overdue.first.locator(".act-done").tap()
    page.wait_for_url(lambda url: "/log" in url)
    expect(page.locator("input[name=kind][value=phone]")).to_be_checked()
    page.locator(".outcome-reached").tap()
    expect(page.locator(".saved")).to_be_visible()
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        assert db.exec(select(FollowUp.status).where(FollowUp.reason == "Devis à relancer")).one() == "done"
        assert db.exec(select(Interaction.kind).where(Interaction.client_id == world["client_a"].id)).all() == [
            "phone"]
    page.locator("#log-sheet .btn-primary", has_text="Terminé").tap()
    page.wait_for_url(live_url("agenda.today"))
    expect(page.locator(".block-overdue")).to_have_count(0)
    screenshot(page, "02-today-after")

    page.locator(".page-head a", has_text="Semaine").tap()
    page.wait_for_url(live_url("agenda.week"))
    expect(page.locator(".week-day.is-today")).to_contain_text("Épicerie Martin")
    screenshot(page, "03-week")
    assert_fits_narrow_phone(page, screenshot, "03-week")


def test_logging_from_an_overdue_follow_up_replaces_it_by_the_next_step(page: Page, live_app, live_url, live_db,
                                                                        log_in, screenshot):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    with live_app.app_context():
        today = timeutil.today()
    menuiserie = make_client(live_db, rep, company_name="Menuiserie Étienne", city="Lyon")
    make_followup(live_db, rep, menuiserie, today - timedelta(days=2), reason="Relancer le devis")

    log_in(page, rep, PASSWORD)
    overdue = page.locator(".block-overdue .agenda-item", has_text="Menuiserie Étienne")
    expect(overdue).to_have_count(1)
    overdue.locator(".act-log").tap()
    page.wait_for_url(lambda url: "/log" in url)
    page.locator(".kind-chip", has_text="Visite").tap()
    page.locator(".outcome-reached").tap()
    expect(page.locator(".saved")).to_be_visible()
    page.locator(".next-choice", has_text="Dans 1 semaine").tap()
    expect(page.locator(".next-set")).to_be_visible()
    screenshot(page, "04-logged-from-follow-up")
    page.locator("#log-sheet .btn-primary", has_text="Terminé").tap()
    page.wait_for_url(live_url("agenda.today"))
    expect(page.locator("body")).not_to_contain_text("Relancer le devis")
    expect(page.locator(".block-overdue")).to_have_count(0)
    screenshot(page, "05-today-without-the-old-follow-up")

    page.goto(live_url("followups.index"))
    line = page.locator(".agenda-item", has_text="Menuiserie Étienne")
    expect(line).to_have_count(1)
    expect(line.locator(".due-date")).to_contain_text("Pour le")
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        still_open = db.exec(select(FollowUp).where(FollowUp.client_id == menuiserie.id,
                                                    FollowUp.status == "open")).all()
        # a week on, moved to the next working day when it falls on a weekend or a public holiday
        assert [f.due_date for f in still_open] == [workdays.on_or_after(today + timedelta(days=7), rep.working_days)]
        assert db.exec(select(Interaction.kind).where(Interaction.client_id == menuiserie.id)).all() == ["visit"]
