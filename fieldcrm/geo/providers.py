"""Geocoding providers (BAN, Nominatim, the offline commune list) and the types they share.

A provider's ``locate`` returns a ``GeocodeResult``, None for "no match", or raises a geopy
exception / ``Rejected``; ``fieldcrm.geo.geocoding.GeocoderChain`` turns those into notes.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Literal, Protocol
from urllib.parse import urlsplit

from geopy.adapters import RequestsAdapter
from geopy.geocoders import BANFrance, Nominatim

from fieldcrm.geo.communes import (
    communes_for_postal_code,
    communes_named,
    find_commune,
    normalise_postal_code,
)
from fieldcrm.geo.throttle import Throttle, shared_throttle

Precision = Literal["rooftop", "street", "city", "manual"]

DEFAULT_BAN_URL = "https://api-adresse.data.gouv.fr"
DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
DEFAULT_USER_AGENT = "fieldcrm"
DEFAULT_TIMEOUT_SECONDS = 3.0
NOMINATIM_MIN_INTERVAL_SECONDS = 1.0  # usage policy: an absolute maximum of 1 request per second
BAN_MIN_INTERVAL_SECONDS = 1 / 40  # BAN allows 50 requests/s per IP; stay below
BAN_MIN_SCORE = 0.5


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is, how precisely, and according to whom."""

    lat: float
    lon: float
    precision: Precision
    source: str
    raw_label: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FR"

    @classmethod
    def of(
        cls, street: str | None, postal_code: str | None, city: str | None, country: str | None
    ) -> Address:
        return cls(
            street=" ".join((street or "").split()),
            postal_code=normalise_postal_code(country, postal_code),
            city=" ".join((city or "").split()),
            country=(country or "FR").strip().upper() or "FR",
        )


class Rejected(Exception):
    """A provider answered, but with something we cannot use (low score, wrong place…)."""


class Provider(Protocol):
    name: str
    throttle: Throttle | None

    def accepts(self, address: Address) -> bool: ...

    def locate(self, address: Address) -> GeocodeResult | None: ...


def _split_url(url: str) -> tuple[str, str]:
    """("https", "host[:port][/path]") from a base URL; geopy wants them apart."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.scheme or "https", (parts.netloc + parts.path).rstrip("/")


# One request per call: requests' automatic retries would multiply timeouts and dodge the throttle.
_no_retry_adapter = partial(RequestsAdapter, max_retries=0)


@cache
def _geopy_client(geocoder_class, url: str, timeout: float, user_agent: str):
    """A geopy geocoder on `url` (no retries: the chain moves on) and its origin for the throttle."""
    scheme, domain = _split_url(url)
    client = geocoder_class(domain=domain, scheme=scheme, timeout=timeout, user_agent=user_agent,
                            ssl_context=_ssl_context(), adapter_factory=_no_retry_adapter)
    return client, f"{scheme}://{domain}"


def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every geocoder: loading the CA store costs ~40 ms each time."""
    return ssl.create_default_context()


# --- providers ---------------------------------------------------------------------------------

BAN_PRECISION: dict[str, Precision] = {
    "housenumber": "rooftop",
    "street": "street",
    "locality": "city",
    "municipality": "city",
}


class _WebProvider:
    """A provider answering over HTTP through a geopy geocoder, paced by a throttle shared per origin
    (every worker and every chain calling the same server waits its turn)."""

    name: str
    geocoder_class: type
    default_url: str
    default_min_interval: float

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        user_agent: str = DEFAULT_USER_AGENT,
        min_interval: float | None = None,
    ) -> None:
        self.geocoder, origin = _geopy_client(self.geocoder_class, url or self.default_url, timeout, user_agent)
        interval = self.default_min_interval if min_interval is None else min_interval
        self.throttle = shared_throttle(f"{self.name} {origin}", interval)


class BanProvider(_WebProvider):
    """Base Adresse Nationale (France only): https://adresse.data.gouv.fr/outils/api-doc/adresse."""

    name = "ban"
    geocoder_class = BANFrance
    default_url = DEFAULT_BAN_URL
    default_min_interval = BAN_MIN_INTERVAL_SECONDS

    def __init__(self, url: str | None = None, *, min_score: float = BAN_MIN_SCORE, **options) -> None:
        super().__init__(url, **options)
        self.min_score = min_score

    def accepts(self, address: Address) -> bool:
        return address.country == "FR" and bool(address.street or address.city or address.postal_code)

    def locate(self, address: Address) -> GeocodeResult | None:
        locality = f"{address.postal_code} {address.city}".strip()
        query = ", ".join(part for part in (address.street, locality) if part)
        location = self.geocoder.geocode(query, limit=1)
        if location is None:
            return None
        properties = location.raw.get("properties", {})
        score = float(properties.get("score", 1.0))
        if score < self.min_score:
            raise Rejected(f"score {score:.2f} below {self.min_score:.2f}")
        return GeocodeResult(
            lat=location.latitude,
            lon=location.longitude,
            precision=BAN_PRECISION.get(properties.get("type", ""), "city"),
            source=self.name,
            raw_label=properties.get("label") or location.address or "",
        )


