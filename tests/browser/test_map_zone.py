"""On a phone: draw a zone on the map with the thumb (tap each corner, undo the last one), then add
the clients inside it to a day's tour. The server decides who is inside; another rep's client in the
same place is never added."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from fieldcrm import timeutil
from tests.browser.conftest import assert_tap_targets, assert_tappable
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, make_located_client, make_tour, make_user

# Far enough apart that no two pins overlap (overlapping pins gather into a cluster).
INSIDE = [(45.7450, 4.7700), (45.7750, 4.7800), (45.7500, 4.8400), (45.7800, 4.8450)]
TOWN = [(45.7600, 4.8000), (45.7650, 4.8080), (45.7550, 4.8120), (45.7700, 4.8150)]  # alone: the map zooms on them
OUTSIDE = [(45.8000, 4.8900), (45.7200, 4.7200)]  # north-east and south-west: the zone sits mid-map


def _tap(page: Page, x: float, y: float) -> None:
    """A thumb's tap, at a thumb's pace (a second tap within a blink would be a double tap)."""
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(400)


def _centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("phone", [{"width": 390, "height": 844}, {"width": 360, "height": 640}],
                         ids=["390x844", "360x640"])
def test_rep_draws_a_zone_and_adds_its_clients_to_tomorrows_tour(page: Page, phone, live_url, live_db, log_in,
                                                                    screenshot):
    from fieldcrm.tours import services
    from fieldcrm.tours.models import Tour

    page.set_viewport_size(phone)

    rep, other = make_user(live_db, name="Rémi Rep"), make_user(live_db, name="Autre Rep")
    inside = [make_located_client(live_db, rep, f"Dans la zone {i + 1}", *p) for i, p in enumerate(INSIDE)]
    for i, p in enumerate(OUTSIDE):
        make_located_client(live_db, rep, f"Hors zone {i + 1}", *p)
    stranger = make_located_client(live_db, other, "Client d'un autre", 45.7620, 4.8060)  # inside, another rep's
    make_tour(live_db, rep, [], day=timeutil.today() - timedelta(days=1), start_lat=45.7640, start_lon=4.8357,
              start_label="Bureau Lyon", start_time=time(8, 30), end_time=time(18, 30))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _offline_edges(page)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("maps.index"))
    pins = page.locator("#map .pin")
    expect(pins).to_have_count(6)
    expect(page.locator("#map-count")).to_have_text("6 clients sur la carte")
    page.locator("#draw-zone").click()
    panel = page.locator("#zone-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#draw-zone")).to_be_hidden()
    expect(page.locator("#add-in-view")).to_be_hidden()
    expect(page.locator("#zone-undo")).to_be_disabled()
    assert_tap_targets(page, "#zone-undo, #zone-cancel, #zone-form input[name=day]")

    # Corners around the four pins of the zone, found where the phone shows them (map resized for drawing).
    page.wait_for_timeout(300)
    centres = [_centre(page.locator(f"#map .pin[title^='Dans la zone {i + 1}']")) for i in range(4)]
    xs, ys = [x for x, _y in centres], [y for _x, y in centres]
    left, right, top, bottom = min(xs) - 30, max(xs) + 30, min(ys) - 30, max(ys) + 30
    box = page.locator("#map").bounding_box()
    zoom = page.locator("#map .leaflet-control-zoom").bounding_box()
    assert left > zoom["x"] + zoom["width"] or top > zoom["y"] + zoom["height"]  # not a tap on the zoom buttons
    credit = page.locator("#map .leaflet-control-attribution").bounding_box()
    assert bottom + 25 < credit["y"] or right < credit["x"]  # nor on the map's credits (a link)
    assert box["x"] < left and right < box["x"] + box["width"] and box["y"] < top and bottom + 25 < box["y"] + box["height"]
    # A concave "arrow" shape: the fourth corner is pulled in, still around every pin of the zone.
    corners = [(left, top), (right, top), (right, bottom), ((left + right) / 2, bottom + 25), (left, bottom)]
    for x, y in corners[:2]:
        _tap(page, x, y)
    expect(page.locator("#map")).to_have_attribute("data-zone-corners", "2")
    expect(page.locator("#zone-result")).to_be_empty()  # two corners are not a zone yet
    for x, y in corners[2:]:
        _tap(page, x, y)
    expect(page.locator("#map")).to_have_attribute("data-zone-corners", "5")
    add = page.locator("#zone-add button[type=submit]")
    expect(add).to_contain_text("Ajouter les 4 clients de la zone à la tournée du")
    # A stray tap far away, then "remove the last point": back to the four clients.
    _tap(page, right + 120 if right + 120 < phone["width"] - 10 else 10, top + 10)
    expect(page.locator("#map")).to_have_attribute("data-zone-corners", "6")
    page.locator("#zone-undo").click()
    expect(page.locator("#map")).to_have_attribute("data-zone-corners", "5")
    expect(add).to_contain_text("Ajouter les 4 clients")
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(6)  # 5 corners and the zone
    screenshot(page, f"01-zone-drawn-{phone['width']}", full_page=False)
    # Everything the thumb needs is on screen at once, without scrolling: map, undo, cancel, add; and the
    # add button clear of the bottom bar with room to spare (whole pixels: fonts move things by fractions).
    for target in ("#map", "#zone-undo", "#zone-cancel", "#zone-add button[type=submit]"):
        assert_tappable(page.locator(target), scroll=False)
    nav_top = page.locator(".bottom-nav").evaluate("el => el.getBoundingClientRect().top")
    add_bottom = add.evaluate("el => el.getBoundingClientRect().bottom")
    assert nav_top - add_bottom >= 8, f"the add button ends {nav_top - add_bottom:.1f} px above the bottom bar"
    tomorrow = timeutil.today() + timedelta(days=1)
    page.locator("#zone-form input[name=day]").fill(tomorrow.isoformat())
    page.locator("#zone-form input[name=day]").dispatch_event("change")
    expect(add).to_contain_text("Ajouter les 4 clients de la zone à la tournée du")
    expect(page.locator("#zone-add input[name=day]")).to_have_value(tomorrow.isoformat())
    screenshot(page, f"02-other-day-{phone['width']}")
    assert_tap_targets(page, "#zone-undo, #zone-cancel, #zone-add button")
    assert_fits_narrow_phone(page, screenshot, f"02-other-day-{phone['width']}")

    add.click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_contain_text("4 étapes ajoutées à la tournée.")
    expect(page.locator("#stops > li")).to_have_count(4)
    screenshot(page, f"03-tour-{phone['width']}")
    live_db.expire_all()
    tour = live_db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == tomorrow)).one()
    added = {c.id for _s, c in services.stops_of(live_db, tour)}
    assert added == {c.id for c in inside} and stranger.id not in added
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    assert not [e for e in errors if "Error" in e], errors


def test_cancelling_a_zone_gives_the_map_back(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db)
    for i, p in enumerate(TOWN):
        make_located_client(live_db, rep, f"Client {i + 1}", *p)
    _offline_edges(page)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("maps.index"))
    expect(page.locator("#map .pin")).to_have_count(4)
    page.locator("#draw-zone").click()
    box = page.locator("#map").bounding_box()
    for dx, dy in ((0.2, 0.2), (0.8, 0.2), (0.5, 0.8)):
        _tap(page, box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    expect(page.locator("#zone-add button")).to_be_visible()
    page.locator("#zone-cancel").click()
    expect(page.locator("#zone-panel")).to_be_hidden()
    expect(page.locator("#draw-zone")).to_be_visible()
    expect(page.locator("#zone-result")).to_be_empty()
    expect(page.locator("#map")).to_have_attribute("data-zone-corners", "0")
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(0)
    # Out of drawing mode, a tap on a pin opens its mini card again.
    page.locator("#map .pin").first.dispatch_event("click")
    expect(page.locator("#mini-card")).to_be_visible()
