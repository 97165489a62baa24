"""A day without network, on a 360 px phone: a follow-up created and another one done, a tour stop done,
all while offline; back online, each is saved exactly once (the pages stay open in four tabs, which
all hear the network return). A card corrected offline that the office changed meanwhile: the rep sees
both values and chooses. Logging out with unsent actions; a second person on the same phone."""

from __future__ import annotations

import re
import time

from playwright.sync_api import BrowserContext, Page, Route, expect

from fieldcrm import timeutil
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp
from fieldcrm.outbox.models import QueuedAction
from fieldcrm.tours.models import TourStop
from tests.browser.conftest import assert_tappable
from tests.browser.served_rows import rows as fresh
from tests.browser.served_rows import wait_for
from tests.factories import PASSWORD, make_client, make_followup, make_tour, portfolio_world

SMALL_PHONE = {"width": 360, "height": 740}
DAY_CACHES = "caches.keys().then(names => names.filter(n => n.startsWith('fieldcrm-day-')))"
QUEUED_POST = re.compile(r"/(followups/\d+/(done|snooze)|clients/\d+/(followups/new|correct)|tours/\d+/stops/\d+/state)$")




def rep_on_a_small_phone(page: Page, live_db, log_in) -> dict:
    """The portfolio world, with Rémi (rep_a) signed in on a 360 px phone."""
    world = portfolio_world(live_db)
    page.set_viewport_size(SMALL_PHONE)
    log_in(page, world["rep_a"], PASSWORD)
    return world


