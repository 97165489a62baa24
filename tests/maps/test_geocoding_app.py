"""Geocoding on create/edit (never blocking the save), manual pins,
bulk runs (resumable) through the CLI and the admin screen. Only the fake servers are reached."""

from __future__ import annotations

import time

from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.maps import services
from fieldcrm.maps.models import GeocodeRun
from tests.factories import logged_in_http, make_client, make_user

FORM = {"kind": "company", "company_name": "Fromagerie Lefèvre", "status": "client", "country": "FR",
        "street": "3 place du Marché", "postal_code": "69001", "city": "Lyon"}


def _client(db, name="Fromagerie Lefèvre") -> Client:
    db.expire_all()
    return db.exec(select(Client).where(Client.company_name == name)).one()


def test_create_geocodes_with_ban(geo_app, geo_db, fake_ban):
    fake_ban.reply_result(45.7676, 4.8344, kind="housenumber", postcode="69001", city="Lyon")
    http = logged_in_http(geo_app, make_user(geo_db))
    assert http.post("/clients/new", data=FORM).status_code == 303
    client = _client(geo_db)
    assert (round(client.latitude, 4), round(client.longitude, 4)) == (45.7676, 4.8344)
    assert client.geo_precision == "rooftop" and client.geo_source.startswith("ban") and client.geocoded_at


def test_save_succeeds_when_every_online_geocoder_fails(geo_app, geo_db, fake_ban, fake_nominatim):
    fake_ban.reply_status(429, retry_after=30)
    fake_nominatim.reply_slowly(3)  # longer than the inline timeout
    http = logged_in_http(geo_app, make_user(geo_db))
    began = time.monotonic()
    assert http.post("/clients/new", data=FORM).status_code == 303
    assert time.monotonic() - began < 2.5  # short timeout: the rep is not kept waiting
    client = _client(geo_db)
    assert client.geo_precision == "city" and client.geo_source == "communes"  # commune centroid (offline)
    assert abs(client.latitude - 45.76) < 0.1


def test_nonsense_answers_are_rejected_and_the_client_is_not_located(geo_app, geo_db, fake_ban, fake_nominatim):
    fake_ban.reply_in_ocean()
    fake_nominatim.reply_in_ocean()
    rep = make_user(geo_db)
    http = logged_in_http(geo_app, rep)
    data = dict(FORM, postal_code="", city="Nulle-Part-Sur-Mer")
    assert http.post("/clients/new", data=data).status_code in (303, 422)
    found = geo_db.exec(select(Client)).all()
    for client in found:
        assert client.latitude is None and client.geo_precision is None  # never in the ocean


def test_manual_pin_is_kept_until_the_address_changes(geo_app, geo_db, fake_ban):
    fake_ban.reply_result(45.7676, 4.8344, postcode="69001", city="Lyon")
    rep = make_user(geo_db)
    http = logged_in_http(geo_app, rep)
    http.post("/clients/new", data=FORM)
    client = _client(geo_db)
    response = http.post(f"/clients/{client.id}/place", data={"lat": "45.7701", "lon": "4.8301"})
    assert response.status_code == 303
    client = _client(geo_db)
    assert client.geo_precision == "manual" and client.latitude == 45.7701
    # Geocoding again (bulk, every client) does not move a hand-placed pin.
    with geo_app.app_context():
        run = services.start_run(geo_db, rep, scope_all=True)
        services.continue_run(geo_db, run.id, geo_app.config)
    assert _client(geo_db).geo_precision == "manual"
    # An edit that keeps the address keeps the pin; a new address geocodes again.
    with geo_app.test_request_context():
        from fieldcrm.clients import services as clients

        saved = clients.update_client(geo_db, rep, client, {"phone": "+33478000000"}, client.version)
        services.geocode_after_save(geo_db, saved.client, geo_app.config, saved.address_changed)
        assert _client(geo_db).latitude == 45.7701
        client = _client(geo_db)
        saved = clients.update_client(geo_db, rep, client, {"street": "10 rue de la République"}, client.version)
        services.geocode_after_save(geo_db, saved.client, geo_app.config, saved.address_changed)
    client = _client(geo_db)
    assert client.geo_precision == "rooftop" and round(client.latitude, 4) == 45.7676


