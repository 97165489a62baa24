"""On a 360 px phone, a portfolio of 3,000 located clients: the map shows clusters counted by the
server (never thousands of dots), every client counted once; a tap on a cluster zooms in and the
pins of the new area come in."""

from __future__ import annotations

import random

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_tap_targets
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, copy_located_clients, make_located_client, make_user

NARROW = {"width": 360, "height": 640}
_DRAWN = """() => [...document.querySelectorAll('#map .marker-cluster')].reduce((n, c) => n + Number(c.textContent), 0)
                  + document.querySelectorAll('#map .pin').length"""


def test_thousands_of_clients_come_as_server_clusters_on_a_narrow_phone(page: Page, live_url, live_db, log_in,
                                                                        screenshot):
    page.set_viewport_size(NARROW)
    rep = make_user(live_db, name="Rémi Rep")
    model = make_located_client(live_db, rep, "Modèle", 45.76, 4.83)
    rng = random.Random(3)
    copy_located_clients(live_db, model, [(rep.id, rng.uniform(43.3, 49.5), rng.uniform(-1.5, 7.0))
                                          for _ in range(3000)], name="Commerce")
    _offline_edges(page)
    asked = []
    page.on("response", lambda r: asked.append(r) if "/map/pins.json" in r.url else None)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("maps.index"))
    page.wait_for_selector("#map[data-pin-area=view]", state="attached")
    page.wait_for_function(f"() => ({_DRAWN})() === Number(document.getElementById('map').dataset.pinCount)")
    shown = int(page.locator("#map").get_attribute("data-pin-count"))
    assert shown == 3001  # the whole portfolio fits the first view: all counted, alone or in a cluster
    expect(page.locator("#map-count")).to_contain_text("3")
    assert page.locator("#map .pin").count() < 100  # clusters, not 3,000 dots
    assert any("south=" in r.url for r in asked)  # the second question is about the area on screen
    assert all(len(r.body()) < 200 * 1024 for r in asked)
    screenshot(page, "01-server-clusters")
    assert_tap_targets(page, "#map .marker-cluster")

    biggest = max(page.locator("#map .marker-cluster").all(), key=lambda c: int(c.inner_text()))
    with page.expect_response(lambda r: "/map/pins.json" in r.url and "south=" in r.url):
        biggest.click()  # zooms to the cluster's rectangle; the map then asks for that area
    page.wait_for_function(f"""() => Number(document.getElementById('map').dataset.pinCount) < {shown}
                                     && ({_DRAWN})() === Number(document.getElementById('map').dataset.pinCount)""")
    screenshot(page, "02-zoomed-in")
