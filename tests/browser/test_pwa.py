"""The app installs on a phone's home screen and says so plainly when there is no network."""

from __future__ import annotations

import struct
import time
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.workers import under_control
from tests.factories import PASSWORD, make_user


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_manifest_is_linked_and_describes_an_installable_app(page: Page, live_url, screenshot):
    page.goto(live_url("accounts.login"))
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest_url = urljoin(page.url, href)

    response = page.request.get(manifest_url)
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "FieldCRM"
    assert manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["scope"] == "/"
    assert manifest["start_url"] in ("/", urlsplit(live_url("clients.index")).path)

    icons = {(icon["sizes"], purpose) for icon in manifest["icons"] for purpose in icon["purpose"].split()}
    for size in ("192x192", "512x512"):
        assert (size, "any") in icons, size
    assert any(purpose == "maskable" for _size, purpose in icons)
    for icon in manifest["icons"]:  # each icon is served, is a PNG, and has the size it claims
        served = page.request.get(urljoin(manifest_url, icon["src"]))
        assert served.ok, icon["src"]
        width, height = png_size(served.body())
        assert f"{width}x{height}" == icon["sizes"], icon["src"]

    # Chromium's own reading of the manifest: no parse errors or ignored members.
    cdp = page.context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["errors"] == [], parsed["errors"]
    screenshot(page, "01-login")


def go_offline_after_service_worker_is_active(page: Page, context, live_server, live_db, log_in) -> None:
    """Log in (any page registers the worker), wait until it controls the page, cut the network."""
    rep = make_user(live_db, "rep", name="Rémi Rep")
    log_in(page, rep, PASSWORD)
    scope = page.evaluate("navigator.serviceWorker.ready.then(registration => registration.scope)")
    assert scope == f"{live_server}/"
    controlled = under_control(page)  # clients.claim() on activation, or asked by the page once loaded
    assert controlled, "the service worker never took control of the page"
    context.set_offline(True)


def test_service_worker_serves_the_offline_page_without_network(page: Page, context, live_server, live_url,
                                                                live_db, log_in, screenshot):
    go_offline_after_service_worker_is_active(page, context, live_server, live_db, log_in)
    try:
        response = page.goto(live_url("clients.create"))
        assert response.from_service_worker
        expect(page.locator("body")).to_contain_text("Pas de réseau")
        expect(page).to_have_title("Hors ligne · FieldCRM")
        expect(page.locator("main a[href='/']")).to_be_visible()  # "Réessayer"
        screenshot(page, "01-offline")
    finally:
        context.set_offline(False)

    page.goto(live_url("clients.index"))  # back online: the real pages again, not the offline page
    expect(page.locator("#q")).to_be_visible()


def test_offline_page_is_styled_from_the_cache(page: Page, context, live_server, live_url, live_db, log_in):
    go_offline_after_service_worker_is_active(page, context, live_server, live_db, log_in)
    try:
        page.goto(live_url("clients.create"))
        expect(page.locator("body")).to_contain_text("Pas de réseau")
        assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).position") == "sticky"
    finally:
        context.set_offline(False)


def test_a_page_loading_while_the_worker_activates_comes_under_its_control(page: Page, live_app, live_db,
                                                                           log_in):
    """The worker activates while Today is still on its way (its install waits on the offline page, Today
    takes longer): clients.claim() at activation cannot take a page that is not loaded yet, and that page
    chose no worker when it started. Once loaded it asks, and is claimed — no reload needed."""
    inner = live_app.wsgi_app
    delays = {("GET", "/offline"): 1.5, ("GET", "/"): 2.5}

    def slow(environ, start_response):
        time.sleep(delays.get((environ["REQUEST_METHOD"], environ["PATH_INFO"]), 0))
        return inner(environ, start_response)

    live_app.wsgi_app = slow
    log_in(page, make_user(live_db, "rep"), PASSWORD)
    assert under_control(page), "the page loaded during the activation was never controlled"
