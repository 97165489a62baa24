"""A rep's day kept on the phone: how much storage it takes and how fast Today shows without network.

    .venv/bin/python bench/offline.py [--clients 2000] [--interactions 20000] [--recent 200] [--repeat 5]
                                      [--cpu-slowdown 4]

A SQLite app served on 127.0.0.1, Debian chromium (/usr/bin/chromium, or FIELDCRM_CHROMIUM) at phone size
through Playwright. One rep owns every client, with two years of history, ~150 open follow-ups and ~60
appointments in the week , 12 stops today and 12 tomorrow, and `--recent`
clients opened last. Figures:
- the time to keep the day (the page fetches each page of it) and how many pages;
- the storage: the bytes of every kept response (the day cache), and what the browser reports for the
  whole origin (navigator.storage.estimate(), which includes the app shell and counts padding);
- the time to show Today offline, with the CPU slowed down `--cpu-slowdown` times (Chrome DevTools'
  "mid-tier mobile" is 4x) and the network cut: from the navigation to the marker "Hors ligne" drawn.
Targets: storage ≤ 5 MB, Today offline ≤ 1 s."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.common import PASSWORD, bench_app, fill_portfolio  # noqa: E402
from fieldcrm import timeutil  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from fieldcrm.followups.models import Appointment, FollowUp  # noqa: E402
from fieldcrm.tours import services as tours  # noqa: E402
from fieldcrm.visits.models import Interaction  # noqa: E402

CHROMIUM = os.environ.get("FIELDCRM_CHROMIUM", "/usr/bin/chromium")
NOTES = ["Commande passée", "Gérant absent, revoir la semaine prochaine", "Catalogue remis", None,
         "Intéressé par la nouvelle gamme", "Devis à envoyer"]
PHONE = {"width": 360, "height": 780}
KEPT_BYTES = """() => caches.keys().then(names => Promise.all(names.map(name => caches.open(name)
    .then(cache => cache.keys().then(requests => Promise.all(requests.map(r => cache.match(r)
        .then(response => response.blob()).then(blob => blob.size)))))
    .then(sizes => [name, sizes.length, sizes.reduce((a, b) => a + b, 0)]))))"""
PAGE_SIZES = """() => caches.keys().then(names => caches.open(names.find(n => n.startsWith('fieldcrm-day-'))))
    .then(cache => cache.keys().then(rs => Promise.all(rs.map(r => cache.match(r).then(x => x.blob())
        .then(b => [new URL(r.url).pathname, b.size]))))).then(all => all.sort((a, b) => b[1] - a[1]).slice(0, 8))"""
CONTROLLED = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null
    || new Promise(resolve => {
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
        setTimeout(() => resolve(navigator.serviceWorker.controller !== null), 10000);
    }))"""


def fill_activity(app, rep, n_interactions: int, seed: int = 11) -> None:
    """Two years of logged visits and calls with notes, and the open follow-ups and appointments of
    a busy week."""
    rng = random.Random(seed)
    now, today = timeutil.now(), timeutil.today()
    with Session(app.extensions["fieldcrm.engine"]) as db:
        ids = list(db.exec(select(Client.id)).all())
        db.execute(insert(Interaction), [
            {"uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "client_id": rng.choice(ids),
             "author_id": rep.id, "kind": rng.choice(["visit", "call"]), "outcome": "reached",
             "occurred_at": now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
             "note": rng.choice(NOTES), "created_at": now} for _ in range(n_interactions)])
        db.execute(insert(FollowUp), [
            {"client_id": rng.choice(ids), "assignee_id": rep.id, "created_by_id": rep.id,
             "due_date": today + timedelta(days=rng.randrange(-3, 7)), "reason": "Relance", "status": "open",
             "snoozed_count": 0, "created_at": now} for _ in range(150)])
        db.execute(insert(Appointment), [
            {"client_id": rng.choice(ids), "owner_id": rep.id, "created_by_id": rep.id,
             "starts_at": (start := now + timedelta(hours=rng.randrange(-24, 7 * 24))),
             "ends_at": start + timedelta(hours=1), "created_at": now} for _ in range(60)])
        db.commit()


def plan_tours(app, rep, per_day: int, seed: int = 3) -> list[int]:
    rng = random.Random(seed)
    with app.test_request_context(), Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as db:
        clients = list(db.exec(select(Client)).all())
        today = timeutil.today()
        for day in (today, today + timedelta(days=1)):
            tours.add_stops(db, rep, tours.tour_for_day(db, rep, day), rng.sample(clients, per_day))
        return [c.id for c in rng.sample(clients, len(clients))]


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def run(args) -> None:
    with bench_app("sqlite") as app:  # a database of its own, dropped at the end
        measure(app, args)


def measure(app, args) -> None:
    app.config["OFFLINE_RECENT_CLIENTS"] = args.recent
    rep = fill_portfolio(app, args.clients)
    fill_activity(app, rep, args.interactions)
    opened = plan_tours(app, rep, 12)[:args.recent]
    server, base = serve(app)
    print(f"{args.clients} clients, {args.interactions} interactions, {args.recent} opened last, "
          f"CPU slowed {args.cpu_slowdown}x")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            context = browser.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                          device_scale_factor=2, locale="fr-FR", timezone_id="Europe/Paris",
                                          service_workers="allow")
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("#email", rep.email)
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
            assert page.evaluate(CONTROLLED), "the service worker never took control"
            page.evaluate("window.FieldCRMOffline.refresh(true)")  # the one started on opening, if any
            page.evaluate("ids => localStorage.setItem('fieldcrm.recent', JSON.stringify({user: "
                          "document.body.dataset.user, ids: ids}))", opened)
            page.evaluate("localStorage.removeItem('fieldcrm.kept')")  # a first keeping: every page
            start = time.perf_counter()
            page.evaluate("window.FieldCRMOffline.refresh(true)")
            keep_s = time.perf_counter() - start
            listed = page.evaluate("fetch('/offline/day.json?recent=' + JSON.parse(localStorage.getItem("
                                   "'fieldcrm.recent')).ids.join(',')).then(r => r.json())")
            kept = page.evaluate(KEPT_BYTES)
            if args.sizes:
                print(page.evaluate(PAGE_SIZES))
            estimate = page.evaluate("navigator.storage.estimate().then(e => e.usage)")
            day = [k for k in kept if k[0].startswith("fieldcrm-day-")][0]
            shell = sum(k[2] for k in kept if not k[0].startswith("fieldcrm-day-"))
            print(f"keeping the day: {day[1]} responses ({len(listed['pages'])} pages listed, "
                  f"{len(listed['clients'])} clients) in {keep_s:.1f} s")
            print(f"storage, the day cache: {day[2] / 1e6:.2f} MB   (target ≤ 5 MB)")
            print(f"storage, the app shell: {shell / 1e6:.2f} MB")
            print(f"storage, the whole origin as the browser reports it: {estimate / 1e6:.2f} MB")

            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu_slowdown})
            context.set_offline(True)
            samples, paints = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                page.goto(f"{base}/", wait_until="commit")
                page.wait_for_selector("#offline-marker.is-offline")
                samples.append((time.perf_counter() - start) * 1000)
                paints.append(page.evaluate("""() => new Promise(resolve => new PerformanceObserver((list, obs) => {
                    const fcp = list.getEntries().find(e => e.name === 'first-contentful-paint');
                    if (fcp) { obs.disconnect(); resolve(fcp.startTime); }
                }).observe({type: 'paint', buffered: true}))"""))
            context.set_offline(False)
            ordered = sorted(samples)
            print(f"Today offline, navigation to the marker drawn: median {statistics.median(ordered):.0f} ms, "
                  f"worst {ordered[-1]:.0f} ms, n={len(ordered)}   (target ≤ 1000 ms)")
            print(f"Today offline, first contentful paint: median {statistics.median(paints):.0f} ms, "
                  f"worst {max(paints):.0f} ms")
            browser.close()
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--interactions", type=int, default=20000)
    parser.add_argument("--recent", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu-slowdown", type=float, default=4)
    parser.add_argument("--sizes", action="store_true", help="print the largest kept pages")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
