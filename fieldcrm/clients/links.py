"""Phone and navigation hand-off links for a client card (pure)."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def postal_address(street, postal_code, city, country="FR") -> str:
    parts = [p for p in (street, " ".join(p for p in (postal_code, city) if p)) if p]
    if country and country != "FR":
        parts.append(country)
    return ", ".join(parts)


def navigation_links(address: str, lat: float | None, lon: float | None) -> dict[str, str]:
    """Google Maps, Waze and Apple Maps links to drive to a place (coordinates if known)."""
    if lat is not None and lon is not None:
        where = f"{lat:.6f},{lon:.6f}"
        return {
            "google": "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": where}),
            "waze": "https://waze.com/ul?" + urlencode({"ll": where, "navigate": "yes"}),
            "apple": "https://maps.apple.com/?" + urlencode({"daddr": where}),
        }
    if not address:
        return {}
    return {
        "google": "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": address}),
        "waze": "https://waze.com/ul?" + urlencode({"q": address, "navigate": "yes"}),
        "apple": "https://maps.apple.com/?" + urlencode({"daddr": address}),
    }


def tel_link(e164: str | None) -> str:
    return f"tel:{e164}" if e164 else ""


def sms_link(e164: str | None) -> str:
    return f"sms:{e164}" if e164 else ""


def mail_link(email: str | None) -> str:
    return f"mailto:{quote(email, safe='@.+')}" if email else ""
