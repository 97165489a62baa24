"""Where a demo client sits on the map, from the offline data only (no network at demo time).

The app ships one offline geographic source: the official commune list (fieldcrm/geo/data), with each
commune's town hall. It holds no street: a demo card's street address cannot be placed offline, so
the card sits at its commune's town hall, marked approximate ("city" precision: a dashed pin, "position
approximate" on its card), exactly as the geocoder's offline step would place it. Once a geocoder is
configured, the map's bulk geocoding ("Clients not located or approximate") places them at their street."""

from __future__ import annotations

from fieldcrm.clients.models import Client
from fieldcrm.geo.communes import Commune
from fieldcrm.timeutil import utcnow


def place_at_commune(client: Client, commune: Commune) -> None:
    """The card at its commune's town hall, marked approximate (never a made-up street position)."""
    client.latitude, client.longitude = commune.lat, commune.lon
    client.geo_precision, client.geo_source, client.geocoded_at = "city", "communes", utcnow()
