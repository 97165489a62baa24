"""Phone and navigation hand-off links for a client card (pure)."""

from __future__ import annotations

from urllib.parse import quote, quote_plus, urlencode

GOOGLE_DIRECTIONS = "https://www.google.com/maps/dir/?api=1&destination="


def postal_address(street, postal_code, city, country="FR") -> str:
    parts = [p for p in (street, " ".join(p for p in (postal_code, city) if p)) if p]
    if country and country != "FR":
        parts.append(country)
    return ", ".join(parts)


def directions_url(address: str, lat: float | None, lon: float | None) -> str:
    """The Google Maps directions link alone (what a list line offers: one per line, built fast)."""
    if lat is not None and lon is not None:
        return GOOGLE_DIRECTIONS + quote_plus(f"{lat:.6f},{lon:.6f}")
    return GOOGLE_DIRECTIONS + quote_plus(address) if address else ""


def navigation_links(address: str, lat: float | None, lon: float | None) -> dict[str, str]:
    """Google Maps, Waze and Apple Maps links to drive to a place (coordinates if known)."""
    if lat is not None and lon is not None:
        where = f"{lat:.6f},{lon:.6f}"
        return {
            "google": directions_url(address, lat, lon),
            "waze": "https://waze.com/ul?" + urlencode({"ll": where, "navigate": "yes"}),
            "apple": "https://maps.apple.com/?" + urlencode({"daddr": where}),
        }
    if not address:
        return {}
    return {
        "google": directions_url(address, None, None),
        "waze": "https://waze.com/ul?" + urlencode({"q": address, "navigate": "yes"}),
        "apple": "https://maps.apple.com/?" + urlencode({"daddr": address}),
    }


def tel_link(e164: str | None) -> str:
    return f"tel:{e164}" if e164 else ""


def sms_link(e164: str | None) -> str:
    return f"sms:{e164}" if e164 else ""


def mail_link(email: str | None) -> str:
    return f"mailto:{quote(email, safe='@.+')}" if email else ""
