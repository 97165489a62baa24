"""static/vendor ships only what a page, a script, the service worker or the server really loads."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"
DOCUMENTS = ("README", "LICENSE", "MIT-LICENCE")


def _text(paths) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in paths)


def test_every_vendored_file_is_loaded_by_something():
    app_text = _text([*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.js"),
                      *(ROOT / "static" / "js").glob("*.js"), *(ROOT / "fieldcrm").rglob("*.py")])
    unused = []
    for path in sorted(p for p in VENDOR.rglob("*") if p.is_file() and not p.name.startswith(DOCUMENTS)):
        package = path.relative_to(VENDOR).parts[0]
        package_used = f"vendor/{package}/" in app_text
        # An image or font is loaded through its package's own CSS or JS (or named by the server).
        own_files = [p for p in (VENDOR / package).rglob("*") if p.suffix in (".css", ".js") and p != path]
        if f"vendor/{path.relative_to(VENDOR)}" in app_text:
            continue
        if package_used and (path.name in _text(own_files) or path.name in app_text):
            continue
        unused.append(str(path.relative_to(VENDOR)))
    assert unused == [], f"vendored but never loaded: {unused}"
