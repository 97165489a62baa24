"""Rough bounding boxes per country, to reject geocoding results that land in the wrong place."""

from __future__ import annotations

import math

# (south, west, north, east) in degrees, with a small margin. Several boxes per country when it has
# islands or overseas parts far away; boxes crossing the antimeridian are split in two.
Box = tuple[float, float, float, float]

METROPOLITAN_FRANCE: Box = (41.3, -5.3, 51.15, 9.6)  # mainland and Corsica
# French overseas territories, keyed by the first three digits of their postal codes.
FRENCH_OVERSEAS: dict[str, tuple[Box, ...]] = {
    "971": ((15.8, -63.2, 18.2, -60.9),),  # Guadeloupe, with Saint-Martin and Saint-Barthélemy
    "972": ((14.3, -61.3, 14.95, -60.75),),  # Martinique
    "973": ((2.0, -54.7, 5.9, -51.5),),  # Guyane
    "974": ((-21.45, 55.15, -20.8, 55.9),),  # La Réunion
    "975": ((46.7, -56.5, 47.2, -56.05),),  # Saint-Pierre-et-Miquelon
    "976": ((-13.1, 44.9, -12.55, 45.35),),  # Mayotte
    "977": ((17.8, -63.2, 18.2, -62.7),),  # Saint-Barthélemy
    "978": ((17.8, -63.2, 18.2, -62.7),),  # Saint-Martin
    "986": ((-14.5, -178.3, -13.0, -175.9),),  # Wallis-et-Futuna
    "987": ((-28.0, -155.0, -7.5, -134.0),),  # Polynésie française
    "988": ((-23.0, 163.0, -19.0, 169.0),),  # Nouvelle-Calédonie
}

COUNTRY_BOXES: dict[str, tuple[Box, ...]] = {
    "BE": ((49.45, 2.5, 51.55, 6.45),),
    "CH": ((45.8, 5.9, 47.85, 10.55),),
    "LU": ((49.4, 5.7, 50.2, 6.55),),
    "DE": ((47.2, 5.8, 55.1, 15.1),),
    "ES": ((35.9, -9.4, 43.85, 4.4), (27.6, -18.2, 29.5, -13.3), (35.2, -5.45, 35.95, -2.9)),
    "IT": ((35.45, 6.6, 47.1, 18.55),),
    "MC": ((43.71, 7.40, 43.76, 7.45),),
    "NL": ((50.7, 3.3, 53.6, 7.25),),
    "PT": ((36.9, -9.55, 42.2, -6.15), (32.3, -17.3, 33.15, -16.2), (36.9, -31.3, 39.8, -24.9)),
    "AT": ((46.35, 9.5, 49.05, 17.2),),
    "DK": ((54.5, 8.0, 57.8, 15.25),),
    "NO": ((57.9, 4.5, 71.25, 31.2), (74.0, 10.0, 81.0, 34.0)),
    "GB": ((49.85, -8.7, 60.9, 1.8),),
    "US": (
        (24.4, -125.0, 49.4, -66.9),  # contiguous states
        (51.0, -180.0, 71.5, -129.9),
        (51.0, 172.0, 53.0, 180.0),  # Alaska, Aleutians
        (18.9, -160.3, 22.3, -154.8),  # Hawaii
    ),
    "CA": ((41.6, -141.1, 83.2, -52.6),),
}


def _in_box(box: Box, lat: float, lon: float) -> bool:
    south, west, north, east = box
    return south <= lat <= north and west <= lon <= east


def boxes_for(country_code: str, postal_code: str | None = None) -> tuple[Box, ...] | None:
    """The boxes a point in that country (and French postal code) must fall in; None = unchecked."""
    country = (country_code or "FR").upper()
    if country != "FR":
        return COUNTRY_BOXES.get(country)
    code = (postal_code or "").replace(" ", "")
    if code[:3] in FRENCH_OVERSEAS:
        return FRENCH_OVERSEAS[code[:3]]
    if len(code) == 5 and code.isdigit():
        return (METROPOLITAN_FRANCE,)
    # No usable postal code: anywhere in France, overseas included.
    return (METROPOLITAN_FRANCE, *(box for boxes in FRENCH_OVERSEAS.values() for box in boxes))


def within_country(country_code: str, postal_code: str | None, lat: float, lon: float) -> bool:
    """True if (lat, lon) is plausible for the country; countries without a box always pass."""
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return False
    boxes = boxes_for(country_code, postal_code)
    return boxes is None or any(_in_box(box, lat, lon) for box in boxes)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
