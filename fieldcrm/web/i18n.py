"""Locale and time zone selection, Jinja filters formatting per locale, and the templates' gettext."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

from babel import dates
from flask import current_app, g, request
from flask_babel import (
    format_currency,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

LOCALES = ("fr", "en")


def select_locale() -> str:
    """The user's setting, else the browser's preference, else French.

    Reads only the user already loaded for the request (see `load_the_user_first`): asking
    `current_user` here would re-enter the user loader from inside a translation."""
    user = g.get("_login_user")  # where flask_login keeps the request's user once loaded
    if getattr(user, "is_authenticated", False) and user.locale:
        return user.locale
    best = request.accept_languages.best_match(LOCALES) if request else None
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["DEFAULT_TIMEZONE"]


def euros(amount) -> str:
    return format_currency(amount or 0, "EUR")


def _request_kept(name: str, make):
    """A value of the request's locale kept beside flask_babel's request state (rebuilt when the
    locale changes, as under `force_locale`)."""
    state = g.get("_flask_babel")
    if state is None:
        return make()
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, name, None)
    if kept is None or locale is None or kept[0] is not locale:
        value = make()
        kept = (getattr(state, "babel_locale", None), value)  # make() settles the locale
        setattr(state, name, kept)
    return kept[1]


def local_date(value, fmt: str = "medium") -> str:
    """flask_babel's format_date (in the user's time zone and locale), with the locale and the zone
    looked up once per request: a list shows a date on every row."""
    if not value:
        return ""
    locale, zone = _request_kept("fieldcrm_locale_zone", lambda: (get_locale(), get_timezone()))
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone).date()
    return _formatted_day(value, fmt, locale)


@lru_cache(maxsize=4096)
def _formatted_day(day: date, fmt: str, locale) -> str:
    """A day as the locale writes it (babel reads the pattern each time: a list repeats the same few
    hundred days, each formatted once per process)."""
    return dates.format_date(day, fmt, locale=locale)


def request_translations():
    """The translations of the request's locale, found once per request and locale.

    flask_babel's own template gettext walks `g` about ten times per string (domain, locale, cache);
    a page of 30 rows asks for a few hundred strings."""
    return _request_kept("fieldcrm_translations", get_translations)


def _render_translations(eval_ctx):
    """The request's translations, looked up once per template render: kept on Jinja's evaluation
    context, which lives as long as one render (a page of 30 rows asks for some 150 strings)."""
    try:
        return eval_ctx.fieldcrm_translations
    except AttributeError:
        eval_ctx.fieldcrm_translations = translations = request_translations()
        return translations


# The templates' gettext, as Jinja's newstyle gettext (the message is markup when the template escapes,
# and always a %-format: "%%" is a "%"), but taking the evaluation context instead of the whole
# context: Jinja hands a function that takes the context a copy of it for each call made in a loop
# (every variable of the page copied, per row and per string), the evaluation context as it is.
@pass_eval_context
def _template_gettext(eval_ctx, __string: str, **variables):
    return _formatted(_render_translations(eval_ctx).ugettext(__string), variables, eval_ctx.autoescape)


@pass_eval_context
def _template_ngettext(eval_ctx, __singular: str, __plural: str, __num: int, **variables):
    variables.setdefault("num", __num)
    return _formatted(_render_translations(eval_ctx).ungettext(__singular, __plural, __num), variables,
                      eval_ctx.autoescape)


@pass_eval_context
def _template_pgettext(eval_ctx, __string_ctx: str, __string: str, **variables):
    variables.setdefault("context", __string_ctx)
    return _formatted(_render_translations(eval_ctx).upgettext(__string_ctx, __string), variables, eval_ctx.autoescape)


@pass_eval_context
def _template_npgettext(eval_ctx, __string_ctx: str, __singular: str, __plural: str, __num: int, **variables):
    variables.setdefault("context", __string_ctx)
    variables.setdefault("num", __num)
    return _formatted(_render_translations(eval_ctx).unpgettext(__string_ctx, __singular, __plural, __num), variables,
                      eval_ctx.autoescape)


def _formatted(message: str, variables: dict, autoescape: bool):
    """`Markup(message) % variables` (each value escaped), or `message % variables` without escaping.
    A message whose only conversions are `%(name)s` (most of them) has its values escaped first and
    is formatted as a plain string: the same text, without markupsafe's wrapper around each value."""
    if not autoescape:
        return message % variables
    if _named_strings_only(message):
        return Markup(message % {name: escape(value) for name, value in variables.items()})
    return Markup(message) % variables


_NAMED_STRING = re.compile(r"%\(\w+\)s|%%")


@lru_cache(maxsize=8192)
def _named_strings_only(message: str) -> bool:
    return "%" not in _NAMED_STRING.sub("", message)


def _install_template_gettext(env) -> None:
    env.install_gettext_callables(gettext=_template_gettext, ngettext=_template_ngettext,
                                  pgettext=_template_pgettext, npgettext=_template_npgettext, newstyle=True)
    # install_gettext_callables wraps each in a function that takes the whole context: put the plain
    # ones in their place (`{% trans %}` blocks call these names, `_()` is gettext).
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                       pgettext=_template_pgettext, npgettext=_template_npgettext)


def init_app(app) -> None:
    app.jinja_env.filters["date"] = local_date
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["number"] = lambda n: format_decimal(n) if n is not None else ""
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["decimal1"] = lambda n: format_decimal(n, "#,##0.0") if n is not None else ""
    app.jinja_env.filters["decimal0"] = lambda n: format_decimal(n, "#,##0") if n is not None else ""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    _install_template_gettext(app.jinja_env)

    @app.before_request
    def load_the_user_first():
        # The locale depends on the user: settle who they are before anything (an error page, a
        # flash message) asks for a translation. Registered after the migration guard.
        if request.endpoint != "static":
            current_user._get_current_object()

    @app.context_processor
    def locale_context():
        return {"current_locale": str(get_locale() or "fr")}
