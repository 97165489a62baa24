"""A rep on a phone logs a visit in three taps; drafts survive; a log made offline is sent once."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect
from sqlmodel import Session, func, select

from fieldcrm.followups.models import FollowUp
from fieldcrm.visits.models import Interaction
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, make_client, portfolio_world


def rows(live_app, model):
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        return db.exec(select(func.count(model.id))).one()


class Thumb:
    """Taps like a thumb (touch events) and counts them."""

    def __init__(self, page: Page):
        self.page, self.count = page, 0

    def tap(self, locator):
        locator.tap()
        self.count += 1


def test_three_taps_log_a_visit_and_set_the_follow_up(page: Page, live_app, live_url, live_db, log_in,
                                                      screenshot):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    for name in ("Garage Martin", "Pharmacie du Centre"):
        make_client(live_db, rep, company_name=name, city="Lyon", phone="+33478000099")
    log_in(page, rep, PASSWORD)
    page.goto(live_url("clients.index"))
    row = page.locator("#results .client-row", has_text="Boulangerie Hélène")
    thumb = Thumb(page)

    started = time.perf_counter()
    thumb.tap(row.locator("[data-quick-log]"))  # 1: "Log" on the row
    page.wait_for_url(live_url("visits.log", client_id=world["client_a"].id, next="/clients"))
    expect(page.locator(".outcome-reached")).to_be_visible()
    screenshot(page, "01-sheet")
    assert_tap_targets(page, ".outcome, .kind-chip span, .bottom-nav a")
    assert_fits_narrow_phone(page, screenshot, "01-sheet")

    thumb.tap(page.locator(".outcome-reached"))  # 2: how it went: saved
    expect(page.locator(".saved")).to_contain_text("Enregistré")
    screenshot(page, "02-saved")
    assert_tap_targets(page, ".next-choice, #log-sheet .card-foot .btn")
    assert_fits_narrow_phone(page, screenshot, "02-saved")

    thumb.tap(page.locator(".next-choice[value='7d']"))  # 3: the next step, in one week
    expect(page.locator(".next-set")).to_be_visible()
    elapsed = time.perf_counter() - started
    screenshot(page, "03-follow-up-set")

    assert thumb.count == 3
    assert rows(live_app, Interaction) == 1 and rows(live_app, FollowUp) == 1

    # The same three taps on another client, timed without the screenshots and layout checks.
    page.goto(live_url("clients.index"))
    thumb, started = Thumb(page), time.perf_counter()
    thumb.tap(page.locator("#results .client-row", has_text="Garage Martin").locator("[data-quick-log]"))
    thumb.tap(page.locator(".outcome-reached"))
    thumb.tap(page.locator(".next-choice[value='7d']"))
    expect(page.locator(".next-set")).to_be_visible()
    timed = time.perf_counter() - started
    assert thumb.count == 3 and rows(live_app, Interaction) == 2 and rows(live_app, FollowUp) == 2
    print(f"\nthree-tap visit log: {thumb.count} taps; {timed:.2f} s from the list to the follow-up set "
          f"({elapsed:.2f} s with screenshots), server + browser, no think time")
    assert timed < 5


def test_draft_survives_leaving_the_page_and_sensitive_words_warn(page: Page, live_url, live_db, log_in,
                                                                   screenshot):
    world = portfolio_world(live_db)
    log_in(page, world["rep_a"], PASSWORD)
    log_url = live_url("visits.log", client_id=world["client_a"].id)
    page.goto(log_url)
    note = page.locator("#note")
    note.press_sequentially("Le gérant est malade, repasser", delay=10)
    expect(page.locator("[data-note-warning]")).to_be_visible()
    expect(page.locator("[data-note-warning]")).to_contain_text("malade")
    screenshot(page, "01-warning")
    page.goto(live_url("clients.index"))  # leave without saving
    page.goto(log_url)
    expect(page.locator("#note")).to_have_value("Le gérant est malade, repasser")
    expect(page.locator("[data-draft-note]")).to_be_visible()
    expect(page.locator("[data-note-warning]")).to_be_visible()


def test_a_visit_logged_offline_is_sent_once_when_the_network_returns(page: Page, context, live_app, live_url,
                                                                       live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    log_in(page, world["rep_a"], PASSWORD)
    page.goto(live_url("visits.log", client_id=world["client_a"].id))
    expect(page.locator(".outcome-reached")).to_be_visible()
    page.locator("#note").fill("Vu en zone blanche, commande à suivre")

    context.set_offline(True)
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    expect(page.locator("#queue-banner")).to_be_visible()
    screenshot(page, "01-queued-offline")
    assert rows(live_app, Interaction) == 0
    assert page.evaluate("window.FieldCRMQueue.size()") == 1

    context.set_offline(False)  # the `online` event sends the queue
    page.wait_for_url(lambda url: "/interactions/" in url, timeout=40_000)
    expect(page.locator(".saved")).to_be_visible()
    screenshot(page, "02-sent-when-back-online")
    assert page.evaluate("window.FieldCRMQueue.size()") == 0
    # A second send of the same log (a retry racing the first) changes nothing.
    uid = page.locator("#log-sheet").get_attribute("data-logged")
    status = page.evaluate("""([url, uid]) => fetch(url, {method: "POST", body: new URLSearchParams({uid, outcome: "reached"}),
        headers: {"X-CSRFToken": JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"],
                  "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}})
        .then(r => r.status)""", [live_url("visits.log", client_id=world["client_a"].id), uid])
    assert status == 200  # "already saved", not a second row
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        saved = db.exec(select(Interaction)).all()
    assert len(saved) == 1 and saved[0].note == "Vu en zone blanche, commande à suivre"
