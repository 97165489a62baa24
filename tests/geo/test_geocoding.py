"""The geocoding chain against fake BAN and Nominatim servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from fieldcrm.geo.communes import find_commune
from fieldcrm.geo.geocoding import (
    GeocoderChain,
    OfflineProvider,
    build_chain,
    geocode_address,
    nominatim_precision,
)

RIVOLI = (48.85956, 2.34697)  # 10 rue de Rivoli, 75001 Paris (roughly)


def locate(settings: dict, street="10 rue de Rivoli", postal_code="75001", city="Paris", country="FR"):
    return geocode_address(street, postal_code, city, country, build_chain(settings))


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_rooftop_from_ban(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_result(*RIVOLI, kind="housenumber", score=0.97)
    result = locate(geo_settings)
    assert result is not None
    assert (result.lat, result.lon) == RIVOLI
    assert (result.precision, result.source) == ("rooftop", "ban")
    assert result.raw_label == "10 Rue de Rivoli 75001 Paris"
    assert result.notes == ()
    [request] = fake_ban.requests
    assert request.path == "/search"
    assert request.params["q"] == "10 rue de Rivoli, 75001 Paris"
    assert fake_nominatim.requests == []


@pytest.mark.parametrize(("ban_type", "precision"), [("housenumber", "rooftop"), ("street", "street")])
def test_ban_type_gives_precision(geo_settings, fake_ban, ban_type, precision):
    fake_ban.reply_result(*RIVOLI, kind=ban_type)
    assert locate(geo_settings).precision == precision


def test_city_level_from_ban_lets_nominatim_try_better(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_result(48.8626, 2.3363, kind="municipality")
    fake_nominatim.reply_result(*RIVOLI, kind="house")
    result = locate(geo_settings)
    assert (result.source, result.precision) == ("nominatim", "rooftop")
    assert "ban: city level only" in result.notes


def test_city_level_from_ban_is_kept_when_nothing_better(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_result(48.8626, 2.3363, kind="municipality", label="Paris")
    result = locate(geo_settings)
    assert (result.source, result.precision, result.raw_label) == ("ban", "city", "Paris")
    assert "nominatim: no result" in result.notes


def test_ban_down_falls_back_to_nominatim(geo_settings, fake_nominatim):
    geo_settings["BAN_URL"] = closed_port_url()
    fake_nominatim.reply_result(*RIVOLI, kind="house", label="10, Rue de Rivoli, Paris, 75001, France")
    result = locate(geo_settings)
    assert (result.source, result.precision) == ("nominatim", "rooftop")
    assert result.raw_label == "10, Rue de Rivoli, Paris, 75001, France"
    assert result.notes == ("ban: unavailable",)
    [request] = fake_nominatim.requests
    assert request.params == {
        "street": "10 rue de Rivoli",
        "postalcode": "75001",
        "city": "Paris",
        "format": "json",
        "limit": "1",
        "countrycodes": "fr",
    }
    assert request.headers["User-Agent"] == "fieldcrm-tests"


def test_rate_limited_ban_is_skipped_until_retry_after(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_status(429, retry_after=30)
    fake_nominatim.reply_result(*RIVOLI, kind="street")
    first = locate(geo_settings)
    assert (first.source, first.precision) == ("nominatim", "street")
    assert "ban: rate limited (HTTP 429)" in first.notes
    second = locate(geo_settings)
    assert second.source == "nominatim"
    assert any(note.startswith("ban: skipped, paused for") for note in second.notes)
    assert len(fake_ban.requests) == 1


def test_rate_limited_nominatim_falls_back_to_offline(geo_settings, fake_ban, fake_nominatim):
    fake_nominatim.reply_status(429)
    result = locate(geo_settings)
    assert (result.source, result.precision) == ("communes", "city")
    assert result.notes == (
        "ban: no result",
        "nominatim: rate limited (HTTP 429)",
        "communes: city level only",
    )


def test_timeout_moves_on_without_retrying(geo_settings, fake_ban, fake_nominatim):
    geo_settings["GEOCODER_TIMEOUT"] = 0.3
    fake_ban.reply_result(*RIVOLI)
    fake_ban.reply_slowly(3)
    fake_nominatim.reply_result(*RIVOLI, kind="house")
    started = time.monotonic()
    result = locate(geo_settings)
    assert time.monotonic() - started < 1.5
    assert result.source == "nominatim"
    assert "ban: timed out" in result.notes
    assert len(fake_ban.requests) == 1  # no automatic retry behind the throttle's back


def test_repeated_server_errors_pause_the_provider(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_status(503)
    fake_nominatim.reply_result(*RIVOLI, kind="house")
    results = [locate(geo_settings) for _ in range(4)]
    assert [r.source for r in results] == ["nominatim"] * 4
    assert "ban: HTTP error 503" in results[0].notes
    assert any(note.startswith("ban: skipped, paused for 30") for note in results[3].notes)
    assert len(fake_ban.requests) == 3


def test_no_result_anywhere_gives_the_town_hall(geo_settings, fake_ban, fake_nominatim):
    result = locate(geo_settings, street="1 impasse Inconnue", postal_code="42000", city="St Etienne")
    town_hall = find_commune("42000", "Saint-Étienne")
    assert (result.lat, result.lon) == (town_hall.lat, town_hall.lon)
    assert (result.precision, result.source, result.raw_label) == ("city", "communes", "42000 Saint-Étienne")
    assert result.notes == ("ban: no result", "nominatim: no result", "communes: city level only")
    assert len(fake_ban.requests) == len(fake_nominatim.requests) == 1


def test_result_in_the_ocean_is_rejected(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_in_ocean()
    fake_nominatim.reply_in_ocean(kind="house")
    result = locate(geo_settings)
    assert (result.source, result.precision) == ("communes", "city")
    assert "ban: rejected, (40.0000, -30.0000) is outside FR" in result.notes
    assert "nominatim: rejected, (40.0000, -30.0000) is outside FR" in result.notes


def test_result_far_from_the_postal_code_is_rejected(geo_settings, fake_ban):
    fake_ban.reply_result(43.2965, 5.3698, postcode="13001", city="Marseille", citycode="13201")
    result = locate(geo_settings)
    assert result.source == "communes"
    assert any(
        note.startswith("ban: rejected, 6") and "km from postal code 75001" in note for note in result.notes
    )


def test_low_ban_score_is_rejected(geo_settings, fake_ban, fake_nominatim):
    fake_ban.reply_result(*RIVOLI, score=0.31)
    fake_nominatim.reply_result(*RIVOLI, kind="house")
    result = locate(geo_settings)
    assert result.source == "nominatim"
    assert "ban: rejected, score 0.31 below 0.50" in result.notes


def test_overseas_address_is_checked_against_its_own_box(geo_settings, fake_ban):
    fake_ban.reply_result(-20.8789, 55.4481, postcode="97400", city="Saint-Denis", citycode="97411")
    result = locate(geo_settings, street="1 rue de Paris", postal_code="97400", city="Saint-Denis")
    assert (result.source, result.precision) == ("ban", "rooftop")
    fake_ban.reply_result(*RIVOLI)  # a Paris point for a Réunion address is nonsense
    assert locate(geo_settings, postal_code="97400", city="Saint-Denis").source == "communes"


def test_foreign_address_skips_ban_and_offline(geo_settings, fake_ban, fake_nominatim):
    fake_nominatim.reply_result(50.8467, 4.3525, kind="house", label="Grand-Place 1, 1000 Bruxelles")
    result = locate(geo_settings, street="Grand-Place 1", postal_code="1000", city="Bruxelles", country="be")
    assert (result.source, result.precision) == ("nominatim", "rooftop")
    assert fake_ban.requests == []
    assert fake_nominatim.requests[0].params["countrycodes"] == "be"


def test_nothing_found_returns_none(geo_settings, fake_ban, fake_nominatim):
    result = locate(geo_settings, street="nowhere", postal_code="00000", city="Atlantis")
    assert result is None


def test_offline_only_when_no_chain_given():
    result = geocode_address("3 place de la Comédie", "69001", "LYON", "FR")
    assert (result.source, result.precision, result.raw_label) == ("communes", "city", "69001 Lyon")
    assert geocode_address("", "", "", "FR") is None


def test_offline_handles_cedex_codes_and_unmatched_cities():
    chain = GeocoderChain([OfflineProvider()])
    cedex = geocode_address("Quai du Port", "13233", "Marseille Cedex 20", "FR", chain)
    assert cedex is not None and cedex.raw_label == "Marseille"
    assert cedex.lat == pytest.approx(43.3, abs=0.1) and cedex.lon == pytest.approx(5.4, abs=0.1)
    assert "communes: postal code 13233 not matched" in cedex.notes
    wrong_city = geocode_address("", "01090", "Ville inconnue", "FR", chain)
    assert wrong_city.raw_label == "01090 Montmerle-sur-Saône"  # the biggest commune of the code
    assert any("not matched, used Montmerle-sur-Saône" in note for note in wrong_city.notes)


def test_nominatim_requests_are_paced(geo_settings, fake_nominatim):
    interval = 0.25
    settings = {**geo_settings, "GEOCODER_CHAIN": "nominatim", "NOMINATIM_MIN_INTERVAL": interval}
    fake_nominatim.reply_result(*RIVOLI, kind="house")
    chain = build_chain(settings)
    # Four threads at once, as several workers of a batch would.
    threads = [
        threading.Thread(target=geocode_address, args=("10 rue de Rivoli", "75001", "Paris", "FR", chain))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    arrivals = sorted(request.at for request in fake_nominatim.requests)
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= interval - 0.02, gaps


def test_default_pacing_and_chain_from_settings():
    chain = build_chain({})
    assert [p.name for p in chain.providers] == ["ban", "nominatim", "communes"]
    ban, nominatim, _ = chain.providers
    assert nominatim.throttle.min_interval == 1.0
    assert ban.throttle.min_interval == pytest.approx(1 / 40)
    assert ban.geocoder.geocode_api == "https://api-adresse.data.gouv.fr/search"
    assert nominatim.geocoder.api == "https://nominatim.openstreetmap.org/search"
    assert nominatim.geocoder.timeout == 3.0
    assert [p.name for p in build_chain({"GEOCODER_CHAIN": " Offline "}).providers] == ["communes"]
    with pytest.raises(ValueError, match="google"):
        build_chain({"GEOCODER_CHAIN": "ban,google"})


@pytest.mark.parametrize(
    ("place", "precision"),
    [
        ({"class": "place", "type": "house", "addresstype": "place", "place_rank": 30}, "rooftop"),
        ({"class": "building", "type": "yes", "addresstype": "building", "place_rank": 30}, "rooftop"),
        ({"class": "amenity", "type": "townhall", "addresstype": "amenity", "place_rank": 30}, "rooftop"),
        ({"class": "highway", "type": "residential", "addresstype": "road", "place_rank": 26}, "street"),
        ({"class": "boundary", "type": "administrative", "addresstype": "city", "place_rank": 16}, "city"),
        ({"class": "place", "type": "village", "addresstype": "village", "place_rank": 19}, "city"),
        ({"class": "place", "type": "postcode", "addresstype": "postcode", "place_rank": 21}, "city"),
        ({}, "city"),
    ],
)
def test_nominatim_precision(place, precision):
    assert nominatim_precision(place) == precision
