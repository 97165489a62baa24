"""The phone's outbox belongs to the person signed in: logging out with unsent logs says so and offers to
send them; another person signing in on the same phone never sends nor sees them; a busy server (503,
any 5xx) keeps a log in the outbox until it answers, a definitive refusal takes it out and says why."""

from __future__ import annotations

import re
import time

from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlmodel import Session, select

from fieldcrm.accounts.auth import revoke_all
from fieldcrm.clients import services as clients
from fieldcrm.visits.models import Interaction
from tests.browser.conftest import assert_tappable
from tests.factories import PASSWORD, make_client, portfolio_world

LOG_POST = re.compile(r"/clients/\d+/log(\?.*)?$")


class Server:
    """Stands between the phone and the app for visit logs: turns the next ones away with the answers
    given (e.g. 503 with Retry-After), lets the others through, and counts both."""

    def __init__(self, context: BrowserContext):
        self.refusals: list[tuple[int, dict]] = []
        self.turned_away = self.passed = 0
        context.route(LOG_POST, self._handle)

    def turn_away(self, status: int, retry_after: int | None = None, times: int = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.refusals += [(status, headers)] * times

    def _handle(self, route: Route) -> None:
        if route.request.method != "POST":
            route.fallback()
        elif self.refusals:
            status, headers = self.refusals.pop(0)
            self.turned_away += 1
            route.fulfill(status=status, headers=headers, content_type="text/plain", body="busy")
        else:
            self.passed += 1
            route.fallback()


def logs(live_app) -> list[Interaction]:
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        return list(db.exec(select(Interaction)).all())


def queue_size(page: Page) -> int:
    return page.evaluate("window.FieldCRMQueue.size()")


def log_out_button(page: Page):
    return page.locator("form[data-logout] > button[type=submit]")


def test_logging_out_with_an_unsent_log_warns_and_sends_it_first(page: Page, context, live_app, live_url, live_db,
                                                                log_in, screenshot):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    server = Server(context)
    log_in(page, rep, PASSWORD)
    server.turn_away(503, retry_after=600, times=2)  # the database is down for a while
    page.goto(live_url("visits.log", client_id=world["client_a"].id))
    page.locator("#note").fill("Commande de printemps à confirmer")
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    assert queue_size(page) == 1 and logs(live_app) == []

    page.goto(live_url("accounts.account"))
    expect(page.locator("#queue-banner")).to_be_visible()
    log_out_button(page).click()
    warning = page.locator("[data-outbox-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("1 visite non envoyée")
    expect(warning).to_contain_text("supprimée de ce téléphone")
    assert page.url == live_url("accounts.account")  # still signed in
    screenshot(page, "01-warning")
    assert_tappable(warning.locator("[data-outbox-send]"))
    assert_tappable(warning.locator("[data-outbox-discard]"))

    # Still down: the log stays, the warning says so, nobody is logged out.
    warning.locator("[data-outbox-send]").click()
    expect(warning.locator("[data-outbox-still]")).to_be_visible()
    assert queue_size(page) == 1 and page.url == live_url("accounts.account")

    # Back up: "send them first" sends it, then logs out.
    warning.locator("[data-outbox-send]").click()
    page.wait_for_url(live_url("accounts.login"))
    expect(page.locator(".flash")).to_contain_text("déconnecté")
    saved = logs(live_app)
    assert [(i.author_id, i.note) for i in saved] == [(rep.id, "Commande de printemps à confirmer")]
    assert server.turned_away == 2 and server.passed == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('fieldcrm.queue') || '[]')") == []  # emptied, or all storage cleared


def test_log_out_anyway_deletes_the_unsent_log_from_the_phone(page: Page, context, live_app, live_url, live_db,
                                                              log_in):
    world = portfolio_world(live_db)
    log_in(page, world["rep_a"], PASSWORD)
    page.goto(live_url("visits.log", client_id=world["client_a"].id))
    context.set_offline(True)
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    Server(context).turn_away(503, retry_after=600, times=5)  # the network is back, the server is not
    context.set_offline(False)
    page.goto(live_url("accounts.account"))
    log_out_button(page).click()
    page.locator("[data-outbox-discard]").click()
    page.wait_for_url(live_url("accounts.login"))
    # No one else's work waited on the phone: the logout cleared the site's storage, queue and drafts included.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('fieldcrm.'))") == []
    assert logs(live_app) == []


def test_the_next_person_on_the_phone_never_sends_nor_sees_the_first_ones_logs(page: Page, context, live_app,
                                                                                live_url, live_db, log_in,
                                                                                screenshot):
    world = portfolio_world(live_db)
    rep, manager, helene = world["rep_a"], world["manager_a"], world["client_a"]
    garage = make_client(live_db, rep, company_name="Garage Martin", city="Lyon")  # the manager sees both
    log_in(page, rep, PASSWORD)
    page.goto(live_url("visits.log", client_id=garage.id))
    page.locator("#note").fill("Brouillon de Rémi : remise confidentielle")
    page.goto(live_url("visits.log", client_id=helene.id))
    page.locator("#note").fill("Vu hors réseau, commande à suivre")
    context.set_offline(True)
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    # Rémi's session ends without the logout button (closed from another device), then the network returns.
    context.clear_cookies()
    context.set_offline(False)

    log_in(page, manager, PASSWORD)
    expect(page.locator("body")).to_have_attribute("data-user", str(manager.id))
    assert page.evaluate("window.FieldCRMQueue.flush()") == 0  # nothing of the manager's to send
    expect(page.locator("#queue-banner")).to_have_count(0)
    for client in (helene, garage):  # neither Rémi's queued log nor his draft on their sheets
        page.goto(live_url("visits.log", client_id=client.id))
        expect(page.locator("#note")).to_have_value("")
        expect(page.locator("[data-draft-note]")).to_be_hidden()
        expect(page.locator("#queue-banner")).to_have_count(0)
    screenshot(page, "01-manager-sees-nothing-of-remi")
    time.sleep(1)
    assert logs(live_app) == []  # nothing sent under the manager's name
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('fieldcrm.draft.'))")
    assert drafts == []  # Rémi's draft left the phone when someone else signed in

    # Rémi's log waited for him, untouched: back on his phone, it is sent under his name.
    page.goto(live_url("accounts.account"))
    log_out_button(page).click()
    page.wait_for_url(live_url("accounts.login"))
    log_in(page, rep, PASSWORD)
    deadline = time.monotonic() + 20
    while not logs(live_app) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(i.author_id, i.client_id, i.note) for i in logs(live_app)] == [
        (rep.id, helene.id, "Vu hors réseau, commande à suivre")]


