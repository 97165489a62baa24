"""The client list, as filtered on screen, becomes today's tour in one tap."""

from __future__ import annotations

import re

from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.tours import services
from fieldcrm.tours.models import Tour
from tests.factories import logged_in_http, make_client, make_user


def _todays_stops(app, db, rep) -> list[str]:
    today = timeutil.local_now().date()
    tour = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == today)).one()
    return sorted(c.display_name for _s, c in services.stops_of(db, tour))


def _list_with_counts(http, url: str) -> str:
    """The list page and, when its counts come after it (a narrowed list), the fragment it loads."""
    page = http.get(url).get_data(as_text=True)
    later = re.search(r'hx-get="([^"]*/clients/counts[^"]*)"', page)
    if later is None:
        return page
    return page + http.get(later.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)


def test_the_filtered_list_joins_todays_tour_with_each_clients_duration(app, db):
    rep, other = make_user(db), make_user(db)
    make_client(db, rep, company_name="Boulangerie Lyon", city="Lyon", status="client", visit_minutes=45)
    make_client(db, rep, company_name="Garage Lyon", city="Lyon", status="client")
    make_client(db, rep, company_name="Prospect Lyon", city="Lyon", status="prospect")
    make_client(db, rep, company_name="Boulangerie Nantes", city="Nantes", status="client")
    make_client(db, other, company_name="Pharmacie Lyon", city="Lyon", status="client")
    http = logged_in_http(app, rep)

    page = _list_with_counts(http, "/clients?q=lyon&status=client")
    assert "Add these 2 clients to today&#39;s tour" in page or "Add these 2 clients to today's tour" in page

    assert 'class="add-from-list"' not in http.get("/clients").get_data(as_text=True)  # only a narrowed list

    response = http.post("/tours/today/from-list", data={"q": "lyon", "status": "client"})
    assert response.status_code == 303 and "/tours/" in response.headers["Location"]
    assert _todays_stops(app, db, rep) == ["Boulangerie Lyon", "Garage Lyon"]  # not the prospect, not Nantes
    minutes = {c.display_name: s.service_minutes for s, c in services.stops_of(
        db, db.exec(select(Tour).where(Tour.owner_id == rep.id)).one())}
    assert minutes == {"Boulangerie Lyon": 45, "Garage Lyon": app.config.get("TOUR_VISIT_MINUTES", 30)}

    again = http.post("/tours/today/from-list", data={"q": "lyon", "status": "client"}, follow_redirects=True)
    assert "These 2 clients are already in the tour." in again.get_data(as_text=True)


def test_another_reps_clients_never_join_and_a_foreign_segment_is_404(app, db):
    from fieldcrm.segments.models import Segment

    rep, other = make_user(db), make_user(db)
    make_client(db, other, company_name="Pharmacie Lyon", city="Lyon")
    theirs = Segment(name="Leur segment", owner_id=other.id, shared=False)
    db.add(theirs)
    db.commit()
    http = logged_in_http(app, rep)
    answer = http.post("/tours/today/from-list", data={"q": "pharmacie"}, follow_redirects=True)
    assert "No client to add." in answer.get_data(as_text=True)
    assert http.post("/tours/today/from-list", data={"segment": str(theirs.id)}).status_code == 404


def test_a_list_longer_than_a_tour_is_refused_with_a_message_and_nothing_added(app, db):
    rep = make_user(db)
    for i in range(services.MAX_TOUR_STOPS + 1):
        make_client(db, rep, company_name=f"Client {i:03d}", city="Lyon")
    http = logged_in_http(app, rep)
    page = _list_with_counts(http, "/clients?q=lyon")
    assert "Narrow the list to 100 clients or fewer" in page
    answer = http.post("/tours/today/from-list", data={"q": "lyon"})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/clients?q=lyon")
    assert "more than a day" in http.get(answer.headers["Location"]).get_data(as_text=True)
    assert db.exec(select(Tour).where(Tour.owner_id == rep.id)).all() == []
