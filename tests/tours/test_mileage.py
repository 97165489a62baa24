"""The mileage log: the allowance on the official scale of the trip's year (tables as data), the
day's odometer readings first and the planned route as the fallback (said so), the CSV in the
user's language."""

from __future__ import annotations

import html
import json
from datetime import date

import pytest
from sqlmodel import select

from fieldcrm.tours import mileage
from fieldcrm.tours.models import Tour, TourStop
from tests.factories import logged_in_http, make_team, make_tour, make_user
from tests.tours.test_app_tours import DAY, HOME, _located

DECEMBER_2026 = date(2026, 12, 14)


def _tour(db, rep, clients, day=DAY):
    return make_tour(db, rep, clients, day=day, start_lat=HOME[0], start_lon=HOME[1], start_label="Bureau",
                     lunch_from=None, lunch_until=None)


def test_each_year_has_its_table_with_its_source_and_what_is_assumed():
    data = json.loads(mileage.SCALES_FILE.read_text(encoding="utf-8"))
    assert "BOI-BAREME-000001" in data["source"]
    assert set(data["years"]) >= {"2024", "2025", "2026"}
    assert data["years"]["2024"]["status"] == "official"
    for year in ("2025", "2026"):  # not verifiable offline: marked as such, with the reason
        assert data["years"][year]["status"] == "assumed" and "2024" in data["years"][year]["note"]
    assert mileage.scale_for(2026).year == 2026 and mileage.scale_for(2025).year == 2025
    assert mileage.scale_for(2030).year == 2026  # the last scale published stays in force
    assert mileage.scale_for(2019).year == 2024


def test_the_three_bands_of_the_2024_scale():
    assert mileage.french_allowance(4000, 5, 2024) == 2544.0  # 4,000 km × 0.636
    assert mileage.french_allowance(12000, 5, 2024) == 5679.0  # 12,000 × 0.357 + 1,395
    assert mileage.french_allowance(25000, 3, 2024) == 9250.0  # 25,000 × 0.370
    assert mileage.french_allowance(1000, 11, 2024) == 697.0  # 7 CV and more
    assert mileage.french_allowance(1000, 1, 2024) == 529.0  # 3 CV and less


@pytest.fixture
def scale_2026_differs(tmp_path, monkeypatch):
    """A data file where 2026 pays twice 2024's rate: which table a trip uses shows in euros."""
    data = json.loads(mileage.SCALES_FILE.read_text(encoding="utf-8"))
    data["years"]["2026"]["cars"]["5"] = [1.272, [0.714, 2790], 0.854]
    path = tmp_path / "scales.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(mileage, "SCALES_FILE", path)
    mileage._scales.cache_clear()
    yield
    mileage._scales.cache_clear()


def test_a_december_2026_trip_is_paid_on_the_2026_scale(app, db, scale_2026_differs):
    assert mileage.french_allowance(100, 5, 2026) == 127.2
    assert mileage.french_allowance(100, 5, 2024) == 63.6
    rep = make_user(db, locale="fr")
    tour, _stops = _tour(db, rep, _located(db, rep, 2), day=DECEMBER_2026)
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{tour.id}/odometer", data={"start_km": "41 200", "end_km": "41300"}).status_code == 303
    page = html.unescape(http.get("/tours/mileage", query_string={"month": "2026-12", "cv": "5"}).get_data(as_text=True))
    assert "127,20\xa0€" in page and "(2026, 5\xa0CV)" in page


def test_odometer_readings_come_first_and_the_planned_route_is_the_fallback(app, db):
    rep = make_user(db, locale="fr")
    monday, tuesday = _tour(db, rep, _located(db, rep, 3))[0], _tour(db, rep, [], day=date(2026, 11, 24))[0]
    http = logged_in_http(app, rep)
    http.post(f"/tours/{monday.id}/optimise")
    stops = http.get(f"/tours/{monday.id}").get_data(as_text=True)
    assert 'id="odometer"' in stops and 'name="start_km"' in stops
    first_stop = db.exec(select(TourStop).where(TourStop.tour_id == monday.id)).first()
    http.post(f"/tours/{monday.id}/stops/{first_stop.id}/state", data={"state": "done"})
    db.expire_all()
    planned = db.get(Tour, monday.id).distance_m / 1000

    page = http.get("/tours/mileage", query_string={"month": "2026-11"}).get_data(as_text=True)
    assert f"{planned:.1f}".replace(".", ",") in page and "itinéraire prévu, estimé" in page
    assert "2026-11-24" not in page  # no visit, no reading: not a day driven

    # Start of the day typed in the morning, the end in the evening: the odometer wins from then on.
    assert http.post(f"/tours/{monday.id}/odometer", data={"start_km": "52 310", "end_km": ""}).status_code == 303
    db.expire_all()
    assert (db.get(Tour, monday.id).odometer_start_km, db.get(Tour, monday.id).odometer_end_km) == (52310, None)
    response = http.post(f"/tours/{monday.id}/odometer", data={"start_km": "52310", "end_km": "52497"},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200 and "187\xa0km" in response.get_data(as_text=True).replace(" ", "\xa0")
    http.post(f"/tours/{tuesday.id}/odometer", data={"start_km": "52497", "end_km": "52512"})
    page = html.unescape(http.get("/tours/mileage", query_string={"month": "2026-11"}).get_data(as_text=True))
    assert "187,0" in page and "15,0" in page and "compteur" in page
    assert "202,0\xa0km" in page  # the month's total: both days by their odometer

    csv_body = http.get("/tours/mileage", query_string={"month": "2026-11", "format": "csv"})
    disposition = csv_body.headers["Content-Disposition"]
    assert "releve-kilometrique-2026-11.csv" in disposition and "mileage" not in disposition
    text = csv_body.get_data(as_text=True)
    assert "2026-11-23;187,0;1;compteur" in text and "2026-11-24;15,0;0;compteur" in text
    assert "estimate" not in text and "road" not in text and text.splitlines()[-1].startswith("Total;202,0")


@pytest.mark.parametrize("start, end, message", [
    ("52 500", "52 400", "inférieur"),
    ("1000", "9000", "Plus de 2"),
    ("12a", "", "chiffres"),
])
def test_readings_that_cannot_be_right_are_refused_and_kept_as_typed(app, db, start, end, message):
    rep = make_user(db, locale="fr")
    tour = _tour(db, rep, [])[0]
    http = logged_in_http(app, rep)
    response = http.post(f"/tours/{tour.id}/odometer", data={"start_km": start, "end_km": end},
                         headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert f'value="{start}"' in body and f'value="{end}"' in body
    db.expire_all()
    assert db.get(Tour, tour.id).odometer_start_km is None and db.get(Tour, tour.id).odometer_end_km is None


def test_only_the_rep_notes_the_odometer(app, db):
    team = make_team(db)
    rep, other = make_user(db, team=team), make_user(db)
    manager = make_user(db, role="manager", team=team)
    tour = _tour(db, rep, [])[0]
    assert logged_in_http(app, other).post(f"/tours/{tour.id}/odometer", data={"start_km": "1"}).status_code == 404
    looking = logged_in_http(app, manager)
    assert looking.post(f"/tours/{tour.id}/odometer", data={"start_km": "1"}).status_code == 403
    assert 'name="start_km"' not in looking.get(f"/tours/{tour.id}").get_data(as_text=True)
    db.expire_all()
    assert db.get(Tour, tour.id).odometer_start_km is None