def test_a_log_sent_after_the_session_ended_elsewhere_waits_for_its_author(page: Page, context, live_app, live_url,
                                                                          live_db, log_in):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    log_in(page, rep, PASSWORD)
    page.goto(live_url("visits.log", client_id=world["client_a"].id))
    page.locator("#note").fill("Noté dans le parking")
    context.set_offline(True)
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    revoke_all(live_db, rep.id)  # "log out everywhere" from the office computer
    live_db.commit()
    context.set_offline(False)  # the queue is sent: the server answers with the way to the login page
    page.wait_for_timeout(1500)
    assert queue_size(page) == 1 and logs(live_app) == []  # not mistaken for a success

    log_in(page, rep, PASSWORD)
    deadline = time.monotonic() + 20
    while not logs(live_app) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(i.author_id, i.note) for i in logs(live_app)] == [(rep.id, "Noté dans le parking")]


def test_a_busy_server_keeps_the_log_queued_and_it_is_sent_once_when_it_answers(page: Page, context, live_app,
                                                                                 live_url, live_db, log_in,
                                                                                 screenshot):
    world = portfolio_world(live_db)
    server = Server(context)
    log_in(page, world["rep_a"], PASSWORD)
    server.turn_away(503, retry_after=1)  # database busy: "try again in a second"
    server.turn_away(500)  # then an error with no advice: kept for the next try
    page.goto(live_url("visits.log", client_id=world["client_a"].id))
    page.locator("#note").fill("Rendez-vous décalé à jeudi")
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    expect(page.locator("#queue-banner")).to_be_visible()
    screenshot(page, "01-server-busy")
    deadline = time.monotonic() + 10
    while server.turned_away < 2 and time.monotonic() < deadline:  # the retry Retry-After asked for
        page.wait_for_timeout(200)
    assert server.turned_away == 2 and server.passed == 0
    assert queue_size(page) == 1 and logs(live_app) == []

    page.evaluate("window.FieldCRMQueue.flush()")  # the next try (the network event, the 30 s timer)
    page.wait_for_url(lambda url: "/interactions/" in url, timeout=20_000)
    expect(page.locator(".saved")).to_be_visible()
    assert queue_size(page) == 0 and server.passed == 1
    assert [i.note for i in logs(live_app)] == ["Rendez-vous décalé à jeudi"]


def test_a_log_the_server_refuses_for_good_leaves_the_queue_and_the_rep_is_told(page: Page, context, live_app,
                                                                                live_url, live_db, log_in,
                                                                                screenshot):
    world = portfolio_world(live_db)
    rep, helene = world["rep_a"], world["client_a"]
    log_in(page, rep, PASSWORD)
    page.goto(live_url("visits.log", client_id=helene.id))
    context.set_offline(True)
    page.locator(".outcome-reached").tap()
    expect(page.locator("[data-queued-note]")).to_be_visible()
    with live_app.test_request_context():
        clients.soft_delete(live_db, rep, helene)  # meanwhile the client was deleted (404 from now on)
    page.goto("about:blank")
    context.set_offline(False)
    page.goto(live_url("agenda.today"))
    refused = page.locator("#outbox-refused")
    expect(refused).to_contain_text("Boulangerie Hélène")
    expect(refused).to_contain_text("404")
    screenshot(page, "01-refused")
    assert queue_size(page) == 0 and logs(live_app) == []
    refused.get_by_role("button").click()
    expect(refused).to_have_count(0)
    page.reload()
    expect(page.locator("#outbox-refused")).to_have_count(0)
