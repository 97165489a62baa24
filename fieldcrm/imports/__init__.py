"""Import of clients from spreadsheets: pure parsing, column mapping and value normalisation.

No Flask and no database here; routes and services wire these functions to screens and tables.
"""

from fieldcrm.fieldrules import N_

__all__ = ["N_"]
