"""The downloaded map files open from disk with no network: Leaflet is in the file, the markers are
drawn, no script is missing; only the tiles are asked for (and refused here)."""

from __future__ import annotations

import re
from datetime import date

from tests.factories import make_located_client, make_tour, make_user

TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
HOSTILE = "<img src=x onerror=alert(1)>"



def _open_offline(page, path):
    """Open `path` from disk with every http(s) request refused; what went wrong, and what was asked."""
    errors, asked = [], []
    # A tile refused is expected; anything else (a script or stylesheet not found, a script error) is not.
    page.on("console", lambda message: message.type == "error" and not message.location.get("url", "").startswith(
        "https://tiles.example.test/") and errors.append(f"{message.text} {message.location}"))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def refuse(route):
        asked.append(route.request.url)
        route.abort()

    page.context.route(re.compile(r"^https?://"), refuse)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return errors, asked


def test_the_tour_and_segment_files_work_from_disk_without_network(make_app, login, page, tmp_path, screenshot):
    app = make_app(TILE_URL=TILES)
    from sqlmodel import Session

    from fieldcrm.segments import services as segments

    with Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as db:
        db.info["app"] = app
        rep = make_user(db, locale="fr")
        first = make_located_client(db, rep, "Boulangerie Hélène", 47.22, -1.55, status="prospect")
        second = make_located_client(db, rep, HOSTILE, 47.25, -1.50, status="client")
        tour, _stops = make_tour(db, rep, [first, second], day=date(2026, 12, 7), start_lat=47.20, start_lon=-1.60)
        with app.test_request_context():
            segment = segments.save_segment(db, rep, {}, "Tous", False, "#0f5e6e")
    http = app.test_client()
    login(rep, http=http)
    files = {}
    for name, url in (("tour", f"/tours/{tour.id}/map.html"), ("segment", f"/segments/{segment.id}/map.html")):
        files[name] = tmp_path / f"{name}.html"
        files[name].write_bytes(http.get(url).data)

    errors, asked = _open_offline(page, files["tour"])
    icons = page.locator(".leaflet-marker-icon")
    assert icons.count() == 3  # the start and the two stops
    assert page.locator(".leaflet-marker-icon", has_text="2").count() == 1
    assert page.locator(".leaflet-overlay-pane path").count() == 1  # the legs, start to start
    assert page.evaluate("window.L && L.version") == "1.9.4"
    icons.nth(2).hover()
    tooltip = page.locator(".leaflet-tooltip")
    assert HOSTILE in tooltip.inner_text()  # the name as text, not an image tag
    assert page.locator(".leaflet-tooltip img").count() == 0
    screenshot(page, "tour-file")
    assert errors == []
    assert asked and all(url.startswith("https://tiles.example.test/") for url in asked), asked

    page.context.unroute(re.compile(r"^https?://"))
    errors, asked = _open_offline(page, files["segment"])
    pins = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
    assert pins.count() == 2
    assert {pins.nth(i).get_attribute("fill") for i in range(2)} == {"#1d5fd1", "#198754"}
    legend = page.locator(".fieldcrm-legend").inner_text()
    assert "Prospect (1)" in legend and "Client (1)" in legend
    screenshot(page, "segment-file")
    assert errors == []
    assert all(url.startswith("https://tiles.example.test/") for url in asked), asked
