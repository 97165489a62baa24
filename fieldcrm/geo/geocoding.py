"""Address → coordinates through a chain of providers: BAN, Nominatim, then the offline commune list.

Each provider is tried in order. A failure (timeout, HTTP 429, service error, no result, a result
outside the country or far from the postal code) is written to the result's ``notes`` and the next
provider is tried. A street- or rooftop-level answer ends the search; a city-level one is kept
while later providers get a chance to do better. Network problems never reach the caller:
``geocode_address`` returns None when nothing was found ("not located").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geopy.exc import (
    GeocoderQueryError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)

from fieldcrm.geo.bounds import distance_km, within_country
from fieldcrm.geo.communes import Commune, communes_for_postal_code
from fieldcrm.geo.providers import (
    BAN_MIN_SCORE,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_USER_AGENT,
    Address,
    BanProvider,
    GeocodeResult,
    NominatimProvider,
    OfflineProvider,
    Precision,
    Provider,
    Rejected,
    nominatim_precision,
)
from fieldcrm.geo.throttle import DEFAULT_RATE_LIMITED_PAUSE_SECONDS

__all__ = [
    "Address",
    "BanProvider",
    "GeocodeResult",
    "GeocoderChain",
    "NominatimProvider",
    "OfflineProvider",
    "Precision",
    "Provider",
    "build_chain",
    "geocode_address",
    "nominatim_precision",
]

logger = logging.getLogger(__name__)

PRECISION_RANK: dict[str, int] = {"rooftop": 3, "manual": 3, "street": 2, "city": 1}
DEFAULT_CHAIN = "ban,nominatim,offline"
# A French result further than this from every commune of its postal code is a wrong match.
# Arles, the largest metropolitan commune, spans ~40 km from its town hall; overseas is not checked.
MAX_KM_FROM_POSTAL_CODE = 50.0


def _failure_note(error: Exception) -> str:
    """A short reason, without the request URL (it contains the address)."""
    if isinstance(error, GeocoderRateLimited):
        return "rate limited (HTTP 429)"
    status = getattr(error.__cause__, "status_code", None)  # geopy's AdapterHTTPError
    if status is not None:
        return f"HTTP error {status}"
    if isinstance(error, GeocoderTimedOut):
        return "timed out"
    if isinstance(error, GeocoderUnavailable):
        return "unavailable"
    return f"error ({type(error).__name__})"


def _far_from_postal_code(address: Address, lat: float, lon: float, max_km: float) -> float | None:
    """Distance to the nearest commune of the (metropolitan) postal code, if beyond ``max_km``."""
    if max_km <= 0 or address.country != "FR" or address.postal_code.startswith("97"):
        return None
    served: Sequence[Commune] = communes_for_postal_code(address.postal_code)
    if not served:
        return None
    nearest = min(distance_km(lat, lon, c.lat, c.lon) for c in served)
    return nearest if nearest > max_km else None


@dataclass
class GeocoderChain:
    """Providers tried in order; see the module docstring."""

    providers: list[Provider]
    max_km_from_postal_code: float = MAX_KM_FROM_POSTAL_CODE

    def geocode(self, address: Address) -> GeocodeResult | None:
        notes: list[str] = []
        fallback: GeocodeResult | None = None
        for provider in self.providers:
            if not provider.accepts(address):
                continue
            result = self._try(provider, address, notes)
            if result is None:
                continue
            if PRECISION_RANK[result.precision] > PRECISION_RANK["city"]:
                return dataclasses.replace(result, notes=(*notes, *result.notes))
            if fallback is None:
                fallback = result
                notes.append(f"{provider.name}: city level only")
            notes.extend(result.notes)
        if fallback is None:
            # No street in the log: it is personal data for clients who are people.
            logger.info(
                "Address not located (%s %s): %s", address.country, address.postal_code, "; ".join(notes)
            )
            return None
        return dataclasses.replace(fallback, notes=tuple(notes))

    def _try(self, provider: Provider, address: Address, notes: list[str]) -> GeocodeResult | None:
        throttle = provider.throttle
        if throttle is not None:
            paused = throttle.paused_for()
            if paused > 0:
                notes.append(f"{provider.name}: skipped, paused for {paused:.0f} s")
                return None
            throttle.wait()
        try:
            result = provider.locate(address)
        except GeocoderRateLimited as error:
            if throttle is not None:
                throttle.pause(error.retry_after or DEFAULT_RATE_LIMITED_PAUSE_SECONDS)
            notes.append(f"{provider.name}: {_failure_note(error)}")
            return None
        except GeocoderQueryError as error:  # our query was refused (HTTP 400): not the service's fault
            notes.append(f"{provider.name}: {_failure_note(error)}")
            return None
        except GeocoderServiceError as error:  # timeouts, connection refused, 5xx, unreadable answer
            if throttle is not None:
                throttle.record_failure()
            notes.append(f"{provider.name}: {_failure_note(error)}")
            return None
        except Rejected as error:
            notes.append(f"{provider.name}: rejected, {error}")
            return None
        except (GeopyError, KeyError, IndexError, TypeError, ValueError) as error:  # malformed answer
            notes.append(f"{provider.name}: {_failure_note(error)}")
            return None
        if throttle is not None:
            throttle.record_success()
        if result is None:
            notes.append(f"{provider.name}: no result")
            return None
        if not within_country(address.country, address.postal_code, result.lat, result.lon):
            notes.append(
                f"{provider.name}: rejected, ({result.lat:.4f}, {result.lon:.4f}) is outside "
                f"{address.country}"
            )
            return None
        distance = _far_from_postal_code(address, result.lat, result.lon, self.max_km_from_postal_code)
        if distance is not None:
            notes.append(
                f"{provider.name}: rejected, {distance:.0f} km from postal code {address.postal_code}"
            )
            return None
        return result


def _seconds(value) -> float | None:
    """A pace from the settings; None (not set) keeps the provider's own."""
    return None if value is None else float(value)


