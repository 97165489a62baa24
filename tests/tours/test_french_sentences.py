"""The tour and map screens read right in French: whole sentences with placeholders, plurals by number
(1 étape ajoutée / 3 étapes ajoutées), never English words glued around a number."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import select

from fieldcrm.tours.models import Tour
from tests.factories import logged_in_http, make_client, make_located_client, make_tour, make_user

DAY = date(2025, 3, 3)
HOME = (45.7640, 4.8357)


def test_tour_page_and_flashes_in_french(app, db):
    from fieldcrm.followups import services as followups

    rep = make_user(db, locale="fr")
    clients = [make_located_client(db, rep, f"Boulangerie {i}", 45.75 + i / 100, 4.80 + (i % 2) / 50) for i in range(4)]
    tour, _ = make_tour(db, rep, [clients[3], clients[0]], day=DAY, start_lat=HOME[0], start_lon=HOME[1],
                        start_label="Bureau Lyon", start_time=time(8, 30), end_time=time(18, 30),
                        lunch_from=None, lunch_until=None)
    http = logged_in_http(app, rep)
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert "Départ\xa0: Bureau Lyon" in page
    body = http.post(f"/tours/{tour.id}/stops", data={"client_id": [clients[1].id]},
                     follow_redirects=True).get_data(as_text=True)
    assert "1 étape ajoutée à la tournée." in body
    body = http.post(f"/tours/{tour.id}/stops", data={"client_id": [clients[1].id, clients[0].id]},
                     follow_redirects=True).get_data(as_text=True)
    assert "Ces 2 clients sont déjà dans la tournée." in body
    with app.test_request_context():
        followups.create_appointment(db, rep, clients[2], starts_at=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
                                     ends_at=datetime(2025, 3, 3, 9, 30, tzinfo=UTC))
        db.commit()
    body = http.post(f"/tours/{tour.id}/agenda", follow_redirects=True).get_data(as_text=True)
    assert "Ajouté depuis l&#39;agenda\xa0: 1 rendez-vous et 0 relance." in body
    body = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True).get_data(as_text=True)
    assert "de moins que l'ordre choisi" in body  # the picked order drove back and forth
    assert " de trajet au total" not in body


def test_week_total_and_map_filters_in_french(app, db):
    rep = make_user(db, locale="fr")
    make_tour(db, rep, [], day=DAY, start_lat=HOME[0], start_lon=HOME[1], start_label="Bureau",
              start_time=time(8, 30), end_time=time(18, 30))
    make_located_client(db, rep, "Cave", 45.77, 4.82, segment="Caves")
    make_client(db, rep, company_name="Sans position", segment="Caves")
    http = logged_in_http(app, rep)
    body = http.post("/tours/week", data={"first": "2025-03-04", "days": "1", "segment": "Caves"}).get_data(as_text=True)
    assert "\xa0km et " in body and "de trajet au total" in body
    assert db.exec(select(Tour).where(Tour.owner_id == rep.id)).all()
    page = http.get("/map", query_string={"segment": "Caves", "status": "client"}).get_data(as_text=True)
    assert "Filtres\xa0· 2 actifs" in page
    pins = http.get("/map/pins.json", query_string={"segment": "Caves"}).get_json()
    assert pins["label"] == "1 client sur la carte, 1 non localisé"