def test_a_pin_outside_the_country_is_refused(geo_app, geo_db, fake_ban):
    fake_ban.reply_result(45.7676, 4.8344, postcode="69001", city="Lyon")
    http = logged_in_http(geo_app, make_user(geo_db))
    http.post("/clients/new", data=FORM)
    client = _client(geo_db)
    response = http.post(f"/clients/{client.id}/place", data={"lat": "40.0", "lon": "-30.0"})
    assert response.status_code == 422
    assert _client(geo_db).geo_precision == "rooftop"


def test_bulk_run_respects_the_rate_limit_and_resumes(make_app, geo_db, fake_ban, fake_nominatim):
    app = make_app(GEOCODER_CHAIN="nominatim,offline", NOMINATIM_URL=fake_nominatim.url,
                   NOMINATIM_USER_AGENT="fieldcrm-tests", GEOCODER_TIMEOUT=0.5, NOMINATIM_MIN_INTERVAL=0.2)
    fake_nominatim.reply_result(45.7676, 4.8344, kind="house", postcode="69001", city="Lyon")
    rep = make_user(geo_db)
    for n in range(5):
        make_client(geo_db, rep, company_name=f"Bulk {n}", street=f"{n + 1} rue Centrale", postal_code="69001",
                    city="Lyon")
    with app.app_context():
        run = services.start_run(geo_db, None)
        assert run.total == 5
        first = services.continue_run(geo_db, run.id, app.config, limit=2)  # interrupted after two
        assert not first.finished and first.handled == 2
        resumed = services.unfinished_run(geo_db)
        assert resumed.id == run.id
        services.resume_run(geo_db, resumed)
        done = services.continue_run(geo_db, run.id, app.config)
    assert done.finished and done.handled == 5 and done.located == 5
    assert len(fake_nominatim.requests) == 5  # nobody geocoded twice after the resume
    arrivals = [r.at for r in fake_nominatim.requests]
    # The provider's pace: turns are 0.2 s apart; on a loaded machine a request may leave a little late
    # and the next on time, so the gaps are checked on average and never far below a turn.
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert arrivals[-1] - arrivals[0] >= 0.95 * 0.2 * len(gaps) and min(gaps) >= 0.1


def test_admin_screen_runs_the_job_and_shows_progress(geo_app, geo_db, fake_ban):
    fake_ban.reply_result(45.7676, 4.8344, postcode="69001", city="Lyon")
    admin = make_user(geo_db, "admin")
    rep = make_user(geo_db)
    for n in range(3):
        make_client(geo_db, rep, company_name=f"Admin {n}", street="1 rue Centrale", postal_code="69001", city="Lyon")
    geo_db.exec(select(Client)).all()
    for c in geo_db.exec(select(Client)).all():
        c.latitude = c.longitude = None
        c.geo_precision = None
        geo_db.add(c)
    geo_db.commit()
    http = logged_in_http(geo_app, admin)
    assert "3" in http.get("/admin/geocoding").get_data(as_text=True)
    assert http.post("/admin/geocoding", data={"action": "start"}).status_code == 303  # huey runs it (immediate in tests)
    run = geo_db.exec(select(GeocodeRun)).one()
    assert run.status == "done" and run.located == 3
    page = http.get("/admin/geocoding").get_data(as_text=True)
    assert "<progress" in page and 'value="3"' in page
    assert "<html" not in http.get("/admin/geocoding/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    rep_http = logged_in_http(geo_app, rep)
    assert rep_http.get("/admin/geocoding").status_code == 404


def test_cli_geocode_command(geo_app, geo_db, fake_ban):
    fake_ban.reply_result(45.7676, 4.8344, postcode="69001", city="Lyon")
    rep = make_user(geo_db)
    make_client(geo_db, rep, company_name="Cli", street="1 rue Centrale", postal_code="69001", city="Lyon")
    for c in geo_db.exec(select(Client)).all():
        c.latitude = c.longitude = None
        c.geo_precision = None
        geo_db.add(c)
    geo_db.commit()
    result = geo_app.test_cli_runner().invoke(args=["geocode"])
    assert result.exit_code == 0, result.output
    assert "1 located" in result.output
    assert _client(geo_db, "Cli").geo_precision == "rooftop"