def build_chain(settings: Mapping) -> GeocoderChain:
    """Chain from settings: GEOCODER_CHAIN ("ban,nominatim,offline"), BAN_URL, NOMINATIM_URL,
    NOMINATIM_USER_AGENT, GEOCODER_TIMEOUT (seconds), and optionally NOMINATIM_MIN_INTERVAL,
    BAN_MIN_INTERVAL, BAN_MIN_SCORE, GEOCODER_MAX_KM_FROM_POSTAL_CODE (0 disables the check).
    """
    web = {"timeout": float(settings.get("GEOCODER_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
           "user_agent": settings.get("NOMINATIM_USER_AGENT") or DEFAULT_USER_AGENT}
    providers: list[Provider] = []
    for name in str(settings.get("GEOCODER_CHAIN") or DEFAULT_CHAIN).lower().split(","):
        name = name.strip()
        if name == "ban":
            providers.append(BanProvider(settings.get("BAN_URL") or None,
                                         min_score=float(settings.get("BAN_MIN_SCORE", BAN_MIN_SCORE)),
                                         min_interval=_seconds(settings.get("BAN_MIN_INTERVAL")), **web))
        elif name == "nominatim":
            providers.append(NominatimProvider(settings.get("NOMINATIM_URL") or None,
                                               min_interval=_seconds(settings.get("NOMINATIM_MIN_INTERVAL")),
                                               **web))
        elif name in {"offline", "communes"}:
            providers.append(OfflineProvider())
        elif name:
            raise ValueError(f"Unknown geocoder {name!r} in GEOCODER_CHAIN (use ban, nominatim, offline)")
    max_km = float(settings.get("GEOCODER_MAX_KM_FROM_POSTAL_CODE", MAX_KM_FROM_POSTAL_CODE))
    return GeocoderChain(providers, max_km_from_postal_code=max_km)


def geocode_address(
    street: str | None,
    postal_code: str | None,
    city: str | None,
    country: str | None = "FR",
    chain: GeocoderChain | None = None,
) -> GeocodeResult | None:
    """Locate an address with ``chain`` (offline commune list only if None); None if not located."""
    address = Address.of(street, postal_code, city, country)
    if not (address.street or address.postal_code or address.city):
        return None
    return (chain or GeocoderChain([OfflineProvider()])).geocode(address)
