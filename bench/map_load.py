"""Map load time with 5,000 clients: the pins endpoint (server time, payload) and the whole page in
headless Chromium at phone size (navigation start -> every pin clustered on the map).

    .venv/bin/python bench/map_load.py [--clients 5000] [--repeat 20] [--backend sqlite|postgresql] [--no-browser]
                                       [--database-url postgresql://…/fieldcrm_bench_map]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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


def browser_load(app, email: str, repeat: int) -> list[float]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    samples = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
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
                page.wait_for_selector("#map[data-pin-count]", state="attached", timeout=60000)
                samples.append((time.perf_counter() - start) * 1000)
            browser.close()
    finally:
        server.shutdown()
    return samples[1:]  # the first one warms the caches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
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
    body = http.get("/map/pins.json").get_data()
    pins = http.get("/map/pins.json").get_json()["pins"]
    assert len(pins) == args.clients, len(pins)
    print(f"{args.clients} clients on {args.backend}")
    print(f"  pins.json server time: {summary(timed(lambda: http.get('/map/pins.json'), args.repeat))}  "
          f"payload {len(body) / 1024:.0f} KiB")
    print(f"  /map page server time: {summary(timed(lambda: http.get('/map'), args.repeat))}")
    if not args.no_browser:
        samples = browser_load(app, rep.email, max(3, args.repeat // 4))
        print(f"  page load to all pins clustered (Chromium, 390 px): {summary(samples)}")


if __name__ == "__main__":
    main()
