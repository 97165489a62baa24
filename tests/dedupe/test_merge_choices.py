"""Merging picks field by field, also for tags, consent per channel and custom fields; an opposition wins
unless the user explicitly chooses otherwise; contact people all move; undo restores every value exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import (
    ChannelConsent,
    Client,
    ClientTag,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    Tag,
)
from fieldcrm.dedupe import choices, services
from tests.factories import make_client, make_user


def _consent(db, client, channel, allowed, consent, at=None, source=None):
    db.add(ChannelConsent(client_id=client.id, channel=channel, allowed=allowed, consent=consent,
                          consent_at=at, consent_source=source))


def _rows(db, client_id) -> dict:
    """Every column of every chosen or moved row of a card: what an undo must give back exactly."""
    def full(model, order):
        table = model.__table__
        return sorted(tuple(r) for r in db.execute(sa_select(table).where(table.c.client_id == client_id)
                                                   .order_by(*order)).all())

    return {"tags": full(ClientTag, [ClientTag.tag_id]), "consents": full(ChannelConsent, [ChannelConsent.id]),
            "custom": full(CustomFieldValue, [CustomFieldValue.id]), "contacts": full(ContactPerson, [ContactPerson.id])}


def _card(db, client_id) -> dict:
    db.expire_all()
    c = db.get(Client, client_id)
    return {k: getattr(c, k) for k in ("company_name", "email", "do_not_contact", "do_not_contact_at",
                                       "version", "deleted_at")} | {"rows": _rows(db, client_id)}


def _tag_names(db, client_id) -> set[str]:
    return set(db.exec(select(Tag.name).join(ClientTag, ClientTag.tag_id == Tag.id)
                       .where(ClientTag.client_id == client_id)).all())


def _consents(db, client_id) -> dict:
    return {c.channel: (c.allowed, c.consent, c.consent_at.year if c.consent_at else None)
            for c in db.exec(select(ChannelConsent).where(ChannelConsent.client_id == client_id)).all()}


def _custom(db, client_id) -> dict:
    return dict(db.exec(select(CustomFieldDef.key, CustomFieldValue.value)
                        .join(CustomFieldValue, CustomFieldValue.field_id == CustomFieldDef.id)
                        .where(CustomFieldValue.client_id == client_id)).all())


@pytest.fixture
def pair(app, db):
    rep = make_user(db, "rep", locale="en")
    surface = CustomFieldDef(key="surface", label="Surface", field_type="text", position=1)
    enseigne = CustomFieldDef(key="enseigne", label="Enseigne", field_type="text", position=2)
    code = CustomFieldDef(key="code", label="Code caisse", field_type="text", position=3)
    db.add_all([surface, enseigne, code])
    db.commit()
    keep = make_client(db, rep, company_name="Dupont", tags=["bio", "vip"], contacts=[{"last_name": "Martin"}])
    dup = make_client(db, rep, company_name="Dupont SARL", email="dupont@ex.fr", do_not_contact=True,
                      tags=["vip", "pain"], contacts=[{"last_name": "Durand"}, {"last_name": "Petit"}])
    _consent(db, keep, "email", True, "granted", datetime(2025, 1, 10, tzinfo=UTC), "salon")
    _consent(db, keep, "sms", True, "unknown")
    _consent(db, keep, "phone", False, "refused", datetime(2024, 2, 1, tzinfo=UTC))
    _consent(db, dup, "email", True, "refused", datetime(2024, 6, 1, tzinfo=UTC), "courrier")  # older, opposed
    _consent(db, dup, "sms", True, "granted", datetime(2026, 3, 1, tzinfo=UTC))
    _consent(db, dup, "post", True, "granted", datetime(2023, 1, 1, tzinfo=UTC))
    db.add_all([CustomFieldValue(client_id=keep.id, field_id=surface.id, value="Petite"),
                CustomFieldValue(client_id=keep.id, field_id=code.id, value="K-12"),
                CustomFieldValue(client_id=dup.id, field_id=surface.id, value="Grande"),
                CustomFieldValue(client_id=dup.id, field_id=enseigne.id, value="Casino")])
    db.commit()
    return rep, keep, dup, {"surface": surface, "enseigne": enseigne, "code": code}


def test_default_choices(pair, db):
    mine = {"allowed": True, "consent": "granted", "consent_at": datetime(2025, 1, 1, tzinfo=UTC)}
    theirs = {"allowed": True, "consent": "refused", "consent_at": datetime(2024, 1, 1, tzinfo=UTC)}
    assert choices.default_consent(mine, theirs) == ("other", "opposition")  # older, but an opposition
    assert choices.default_consent(theirs, mine) == ("mine", "opposition")
    newer = dict(mine, consent_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert choices.default_consent(mine, newer) == ("other", "recent")
    assert choices.default_consent(newer, mine) == ("mine", "recent")
    not_wanted = {"allowed": False, "consent": "unknown", "consent_at": None}
    assert choices.default_consent(newer, not_wanted) == ("other", "opposition")
    assert choices.default_consent(None, mine) == ("other", "only")
    assert choices.kept_tags({1, 2}, {2, 3}, None) == {1, 2, 3}
    assert choices.kept_tags({1, 2}, {2, 3}, {3, 99}) == {3}  # an id from neither card is ignored
    assert choices.default_custom("", "x") == "other" and choices.default_custom("a", "x") == "mine"


def test_the_merge_screen_offers_tags_consents_and_custom_fields(pair, login, client):
    rep, keep, dup, _fields = pair
    login(rep)
    page = client.get(f"/duplicates/{keep.id}/{dup.id}").get_data(as_text=True)
    assert 'name="tag"' in page and 'name="tags_shown"' in page and "pain" in page and "on the other card" in page
    assert "an opposition (channel not wanted, consent refused) always wins" in page
    assert "Chosen by default: the opposition wins." in page
    assert "Chosen by default: the most recent decision." in page  # sms
    assert 'name="c-email" value="other" checked' in page and 'name="c-sms" value="other" checked' in page
    assert 'name="c-phone" value="mine" checked' in page
    assert "Surface" in page and "Grande" in page and "Casino" in page and "K-12" in page
    assert 'name="f-do_not_contact" value="other" checked' in page  # the "do not contact" opposition too
    assert "2 contact people of the other card are moved" in page


def test_default_merge_then_undo_restores_every_value_exactly(pair, db, login, client):
    rep, keep, dup, _fields = pair
    before_keep, before_dup = _card(db, keep.id), _card(db, dup.id)
    login(rep)
    response = client.post(f"/duplicates/{keep.id}/{dup.id}", data={"action": "merge"})
    assert response.status_code == 303
    db.expire_all()
    assert _tag_names(db, keep.id) == {"bio", "vip", "pain"}  # union
    assert _consents(db, keep.id) == {
        "email": (True, "refused", 2024),  # the opposition wins although the agreement is more recent
        "sms": (True, "granted", 2026),  # the most recent decision
        "phone": (False, "refused", 2024),  # only the survivor had one
        "post": (True, "granted", 2023),  # only the other card had one: moved
    }
    assert _custom(db, keep.id) == {"surface": "Petite", "enseigne": "Casino", "code": "K-12"}
    merged = db.get(Client, keep.id)
    assert merged.do_not_contact is True and merged.do_not_contact_at == db.get(Client, dup.id).do_not_contact_at
    assert {c.last_name for c in db.exec(select(ContactPerson).where(ContactPerson.client_id == keep.id))} == \
        {"Martin", "Durand", "Petit"}
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    assert client.post(f"/merges/{event.id}/undo").status_code == 303
    after_keep, after_dup = _card(db, keep.id), _card(db, dup.id)
    for before, after in ((before_keep, after_keep), (before_dup, after_dup)):
        assert after["rows"] == before["rows"]  # every column of every row, consent dates included
        assert {k: after[k] for k in ("company_name", "email", "do_not_contact", "do_not_contact_at", "deleted_at")} \
            == {k: before[k] for k in ("company_name", "email", "do_not_contact", "do_not_contact_at", "deleted_at")}


def test_explicit_choices_override_the_defaults_and_undo_still_restores_everything(pair, db, login, client):
    rep, keep, dup, fields = pair
    before_keep, before_dup = _card(db, keep.id), _card(db, dup.id)
    tag_ids = dict(db.exec(select(Tag.name, Tag.id)).all())
    login(rep)
    response = client.post(f"/duplicates/{keep.id}/{dup.id}", data={
        "action": "merge", "f-do_not_contact": "mine",
        "tags_shown": "1", "tag": [str(tag_ids["vip"]), str(tag_ids["pain"])],  # "bio" unticked
        "c-email": "mine",  # the user knows the client agreed since: explicitly keeps the agreement
        "c-sms": "mine", "c-phone": "other",  # the other card has no phone decision: the refusal goes
        "cf-" + str(fields["surface"].id): "other", "cf-" + str(fields["enseigne"].id): "mine",
        "cf-" + str(fields["code"].id): "other"})
    assert response.status_code == 303
    db.expire_all()
    assert _tag_names(db, keep.id) == {"vip", "pain"}
    assert _consents(db, keep.id) == {"email": (True, "granted", 2025), "sms": (True, "unknown", None),
                                      "post": (True, "granted", 2023)}
    assert _custom(db, keep.id) == {"surface": "Grande"}
    assert db.get(Client, keep.id).do_not_contact is False
    assert _tag_names(db, dup.id) == {"vip"}  # what the survivor did not take stays on the merged card
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    with db.info["app"].test_request_context():
        services.undo_merge(db, rep, event)
    after_keep, after_dup = _card(db, keep.id), _card(db, dup.id)
    assert after_keep["rows"] == before_keep["rows"] and after_dup["rows"] == before_dup["rows"]
    assert after_keep["do_not_contact"] is False and after_dup["deleted_at"] is None
    assert _custom(db, keep.id) == {"surface": "Petite", "code": "K-12"}
    assert _consents(db, keep.id)["phone"] == (False, "refused", 2024)


def test_a_forged_tag_id_is_ignored(pair, db, login, client):
    rep, keep, dup, _fields = pair
    stranger = make_client(db, make_user(db, "rep"), company_name="Autre", tags=["secret"])
    secret = db.exec(select(Tag.id).where(Tag.name == "secret")).one()
    login(rep)
    client.post(f"/duplicates/{keep.id}/{dup.id}", data={"action": "merge", "tags_shown": "1", "tag": [str(secret)]})
    db.expire_all()
    assert _tag_names(db, keep.id) == set()  # nothing ticked among the offered tags; "secret" not taken
    assert _tag_names(db, stranger.id) == {"secret"}


def test_the_visit_duration_is_a_field_to_pick_and_undo_gives_it_back(pair, db, login, client):
    rep, keep, dup, _fields = pair
    keep.visit_minutes, dup.visit_minutes = 30, 75
    db.add_all([keep, dup])
    db.commit()
    login(rep)
    screen = client.get(f"/duplicates/{keep.id}/{dup.id}")
    assert 'name="f-visit_minutes"' in screen.get_data(as_text=True)
    response = client.post(f"/duplicates/{keep.id}/{dup.id}", data={"action": "merge", "f-visit_minutes": "other"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Client, keep.id).visit_minutes == 75
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    with db.info["app"].test_request_context():
        services.undo_merge(db, rep, event)
    db.expire_all()
    assert db.get(Client, keep.id).visit_minutes == 30
