"""Template helpers shared by every capability, and the content-hashed URLs of static files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import Markup


def N_(message: str) -> str:  # noqa: N802 - marks a string for extraction, translated at use
    return message

# A static URL carries the hash of the file's content (?v=…): a release that changes a file changes its
# URL, so the browser may keep a file for a year and never serves last week's JavaScript.
IMMUTABLE = "public, max-age=31536000, immutable"


def field_attrs(field, type=None, autocomplete=None, inputmode=None) -> dict:
    """HTML attributes for a form field: input hints and the accessible error link."""
    attrs = {}
    if type:
        attrs["type"] = type
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if inputmode:
        attrs["inputmode"] = inputmode
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.id}-err"
    return attrs


def content_hashes(folder: str | Path) -> dict[str, str]:
    """Every file under `folder` (by its path relative to it, with /) -> the start of its SHA-256."""
    root = Path(folder)
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*")) if path.is_file()}


def asset_hashes() -> dict[str, str]:
    return current_app.extensions["fieldcrm.asset_hashes"]


def asset(path: str) -> str:
    """The URL of a static file, named by its content so it can be cached for good (built once per
    file and script root: a page links eight of them)."""
    urls = current_app.extensions["fieldcrm.asset_urls"]
    key = (request.script_root, path)
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for("static", filename=path, v=asset_hashes().get(path, "0"))
    return url


def assets_version() -> str:
    """One hash for all static files together: the service worker's shell cache changes with any of them."""
    return hashlib.sha256("".join(f"{k}={v};" for k, v in asset_hashes().items()).encode()).hexdigest()[:12]


def _cache_static(response):
    """A static file asked for by its current hash is kept for good; any other (an old hash, no hash) is
    checked again each time, so a stale URL never pins a file that has changed since."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        path = (request.view_args or {}).get("filename", "")
        current = asset_hashes().get(path)
        response.headers["Cache-Control"] = (IMMUTABLE if current and request.args.get("v") == current
                                             else "no-cache")
    return response


def constant_partial(name: str) -> Markup:
    """A partial that reads nothing of the page or the user, only translations, addresses and the
    app's globals (the phrases every page hands to its scripts): rendered once per locale and script
    root, not on every page."""
    kept = current_app.extensions["fieldcrm.constant_partials"]
    key = (name, str(get_locale()), request.script_root)
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(current_app.jinja_env.get_template(name).render())
    return html


def init_app(app) -> None:
    app.jinja_env.globals.update(field_attrs=field_attrs, asset=asset, main_menu=main_menu,
                                 constant_partial=constant_partial)
    app.extensions["fieldcrm.constant_partials"] = {}
    # Computed once when the app starts: the files do not change while it runs.
    app.extensions["fieldcrm.asset_hashes"] = content_hashes(app.static_folder) if app.static_folder else {}
    app.extensions["fieldcrm.asset_urls"] = {}
    app.after_request(_cache_static)


# The bottom navigation: (endpoint, label, icon). A capability's entry shows once its blueprint exists.
MAIN_MENU = (
    ("agenda.today", N_("Today"), "today"),
    ("clients.index", N_("Clients"), "list"),
    ("maps.index", N_("Map"), "map"),
    ("tours.index", N_("Tours"), "route"),
    ("accounts.account", N_("Account"), "user"),
)


def main_menu():
    return [(endpoint, gettext(label), icon) for endpoint, label, icon in MAIN_MENU
            if endpoint in current_app.view_functions]
