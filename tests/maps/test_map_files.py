"""Downloadable map files of a tour and of a saved segment: scope, headers, escaping, nothing fetched
from a CDN (Leaflet inlined), the same stops and pins as the app's pages."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from sqlmodel import Session

from fieldcrm.maps.standalone import inlined_leaflet
from fieldcrm.segments import services as segments
from tests.factories import make_client, make_located_client, make_team, make_tour, make_user

HOSTILE = "<img src=x onerror=alert(1)>"
TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
DAY = date(2026, 12, 7)


class ResourceLinks(HTMLParser):
    """Every URL a tag would fetch or link to (src, href) and the number of inline scripts."""

    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts = [], 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.urls += [values[name] for name in ("src", "href") if values.get(name)]
        if tag == "script" and not values.get("src"):
            self.inline_scripts += 1



def assert_offline(app, html):
    """Leaflet is in the file; outside it, the only web address is the tile template."""
    script, style = inlined_leaflet(app.static_folder)
    assert script in html and style in html
    links = ResourceLinks()
    links.feed(html)
    assert not [url for url in links.urls if url.startswith(("http:", "https:", "//"))], links.urls
    outside_leaflet = html.replace(script, "").replace(style, "")
    assert set(re.findall(r"https?://[^\s\"'`<>)]+", outside_leaflet)) == {TILES}


def tour_world(make_app):
    app = make_app(TILE_URL=TILES, TILE_ATTRIBUTION="&copy; Tuiles de test")
    from sqlmodel import Session

    db = Session(app.extensions["fieldcrm.engine"], expire_on_commit=False)
    db.info["app"] = app
    rep, other = make_user(db, name="Rémi Rep", locale="fr"), make_user(db)
    first = make_located_client(db, rep, "Boulangerie Hélène", 47.22, -1.55, status="client")
    second = make_located_client(db, rep, HOSTILE, 47.25, -1.50, status="client")
    tour, stops = make_tour(db, rep, [first, second], day=DAY, start_lat=47.20, start_lon=-1.60,
                            start_label="Bureau")
    for stop, minutes in zip(stops, (9 * 60 + 30, 11 * 60 + 5), strict=True):
        stop.arrival_s = minutes * 60  # as a plan leaves it
        db.add(stop)
    db.commit()
    return app, db, rep, other, tour


def test_the_tour_map_downloads_as_one_offline_file_named_after_the_day(make_app, login):
    app, db, rep, _other, tour = tour_world(make_app)
    http = app.test_client()
    login(rep, http=http)
    response = http.get(f"/tours/{tour.id}/map.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="tournee-2026-12-07.html"'
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.index("1. Boulangerie Hélène · 09:30") < html.index("2. &lt;img src=x onerror=alert(1)&gt; · 11:05")
    assert HOSTILE not in html  # shown as text, never as a tag
    assert "Tournée du lundi 7 décembre 2026" in html and "Rémi Rep" in html
    assert "L.polyline" in html and html.count("L.divIcon") == 3  # the start and the two numbered stops
    assert "copy; Tuiles de test" in html  # the configured attribution (HTML, as the app's map takes it)
    assert_offline(app, html)
    db.close()


def test_the_tour_map_is_for_those_who_see_the_tour_and_writes_nothing(make_app, login):
    app, db, rep, other, tour = tour_world(make_app)
    updated = tour.updated_at
    stranger = app.test_client()
    login(other, http=stranger)
    assert stranger.get(f"/tours/{tour.id}/map.html").status_code == 404
    assert app.test_client().get(f"/tours/{tour.id}/map.html").status_code == 302  # to the login page
    owner = app.test_client()
    login(rep, http=owner)
    page = owner.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert f'href="/tours/{tour.id}/map.html" download>Télécharger la carte</a>' in page
    db.expire_all()
    from fieldcrm.tours.models import Tour

    assert db.get(Tour, tour.id).updated_at == updated
    db.close()


def test_the_segment_map_shows_its_clients_by_status_within_the_actors_reach(make_app, login):
    app = make_app(TILE_URL=TILES)
    with Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as db:
        db.info["app"] = app
        team = make_team(db, "Ouest")
        rep, teammate = make_user(db, team=team, locale="fr"), make_user(db, team=team)
        outsider = make_user(db)
        make_located_client(db, rep, "Cave de Lyon", 45.76, 4.83, status="prospect")
        make_located_client(db, rep, HOSTILE, 45.75, 4.85, status="client")
        make_located_client(db, teammate, "Garage de Lyon", 45.74, 4.84, status="client")
        make_client(db, rep, company_name="Sans adresse")
        with app.test_request_context():
            shared = segments.save_segment(db, rep, {}, "Clients à Lyon", True, "#0f5e6e")
    http = app.test_client()
    login(rep, http=http)
    response = http.get(f"/segments/{shared.id}/map.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="segment-clients-a-lyon.html"'
    html = response.get_data(as_text=True)
    assert "Cave de Lyon" in html and "&lt;img src=x onerror=alert(1)&gt;" in html and HOSTILE not in html
    assert "Garage de Lyon" not in html  # the teammate's client: the segment is shared, the portfolio is not
    assert html.count("L.circleMarker") == 2
    assert '"fillColor": "#1d5fd1"' in html and '"fillColor": "#198754"' in html  # prospect, client
    assert "Prospect (1)" in html and "Client (1)" in html  # the legend
    assert "2 clients sur la carte, 1 non localisé" in html
    assert_offline(app, html)
    listing = http.get("/segments").get_data(as_text=True)
    assert f'href="/segments/{shared.id}/map.html" download>Télécharger la carte</a>' in listing
    mate = app.test_client()
    login(teammate, http=mate)
    mine = mate.get(f"/segments/{shared.id}/map.html").get_data(as_text=True)
    assert "Garage de Lyon" in mine and "Cave de Lyon" not in mine
    stranger = app.test_client()
    login(outsider, http=stranger)
    assert stranger.get(f"/segments/{shared.id}/map.html").status_code == 404


def test_english_users_get_english_words(make_app, login):
    app, db, rep, _other, tour = tour_world(make_app)
    from fieldcrm.accounts.models import User

    user = db.get(User, rep.id)
    user.locale = "en"
    db.add(user)
    db.commit()
    http = app.test_client()
    login(rep, http=http)
    html = http.get(f"/tours/{tour.id}/map.html").get_data(as_text=True)
    assert "Tour of Monday, December 7, 2026" in html and '<html lang="en">' in html
    assert 'download>Download the map</a>' in http.get(f"/tours/{tour.id}").get_data(as_text=True)
    db.close()


def test_names_cannot_break_out_of_folium_s_javascript_strings(app):
    """folium puts tooltips in JavaScript template literals: a backquote or ${…} stays text too."""
    from fieldcrm.maps.standalone import Mark, standalone_map

    name = "Cave `${alert(1)}` \\ </script>"
    html = standalone_map(title=name, marks=[Mark(45.0, 4.0, name, "#198754")], tile_url=TILES, attribution="",
                          static_dir=app.static_folder)
    assert "${alert(1)}" not in html and "`${" not in html
    assert html.count("Cave &#96;&#36;{alert(1)}&#96; &#92; &lt;/script&gt;") == 3  # tab title, heading, tooltip
