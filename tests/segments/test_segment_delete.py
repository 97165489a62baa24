"""Deleting a segment asks first: the edit page leads to a confirmation saying what goes (the saved
filter, not the clients); only its button deletes; a bare POST (an old page, a double tap) deletes
nothing."""

from __future__ import annotations

import json

from sqlmodel import select

from fieldcrm.segments.models import Segment
from tests.factories import make_client, make_user


def _segment(db, owner, name="Boulangeries de Lyon"):
    segment = Segment(name=name, owner_id=owner.id, filters=json.dumps({"city": "lyon"}))
    db.add(segment)
    db.commit()
    return segment


def test_deleting_a_segment_asks_first_and_keeps_the_clients(app, db, login, client):
    rep = make_user(db, locale="fr")
    make_client(db, rep, company_name="Boulangerie Hélène", city="Lyon", postal_code="69001")
    segment = _segment(db, rep)
    login(rep)
    edit = client.get(f"/segments/{segment.id}/edit").get_data(as_text=True)
    assert f'href="/segments/{segment.id}/delete"' in edit  # a link to the question, not a delete button

    question = client.get(f"/segments/{segment.id}/delete")
    page = question.get_data(as_text=True)
    assert question.status_code == 200
    assert "Supprimer le segment «\u00a0Boulangeries de Lyon\u00a0»\u00a0?" in page
    assert "1 client" in page and 'name="confirm" value="yes"' in page
    assert db.get(Segment, segment.id) is not None  # asking deletes nothing

    refused = client.post(f"/segments/{segment.id}/delete")  # no confirmation: the question again
    assert refused.status_code == 422 and "confirm" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Segment, segment.id) is not None

    done = client.post(f"/segments/{segment.id}/delete", data={"confirm": "yes"})
    assert done.status_code == 303
    db.expire_all()
    assert db.exec(select(Segment)).all() == []
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Segment «\u00a0Boulangeries de Lyon\u00a0» supprimé." in listing
    assert "Boulangerie Hélène" in client.get("/clients").get_data(as_text=True)


def test_another_reps_segment_cannot_be_asked_about(app, db, login, client):
    owner, other = make_user(db), make_user(db)
    segment = _segment(db, owner)
    login(other)
    assert client.get(f"/segments/{segment.id}/delete").status_code == 404
    assert client.post(f"/segments/{segment.id}/delete", data={"confirm": "yes"}).status_code == 404
    assert db.get(Segment, segment.id) is not None