_NOMINATIM_ROOFTOP_TYPES = {"house", "building", "apartments", "residential_building"}
_NOMINATIM_STREET_TYPES = {"road", "street", "pedestrian", "footway", "square"}


def nominatim_precision(place: Mapping) -> Precision:
    """Precision of a Nominatim (format=json) place from addresstype, class/type and place_rank."""
    kind = {str(place.get(key, "")) for key in ("addresstype", "type")}
    if kind & _NOMINATIM_ROOFTOP_TYPES or place.get("class") == "building":
        return "rooftop"
    if place.get("class") == "highway" or kind & _NOMINATIM_STREET_TYPES:
        return "street"
    if place.get("class") in {"place", "boundary"}:
        return "city"
    try:
        rank = int(place.get("place_rank", 0))
    except (TypeError, ValueError):
        rank = 0
    if rank >= 28:  # houses and points of interest
        return "rooftop"
    return "street" if rank >= 26 else "city"


class NominatimProvider(_WebProvider):
    """OpenStreetMap's Nominatim (public or self-hosted), structured query, any country."""

    name = "nominatim"
    geocoder_class = Nominatim
    default_url = DEFAULT_NOMINATIM_URL
    default_min_interval = NOMINATIM_MIN_INTERVAL_SECONDS

    def accepts(self, address: Address) -> bool:
        return bool(address.street or address.city or address.postal_code)

    def locate(self, address: Address) -> GeocodeResult | None:
        query = {
            key: value
            for key, value in (
                ("street", address.street),
                ("postalcode", address.postal_code),
                ("city", address.city),
            )
            if value
        }
        location = self.geocoder.geocode(query, exactly_one=True, country_codes=address.country.lower())
        if location is None:
            return None
        return GeocodeResult(
            lat=location.latitude,
            lon=location.longitude,
            precision=nominatim_precision(location.raw),
            source=self.name,
            raw_label=location.address or "",
        )


# Paris, Lyon and Marseille are split into arrondissements, each with its own town hall.
_SPLIT_CITY_INSEE_PREFIXES = ("751", "6938", "132")


class OfflineProvider:
    """French commune town halls from the bundled list: postal code + city → 'city' precision."""

    name = "communes"
    throttle: Throttle | None = None

    def accepts(self, address: Address) -> bool:
        return address.country == "FR" and bool(address.postal_code or address.city)

    def locate(self, address: Address) -> GeocodeResult | None:
        commune = find_commune(address.postal_code, address.city)
        if commune is not None:
            return self._result(commune.lat, commune.lon, f"{commune.postal_code} {commune.name}")
        department = (
            address.postal_code[:3] if address.postal_code.startswith("97") else address.postal_code[:2]
        )
        # CEDEX or mistyped postal code: the city name, in the same department.
        namesakes = [c for c in communes_named(address.city) if c.postal_code.startswith(department)]
        if namesakes:
            distinct = {c.insee: c for c in namesakes}
            if len(distinct) == 1 or all(i.startswith(_SPLIT_CITY_INSEE_PREFIXES) for i in distinct):
                lat = sum(c.lat for c in distinct.values()) / len(distinct)
                lon = sum(c.lon for c in distinct.values()) / len(distinct)
                return self._result(
                    lat, lon, namesakes[0].name, note=f"postal code {address.postal_code or '-'} not matched"
                )
        served = communes_for_postal_code(address.postal_code)
        if served:
            biggest = max(served, key=lambda c: c.population)
            return self._result(
                biggest.lat,
                biggest.lon,
                f"{biggest.postal_code} {biggest.name}",
                note=f"city {address.city or '-'!r} not matched, used {biggest.name}",
            )
        return None

    def _result(self, lat: float, lon: float, label: str, note: str = "") -> GeocodeResult:
        return GeocodeResult(
            lat, lon, "city", self.name, label, notes=(f"{self.name}: {note}",) if note else ()
        )
