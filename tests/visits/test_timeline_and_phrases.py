"""The client timeline (newest first, paged) and the quick phrases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import make_appointment, make_followup, make_interaction, make_user

HTMX = {"HX-Request": "true"}


def test_timeline_mixes_everything_newest_first_and_pages(as_rep, world, db):
    client = world["client_a"]
    start = datetime(2026, 9, 1, 8, tzinfo=UTC)
    for n in range(20):
        make_interaction(db, world["rep_a"], client, occurred_at=start + timedelta(days=n), note=f"note {n:02d}")
    make_followup(db, world["rep_a"], client, date(2026, 12, 10), reason="Relance devis")
    make_appointment(db, world["rep_a"], client, datetime(2026, 12, 1, 9, tzinfo=UTC), place="Au dépôt")
    first = as_rep.get(f"/clients/{client.id}/timeline", headers=HTMX).get_data(as_text=True)
    assert "<html" not in first
    order = [first.index(s) for s in ("Relance devis", "Au dépôt", "note 19", "note 07")]
    assert order == sorted(order)  # the follow-up furthest ahead first, then newest first
    assert "note 06" not in first and "page=2" in first
    second = as_rep.get(f"/clients/{client.id}/timeline?page=2", headers=HTMX).get_data(as_text=True)
    assert "note 06" in second and "note 00" in second and "note 07" not in second
    assert "page=3" not in second
    page = as_rep.get(f"/clients/{client.id}/timeline").get_data(as_text=True)
    assert "<html" in page and "Relance devis" in page


def test_the_card_shows_last_contact_and_the_timeline_in_one_response(as_rep, world, db):
    client = world["client_a"]
    make_interaction(db, world["rep_a"], client, note="Vitrine refaite, à revoir en mars")
    make_interaction(db, world["rep_b"], world["client_b"], note="Note de Bea")
    card = as_rep.get(f"/clients/{client.id}").get_data(as_text=True)
    assert f'/clients/{client.id}/log' in card  # tap 1 of the quick log
    # The newest entries come with the card (no second request that would push the page down).
    assert "Vitrine refaite, à revoir en mars" in card and 'class="tl-correct"' in card
    assert "Last contact" in card or "Dernier contact" in card
    assert "Note de Bea" not in card  # one card, its own history


def test_shared_and_recent_phrases_are_offered(app, as_rep, world, db, login):
    admin = app.test_client()
    login(world["admin"], http=admin)
    assert admin.post("/admin/quick-phrases", data={"phrases": "Catalogue remis\n\nÉchantillons laissés\n"
                                                               "catalogue remis"}).status_code == 303
    make_interaction(db, world["rep_a"], world["client_a"], note="Gérant absent, vu la vendeuse")
    make_interaction(db, world["rep_b"], world["client_b"], note="Phrase de Bea")
    sheet = as_rep.get(f"/clients/{world['client_a'].id}/log").get_data(as_text=True)
    assert 'data-phrase="Catalogue remis"' in sheet and 'data-phrase="Échantillons laissés"' in sheet
    assert sheet.count('data-phrase="Catalogue remis"') == 1
    assert 'data-phrase="Gérant absent, vu la vendeuse"' in sheet
    assert "Phrase de Bea" not in sheet  # another rep's phrases stay theirs


def test_only_admins_edit_the_shared_phrases(app, db, login, world):
    rep = app.test_client()
    login(make_user(db, "manager"), http=rep)
    assert rep.get("/admin/quick-phrases").status_code == 404
    assert rep.post("/admin/quick-phrases", data={"phrases": "x"}).status_code == 404
