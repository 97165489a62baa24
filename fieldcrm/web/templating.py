"""Template helpers shared by every capability."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 - marks a string for extraction, translated at use
    return message

ASSET_VERSION = "1"


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


def asset(path: str) -> str:
    """A static URL that changes with each release, so it can be cached for long."""
    return url_for("static", filename=path, v=ASSET_VERSION)


def init_app(app) -> None:
    app.jinja_env.globals.update(field_attrs=field_attrs, asset=asset, main_menu=main_menu)
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 7 * 24 * 3600


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
