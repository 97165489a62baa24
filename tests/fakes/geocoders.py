"""Fake BAN and Nominatim servers on 127.0.0.1, answering in the real formats.

    with FakeGeocoder("ban") as ban, FakeGeocoder("nominatim") as osm:
        ban.reply_result(48.8626, 2.3363, kind="housenumber")
        osm.reply_status(429, retry_after=30)
        settings = {"BAN_URL": ban.url, "NOMINATIM_URL": osm.url, ...}

A reply stays in force until changed; ``reply_*`` calls can be made between requests.
Every request is recorded (path, query parameters, headers, monotonic arrival time).

Formats:
- BAN ``GET /search/?q=…&limit=…``: a GeoJSON FeatureCollection whose features carry
  ``properties`` label, score, housenumber, id, type, name, postcode, citycode, x, y, city,
  context, importance, street (https://adresse.data.gouv.fr/outils/api-doc/adresse).
- Nominatim ``GET /search?street=…&city=…&postalcode=…&format=json&limit=1&countrycodes=fr``
  (what geopy sends): a JSON list of places with lat/lon as strings, display_name, class, type,
  place_rank, importance, addresstype, name, boundingbox (https://nominatim.org/release-docs/latest/api/Output/).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import LocalHTTPFake

OCEAN = (40.0, -30.0)  # the middle of the North Atlantic

_NOMINATIM_KINDS: dict[str, dict[str, Any]] = {
    "house": {"class": "place", "type": "house", "addresstype": "place", "place_rank": 30},
    "street": {"class": "highway", "type": "residential", "addresstype": "road", "place_rank": 26},
    "city": {"class": "boundary", "type": "administrative", "addresstype": "city", "place_rank": 16},
}


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeGeocoder(LocalHTTPFake):
    """A fake ``flavour`` ("ban" or "nominatim") geocoding service; use as a context manager."""

    def __init__(self, flavour: str) -> None:
        super().__init__()
        if flavour not in {"ban", "nominatim"}:
            raise ValueError(flavour)
        self.flavour = flavour
        self.requests: list[RecordedRequest] = []
        self._reply = Reply(body=self._empty_body())
        self._lock = threading.Lock()

    # --- what to answer -----------------------------------------------------------------------

    def _set(self, reply: Reply) -> None:
        with self._lock:
            self._reply = reply

    def reply_result(
        self,
        lat: float,
        lon: float,
        *,
        kind: str = "housenumber",
        label: str = "",
        score: float = 0.93,
        postcode: str = "75001",
        city: str = "Paris",
        citycode: str = "75101",
        street: str = "Rue de Rivoli",
        housenumber: str = "10",
    ) -> None:
        """One result. ``kind``: BAN's type (housenumber, street, locality, municipality); for
        Nominatim, "housenumber"/"house", "street" or "city"/"municipality"."""
        if self.flavour == "ban":
            body = self._ban_body(lat, lon, kind, label, score, postcode, city, citycode, street, housenumber)
        else:
            body = self._nominatim_body(lat, lon, kind, label, postcode, city, street, housenumber)
        self._set(Reply(body=body))

    def reply_in_ocean(self, **kwargs: Any) -> None:
        """A confident result in the middle of the Atlantic."""
        self.reply_result(*OCEAN, **kwargs)

    def reply_nothing(self) -> None:
        """A valid answer with no match."""
        self._set(Reply(body=self._empty_body()))

    def reply_status(self, status: int, *, retry_after: int | None = None) -> None:
        """An HTTP error, e.g. 429 (with Retry-After) or 503."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._set(Reply(status=status, body={"error": f"HTTP {status}"}, headers=headers))

    def reply_slowly(self, delay: float) -> None:
        """Keep the current answer but send it only after ``delay`` seconds."""
        with self._lock:
            self._reply = Reply(self._reply.status, self._reply.body, self._reply.headers, delay)

    # --- formats ------------------------------------------------------------------------------

    def _empty_body(self) -> Any:
        if self.flavour == "nominatim":
            return []
        return {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": "",
            "limit": 1,
        }

    @staticmethod
    def _ban_body(
        lat: float,
        lon: float,
        kind: str,
        label: str,
        score: float,
        postcode: str,
        city: str,
        citycode: str,
        street: str,
        housenumber: str,
    ) -> dict[str, Any]:
        department = citycode[:3] if citycode.startswith("97") else citycode[:2]
        properties: dict[str, Any] = {
            "score": score,
            "type": kind,
            "postcode": postcode,
            "citycode": citycode,
            "city": city,
            "context": f"{department}, Paris, Île-de-France" if department == "75" else f"{department}",
            "importance": 0.67,
            "x": 651234.5,
            "y": 6862345.6,
        }
        if kind == "housenumber":
            properties.update(
                id=f"{citycode}_8158_00010",
                housenumber=housenumber,
                street=street,
                name=f"{housenumber} {street}",
                label=label or f"{housenumber} {street} {postcode} {city}",
            )
        elif kind == "street":
            properties.update(
                id=f"{citycode}_8158",
                street=street,
                name=street,
                label=label or f"{street} {postcode} {city}",
            )
        else:
            properties.update(id=citycode, name=city, label=label or city, population=16266)
        return {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": properties,
                }
            ],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": label,
            "limit": 1,
        }

    @staticmethod
    def _nominatim_body(
        lat: float, lon: float, kind: str, label: str, postcode: str, city: str, street: str, housenumber: str
    ) -> list[dict[str, Any]]:
        shape = {"housenumber": "house", "municipality": "city", "locality": "city"}.get(kind, kind)
        details = _NOMINATIM_KINDS[shape]
        display = (
            label
            or {
                "house": f"{housenumber}, {street}, {city}, {postcode}, France",
                "street": f"{street}, {city}, {postcode}, France",
                "city": f"{city}, France métropolitaine, France",
            }[shape]
        )
        return [
            {
                "place_id": 123456,
                "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
                "osm_type": "node" if shape == "house" else "way",
                "osm_id": 987654,
                "lat": f"{lat:.7f}",
                "lon": f"{lon:.7f}",
                **details,
                "importance": 0.41,
                "name": "" if shape == "house" else (street if shape == "street" else city),
                "display_name": display,
                "boundingbox": [
                    f"{lat - 0.001:.7f}",
                    f"{lat + 0.001:.7f}",
                    f"{lon - 0.001:.7f}",
                    f"{lon + 0.001:.7f}",
                ],
            }
        ]

    # --- serving ------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(RecordedRequest(parts.path, params, dict(handler.headers), time.monotonic()))
            reply = self._reply
        if parts.path.rstrip("/") != "/search":
            reply = Reply(status=404, body={"error": "not found"})
        if reply.delay and self._stopping.wait(reply.delay):
            return
        payload = json.dumps(reply.body).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass
