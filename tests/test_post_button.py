"""The one-button POST form (templates/_forms.html): what it renders, and that a browser submitting it
as rendered, CSRF protection on, does what the button says."""

from __future__ import annotations

import re

from flask import render_template_string
from sqlmodel import select

from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from tests.factories import PASSWORD, make_client, make_user
from tests.formdata import form_data

MACRO = '{% from "_forms.html" import post_button %}'


def test_the_macro_renders_one_button_with_the_token_and_the_hidden_fields(app):
    with app.test_request_context():
        html = render_template_string(MACRO + """{{ post_button("/clients/7/restore", "Undo <now>",
            hidden={"next": "/clients", "nothing": none}, name="action", value="create", button_class="btn btn-small",
            form_class="inline-form", form_attrs={"hx-post": "/clients/7/restore", "hx-target": "#status"},
            button_attrs={"aria-describedby": "line-7"}) }}""")
        called = render_template_string(MACRO + '{% call post_button("/x") %}<span aria-hidden="true">✓</span>Done'
                                        '{% endcall %}')
    assert html.count("<form") == 1 and html.count("<button") == 1
    assert '<form method="post" action="/clients/7/restore" class="inline-form"' in html
    assert 'hx-post="/clients/7/restore"' in html and 'hx-target="#status"' in html
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', html)
    assert '<input type="hidden" name="next" value="/clients">' in html and "nothing" not in html
    assert ('<button class="btn btn-small" type="submit" name="action" value="create" aria-describedby="line-7">'
            'Undo &lt;now&gt;</button>') in html  # the label is text, escaped
    assert '<button class="btn" type="submit"><span aria-hidden="true">✓</span>Done</button>' in called


def test_the_rendered_form_posts_with_its_csrf_token(make_app, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    rep = make_user(db)
    client = make_client(db, rep, company_name="Fromagerie Lucas")
    with app.test_request_context():
        clients.soft_delete(db, rep, client)
    http = app.test_client()
    login_page = http.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD, "csrf_token": token}).status_code == 303

    restore = f"/clients/{client.id}/restore"
    assert http.post(restore).status_code == 400  # no token: refused, nothing restored
    data = form_data(http.get("/clients/deleted").get_data(as_text=True), restore)
    assert set(data) == {"csrf_token"} and data["csrf_token"]
    assert http.post(restore, data=data).status_code == 303
    db.expire_all()
    assert db.exec(select(Client).where(Client.id == client.id)).one().deleted_at is None
