"""Settings from the environment (12-factor). Production refuses unsafe defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - refused outside demo/debug


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up when the configuration would be unsafe in production."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_int(value: str | None) -> int | None:
    return int(value) if value and value.strip() else None


def from_environment(instance_path: str) -> dict:
    """Read every setting the app knows from os.environ, with safe defaults."""
    env = os.environ
    db_file = Path(instance_path) / "fieldcrm.sqlite3"
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{db_file}",
        # PostgreSQL: prepare a statement on the server once a connection has run it this many times
        # (0: at once). Unset: never, which a pooler in transaction mode (PgBouncer) needs unless it
        # keeps prepared statements itself (PgBouncer 1.21+ with max_prepared_statements).
        "DB_PREPARE_THRESHOLD": _optional_int(env.get("FIELDCRM_DB_PREPARE_THRESHOLD")),
        "FIELDCRM_DEMO": _bool(env.get("FIELDCRM_DEMO")),
        "DEBUG": _bool(env.get("FLASK_DEBUG")),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=True),
        # Request bodies above this are refused (413) before being read: a little over the import's
        # own 20 MB file limit, which then answers with its precise message.
        "MAX_CONTENT_LENGTH": int(env.get("FIELDCRM_MAX_UPLOAD_MB", "21")) * 1024 * 1024,
        "MAX_ACTIVE_USERS": int(env.get("FIELDCRM_MAX_ACTIVE_USERS", "50")),
        "DEFAULT_TIMEZONE": env.get("FIELDCRM_TIMEZONE", "Europe/Paris"),
        "BABEL_DEFAULT_LOCALE": env.get("FIELDCRM_DEFAULT_LOCALE", "fr"),
        "LOGIN_MAX_ATTEMPTS": int(env.get("FIELDCRM_LOGIN_MAX_ATTEMPTS", "5")),
        "LOGIN_LOCK_SECONDS": int(env.get("FIELDCRM_LOGIN_LOCK_SECONDS", "60")),
        "UNDO_DELETE_DAYS": int(env.get("FIELDCRM_UNDO_DELETE_DAYS", "30")),
        # The key of the opposition list's fingerprints (HMAC-SHA256); SECRET_KEY when empty. Set a
        # dedicated one that never changes: a new key no longer recognises the people already listed.
        "OPPOSITION_KEY": env.get("FIELDCRM_OPPOSITION_KEY", ""),
        "OPPOSITION_YEARS": int(env.get("FIELDCRM_OPPOSITION_YEARS", "3")),
        "REDIS_URL": env.get("REDIS_URL", ""),
        # Requests per client IP (web.rate_limits), in Flask-Limiter's notation: "20 per minute".
        "RATELIMIT_ENABLED": _bool(env.get("FIELDCRM_RATE_LIMITS"), default=True),
        "RATE_LIMIT_LOGIN": env.get("FIELDCRM_RATE_LIMIT_LOGIN", "20 per minute"),
        "RATE_LIMIT_PASSWORD": env.get("FIELDCRM_RATE_LIMIT_PASSWORD", "10 per minute"),
        "RATE_LIMIT_UPLOAD": env.get("FIELDCRM_RATE_LIMIT_UPLOAD", "30 per hour"),
        "RATE_LIMIT_FEED": env.get("FIELDCRM_RATE_LIMIT_FEED", "120 per hour"),
        "RATELIMIT_KEY_PREFIX": env.get("FIELDCRM_RATE_LIMIT_PREFIX", "fieldcrm"),
        # Reverse proxies in front that append the client's address to X-Forwarded-For (0: none,
        # the header is then ignored, as anyone can send it).
        "PROXY_COUNT": int(env.get("FIELDCRM_PROXY_COUNT", "0")),
        # brotli/gzip by the app (web.compression); off when the reverse proxy does it
        "COMPRESS_REGISTER": _bool(env.get("FIELDCRM_COMPRESS"), default=True),
        # Jobs: "in-process" (a consumer in each app process) or "external" (the Procfile's worker:).
        "JOBS_WORKER": env.get("FIELDCRM_JOBS_WORKER", "in-process"),
        "JOBS_IMMEDIATE": _bool(env.get("FIELDCRM_JOBS_IMMEDIATE")) if env.get("FIELDCRM_JOBS_IMMEDIATE") else None,
        "JOBS_SQLITE_PATH": env.get("FIELDCRM_JOBS_SQLITE_PATH") or None,
        # The queue's name, part of each of its Redis keys: two deployments (or a bench) sharing one Redis
        # give theirs a name each, like RATELIMIT_KEY_PREFIX for the request counters.
        "JOBS_QUEUE_NAME": env.get("FIELDCRM_JOBS_QUEUE_NAME", "fieldcrm"),
        "JOBS_IN_PROCESS_THREADS": int(env.get("FIELDCRM_JOBS_IN_PROCESS_THREADS", "2")),
        # A running job renews its lease every third of this; one not renewed is taken as dead.
        "JOB_LEASE_SECONDS": float(env.get("FIELDCRM_JOB_LEASE_SECONDS", "20")),
        # Test only: seconds an import waits on each row, so a test can stop its worker half-way.
        "IMPORT_ROW_DELAY": float(env.get("FIELDCRM_IMPORT_ROW_DELAY", "0")),
        "GEOCODER_CHAIN": env.get("GEOCODER_CHAIN", "ban,nominatim,offline"),
        "BAN_URL": env.get("BAN_URL", "https://api-adresse.data.gouv.fr"),
        "NOMINATIM_URL": env.get("NOMINATIM_URL", "https://nominatim.openstreetmap.org"),
        "NOMINATIM_USER_AGENT": env.get("NOMINATIM_USER_AGENT", "fieldcrm"),
        "GEOCODER_TIMEOUT": float(env.get("GEOCODER_TIMEOUT", "3")),
        "GEOCODER_INLINE_TIMEOUT": float(env.get("GEOCODER_INLINE_TIMEOUT", "2")),
        # Seconds between two requests to a provider, for the whole deployment (geo.throttle).
        "NOMINATIM_MIN_INTERVAL": float(env.get("NOMINATIM_MIN_INTERVAL", "1")),
        "BAN_MIN_INTERVAL": float(env.get("BAN_MIN_INTERVAL", "0.025")),
        "ROUTING_URL": env.get("ROUTING_URL", ""),
        "ROUTING_TIMEOUT": float(env.get("ROUTING_TIMEOUT", "5")),
        # How many of the clients a rep opened last stay on the phone for offline reading (besides the
        # clients of today's and tomorrow's tours and of the week's follow-ups and appointments).
        "OFFLINE_RECENT_CLIENTS": int(env.get("FIELDCRM_OFFLINE_RECENT_CLIENTS", "200")),
        "TOUR_VISIT_MINUTES": int(env.get("FIELDCRM_TOUR_VISIT_MINUTES", "30")),
        "SENSITIVE_TERMS_FILE": env.get("FIELDCRM_SENSITIVE_TERMS_FILE") or None,
        "TILE_URL": env.get("FIELDCRM_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "TILE_ATTRIBUTION": env.get(
            "FIELDCRM_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors"
        ),
    }


def check_production_safety(config: dict) -> None:
    """Refuse to start a production app with a default or missing secret key."""
    relaxed = config.get("TESTING") or config.get("DEBUG") or config.get("FIELDCRM_DEMO")
    if relaxed:
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET or len(key) < 16:
        raise UnsafeConfiguration(
            "SECRET_KEY is missing or is the default development key. Set a long random "
            "SECRET_KEY in the environment (e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`) before starting FieldCRM in production."
        )
