"""Progressive web app shell: manifest, service worker at the root scope, offline page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from fieldcrm.web.templating import assets_version

bp = Blueprint("pwa", __name__)


@bp.get("/manifest.webmanifest")
def manifest():
    icons = [
        {"src": url_for("static", filename=f"icons/{name}-{size}.png"), "sizes": f"{size}x{size}",
         "type": "image/png", "purpose": purpose}
        for name, purpose in (("icon", "any"), ("maskable", "maskable"))
        for size in (192, 512)
    ]
    data = {
        "name": "FieldCRM",
        "short_name": "FieldCRM",
        "description": _("Your client file in your pocket"),
        "lang": str(get_locale() or "fr"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f5e6e",
        "icons": icons,
    }
    response = current_app.response_class(
        current_app.json.dumps(data), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.vary.add("Accept-Language")
    return response


@bp.get("/sw.js")
def service_worker():
    """Rendered so the cached shell always names the current asset versions."""
    body = render_template("pwa/sw.js", asset_version=assets_version())
    response = current_app.response_class(body, mimetype="application/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    response = current_app.make_response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
