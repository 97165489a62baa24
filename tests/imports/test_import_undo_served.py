"""Undoing a finished import while people work, against a served app (gunicorn, 2 workers): a card saved
during the undo is either saved after it (and keeps the user's value) or refused as edited meanwhile (the
user's typing shown back), never answered "saved" then overwritten; two undos pressed at once take the
import back once, and the second is told so."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.imports.models import ImportJob
from tests.factories import PASSWORD, make_client, make_user
from tests.served import in_parallel, serve

pytestmark = pytest.mark.fault
CARDS = 12  # cards the import completes (each gets a phone), then edited while it is undone


class _Form(HTMLParser):
    """The fields of a page's first POST form sent to `action`, as a browser would send them."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.fields, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and a.get("action") == self.action \
                and not self.fields:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _form_of(html: str, action: str) -> dict:
    parser = _Form(action)
    parser.feed(html)
    assert parser.fields, f"no form to {action}"
    return parser.fields


def _wait_for(db, job_id: int, status: str, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.expire_all()
        job = db.get(ImportJob, job_id)
        if job.status == status:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {job_id} still {job.status}")


def _import(served, http, db, data: bytes) -> ImportJob:
    page = http.get(served.url + "/imports", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    http.post(served.url + "/imports", data={"csrf_token": token}, files={"file": ("f.csv", data)}, timeout=30)
    db.expire_all()
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = _form_of(http.get(f"{served.url}/imports/{job.id}/mapping", timeout=10).text,
                    f"/imports/{job.id}/mapping")
    http.post(f"{served.url}/imports/{job.id}/mapping", data={**form, "action": "run"}, timeout=30)
    return _wait_for(db, job.id, "done")


def test_a_card_saved_while_its_import_is_undone_is_never_silently_overwritten(db, database_url, tmp_path):
    rep = make_user(db, "rep", locale="en")
    cards = [make_client(db, rep, company_name=f"Salon {i}", email=f"salon{i}@ex.fr", city="Lyon",
                         postal_code="69001") for i in range(CARDS)]
    data = ("Raison sociale;E-mail;Téléphone\n"
            + "".join(f"Salon {i};salon{i}@ex.fr;04 78 00 01 {i:02d}\n" for i in range(CARDS))).encode()
    with serve(database_url, tmp_path, env={"FIELDCRM_IMPORT_ROW_DELAY": "0.05"}, ready_timeout=120) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code in (302, 303)
        job = _import(served, http, db, data)
        assert (job.created_count, job.updated_count) == (0, CARDS)
        forms = {}
        for card in cards:  # every edit page opened after the import, before the undo
            forms[card.id] = _form_of(http.get(f"{served.url}/clients/{card.id}/edit", timeout=10).text,
                                      f"/clients/{card.id}/edit")
        undo_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                               http.get(f"{served.url}/imports/{job.id}/undo", timeout=10).text).group(1)
        browsers = [served.session() for _ in range(CARDS + 1)]
        for browser in browsers:
            browser.cookies.update(http.cookies)

        def act(i: int):
            if i == CARDS:
                return browsers[i].post(f"{served.url}/imports/{job.id}/undo", data={"csrf_token": undo_token},
                                        allow_redirects=False, timeout=60)
            time.sleep(0.04 * i)  # the saves spread over the undo
            card = cards[i]
            return browsers[i].post(f"{served.url}/clients/{card.id}/edit",
                                    data={**forms[card.id], "sector": f"Édité {i}"}, allow_redirects=False,
                                    timeout=60)

        answers = in_parallel(act, CARDS + 1)
        _wait_for(db, job.id, "undone")
        assert all(a.status_code < 500 for a in answers), [a.status_code for a in answers]
        assert answers[CARDS].status_code == 303
        db.expire_all()
        for i, card in enumerate(cards):
            saved = db.get(Client, card.id)
            if answers[i].status_code == 303:  # saved: the user's value stays, the import's phone went
                assert saved.sector == f"Édité {i}", (i, saved.sector)
            else:  # the undo came first: refused as edited meanwhile, the typing shown back
                assert answers[i].status_code == 409 and f"Édité {i}" in answers[i].text, answers[i].status_code
                assert saved.sector is None
            assert saved.phone is None  # the undo put back what the import gave, whoever came first
        assert "Traceback" not in served.log(), served.log()[-3000:]


def test_two_undos_of_one_import_at_once_take_it_back_once_and_tell_the_second(db, database_url, tmp_path):
    rep = make_user(db, "rep", locale="en")
    data = b"Raison sociale;E-mail\nSalon Rose;rose@ex.fr\nBar Neuf;neuf@ex.fr\n"
    with serve(database_url, tmp_path, ready_timeout=120) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code in (302, 303)
        job = _import(served, http, db, data)
        browsers = served.browsers(2, f"/imports/{job.id}/undo", http)
        answers = in_parallel(lambda i: browsers[i][0].post(f"{served.url}/imports/{job.id}/undo",
                                                            data={"csrf_token": browsers[i][1]}, timeout=60), 2)
        assert [a.status_code for a in answers] == [200, 200]
        pages = sorted("being undone." in a.text for a in answers)
        assert pages == [False, True], [a.text[:200] for a in answers]
        assert any("already being undone" in a.text for a in answers)
        _wait_for(db, job.id, "undone")
        db.expire_all()
        assert db.exec(select(Client)).all() == []
