"""A rep's day without network, end to end on a 360 px phone: the day is loaded online; then, offline,
Today → the tour → a card → a visit logged → a follow-up made (and done at once, before it was ever
sent) → a stop marked done → a client searched → the page reloaded; back online, every action is in
the database exactly once."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from fieldcrm.followups.models import FollowUp
from fieldcrm.outbox.models import QueuedAction
from fieldcrm.tours.models import TourStop
from fieldcrm.visits.models import Interaction
from tests.browser.conftest import assert_tappable
from tests.browser.served_rows import rows, wait_for
from tests.browser.workers import keep_the_day
from tests.factories import PASSWORD, make_client, make_tour, make_user

PHONE = {"width": 360, "height": 780}
OFFLINE_SINCE = re.compile(r"^Hors ligne\s·\sà jour à \d\d:\d\d$")




def queued_count(page: Page) -> int:
    return page.evaluate("JSON.parse(localStorage.getItem('fieldcrm.queue') || '[]').length")


def test_a_whole_day_offline_is_saved_exactly_once_when_the_network_returns(
        page: Page, context, live_app, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db, "rep", name="Rémi Rep")
    epicerie = make_client(live_db, rep, company_name="Épicerie Noël", city="Mâcon", phone="+33385000001")
    garage = make_client(live_db, rep, company_name="Garage des Œillets", city="Cluny")
    make_client(live_db, rep, company_name="Fromagerie Lou", city="Tournus")  # not part of the day
    tour, stops = make_tour(live_db, rep, [epicerie, garage], day=timeutil.today())
    page.set_viewport_size(PHONE)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("agenda.today"))
    keep_the_day(page)

    context.set_offline(True)
    try:
        # Today, from the phone
        response = page.goto(live_url("agenda.today"))
        assert response.from_service_worker
        expect(page.locator("#offline-marker")).to_have_text(OFFLINE_SINCE)
        screenshot(page, "01-today")

        # → the tour (its stops in order) → a card
        page.locator(".bottom-nav a[href='/tours']").click()
        page.locator(".client-link").first.click()
        expect(page.locator(".stop-name")).to_have_text(["Épicerie Noël", "Garage des Œillets"])
        screenshot(page, "02-tour")
        page.locator(".stop-name", has_text="Épicerie Noël").click()
        expect(page.locator("h1")).to_contain_text("Épicerie Noël")
        expect(page.locator("#offline-marker")).to_have_text(OFFLINE_SINCE)

        # → log a visit: the sheet was kept with the day; the log waits on the phone
        log = page.locator("a.action-log")
        assert_tappable(log)
        log.click()
        expect(page.locator("#log-sheet h1")).to_be_visible()
        first_uid = page.locator("input[name=uid]").input_value()
        page.reload()  # the same kept sheet, opened again: another log, with an id of its own
        assert page.locator("input[name=uid]").input_value() != first_uid
        page.locator("#note").fill("Commande de 12 cartons, livrer jeudi")
        page.locator("button.outcome-order_taken").click()
        expect(page.locator("[data-queued-note]")).to_be_visible()
        screenshot(page, "03-visit-logged")
        assert queued_count(page) == 1

        # → a follow-up from the card
        page.goto(live_url("clients.detail", client_id=epicerie.id))
        page.get_by_role("link", name="Relance", exact=True).click()
        page.locator("#reason").fill("Rappeler pour la gamme d’été")
        page.locator("#followup-form button[type=submit]").click()
        expect(page.locator(".queued-note")).to_be_visible()
        assert queued_count(page) == 2

        # The card lists the follow-up made here; done at once, before it was ever sent.
        page.goto(live_url("clients.detail", client_id=epicerie.id))
        made = page.locator("#made-offline li")
        expect(made).to_have_count(1)
        expect(made).to_contain_text("Rappeler pour la gamme d’été")
        done = made.get_by_role("button", name="Fait")
        assert_tappable(done)
        screenshot(page, "04-follow-up-made-here", full_page=False)
        done.click()
        expect(made.locator(".queued-note")).to_contain_text("« Fait » : gardé")
        assert queued_count(page) == 3

        # → mark the next stop done, on the tour page
        page.goto(live_url("tours.detail", tour_id=tour.id))
        stop = page.locator(f"#stop-{stops[1].id}")
        stop.locator("button[value=done]").click()
        expect(stop.locator(".queued-note")).to_be_visible()
        screenshot(page, "05-stop-done")
        assert queued_count(page) == 4

        # The stop's own page is on the phone too.
        page.goto(live_url("tours.stop_edit", tour_id=tour.id, stop_id=stops[0].id))
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Pas de réseau")

        # → search a client kept on the phone
        page.goto(live_url("agenda.today"))
        page.locator(".bottom-nav a[href='/clients']").click()
        page.locator("#q").fill("oeillets cluny")
        expect(page.locator("#offline-results .client-name")).to_have_text(["Garage des Œillets"])
        screenshot(page, "06-search")

        # → reload without network: the page, and the four waiting actions, are still there
        page.reload()
        expect(page.locator("#q")).to_be_visible()
        expect(page.locator("#queue-banner")).to_contain_text("4 actions en attente du réseau")
        screenshot(page, "07-reloaded")
        assert rows(live_app, QueuedAction) == [] and rows(live_app, Interaction) == []
    finally:
        context.set_offline(False)

    assert wait_for(lambda: queued_count(page) == 0, seconds=30), "the queue was not sent"
    logs = rows(live_app, Interaction, Interaction.client_id == epicerie.id)
    assert [(i.note, i.outcome) for i in logs] == [("Commande de 12 cartons, livrer jeudi", "order_taken")]
    followups = rows(live_app, FollowUp, FollowUp.client_id == epicerie.id)
    assert [(f.reason, f.status) for f in followups] == [("Rappeler pour la gamme d’été", "done")]
    assert [s.state for s in rows(live_app, TourStop, TourStop.tour_id == tour.id)] == ["planned", "done"]
    actions = rows(live_app, QueuedAction)
    assert sorted(a.endpoint for a in actions) == ["followups.made_done", "followups.new", "tours.stop_state"]
    assert len({a.action_id for a in actions}) == 3

    # Sent twice (a second tab, a retry)? Still once: the same queue replayed changes nothing.
    page.goto(live_url("agenda.today"))
    expect(page.locator("#queue-banner")).to_have_count(0)
    assert len(rows(live_app, Interaction, Interaction.client_id == epicerie.id)) == 1
    assert len(rows(live_app, FollowUp, FollowUp.client_id == epicerie.id)) == 1
    screenshot(page, "08-back-online")
