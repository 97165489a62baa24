"""Browser tests at phone size: Debian chromium driven by Playwright against a live local server.

Every test in this folder is marked `browser` (run them alone with `pytest -m browser`, skip them
with `-m "not browser"`). The browser is the system chromium, never a Playwright download; when it
is missing the tests fail with the command to install it, they are not skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from flask import url_for
from sqlmodel import Session
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent / "screenshots"
CHROMIUM = os.environ.get("FIELDCRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
]
PHONE = {"width": 390, "height": 844}
MIN_TAP = 44  # px, Apple HIG / WCAG 2.5.5 target size

# Where an element sits as the user sees it, measured by the page itself. Whole CSS pixels with a
# half-pixel allowance: the same page laid out with other fonts moves things by fractions of a pixel,
# which must not decide whether a test passes.
_WHERE_IS = """(el) => {
  const box = el.getBoundingClientRect();
  const target = el.closest("a, button, label, summary, select, textarea, [role=button]") || el;
  const tap = target.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  const mine = hit && (el.contains(hit) || target.contains(hit));
  return {
    box: [box.left, box.top, box.right, box.bottom],
    viewport: [document.documentElement.clientWidth, window.innerHeight],
    size: [Math.max(box.width, tap.width), Math.max(box.height, tap.height)],
    coveredBy: mine ? null : (hit ? hit.tagName.toLowerCase() + (hit.className ? "." + hit.className : "") : "nothing"),
  };
}"""

# The same, with the element scrolled to the middle of the screen, then the page put back as it was.
_WHERE_ONCE_SCROLLED_TO = """(el) => {
  const back = [window.scrollX, window.scrollY];
  el.scrollIntoView({block: "center", inline: "nearest"});
  const where = (""" + _WHERE_IS + """)(el);
  window.scrollTo(back[0], back[1]);
  return where;
}"""


def _tappable_problems(where: dict, min_size: float) -> list[str]:
    left, top, right, bottom = where["box"]
    width, height = where["viewport"]
    problems = []
    if left < -0.5 or top < -0.5 or right > width + 0.5 or bottom > height + 0.5:
        problems.append(f"not inside the {width}×{height} viewport: {[round(v, 1) for v in where['box']]}")
    if where["coveredBy"]:
        problems.append(f"covered at its centre by {where['coveredBy']}")
    if min(where["size"]) < min_size - 0.5:
        problems.append(f"tap target {where['size'][0]:.0f}×{where['size'][1]:.0f} px, under {min_size} px")
    return problems


def assert_tappable(locator, *, scroll: bool = True, min_size: float = MIN_TAP) -> None:
    """The element is where a thumb can tap it: fully inside the viewport, not covered at its centre by
    another element (a fixed bar, a dialog), and at least `min_size` px both ways (itself or the link,
    button or label it sits in). With `scroll`, it is first brought to the middle of the screen if it is
    not tappable where it is, as a user would scroll to it (and the page is scrolled back afterwards, so
    a check never moves what the test does next); without, it must be tappable as it is."""
    where = locator.evaluate(_WHERE_IS)
    if scroll and _tappable_problems(where, min_size):
        where = locator.evaluate(_WHERE_ONCE_SCROLLED_TO)
    problems = _tappable_problems(where, min_size)
    assert not problems, f"{locator}: " + "; ".join(problems)


def assert_tap_targets(page, selector: str) -> None:
    """Every visible element matched by `selector` is tappable (see `assert_tappable`)."""
    targets = page.locator(selector)
    assert targets.count() > 0, f"nothing matches {selector}"
    for i in range(targets.count()):
        if targets.nth(i).is_visible():
            assert_tappable(targets.nth(i))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if executable is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The browser tests use the system chromium: install it "
            "(`apt-get install chromium`) or point FIELDCRM_CHROMIUM at a chromium binary. "
            "Do not run `playwright install`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": executable, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "screen": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "service_workers": "allow",
    }


@pytest.fixture
def live_app(make_app):
    """The app the live server serves, with real CSRF (the browser posts real forms)."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_db(live_app):
    """A session on the live app's database for the factories (like the `db` fixture: no app
    context stays pushed while the server answers the browser)."""
    with Session(live_app.extensions["fieldcrm.engine"], expire_on_commit=False) as session:
        session.info["app"] = live_app
        yield session


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` over real HTTP on 127.0.0.1 (free port, threaded); yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "step")` saves what the phone shows as tests/screenshots/<test>-<step>.png,
    and the whole page as <test>-<step>-full.png (taken with the viewport stretched to the page's
    height, so the fixed bottom bar lands at the bottom instead of over the middle of the page)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test_name = re.sub(r"[^\w-]+", "-", request.node.originalname).strip("-")

    def take(page, step: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path))
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        if full_page and height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": height})
            try:
                page.screenshot(path=str(path.with_name(f"{path.stem}-full.png")))
            finally:
                page.set_viewport_size(size)
        return path

    return take


@pytest.fixture
def live_url(live_app, live_server):
    """`live_url("clients.detail", client_id=3)`: the absolute URL of an endpoint on the live server
    (tests follow the app's routes instead of hard-coding paths)."""

    def build(endpoint: str, **values) -> str:
        with live_app.test_request_context():
            return live_server + url_for(endpoint, **values)

    return build


@pytest.fixture
def log_in(live_url):
    """Log in through the real login form (with its CSRF token) and wait for the page after it."""

    def do(page, user, password):
        login = live_url("accounts.login")
        page.goto(login)
        page.locator("#email").fill(user.email)
        page.locator("#password").fill(password)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(lambda url: url.split("?")[0] != login)
        page.wait_for_load_state()
        return page

    return do
