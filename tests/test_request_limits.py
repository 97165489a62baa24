"""Request size limits: an oversized body is refused (413) before it is read, a very long URL or
header gets the app's own clear page with its security headers, also under gunicorn."""

from __future__ import annotations

import html
import io
import re
import socket

import pytest

from fieldcrm import config as config_module
from fieldcrm.web.boundary import MAX_URL_LENGTH
from tests.factories import make_user
from tests.served import ROOT, serve

MB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of `size` bytes that is never built in memory; counts what the server reads."""

    def __init__(self, size: int):
        self.size, self.read_bytes, self.position = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:  # the test client measures the body (tell, seek to the end and back)
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.position)
        buffer[:count] = b"x" * count
        self.read_bytes += count
        self.position += count
        return count


def _imports_folder(app):
    from pathlib import Path

    return Path(app.instance_path) / "imports"


def _upload_headers(size: int) -> dict:
    return {"Content-Type": "multipart/form-data; boundary=xyz", "Content-Length": str(size)}


def test_the_limit_comes_from_the_environment(monkeypatch, tmp_path):
    assert config_module.from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 21 * MB
    monkeypatch.setenv("FIELDCRM_MAX_UPLOAD_MB", "5")
    assert config_module.from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 5 * MB


def test_the_app_applies_the_limit(monkeypatch, make_app):
    monkeypatch.setenv("FIELDCRM_MAX_UPLOAD_MB", "7")
    assert make_app().config["MAX_CONTENT_LENGTH"] == 7 * MB


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_an_oversized_upload_is_refused_before_it_is_read(make_app, db, login, fragment):
    app = make_app(BABEL_DEFAULT_LOCALE="fr")
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    body = CountingBody(300 * MB)
    headers = _upload_headers(body.size) | ({"HX-Request": "true"} if fragment else {})
    response = http.post("/imports", input_stream=body, headers=headers)
    assert response.status_code == 413
    assert body.read_bytes == 0  # refused from the announced length
    assert not _imports_folder(app).exists() or not any(_imports_folder(app).iterdir())
    text = html.unescape(response.get_data(as_text=True))
    assert "21\u00a0Mo" in text and "Rien n'a été enregistré" in text
    assert ("<html" in text) is not fragment
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_upload_under_the_limit_still_works(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    csv = "Raison sociale;CP\nCave Castagné;13002\n".encode()
    response = http.post("/imports", data={"file": (io.BytesIO(csv), "clients.csv"), "kind": "clients"},
                         content_type="multipart/form-data")
    assert response.status_code == 303 and "/mapping" in response.headers["Location"]
    assert len(list(_imports_folder(app).iterdir())) == 1


def test_a_url_past_the_apps_limit_gets_a_clear_414(make_app):
    http = make_app(BABEL_DEFAULT_LOCALE="fr").test_client()
    response = http.get("/login?q=" + "a" * MAX_URL_LENGTH)
    assert response.status_code == 414
    assert "Adresse trop longue" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def procfile_limits() -> str:
    """The request limits the Procfile gives gunicorn, as gunicorn's own command-line arguments."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    limits = re.findall(r"--limit-request-[a-z_]+ \d+", web)
    assert len(limits) == 2, web
    return " ".join(limits)


def _raw_request(url: str, head: bytes, body_part: bytes = b"") -> bytes:
    """Send raw bytes (headers and only the start of a body) and read the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head + body_part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.fault
def test_served_app_refuses_long_urls_big_headers_and_bodies_itself(database_url, tmp_path, db):
    env = {"FIELDCRM_DEFAULT_LOCALE": "fr", "GUNICORN_CMD_ARGS": procfile_limits()}
    with serve(database_url, tmp_path, workers=1, threads=2, env=env) as served:
        http = served.session()
        # A long search (past gunicorn's default 4094-byte request line) reaches the app.
        ordinary = http.get(served.url + "/login", params={"next": "/clients?q=" + "é" * 700}, timeout=10)
        assert ordinary.status_code == 200
        # Past the app's own limit but under gunicorn's: the app's page, with its headers.
        too_long = http.get(served.url + "/login?q=" + "a" * (MAX_URL_LENGTH + 100), timeout=10)
        assert too_long.status_code == 414 and "Adresse trop longue" in too_long.text
        assert too_long.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in too_long.headers["Content-Security-Policy"]
        big_header = http.get(served.url + "/login", headers={"X-Long": "b" * 10000}, timeout=10)
        assert big_header.status_code == 431 and big_header.headers["X-Frame-Options"] == "DENY"
        # 300 MB announced, 64 KB sent: the answer comes at once, nothing is spooled.
        head = (f"POST /imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {300 * MB}\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n\r\n").encode()
        answer = _raw_request(served.url, head, b"x" * 65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"nosniff" in answer
    imports = tmp_path / "served-instance" / "imports"
    assert not imports.exists() or not any(imports.iterdir())
