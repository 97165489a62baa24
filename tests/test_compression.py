"""Pages, fragments, JSON and static files travel compressed (brotli or gzip); downloads, streams
and conditional requests behave as before."""

from __future__ import annotations

import gzip
import json

import brotli
from flask import Response, stream_with_context

from tests.factories import logged_in_http, make_located_client, make_user

BR = {"Accept-Encoding": "br, gzip"}


def _plain(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def test_pages_fragments_and_json_are_compressed_and_read_back_whole(app, db):
    rep = make_user(db)
    for n in range(12):
        make_located_client(db, rep, f"Boulangerie {n}", 45.7 + n / 100, 4.8)
    http = logged_in_http(app, rep)

    page = http.get("/clients", headers=BR)
    assert page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Boulangerie 11" in _plain(page).decode()

    fragment = http.get("/clients", query_string={"q": "boul"}, headers={**BR, "HX-Request": "true"})
    assert fragment.headers["Content-Encoding"] == "br"
    vary = fragment.headers["Vary"]
    assert "HX-Request" in vary and "Accept-Encoding" in vary  # caches keep both apart
    text = _plain(fragment).decode()
    assert "Boulangerie 3" in text and "<html" not in text  # still a fragment htmx can swap

    pins = http.get("/map/pins.json", headers={"Accept-Encoding": "gzip"})
    assert pins.headers["Content-Encoding"] == "gzip"
    assert "pins" in json.loads(_plain(pins))

    identity = http.get("/clients")  # a client that asks for nothing gets plain text
    assert "Content-Encoding" not in identity.headers and b"Boulangerie 11" in identity.get_data()


def test_static_files_are_compressed_and_keep_their_etag_for_304(app):
    http = app.test_client()
    first = http.get("/static/js/map.js", headers=BR)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    assert b"clientsMode" in _plain(first)
    etag = first.headers["ETag"]
    assert etag.endswith(':br"')  # the compressed bytes have their own validator
    again = http.get("/static/js/map.js", headers={**BR, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_downloads_streams_and_small_answers_are_left_alone(app, db):
    @app.get("/_test/events")
    def events():
        return Response(stream_with_context(iter(["data: 1\n\n", "data: 2\n\n"] * 400)),
                        mimetype="text/event-stream")

    @app.get("/_test/csv")
    def csv():
        return Response("a;b\n" * 2000, mimetype="text/csv")

    http = logged_in_http(app, make_user(db))
    stream = http.get("/_test/events", headers=BR)
    assert "Content-Encoding" not in stream.headers and stream.get_data().startswith(b"data: 1")
    download = http.get("/_test/csv", headers=BR)
    assert "Content-Encoding" not in download.headers  # spreadsheets open it as it is
    redirect = app.test_client().get("/clients", headers=BR)
    assert redirect.status_code in (302, 303) and "Content-Encoding" not in redirect.headers
    tiny = app.test_client().get("/static/js/map.js", headers={**BR, "Range": "bytes=0-10"})
    assert tiny.status_code == 206 and "Content-Encoding" not in tiny.headers


def test_compression_can_be_left_to_the_reverse_proxy(make_app, monkeypatch):
    monkeypatch.setenv("FIELDCRM_COMPRESS", "0")
    response = make_app().test_client().get("/static/js/map.js", headers=BR)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
