"""Mileage log from the tours driven, with the French per-km allowance scale of each year (pure).

The scales are data (data/mileage_scales.json, with their source and what is assumed), one table per
year of the kilometres driven: a December 2026 trip counts on the 2026 scale."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

SCALES_FILE = Path(__file__).resolve().parent / "data" / "mileage_scales.json"
# Where a day's kilometres come from, best first: the car's odometer, else the planned route (by road
# from a routing server, or estimated without one).
ODOMETER, ROAD, ESTIMATE = "odometer", "road", "estimate"
MAX_KM_A_DAY = 2000  # more than a day's driving: a typo in an odometer reading


@dataclass(frozen=True)
class Scale:
    year: int  # the year whose table this is
    status: str  # "official", or "assumed" (figures carried over, see the data file's note)
    cars: dict[int, tuple[float, tuple[float, float], float]]

    @property
    def horsepowers(self) -> list[int]:
        return sorted(self.cars)


@lru_cache(maxsize=1)
def _scales() -> dict[int, Scale]:
    data = json.loads(SCALES_FILE.read_text(encoding="utf-8"))
    return {int(year): Scale(int(year), table["status"],
                             {int(cv): (first, (middle[0], middle[1]), beyond)
                              for cv, (first, middle, beyond) in table["cars"].items()})
            for year, table in data["years"].items()}


def scale_for(year: int) -> Scale:
    """The scale of `year`; for a year with no table, the nearest earlier one (the scale in force until
    a new one is published), or the earliest for a year before every table."""
    scales = _scales()
    if year in scales:
        return scales[year]
    earlier = [y for y in scales if y < year]
    return scales[max(earlier) if earlier else min(scales)]


def french_allowance(km_in_year: float, horsepower: int, year: int) -> float:
    """The allowance in euros for ``km_in_year`` km driven in ``year`` with a car of ``horsepower`` CV."""
    scale = scale_for(year)
    first, (rate, fixed), beyond = scale.cars[min(max(horsepower, min(scale.cars)), max(scale.cars))]
    if km_in_year <= 5000:
        return round(km_in_year * first, 2)
    if km_in_year <= 20000:
        return round(km_in_year * rate + fixed, 2)
    return round(km_in_year * beyond, 2)


def odometer_problem(start_km: int | None, end_km: int | None) -> str | None:
    """Why two readings of a day cannot both be right ("end_before_start", "too_far"), or None."""
    if start_km is None or end_km is None:
        return None
    if end_km < start_km:
        return "end_before_start"
    if end_km - start_km > MAX_KM_A_DAY:
        return "too_far"
    return None


@dataclass(frozen=True)
class MileageDay:
    day: date
    tour_id: int
    km: float
    stops_done: int
    source: str  # ODOMETER, ROAD or ESTIMATE

    @property
    def estimated(self) -> bool:
        return self.source != ODOMETER


def day_km(planned_m: int | None, travel_source: str | None, start_km: int | None,
           end_km: int | None) -> tuple[float, str]:
    """A day's kilometres and where they come from: both odometer readings when the rep gave them,
    else the planned route."""
    if start_km is not None and end_km is not None and odometer_problem(start_km, end_km) is None:
        return float(end_km - start_km), ODOMETER
    return round((planned_m or 0) / 1000, 1), ROAD if travel_source == "osrm" else ESTIMATE


def to_csv(rows: Iterable[MileageDay], headers: tuple[str, str, str, str], sources: Mapping[str, str],
           total_label: str) -> str:
    """CSV (semicolon-separated, decimal comma: what French spreadsheets open directly). `sources`
    words each source in the user's language; `total_label` heads the last row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    total = 0.0
    for row in rows:
        total += row.km
        writer.writerow([row.day.isoformat(), f"{row.km:.1f}".replace(".", ","), row.stops_done,
                         sources[row.source]])
    writer.writerow([total_label, f"{total:.1f}".replace(".", ","), "", ""])
    return out.getvalue()
