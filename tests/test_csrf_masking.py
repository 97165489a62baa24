"""Compressed pages never carry the same CSRF token bytes twice (BREACH): each response masks the
token afresh (fieldcrm/csrf_masking.py), and forms and htmx requests sent with a masked token work."""

from __future__ import annotations

import base64
import gzip
import re
import uuid

import brotli
from itsdangerous import URLSafeTimedSerializer

from fieldcrm.csrf_masking import mask, unmask
from tests.factories import PASSWORD, make_client, make_user

FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _plain(response) -> str:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def _logged_in(app, user):
    http = app.test_client()
    token = FIELD.search(http.get("/login").get_data(as_text=True))[1]
    assert http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 303
    return http


def _session_secret(http) -> str:
    with http.session_transaction() as session:
        return session["csrf_token"]


def test_two_answers_of_a_page_reflecting_the_search_carry_different_token_bytes(make_app, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    rep = make_user(db)
    make_client(db, rep, company_name="Boulangerie Martin")
    http = _logged_in(app, rep)

    pages = [http.get("/clients", query_string={"q": "boul"}, headers={"Accept-Encoding": "br"}) for _ in range(2)]
    secret = _session_secret(http)
    # what Flask-WTF would have put in the page: the session's secret, signed; its first part never changes
    constant_part = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(secret).split(".")[0]
    texts = [_plain(page) for page in pages]
    assert all(page.headers["Content-Encoding"] == "br" for page in pages)
    assert all('value="boul"' in text for text in texts)  # the typed text is reflected, compressed
    headers = [HEADER.search(text)[1] for text in texts]
    assert headers[0] != headers[1]
    for text in texts:
        assert secret not in text and constant_part not in text
        assert base64.urlsafe_b64encode(secret.encode()).decode().rstrip("=")[:20] not in text
        # every copy in one page is the same masked value, and it hides the session's token
        assert set(FIELD.findall(text)) <= {HEADER.search(text)[1]}
    signed = [unmask(token) for token in headers]
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    assert [serializer.loads(token) for token in signed] == [secret, secret]


def test_forms_and_htmx_requests_sent_with_a_masked_token_are_accepted_and_a_forged_one_refused(make_app, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    rep = make_user(db)
    shop = make_client(db, rep, company_name="Fromagerie Lucas")
    http = _logged_in(app, rep)  # the login form itself went with a masked token
    card = http.get(f"/clients/{shop.id}").get_data(as_text=True)
    token = HEADER.search(card)[1]
    assert "." not in token  # masked: not Flask-WTF's signed form

    logged = http.post(f"/clients/{shop.id}/log", headers={"X-CSRFToken": token, "Accept": "application/json"},
                       data={"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached", "note": "vu"})
    assert logged.status_code in (200, 201), logged.get_data(as_text=True)[:300]

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = http.post(f"/clients/{shop.id}/log", headers={"X-CSRFToken": forged, "Accept": "application/json"},
                        data={"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached", "note": "vu"})
    assert refused.status_code == 400

    stranger = _logged_in(app, make_user(db))  # another session's masked token is not this one's
    theirs = HEADER.search(stranger.get("/").get_data(as_text=True))[1]
    other = http.post(f"/clients/{shop.id}/log", headers={"X-CSRFToken": theirs, "Accept": "application/json"},
                      data={"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached", "note": "vu"})
    assert other.status_code == 400


def test_mask_and_unmask():
    token = "IjFhMmIzYyI.aBcDeF.0123456789abcdef-_"
    masked = {mask(token) for _ in range(5)}
    assert len(masked) == 5 and all("." not in m and token not in m for m in masked)
    assert {unmask(m) for m in masked} == {token}
    assert unmask(token) == token  # a signed token as Flask-WTF makes it passes through
    assert unmask("not base64!") == "not base64!" and unmask(None) is None and unmask("") == ""
