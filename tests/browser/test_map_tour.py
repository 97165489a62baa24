"""On a phone: open the map, add 6 clients to today's tour from their pins, optimise, see the
numbered order and ETAs, open a navigation link, mark a stop done and log the visit."""

from __future__ import annotations

import base64
from datetime import time, timedelta

from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, make_client, make_tour, make_user

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")
PLACES = [(45.7797, 4.8277), (45.7485, 4.8467), (45.7578, 4.8021), (45.7712, 4.8655), (45.7421, 4.8189),
          (45.7850, 4.8500)]


def _offline_edges(page: Page) -> None:
    """Tiles become a blank PNG, navigation apps a stub page: the test never reaches the internet."""
    page.context.route("**/tile.openstreetmap.org/**",
                       lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
    page.context.route("https://www.google.com/**", lambda route: route.fulfill(status=200, body="maps"))


def test_rep_plans_and_drives_todays_tour_on_a_phone(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db, name="Rémi Rep")
    clients = []
    for i, (lat, lon) in enumerate(PLACES):
        client = make_client(live_db, rep, company_name=f"Boulangerie {i + 1}", postal_code="69001", city="Lyon",
                             phone="+3347800000" + str(i))
        client.latitude, client.longitude, client.geo_precision = lat, lon, "street"
        live_db.add(client)
        clients.append(client)
    live_db.commit()
    # Yesterday's tour gives today's its start (the office) and hours.
    make_tour(live_db, rep, [], day=timeutil.today() - timedelta(days=1), start_lat=45.7640, start_lon=4.8357,
              start_label="Bureau Lyon", start_time=time(8, 30), end_time=time(18, 30))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _offline_edges(page)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("maps.index"))
    expect(page.locator("#map-count")).to_contain_text("6")
    pins = page.locator("#map .pin")
    expect(pins).to_have_count(6)
    screenshot(page, "01-map")
    assert_fits_narrow_phone(page, screenshot, "01-map")
    assert_tap_targets(page, ".leaflet-control-zoom a, #around-me, #map .pin")

    # "Around me" with the phone's position: the nearest clients, by distance.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": PLACES[2][0], "longitude": PLACES[2][1]})
    page.locator("#around-me").click()
    nearest = page.locator("#nearby .client-name")
    expect(nearest.first).to_have_text("Boulangerie 3")
    screenshot(page, "01b-around-me")

    # Back to the whole map: "around me" zoomed out to the town, where close pins gather in a cluster.
    page.goto(live_url("maps.index"))
    for i in range(6):
        expect(pins).to_have_count(6)
        name = pins.nth(i).get_attribute("title").split(" · ")[0]
        pins.nth(i).dispatch_event("click")
        sheet = page.locator("#mini-card")
        expect(sheet.locator("h2")).to_have_text(name)  # this pin's card, not the one before it still on screen
        if i == 0:
            screenshot(page, "02-mini-card")
            assert_tap_targets(page, "#mini-card .action")
        sheet.locator("[data-add-to-tour]").click()
        expect(page.locator("#added-to-tour")).to_contain_text("tournée du jour")  # in the sheet: the map stays put

    page.goto(live_url("tours.today"))
    expect(page.locator("#stops > li")).to_have_count(6)
    page.locator("#optimise").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_contain_text("Tournée optimisée")
    numbers = page.locator("#stops .stop-number")
    assert [numbers.nth(i).inner_text() for i in range(6)] == ["1", "2", "3", "4", "5", "6"]
    expect(page.locator("#stops .eta")).to_have_count(6)
    expect(page.locator("#tour-totals")).to_contain_text("km")
    expect(page.locator("#map .tour-stop")).to_have_count(6)
    screenshot(page, "03-optimised")
    assert_fits_narrow_phone(page, screenshot, "03-optimised")
    assert_tap_targets(page, "#stops .stop-actions .btn, #stops .icon-btn, #optimise")

    # Drag the second stop by its number onto the first: the order changes and the times are recomputed.
    stops = page.locator("#stops > li")
    last_name = stops.nth(1).locator(".stop-name").inner_text()
    stops.nth(1).scroll_into_view_if_needed()
    stops.first.locator(".stop-number").scroll_into_view_if_needed()
    handle = stops.nth(1).locator(".stop-number")
    target = stops.first.locator(".stop-number").bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 20, target["y"] + 5, steps=12)
    with page.expect_navigation():
        page.mouse.up()
    expect(page.locator("#stops > li").first.locator(".stop-name")).to_have_text(last_name)
    expect(page.locator("#stops .eta")).to_have_count(6)

    with page.expect_popup() as popup_info:
        page.locator("#stops > li").first.locator("[data-nav=google]").click()
    popup = popup_info.value
    assert "google.com/maps/dir" in popup.url and "destination=" in popup.url
    popup.close()

    first_name = page.locator("#stops > li").first.locator(".stop-name").inner_text()
    page.locator("#stops > li").first.get_by_role("button", name="Fait").click()
    # Sent through the phone's outbox (once, even if the network drops), then the quick visit log opens
    page.wait_for_url(lambda url: "/log" in url or "/clients/" in url)
    screenshot(page, "04-log-visit")
    if "/log" in page.url:  # the quick log: one tap on how it went saves the visit
        import time as clock

        from sqlmodel import select

        from fieldcrm.visits.models import Interaction

        page.locator("button.outcome[value=reached]").click()
        logged = []
        for _ in range(50):  # the log may be sent in the background by visits.js
            live_db.expire_all()
            logged = live_db.exec(select(Interaction)).all()
            if logged:
                break
            clock.sleep(0.1)
        assert len(logged) == 1 and logged[0].outcome == "reached"
        screenshot(page, "04b-logged")
    page.goto(live_url("tours.today"))
    done = page.locator("#stops > li.stop-done")
    expect(done).to_have_count(1)
    expect(done.locator(".stop-name")).to_have_text(first_name)
    screenshot(page, "05-after-done")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_rep_places_a_pin_by_hand(page: Page, live_url, live_db, log_in, screenshot):
    from fieldcrm.clients.models import Client

    rep = make_user(live_db)
    client = make_client(live_db, rep, company_name="Ferme du Bout du Chemin", postal_code="69001", city="Lyon")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _offline_edges(page)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("maps.place", client_id=client.id))
    marker = page.locator("#map .pin-drag")
    expect(marker).to_be_visible()
    before = float(page.locator("#place-lat").input_value())
    box = marker.bounding_box()
    page.mouse.move(box["x"] + 22, box["y"] + 22)
    page.mouse.down()
    page.mouse.move(box["x"] + 22, box["y"] - 120, steps=10)
    page.mouse.up()
    after = float(page.locator("#place-lat").input_value())
    assert after > before  # dragged north
    screenshot(page, "01-dragged")
    page.get_by_role("button", name="Enregistrer cette position").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_contain_text("conservée tant que l'adresse ne change pas")
    live_db.expire_all()
    saved = live_db.get(Client, client.id)
    assert saved.geo_precision == "manual" and abs(saved.latitude - after) < 1e-6
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_todays_tour_before_any_stop_looks_the_same_and_is_saved_by_its_first_button(
        page: Page, live_url, live_db, log_in, screenshot):
    from sqlmodel import select

    from fieldcrm.tours.models import Tour

    rep = make_user(live_db, name="Rémi Rep")
    make_tour(live_db, rep, [], day=timeutil.today() - timedelta(days=1), start_lat=45.7640, start_lon=4.8357,
              start_label="Bureau Lyon", start_time=time(8, 30), end_time=time(18, 30))
    _offline_edges(page)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("tours.index"))
    page.get_by_role("link", name="Tournée du jour").click()
    expect(page.locator("#tour h1")).to_contain_text("Tournée du")
    expect(page.locator("#tour .card-sub")).to_contain_text("Bureau Lyon")  # yesterday's start, as before
    expect(page.locator("details.add-stops")).to_have_attribute("open", "")
    screenshot(page, "06-unsaved-day")
    assert_tap_targets(page, "#tour .card-head .btn")
    live_db.expire_all()
    assert len(live_db.exec(select(Tour)).all()) == 1  # looking saved nothing
    page.get_by_role("button", name="Départ, arrivée et horaires").click()
    page.wait_for_load_state()
    assert "/settings" in page.url
    live_db.expire_all()
    assert [t.day for t in live_db.exec(select(Tour).order_by(Tour.day)).all()][-1] == timeutil.today()
