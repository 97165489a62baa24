"""Lighthouse scores (mobile) for FieldCRM's main pages, on the demo data.

    .venv/bin/python bench/lighthouse.py
    .venv/bin/python bench/lighthouse.py --pages list={list} "search={list}?q=lyon" card={card} new=/clients/new

Builds a throw-away SQLite database with the demo organisation, serves the app on 127.0.0.1 (werkzeug,
threaded, in this process), logs in as a demo rep to get a session cookie, and runs the `lighthouse`
CLI (npm) against each page with Debian's chromium. Prints performance / accessibility / best
practices per page and, under the table, the failing audits of any category below its target
(accessibility 100, the others 95). The JSON reports go to bench/out/ (git-ignored).

Needs Node and the Lighthouse CLI: `npm install -g lighthouse` (or `npm install --prefix /work/tools/node
lighthouse` and LIGHTHOUSE=/work/tools/node/node_modules/.bin/lighthouse). The map's tiles come from the
tile server (TILE_URL); without the internet they fail fast and the map page is scored without them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from flask import url_for
from sqlmodel import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldcrm import create_app  # noqa: E402
from fieldcrm.accounts.models import User  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from fieldcrm.db import make_engine, session_scope  # noqa: E402
from fieldcrm.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from fieldcrm.migrate import upgrade  # noqa: E402

OUT = ROOT / "bench" / "out"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless --no-sandbox --disable-background-networking --disable-component-update "
                "--no-first-run --disable-sync --disable-gpu")
CATEGORIES = {"performance": "Performance", "accessibility": "Accessibility", "best-practices": "Best practices"}
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
DEFAULT_PAGES = ["login={login}", "list={list}", "card={card}", "map={map}"]


def lighthouse_command() -> list[str]:
    found = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
    if not found:
        sys.exit("The Lighthouse CLI is not on PATH. Install it with:\n\n    npm install -g lighthouse\n\n"
                 "(or set LIGHTHOUSE=/path/to/lighthouse).")
    return [found]


def build_app(workdir: Path, clients_per_rep: int):
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({
        "SECRET_KEY": "lighthouse-bench-secret-key-0123456789",
        "DATABASE_URL": url,
        "FIELDCRM_DEMO": True,  # plain http on 127.0.0.1: no Secure cookie
        "GEOCODER_CHAIN": "offline",
    })
    app.instance_path = str(workdir / "instance")
    logging.getLogger().setLevel(logging.WARNING)  # create_app turns INFO on; keep the table readable
    print(f"Loading the demo data ({clients_per_rep} clients per rep)…", flush=True)
    with app.app_context(), session_scope() as db:
        logins = load_demo(db, clients_per_rep=clients_per_rep)
        rep_email = sorted(email for email, role in logins.items() if role == "rep")[0]
        rep = db.exec(select(User).where(User.email == rep_email)).one()
        card_id = db.exec(select(Client.id).where(Client.owner_id == rep.id, Client.deleted_at.is_(None))
                          .order_by(Client.sort_name)).first()
    with app.test_request_context():
        places = {"login": url_for("accounts.login"), "list": url_for("clients.index"),
                  "card": url_for("clients.detail", client_id=card_id), "map": url_for("maps.index")}
    return app, rep_email, places


def serve(app) -> tuple[str, callable]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def session_cookie(base: str, email: str, password: str) -> str:
    """Log in through the real form (with its CSRF token); the `Cookie` header for later requests."""
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
    if not token:
        sys.exit("No CSRF token found on the login page.")
    response = http.post(f"{base}/login", data={"email": email, "password": password,
                                                "csrf_token": token[1]},
                         allow_redirects=False, timeout=10)
    if response.status_code != 303:
        sys.exit(f"Login as {email} failed: HTTP {response.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def run_lighthouse(command: list[str], url: str, report: Path, cookie: str | None) -> dict:
    args = command + [
        url, "--quiet", "--output=json", f"--output-path={report}",
        "--form-factor=mobile", "--screenEmulation.mobile",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": CHROME}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not report.exists():
        sys.exit(f"lighthouse failed on {url} (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(report.read_text())


def score(result: dict, category: str) -> int | None:
    value = result["categories"].get(category, {}).get("score")
    return None if value is None else round(value * 100)


def failing_audits(result: dict, category: str) -> list[str]:
    """Titles (with the figure and up to three offending elements) of the audits that did not pass."""
    lines = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if audit.get("score") is None or audit["score"] >= 1 or audit.get("scoreDisplayMode") in (
                "notApplicable", "manual", "informative"):
            continue
        line = f"{audit['title']}"
        if audit.get("displayValue"):
            line += f" — {audit['displayValue']}"
        items = (audit.get("details") or {}).get("items")
        where = []
        for item in items[:3] if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            node = item.get("node") if isinstance(item.get("node"), dict) else None
            if node:
                where.append(node.get("snippet") or node.get("selector") or "")
            elif isinstance(item.get("url"), str):
                where.append(item["url"])
            elif isinstance(item.get("reason"), str):
                where.append(item["reason"])
        lines.append(line + "".join(f"\n        {w}" for w in where if w))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", default=DEFAULT_PAGES, metavar="NAME=PATH",
                        help="pages to audit; {login}, {list}, {map} and {card} (a client card of the "
                             "logged-in rep) stand for the app's own URLs "
                             f"(default: {' '.join(DEFAULT_PAGES)})")
    parser.add_argument("--anonymous", nargs="*", default=["login"], metavar="NAME",
                        help="pages audited without the session cookie (default: login)")
    parser.add_argument("--clients-per-rep", type=int, default=80)
    parser.add_argument("--details", action="store_true",
                        help="list the audits that did not pass in every category, not only below target")
    args = parser.parse_args(argv)

    command = lighthouse_command()
    if not os.access(CHROME, os.X_OK):
        sys.exit(f"No chromium at {CHROME}: install it (apt-get install chromium) or set CHROME_PATH.")
    OUT.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="fieldcrm-lighthouse-") as tmp:
        app, email, places = build_app(Path(tmp), args.clients_per_rep)
        base, stop = serve(app)
        try:
            cookie = session_cookie(base, email, DEMO_PASSWORD)
            print(f"Serving {base}, logged in as {email}\n", flush=True)
            rows, failures = [], []
            for spec in args.pages:
                name, _, path = spec.partition("=")
                if not path:
                    name, path = spec.strip("/").replace("/", "-") or "root", spec
                path = path.format(**places)
                started = time.monotonic()
                result = run_lighthouse(command, base + path, OUT / f"{name}.json",
                                        None if name in args.anonymous else cookie)
                final = result.get("finalDisplayedUrl") or result.get("finalUrl") or ""
                if name not in args.anonymous and final.rstrip("/").endswith("/login"):
                    sys.exit(f"{name}: Lighthouse was sent to the login page; the session cookie was not used.")
                scores = {c: score(result, c) for c in CATEGORIES}
                rows.append((name, path, scores, time.monotonic() - started))
                for category, target in TARGETS.items():
                    if scores[category] is not None and (scores[category] < target or args.details):
                        failures.append((name, CATEGORIES[category], scores[category],
                                         failing_audits(result, category)))
        finally:
            stop()

    width = max(len(r[0]) + len(r[1]) + 3 for r in rows)
    print(f"{'page':<{width}}  {'perf':>5}  {'a11y':>5}  {'best':>5}")
    for name, path, scores, _seconds in rows:
        cells = "  ".join(f"{'—' if scores[c] is None else scores[c]:>5}" for c in CATEGORIES)
        print(f"{name + ' (' + path + ')':<{width}}  {cells}")
    for name, category, value, audits in failures:
        print(f"\n{name} — {category} {value}:")
        for line in audits or ["(every audit passes)"]:
            print(f"  - {line}")
    print(f"\nJSON reports: {OUT.relative_to(ROOT)}/<page>.json (open in https://googlechrome.github.io/"
          "lighthouse/viewer/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
