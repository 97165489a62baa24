"""Map load time at 20,000 clients: the pins endpoint per zoom (server time, answer size raw and
brotli-compressed, pins and clusters) for the area a 390 px phone shows around Lyon, and the whole page
in headless Chromium at phone size (navigation start -> the pins of the area on screen drawn: the page
says where the pins are, the map takes that view and asks for its pins), with where the time goes.

    .venv/bin/python bench/map_load.py [--clients 20000] [--repeat 10] [--backend sqlite|postgresql] [--no-browser]
                                       [--database-url postgresql://…/fieldcrm_bench_map]
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import brotli  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, bench_app, fill_portfolio, summary, timed  # noqa: E402

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


def locate_everyone(app, seed: int = 11) -> None:
    """Give every client a position in metropolitan France (as a geocoded file would have)."""
    rng = random.Random(seed)
    engine = app.extensions["fieldcrm.engine"]
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("select id from client"))]
        conn.execute(text("update client set latitude = :lat, longitude = :lon, geo_precision = 'street' "
                          "where id = :id"),
                     [{"id": i, "lat": rng.uniform(43.3, 49.5), "lon": rng.uniform(-1.5, 7.0)} for i in ids])
    owndb.vacuum_analyze(engine)


PHONE = (390, 844)  # CSS pixels of the map on the phone the browser run emulates
ZOOMS = (5, 6, 8, 10, 12, 14, 16)


def phone_area(lat: float, lon: float, zoom: int) -> dict:
    """The rectangle a PHONE-sized map centred on (lat, lon) shows at `zoom` (Web Mercator)."""
    scale = 256 * 2 ** zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale

    def latlon(px, py):
        return (math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / scale)))), px / scale * 360 - 180)

    north, west = latlon(x - PHONE[0] / 2, y - PHONE[1] / 2)
    south, east = latlon(x + PHONE[0] / 2, y + PHONE[1] / 2)
    return {"south": f"{south:.5f}", "west": f"{west:.5f}", "north": f"{north:.5f}", "east": f"{east:.5f}",
            "zoom": zoom}


PHASES_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const pins = performance.getEntriesByType("resource").filter(r => r.name.includes("/map/pins.json"));
  const last = pins[pins.length - 1];
  return {page: nav.responseEnd, ready: nav.domContentLoadedEventEnd, asked: last ? last.startTime : null,
          answered: last ? last.responseEnd : null, requests: pins.length, drawn: performance.now()};
}"""


def browser_load(app, email: str, repeat: int) -> tuple[list[float], list[dict]]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    samples, phases = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, is_mobile=True,
                                          has_touch=True)
            context.route("**/tile.openstreetmap.org/**",
                          lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_load_state()
            for _ in range(repeat + 1):
                start = time.perf_counter()
                page.goto(base + "/map")
                page.wait_for_selector("#map[data-pin-area=view]", state="attached", timeout=60000)
                samples.append((time.perf_counter() - start) * 1000)
                phases.append(page.evaluate(PHASES_JS))
            browser.close()
    finally:
        server.shutdown()
    return samples[1:], phases[1:]  # the first one warms the caches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--no-browser", action="store_true")
    owndb.add_argument(parser)
    args = parser.parse_args()
    with bench_app(args.backend, args.database_url) as app:
        measure(app, args)


def measure(app, args) -> None:
    rep = fill_portfolio(app, args.clients)
    locate_everyone(app)
    http = app.test_client()
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    print(f"{args.clients} clients on {args.backend}; the area of a {PHONE[0]}x{PHONE[1]} phone around Lyon")
    print(f"  {'zoom':>8}  {'pins':>6}  {'clusters':>8}  {'raw KiB':>8}  {'br KiB':>7}  server time (ms)")
    asks = [("first", {"zoom": 6})] + [(str(z), phone_area(45.76, 4.83, z)) for z in ZOOMS]
    for name, query in asks:
        body = http.get("/map/pins.json", query_string=query).get_data()
        data = json.loads(body)
        assert data["count"] <= args.clients
        took = summary(timed(lambda q=query: http.get("/map/pins.json", query_string=q), args.repeat))
        print(f"  {name:>8}  {len(data['pins']):>6}  {len(data['clusters']):>8}  {len(body) / 1024:>8.0f}  "
              f"{len(brotli.compress(body, quality=4)) / 1024:>7.0f}  {took}")
    print(f"  /map page server time: {summary(timed(lambda: http.get('/map'), args.repeat))}")
    if not args.no_browser:
        samples, phases = browser_load(app, rep.email, max(3, args.repeat // 2))
        print(f"  page load to the pins drawn (Chromium, {PHONE[0]} px): {summary(samples)}")
        print("  where the time goes (median ms from navigation start; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}):")
        for key, what in (("page", "page received"), ("ready", "scripts run (DOMContentLoaded)"),
                          ("asked", "pins asked (last question)"), ("answered", "pins received"),
                          ("drawn", "pins drawn")):
            values = sorted(p[key] for p in phases if p[key] is not None)
            if values:
                print(f"    {what:<32} {values[len(values) // 2]:7.0f}")
        print(f"    questions for pins per load: {sorted(p['requests'] for p in phases)}")


if __name__ == "__main__":
    main()
