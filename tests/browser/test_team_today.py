"""A manager opens Today on a 360 px phone, in French: their team's day (overdue follow-ups and clients
due per rep, the week's activity, today's appointments), then one rep's clients from the list's filter."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from fieldcrm.agenda.services import set_cadence_rules
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import (
    PASSWORD,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_team,
    make_user,
)

NARROW_PHONE = {"width": 360, "height": 780}


def test_manager_home_on_a_phone(page: Page, live_app, live_url, live_db, log_in, screenshot):
    ouest, sud = make_team(live_db, "Ouest"), make_team(live_db, "Sud-Est")
    manager = make_user(live_db, "manager", ouest, name="Manon Martin", locale="fr")
    yann = make_user(live_db, "rep", ouest, name="Yann Le Goff")
    marc = make_user(live_db, "rep", ouest, name="Marc Petit")
    cyril = make_user(live_db, "rep", sud, name="Cyril Sud")
    with live_app.app_context():
        today, now = timeutil.today(), timeutil.now()
        set_cadence_rules(live_db, {("status", "client"): 30})
    yann_clients = [make_client(live_db, yann, company_name=f"Boulangerie {n}", city="Brest") for n in range(4)]
    marc_client = make_client(live_db, marc, company_name="Garage de l'Élorn", city="Landerneau")
    cave = make_client(live_db, cyril, company_name="Cave du Sud", city="Marseille")
    for client in yann_clients[:3]:
        make_followup(live_db, yann, client, today - timedelta(days=2), reason="Relancer")
    make_interaction(live_db, yann, yann_clients[3], occurred_at=now - timedelta(minutes=30))
    make_interaction(live_db, marc, marc_client, kind="phone", occurred_at=now - timedelta(minutes=20))
    make_appointment(live_db, marc, marc_client, timeutil.local_datetime(today, time(16)), place="Atelier")
    make_followup(live_db, cyril, cave, today - timedelta(days=9), reason="Secret du Sud")

    page.set_viewport_size(NARROW_PHONE)
    log_in(page, manager, PASSWORD)
    expect(page).to_have_url(live_url("agenda.today"))
    team = page.locator("#team-day")
    expect(team.locator("h2")).to_have_text("Équipe Ouest")
    yann_card = team.locator(f".team-rep[data-rep='{yann.id}']")
    expect(yann_card.locator("[data-figure=overdue]")).to_have_text("3 relances en retard")
    expect(yann_card.locator("[data-figure=due]")).to_have_text("3 clients à visiter")  # not visited yet
    expect(yann_card.locator("[data-figure=visits]")).to_have_text("1 visite")
    expect(yann_card.locator("[data-figure=coverage]")).to_have_text("25\u00a0% couverture")  # 1 of 4 within 30 days
    marc_card = team.locator(f".team-rep[data-rep='{marc.id}']")
    expect(marc_card.locator("[data-figure=calls]")).to_have_text("1 appel")
    expect(page.locator("#team-appointments")).to_contain_text("Garage de l'Élorn")
    expect(page.locator("#team-appointments")).to_contain_text("Marc Petit")
    sunday = timeutil.week_start(today) + timedelta(days=6)
    expect(page.locator("#team-week-span")).to_contain_text(f"au dimanche {sunday.day} ")  # the whole week
    expect(marc_card.locator("[data-figure=appointments]")).to_have_text("1 rendez-vous")
    expect(page.locator("body")).not_to_contain_text("Cyril Sud")
    expect(page.locator("body")).not_to_contain_text("Secret du Sud")
    screenshot(page, "01-team-today")
    assert_tap_targets(page, "#team-day .agenda-main, #team-day .act, #team-day .btn")
    assert_fits_narrow_phone(page, screenshot, "01-team-today")

    page.get_by_role("link", name="← Semaine précédente").click()  # last week, summed up whole
    expect(page.locator("#team-week-span")).to_contain_text(f"au dimanche {(sunday - timedelta(days=7)).day} ")
    expect(yann_card.locator("[data-figure=visits]")).to_have_text("0 visite")
    assert_tap_targets(page, "#team-day .week-nav .btn")
    page.get_by_role("link", name="Semaine suivante →").click()
    expect(yann_card.locator("[data-figure=visits]")).to_have_text("1 visite")

    yann_card.locator(".agenda-main").click()  # to Yann's clients, through the list's filter by rep
    page.wait_for_url(lambda url: f"owner={yann.id}" in url)
    expect(page.locator("#owner option:checked")).to_have_text("Yann Le Goff")
    expect(page.locator("#owner")).not_to_contain_text("Cyril Sud")
    expect(page.locator("#results .client-row")).to_have_count(4)
    expect(page.locator("#results")).not_to_contain_text("Garage de l'Élorn")
    page.locator("#owner").select_option(label="Marc Petit")
    expect(page.locator("#results .client-row")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Garage de l'Élorn")
    screenshot(page, "02-clients-of-a-rep")
    assert_fits_narrow_phone(page, screenshot, "02-clients-of-a-rep")
