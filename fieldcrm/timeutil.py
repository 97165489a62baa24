"""Times are stored in UTC (timezone-aware) and shown in the user's time zone."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)
