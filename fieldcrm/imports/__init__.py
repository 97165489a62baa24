"""Import of clients from spreadsheets: pure parsing, column mapping and value normalisation.

No Flask and no database here; routes and services wire these functions to screens and tables.
"""


def N_(message: str) -> str:
    """Mark a user-facing English string for extraction (pybabel extract -k N_) without translating it."""
    return message
