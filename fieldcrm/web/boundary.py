"""The request boundary: what a request may carry before any view reads it.

Ids and integer arguments stay within the database's integers (a larger one makes the driver
raise instead of finding nothing), no text value holds a NUL byte (PostgreSQL refuses it in
text), bodies and URLs stay under the app's limits. Every refusal is a 4xx with a clear message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import request
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.routing import IntegerConverter

# The largest value every integer column holds: ids, versions and counters are INTEGER columns,
# 32-bit on PostgreSQL (SQLite's hold 64 bits).
MAX_DB_INTEGER = 2**31 - 1
# Longer than any search, filtered list or map bounds the app builds. gunicorn's own limits are
# higher (Procfile: request line 8190, header field 16380) so that past these the user still gets
# this app's answer, with its security headers, rather than gunicorn's bare page.
MAX_URL_LENGTH = 6144
MAX_HEADER_FIELD_BYTES = 8190
# No list is that long; keeps (page - 1) * page size far inside the database's integers.
MAX_PAGE = 100_000


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:…>` for the whole app: a value outside the database's integers matches nothing (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_DB_INTEGER if max is None else max,
                         signed=signed)


def to_int(raw: str | int | None, default: int | None = None, *, minimum: int | None = None,
           maximum: int | None = None) -> int | None:
    """Typed text as an integer: `default` when empty or not a number, clamped to [minimum, maximum]
    and always to the database's range."""
    try:
        value = int(str("" if raw is None else raw).strip(), 10)
    except ValueError:
        return default
    low = -MAX_DB_INTEGER if minimum is None else minimum
    high = MAX_DB_INTEGER if maximum is None else min(maximum, MAX_DB_INTEGER)
    return min(max(value, low), high)


def to_id(raw: str | None) -> int | None:
    """Typed text as a record id: None unless a positive integer the database can hold."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_DB_INTEGER else None


def int_arg(values: Mapping, name: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """An integer query or form argument (see to_int)."""
    return to_int(values.get(name), default, minimum=minimum, maximum=maximum)


def id_arg(values: Mapping, name: str) -> int | None:
    """A record id sent in a form or query string (see to_id)."""
    return to_id(values.get(name))


def safe_next(target: str | None) -> str | None:
    """A `next` address to go back to, if it stays on this site (a path); else None."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


def page_arg(values: Mapping, maximum: int = MAX_PAGE) -> int:
    """The `page` argument: 1 when missing, negative or not a number; at most `maximum`."""
    return int_arg(values, "page", 1, minimum=1, maximum=maximum) or 1


def last_page(total: int, page_size: int) -> int:
    """The number of the last page of `total` items (1 when there are none): where a page number past
    the end lands."""
    return max(1, -(-total // page_size))


class NulByteRefused(BadRequest):
    """A NUL byte in a form value, a query string or a JSON body."""


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _refuse_nul_bytes() -> None:
    if _holds_nul(request.view_args or {}):  # a text part of the path, e.g. a calendar token
        raise NulByteRefused()
    fields = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(request.form)
    for multi in fields:
        for key, values in multi.lists():
            if _holds_nul(key) or _holds_nul(values):
                raise NulByteRefused()
    if request.is_json and _holds_nul(request.get_json(silent=True)):
        raise NulByteRefused()


def _refuse_oversized_requests() -> None:
    # Refused from the announced length, before a byte of the body is read or spooled to disk.
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if len(request.full_path) > MAX_URL_LENGTH:
        raise RequestURITooLarge()
    if any(len(name) + len(value) > MAX_HEADER_FIELD_BYTES for name, value in request.headers.items()):
        raise RequestHeaderFieldsTooLarge()


def init_app(app) -> None:
    """Refuse what no view should see, ahead of every other check (login, CSRF) reading the request."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul_bytes)
    app.before_request_funcs[None].insert(0, _refuse_oversized_requests)