def tab(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.set_viewport_size(SMALL_PHONE)
    page.goto(url)
    return page


def queue(page: Page) -> list:
    return page.evaluate("JSON.parse(localStorage.getItem('fieldcrm.queue') || '[]')")


class Busy:
    """The network is back but the server answers 503 to the queued actions until told otherwise."""

    def __init__(self, context: BrowserContext):
        self.busy, self.passed = True, 0
        context.route(QUEUED_POST, self._handle)

    def _handle(self, route: Route) -> None:
        if route.request.method == "POST" and self.busy:
            route.fulfill(status=503, headers={"Retry-After": "600"}, content_type="text/plain", body="busy")
        else:
            self.passed += route.request.method == "POST"
            route.fallback()


def test_offline_follow_ups_and_a_stop_are_saved_once_when_the_network_returns(
        page: Page, context, live_app, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    rep, helene = world["rep_a"], world["client_a"]
    garage = make_client(live_db, rep, company_name="Garage Martin", city="Lyon")
    due = make_followup(live_db, rep, garage, timeutil.today(), reason="Rappeler pour le devis")
    tour, stops = make_tour(live_db, rep, [helene, garage], day=timeutil.today())
    page.set_viewport_size(SMALL_PHONE)
    log_in(page, rep, PASSWORD)
    # The pages of the day, open before the network goes (keeping them offline is the service worker's job).
    new_followup = tab(context, live_url("followups.new", client_id=helene.id))
    today = tab(context, live_url("agenda.today"))
    day_tour = tab(context, live_url("tours.detail", tour_id=tour.id))
    context.set_offline(True)

    new_followup.locator("#reason").fill("Présenter la gamme d’été")
    new_followup.locator("#followup-form button[type=submit]").click()
    expect(new_followup.locator(".queued-note")).to_have_text(
        "« Nouvelle relance » : gardé sur ce téléphone, envoyé au retour du réseau.")
    screenshot(new_followup, "01-follow-up-kept-on-the-phone")

    line = today.locator(f"[data-followup='{due.id}']")
    line.locator(".act-done").click()
    expect(line.locator(".queued-note")).to_contain_text("« Fait » : gardé")
    expect(line.locator("button").first).to_be_disabled()  # "tomorrow" waits for "done"
    expect(today.locator("#queue-banner")).to_contain_text("2 actions en attente du réseau")
    screenshot(today, "02-today-done-kept")

    stop = day_tour.locator(f"#stop-{stops[0].id}")
    stop.locator("button[value=done]").click()
    expect(stop.locator(".queued-note")).to_be_visible()
    assert_tappable(stop.locator(".queued-note"), min_size=20)
    screenshot(day_tour, "03-stop-done-kept")
    assert len(queue(day_tour)) == 3
    assert fresh(live_app, QueuedAction) == []  # nothing reached the server

    context.set_offline(False)  # every tab hears it; one sends, the others find the queue emptied
    assert wait_for(lambda: len(fresh(live_app, QueuedAction)) == 3)
    assert wait_for(lambda: queue(day_tour) == [])
    made = fresh(live_app, FollowUp, FollowUp.client_id == helene.id)
    assert [(f.reason, f.status) for f in made] == [("Présenter la gamme d’été", "open")]
    assert fresh(live_app, FollowUp, FollowUp.id == due.id)[0].status == "done"
    assert fresh(live_app, TourStop, TourStop.id == stops[0].id)[0].state == "done"
    day_tour.reload()
    expect(day_tour.locator("#queue-banner")).to_have_count(0)
    expect(day_tour.locator(f"#stop-{stops[0].id}")).to_contain_text("Fait")


def test_a_correction_that_meets_a_changed_card_lets_the_rep_choose(page: Page, context, live_app, live_url,
                                                                    live_db, log_in, screenshot):
    world = rep_on_a_small_phone(page, live_db, log_in)
    helene = world["client_a"]
    page.goto(live_url("clients.detail", client_id=helene.id))
    correct = page.get_by_role("link", name="Corriger le téléphone, l’e-mail ou les notes")
    assert_tappable(correct)
    correct.scroll_into_view_if_needed()
    screenshot(page, "00-card", full_page=False)
    correct.click()
    expect(page.locator("#phone")).to_have_value("04 78 00 00 01")
    context.set_offline(True)
    page.locator("#phone").fill("06 12 34 56 78")
    page.locator("#notes").fill("Livrer avant 7 h")
    page.locator("#correct-form button[type=submit]").click()
    expect(page.locator(".queued-note")).to_be_visible()
    with live_app.test_request_context():  # meanwhile, at the office, the phone number is changed
        card = live_db.get(Client, helene.id)
        clients.update_client(live_db, world["manager_a"], card, {"phone": "+33478999999", "city": "Villeurbanne"},
                              card.version)

    context.set_offline(False)
    dialog = page.locator("#conflict-dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("Quelqu’un a modifié cette fiche")
    expect(dialog).to_contain_text("06 12 34 56 78")
    expect(dialog).to_contain_text("04 78 99 99 99")
    # what else changed at the office: the version the rep saw and the current one
    expect(dialog.locator(".conflict-meanwhile")).to_contain_text("Ville")
    expect(dialog.locator(".conflict-meanwhile")).to_contain_text("Villeurbanne")
    expect(dialog.locator("fieldset")).to_have_count(2)
    # the notes met no change: the rep's value is already chosen; the phone waits for a choice
    expect(dialog.locator("input[name=pick-notes][value=mine]")).to_be_checked()
    expect(dialog.locator("input[name=pick-phone]:checked")).to_have_count(0)
    screenshot(page, "01-both-versions")
    saved = fresh(live_app, Client, Client.id == helene.id)[0]
    assert (saved.phone, saved.notes) == ("+33478999999", None)  # nothing overwritten while undecided
    mine = dialog.locator("label.conflict-choice").first
    assert_tappable(mine)
    mine.click()
    dialog.get_by_role("button").click()
    expect(dialog).to_have_count(0)
    assert wait_for(lambda: fresh(live_app, Client, Client.id == helene.id)[0].notes == "Livrer avant 7 h")
    saved = fresh(live_app, Client, Client.id == helene.id)[0]
    assert saved.phone == "+33612345678"
    assert page.evaluate("localStorage.getItem('fieldcrm.conflicts')") == "[]"


def test_logging_out_with_unsent_actions_offers_to_send_them_first(page: Page, context, live_app, live_url,
                                                                   live_db, log_in, screenshot):
    world = rep_on_a_small_phone(page, live_db, log_in)
    helene = world["client_a"]
    page.goto(live_url("followups.new", client_id=helene.id))
    context.set_offline(True)
    page.locator("#reason").fill("Relancer la commande")
    page.locator("#followup-form button[type=submit]").click()
    expect(page.locator(".queued-note")).to_be_visible()
    server = Busy(context)  # the network returns, the server is busy
    context.set_offline(False)
    page.goto(live_url("accounts.account"))
    page.locator("form[data-logout] > button[type=submit]").click()
    warning = page.locator("[data-outbox-warning]")
    expect(warning).to_contain_text("1 action non envoyée")
    expect(warning.locator("[data-outbox-list] li")).to_have_text(["Nouvelle relance · Boulangerie Hélène"])
    screenshot(page, "01-warning")
    server.busy = False
    warning.locator("[data-outbox-send]").click()
    page.wait_for_url(live_url("accounts.login"))
    assert [f.reason for f in fresh(live_app, FollowUp, FollowUp.client_id == helene.id)] == ["Relancer la commande"]
    assert server.passed == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('fieldcrm.queue') || '[]')") == []  # emptied, or all storage cleared


def test_the_next_person_on_the_phone_never_sends_the_first_ones_actions(page: Page, context, live_app, live_url,
                                                                          live_db, log_in, screenshot):
    world = rep_on_a_small_phone(page, live_db, log_in)
    rep, manager, helene = world["rep_a"], world["manager_a"], world["client_a"]
    tour, stops = make_tour(live_db, rep, [helene], day=timeutil.today())
    page.goto(live_url("tours.detail", tour_id=tour.id))
    context.set_offline(True)
    page.locator(f"#stop-{stops[0].id} button[value=skipped]").click()
    expect(page.locator(".queued-note")).to_be_visible()
    context.clear_cookies()  # Rémi's session ends without the logout button
    context.set_offline(False)

    log_in(page, manager, PASSWORD)
    assert page.evaluate("window.FieldCRMQueue.flush()") == 0
    expect(page.locator("#queue-banner")).to_have_count(0)
    screenshot(page, "01-manager-sees-nothing")
    time.sleep(1)
    assert fresh(live_app, QueuedAction) == []
    assert fresh(live_app, TourStop, TourStop.id == stops[0].id)[0].state == "planned"

    page.goto(live_url("accounts.account"))
    page.locator("form[data-logout] > button[type=submit]").click()
    page.wait_for_url(live_url("accounts.login"))
    log_in(page, rep, PASSWORD)  # back with Rémi: his action is sent under his name
    assert wait_for(lambda: fresh(live_app, TourStop, TourStop.id == stops[0].id)[0].state == "skipped")
    assert [q.user_id for q in fresh(live_app, QueuedAction)] == [rep.id]


def test_a_logout_tried_offline_deletes_nothing_and_says_it_needs_the_network(
        page: Page, context, live_app, live_url, live_db, log_in, screenshot):
    world = rep_on_a_small_phone(page, live_db, log_in)
    helene = world["client_a"]
    page.evaluate("window.FieldCRMOffline.refresh(true)")
    kept = page.evaluate(DAY_CACHES)
    assert kept, "the day was not kept"
    new_followup = tab(context, live_url("followups.new", client_id=helene.id))
    page.goto(live_url("accounts.account"))
    context.set_offline(True)
    new_followup.locator("#reason").fill("Relancer la commande")
    new_followup.locator("#followup-form button[type=submit]").click()
    expect(new_followup.locator(".queued-note")).to_be_visible()

    page.locator("form[data-logout] > button[type=submit]").click()
    page.locator("[data-outbox-discard]").click()  # even "log out anyway": the server must answer first
    notice = page.locator("[data-outbox-offline]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("réseau")
    screenshot(page, "01-logout-needs-the-network")
    assert len(queue(page)) == 1
    assert page.evaluate(DAY_CACHES) == kept
    assert page.url == live_url("accounts.account")

    context.set_offline(False)  # nothing was lost: the follow-up goes, the rep is still signed in
    assert wait_for(lambda: [f.reason for f in fresh(live_app, FollowUp, FollowUp.client_id == helene.id)]
                    == ["Relancer la commande"])
    page.goto(live_url("agenda.today"))
    expect(page).to_have_url(live_url("agenda.today"))
    page.goto(live_url("accounts.account"))
    page.locator("form[data-logout] > button[type=submit]").click()
    page.wait_for_url(live_url("accounts.login"))
