"""Postal-code validation per country, as a client form would use it."""

from __future__ import annotations

import pytest

from fieldcrm.geo.communes import (
    POSTAL_CODE_FORMAT,
    POSTAL_CODE_REQUIRED,
    POSTAL_CODE_UNKNOWN,
    normalise_postal_code,
    validate_postal_code,
)

VALID = [
    ("FR", "75001"),
    ("FR", "13001"),
    ("FR", " 69 001 "),
    ("fr", "20000"),
    (None, "33000"),
    ("", "97400"),
    ("FR", "97133"),  # Saint-Barthélemy: French postal code, not in the commune list
    ("FR", "98800"),  # Nouméa
    ("BE", "1000"),
    ("CH", "8001"),
    ("LU", "1234"),
    ("LU", "L-1234"),
    ("AT", "1010"),
    ("DK", "2100"),
    ("NO", "0150"),
    ("DE", "10115"),
    ("ES", "28013"),
    ("IT", "00184"),
    ("MC", "98000"),
    ("NL", "1012 AB"),
    ("NL", "1012ab"),
    ("PT", "1100-148"),
    ("GB", "SW1A 1AA"),
    ("GB", "m11ae"),
    ("GB", "EC1A 1BB"),
    ("GB", "B33 8TH"),
    ("US", "10001"),
    ("US", "10001-1234"),
    ("CA", "K1A 0B1"),
    ("CA", "h2x1y4"),
    ("JP", "100-0001"),
    ("IE", "D02 X285"),
]

INVALID = [
    ("FR", "7500", POSTAL_CODE_FORMAT),
    ("FR", "750011", POSTAL_CODE_FORMAT),
    ("FR", "2A000", POSTAL_CODE_FORMAT),
    ("FR", "00000", POSTAL_CODE_UNKNOWN),
    ("FR", "13233", POSTAL_CODE_UNKNOWN),
    ("FR", "", POSTAL_CODE_REQUIRED),
    ("FR", None, POSTAL_CODE_REQUIRED),
    ("BE", "   ", POSTAL_CODE_REQUIRED),
    ("BE", "10000", POSTAL_CODE_FORMAT),
    ("CH", "800", POSTAL_CODE_FORMAT),
    ("DE", "1011", POSTAL_CODE_FORMAT),
    ("ES", "60000", POSTAL_CODE_FORMAT),
    ("IT", "ABCDE", POSTAL_CODE_FORMAT),
    ("MC", "06000", POSTAL_CODE_FORMAT),
    ("NL", "0123 AB", POSTAL_CODE_FORMAT),
    ("NL", "1234", POSTAL_CODE_FORMAT),
    ("PT", "1100148", POSTAL_CODE_FORMAT),
    ("GB", "12345", POSTAL_CODE_FORMAT),
    ("GB", "SW1A", POSTAL_CODE_FORMAT),
    ("US", "1234", POSTAL_CODE_FORMAT),
    ("US", "12345-12", POSTAL_CODE_FORMAT),
    ("CA", "D1A 0B1", POSTAL_CODE_FORMAT),
    ("CA", "123456", POSTAL_CODE_FORMAT),
    ("JP", "1234567890123", POSTAL_CODE_FORMAT),
    ("JP", "", POSTAL_CODE_REQUIRED),
]


@pytest.mark.parametrize(("country", "postal_code"), VALID)
def test_valid_postal_codes(country, postal_code):
    assert validate_postal_code(country, postal_code) is None


@pytest.mark.parametrize(("country", "postal_code", "error"), INVALID)
def test_invalid_postal_codes(country, postal_code, error):
    assert validate_postal_code(country, postal_code) == error


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("FR", " 75 001 ", "75001"),
        ("NL", "1012ab", "1012 AB"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1  1AE", "M1 1AE"),
        ("CA", "h2x1y4", "H2X 1Y4"),
        ("LU", "L-1234", "1234"),
        ("CH", "CH-8001", "8001"),
        ("PT", "1100-148", "1100-148"),
        ("US", "10001-1234", "10001-1234"),
    ],
)
def test_normalise_postal_code(country, raw, stored):
    assert normalise_postal_code(country, raw) == stored
