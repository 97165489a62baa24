"""The CSRF token, masked afresh in every response (the BREACH attack on compressed pages).

Pages travel compressed (web/compression.py) and many of them repeat what the user typed (a search's
`?q=`, a form sent back with its errors) next to the CSRF token. Someone who can watch the size of the
encrypted answers and make the browser send many requests can then guess the token a character at a
time: a guess that matches compresses better. Flask-WTF's token does not stop that by itself: it is
the session's secret, signed with a timestamp, so its first half (the secret, base64) is the same in
every page, and the whole token is the same for every answer within a second — and, with no time limit
(WTF_CSRF_TIME_LIMIT is None), valid for the whole session.

So no page carries the token as it is. Just before compression, every copy of this request's token in
the body is replaced by `mask + (mask XOR token)` (base64url) with a random mask drawn for this response
— the same idea as Django's and Rails' masked tokens: two answers never share the token's bytes, and
there is nothing constant left to guess. On the way in, a masked token (from a form field or the
`X-CSRFToken` header htmx and the outbox send) is unmasked before Flask-WTF checks its signature.

A token as Flask-WTF signs it (with its dots; a masked one has none) is still accepted: a phone's queued
action kept from before this change, or a test that signs its own. That weakens nothing: no page shows
one any more.
"""

from __future__ import annotations

import base64
import binascii
import os

from flask import Flask, Response, current_app, g
from flask_wtf.csrf import CSRFProtect


def mask(token: str) -> str:
    """The token hidden under a fresh random mask: base64url of mask + (mask XOR token), no dots."""
    plain = token.encode()
    pad = os.urandom(len(plain))
    return base64.urlsafe_b64encode(pad + _xor(pad, plain)).rstrip(b"=").decode()


def _xor(a: bytes, b: bytes) -> bytes:
    """a XOR b, byte by byte (same length), as one integer operation rather than a loop over the bytes."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def unmask(value: str | None) -> str | None:
    """The token a masked value hides; a signed token (it has dots) or anything unreadable as it is
    (Flask-WTF then refuses what is not a valid token)."""
    if not value or "." in value:
        return value
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return value
    half = len(raw) // 2
    if not half or len(raw) % 2:
        return value
    try:
        return _xor(raw[:half], raw[half:]).decode()
    except UnicodeDecodeError:
        return value


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, reading masked tokens, with every response's token masked."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Registered after compression (create_app): runs before it, on the final page.
        app.after_request(mask_tokens_in_body)

    def _get_csrf_token(self):
        return unmask(super()._get_csrf_token())


def mask_tokens_in_body(response: Response) -> Response:
    """Replace this request's CSRF token in the body by one masked copy (the same for the whole
    response). Only when the request rendered a token; files sent from disk and streams never hold one."""
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not token or response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    plain = token.encode()
    if plain in body:
        response.set_data(body.replace(plain, mask(token).encode()))
    return response
