"""Libraries of the optional extras: `fieldcrm[postgres]` (psycopg) and `fieldcrm[redis]` (redis).

The demo and a SQLite deployment install neither; a setting that needs one stops start-up with one
line naming the extra to install, instead of an ImportError deep in SQLAlchemy or huey.
"""

from __future__ import annotations

import importlib


class MissingDriver(RuntimeError):
    """A setting needs the library of an extra that is not installed."""


def require(module: str, setting: str, extra: str) -> None:
    """Import `module`, or raise MissingDriver saying which setting needs it and how to install it."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingDriver(
            f"{setting} needs the Python package `{module}`, which is not installed: "
            f'pip install "fieldcrm[{extra}]"'
        ) from None
