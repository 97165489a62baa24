"""Where this install keeps the folders it ships: templates/, static/ and migrations/.

In the repository (and so in an editable install) they sit at the top level, next to the package; a
built wheel carries them inside the package, under fieldcrm/_shipped/ (copied there by setup.py).
Files the app writes never go here: they live under the app's instance_path.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The folder `name` ("templates", "static" or "migrations") of this install."""
    inside_package = PACKAGE_DIR / "_shipped" / name
    if inside_package.is_dir():
        return inside_package
    return PACKAGE_DIR.parent / name
