"""Mileage log from the tours driven, with the French per-km allowance scale (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Barème kilométrique applicable aux voitures (BOI-BAREME-000001), revenus 2024, unchanged for 2025:
# per fiscal horsepower, (rate up to 5,000 km), (rate, fixed part from 5,001 to 20,000 km), (rate beyond).
FRENCH_CAR_SCALE: dict[int, tuple[float, tuple[float, float], float]] = {
    3: (0.529, (0.316, 1065), 0.370),
    4: (0.606, (0.340, 1330), 0.407),
    5: (0.636, (0.357, 1395), 0.427),
    6: (0.665, (0.374, 1457), 0.447),
    7: (0.697, (0.394, 1515), 0.470),
}
SCALE_YEAR = 2024


def french_allowance(km_in_year: float, horsepower: int) -> float:
    """The yearly allowance in euros for ``km_in_year`` km driven with a car of ``horsepower`` CV."""
    first, (rate, fixed), beyond = FRENCH_CAR_SCALE[min(max(horsepower, 3), 7)]
    if km_in_year <= 5000:
        return round(km_in_year * first, 2)
    if km_in_year <= 20000:
        return round(km_in_year * rate + fixed, 2)
    return round(km_in_year * beyond, 2)


@dataclass(frozen=True)
class MileageDay:
    day: date
    tour_id: int
    km: float
    stops_done: int
    estimated: bool


def to_csv(rows: Iterable[MileageDay], headers: tuple[str, str, str, str]) -> str:
    """CSV (semicolon-separated, decimal comma: what French spreadsheets open directly)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    total = 0.0
    for row in rows:
        total += row.km
        writer.writerow([row.day.isoformat(), f"{row.km:.1f}".replace(".", ","), row.stops_done,
                         "estimate" if row.estimated else "road"])
    writer.writerow(["total", f"{total:.1f}".replace(".", ","), "", ""])
    return out.getvalue()
