"""On a 360 px phone: pins that sit on top of each other gather into a numbered cluster whatever
their number (80 clients of one town are not one blob of dots), a tap on it opens them up; the
filters, long names included, fit the screen."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_tap_targets
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, make_located_client, make_user

NARROW = {"width": 360, "height": 640}
# Every client drawn once, alone or inside a cluster's count.
_DRAWN = """() => [...document.querySelectorAll('#map .marker-cluster')].reduce((n, c) => n + Number(c.textContent), 0)
                  + document.querySelectorAll('#map .pin').length"""


def _settled(page: Page) -> None:
    """Wait for the map to stop moving (zoom animation, clusters opening): pins are measured as shown."""
    page.wait_for_function("() => !document.querySelector('#map.leaflet-zoom-anim, #map .leaflet-cluster-anim')")
    page.wait_for_timeout(400)
    page.wait_for_function("() => !document.querySelector('#map.leaflet-zoom-anim, #map .leaflet-cluster-anim')")


def test_overlapping_pins_cluster_and_the_filters_fit_a_narrow_phone(page: Page, live_url, live_db, log_in,
                                                                        screenshot):
    page.set_viewport_size(NARROW)
    rep = make_user(live_db, name="Rémi Rep")
    # 80 clients around Lyon's centre (a few hundred metres apart) and 4 far away in the Alps.
    for i in range(80):
        make_located_client(live_db, rep, f"Commerce {i + 1}", 45.7600 + (i % 9) * 0.0012, 4.8300 + (i // 9) * 0.0012,
                            sector="Commerce de détail alimentaire et boissons en magasin spécialisé")
    for i in range(4):
        make_located_client(live_db, rep, f"Chalet {i + 1}", 45.0 + i * 0.3, 6.2 + i * 0.3)
    _offline_edges(page)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("maps.index"))
    expect(page.locator("#map-count")).to_contain_text("84")
    clusters = page.locator("#map .marker-cluster")
    page.wait_for_function(f"() => ({_DRAWN})() === 84")
    _settled(page)
    counts = [int(t) for t in clusters.all_inner_texts()]
    single = page.locator("#map .pin").count()
    assert sum(counts) + single == 84 and max(counts) >= 10, (counts, single)
    boxes = [p.bounding_box() for p in page.locator("#map .pin").all()]
    for i, a in enumerate(boxes):  # no two pins drawn on top of each other
        for b in boxes[i + 1:]:
            assert abs(a["x"] - b["x"]) > 22 or abs(a["y"] - b["y"]) > 22, (a, b)
    assert single < 20  # the town's pins are not drawn one on top of the other
    screenshot(page, "01-clusters")
    assert_tap_targets(page, "#map .marker-cluster")

    # A tap on the biggest cluster zooms in: more of its clients show apart.
    biggest = clusters.nth(counts.index(max(counts)))
    biggest.click()
    _settled(page)
    expect(page.locator("#map .pin").first).to_be_visible()
    assert page.locator("#map .pin").count() > single
    screenshot(page, "02-zoomed")

    # The filters, with a 60-character sector among the choices, stay inside the 360 px screen.
    page.locator(".map-filters summary").click()
    for select in page.locator(".filter-grid select").all():
        box = select.bounding_box()
        assert box["x"] >= -1 and box["x"] + box["width"] <= NARROW["width"] + 1, (select.get_attribute("name"), box)
    screenshot(page, "03-filters")
