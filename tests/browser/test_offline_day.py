"""A day without network on a phone: the day loaded online stays readable offline (Today, the tour, a
card, the search over the kept clients, even after a reload), says it comes from the phone, and leaves
with the rep at logout — a second person on the same phone sees nothing of it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from tests.browser.workers import DAY_CACHES, keep_the_day
from tests.factories import PASSWORD, make_client, make_tour, make_user

OFFLINE_SINCE = re.compile(r"^Hors ligne\s·\sà jour à \d\d:\d\d$")
NARROW_PHONE = {"width": 360, "height": 780}
KEPT_URLS = """name => caches.open(name).then(c => c.keys()).then(rs => rs.map(r => new URL(r.url).pathname))"""


def rep_with_a_day(live_db):
    rep = make_user(live_db, "rep", name="Rémi Rep")
    first = make_client(live_db, rep, company_name="Épicerie Noël", city="Mâcon", phone="+33385000001")
    second = make_client(live_db, rep, company_name="Garage des Œillets", city="Cluny")
    make_tour(live_db, rep, [first, second], day=timeutil.today())
    return rep, first, second


def test_the_day_loaded_online_is_readable_offline(page: Page, context, live_url, live_db, log_in, screenshot):
    rep, first, second = rep_with_a_day(live_db)
    elsewhere = make_client(live_db, rep, company_name="Fromagerie Lou", city="Tournus", phone="+33385111111")
    page.set_viewport_size(NARROW_PHONE)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("clients.detail", client_id=elsewhere.id))  # opened online: kept as "opened last"
    page.goto(live_url("agenda.today"))
    keep_the_day(page)
    page.reload()
    expect(page.locator("#offline-marker")).to_have_text(re.compile(r"^Disponible hors ligne\s·\sà jour à \d\d:\d\d$"))

    context.set_offline(True)
    try:
        response = page.goto(live_url("agenda.today"))
        assert response.from_service_worker
        expect(page.locator("#offline-marker")).to_have_text(OFFLINE_SINCE)
        screenshot(page, "01-today-offline")

        page.locator(".bottom-nav a[href='/tours']").click()
        page.locator(".client-link").first.click()  # today's tour
        expect(page.locator(".stop-name").first).to_have_text("Épicerie Noël")
        expect(page.locator("#offline-marker")).to_be_visible()
        screenshot(page, "02-tour-offline")

        page.locator(".stop-name", has_text="Garage des Œillets").click()
        expect(page.locator("h1")).to_contain_text("Garage des Œillets")
        expect(page.locator("#offline-marker")).to_contain_text("Hors ligne")
        screenshot(page, "03-card-offline")

        # The client list needs the server; offline it is the search over the clients kept here.
        page.locator(".bottom-nav a[href='/clients']").click()
        search = page.locator("#q")
        search.fill("epicerie noel")
        expect(page.locator("#offline-results .client-name")).to_have_text(["Épicerie Noël"])
        search.fill("03.85.11.11.11")
        expect(page.locator("#offline-results .client-name")).to_have_text(["Fromagerie Lou"])
        search.fill("+33 3 85 00 00 01")
        expect(page.locator("#offline-results .client-name")).to_have_text(["Épicerie Noël"])
        search.fill("oeillets")
        expect(page.locator("#offline-results .client-name")).to_have_text(["Garage des Œillets"])
        screenshot(page, "04-search-offline")
        search.fill("zzz")
        expect(page.locator("#offline-search-count")).to_have_text("Aucun client gardé sur ce téléphone ne correspond.")

        search.fill("tournus")
        page.locator("#offline-results .client-link").first.click()
        expect(page.locator("h1")).to_contain_text("Fromagerie Lou")
        page.reload()  # a reload without network: still the card, still said to come from the phone
        expect(page.locator("h1")).to_contain_text("Fromagerie Lou")
        expect(page.locator("#offline-marker")).to_have_text(OFFLINE_SINCE)
        screenshot(page, "05-card-reloaded-offline")
    finally:
        context.set_offline(False)

    page.goto(live_url("agenda.today"))  # back online: the server's page again
    expect(page.locator("body")).to_have_attribute("data-served", "network")


def test_after_logout_the_next_person_finds_nothing_of_the_first(page: Page, context, live_url, live_db, log_in,
                                                                  screenshot):
    rep, first, _second = rep_with_a_day(live_db)
    other = make_user(live_db, "rep", name="Bea Rep")
    log_in(page, rep, PASSWORD)
    page.goto(live_url("clients.detail", client_id=first.id))
    keep_the_day(page)

    page.goto(live_url("accounts.account"))
    page.locator("form[data-logout] > button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" in url)
    page.wait_for_load_state("load")
    assert page.evaluate(f"""() => new Promise(resolve => {{
        const check = (left) => {DAY_CACHES}.then(names => names.length && left
            ? setTimeout(() => check(left - 1), 100) : resolve(names));
        check(50);
    }})""") == [], "the first rep's day is still on the phone"
    assert page.evaluate("Object.keys(localStorage).filter(k => /kept|recent|draft/.test(k))") == []

    log_in(page, other, PASSWORD)
    keep_the_day(page)
    names = page.evaluate(DAY_CACHES)
    assert names == [f"fieldcrm-day-{other.id}"]
    kept = page.evaluate(KEPT_URLS, names[0])
    assert f"/clients/{first.id}" not in kept
    context.set_offline(True)
    try:
        page.goto(live_url("clients.detail", client_id=first.id))
        expect(page.locator("body")).to_contain_text("Pas de réseau")
        expect(page.locator("body")).not_to_contain_text("Épicerie Noël")
        screenshot(page, "01-second-person-offline")
    finally:
        context.set_offline(False)


def test_a_new_release_takes_over_and_keeps_the_day_and_the_queue(page: Page, live_app, live_url, live_db, log_in):
    rep, first, _second = rep_with_a_day(live_db)
    log_in(page, rep, PASSWORD)
    keep_the_day(page)
    page.evaluate("""user => localStorage.setItem('fieldcrm.queue', JSON.stringify([{uid: 'u-1', user: user,
        url: '/clients/1/log', body: 'uid=u-1', name: 'Épicerie Noël'}]))""", str(rep.id))
    old_shell = [n for n in page.evaluate("caches.keys()") if n.startswith("fieldcrm-shell-")]

    # A release: a static file changed, so the worker names another shell (its script differs).
    hashes = live_app.extensions["fieldcrm.asset_hashes"]
    hashes["js/app.js"] = "0123456789ab"
    page.evaluate("""() => navigator.serviceWorker.getRegistration().then(r => r.update()).then(() =>
        new Promise(resolve => {
            navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
            setTimeout(() => resolve(false), 10000);
        }))""")

    names = page.evaluate("""old => new Promise(resolve => {
        const check = (left) => caches.keys().then(names => names.includes(old) && left
            ? setTimeout(() => check(left - 1), 100) : resolve(names));
        check(30);
    })""", old_shell[0])
    assert f"fieldcrm-day-{rep.id}" in names, "the new worker dropped the day"
    assert not set(old_shell) & set(names), "the old shell is still kept"
    assert any(n.startswith("fieldcrm-shell-") for n in names)
    assert f"/clients/{first.id}" in page.evaluate(KEPT_URLS, f"fieldcrm-day-{rep.id}")
    assert page.evaluate("JSON.parse(localStorage.getItem('fieldcrm.queue')).map(e => e.uid)") == ["u-1"]
