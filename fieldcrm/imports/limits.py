"""What an uploaded file may be, and the reasons a whole file is refused (shown in the user's language)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fieldcrm.imports import N_

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # whole xlsx once unzipped
MAX_COMPRESSION_RATIO = 100  # real sheets compress 5-20x; only checked on members over 1 MB
MAX_ZIP_MEMBERS = 10_000
MAX_ROWS = 200_000  # data rows, header excluded
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
HEADER_SCAN_ROWS = 20  # rows looked at to find the header under a title line
SNIFF_BYTES = 64 * 1024
SNIFFER_CHARS = 2048
CHUNK = 1024 * 1024


CellValue = str | int | float | bool | datetime | date | time | timedelta | None

FILE_ERRORS: dict[str, str] = {
    "empty_file": N_("The file is empty."),
    "file_too_large": N_("The file is too large (maximum %(max_mb)s MB)."),
    "not_a_spreadsheet": N_("This file is not a spreadsheet: upload an .xlsx or .csv file."),
    "old_xls": N_("This is an old Excel file (.xls): open it in Excel or LibreOffice and save it as .xlsx or .csv."),
    "unsupported_format": N_("%(format)s files are not supported: save the file as .xlsx or .csv."),
    "password_protected": N_("The file is password-protected: save a copy without a password and try again."),
    "zip_bomb": N_("The file is abnormally large once decompressed and cannot be imported."),
    "corrupt_file": N_("The file is damaged or could not be read."),
    "malformed_csv": N_("The CSV file could not be read near line %(line)s."),
    "too_many_columns": N_("Too many columns (maximum %(max)s)."),
    "too_many_rows": N_("Too many rows (maximum %(max)s): split the file."),
    "cell_too_long": N_("Row %(row)s, column “%(column)s”: the cell is too long (maximum %(max)s characters)."),
    "sheet_not_found": N_("Sheet “%(sheet)s” was not found in the file."),
    "file_gone": N_("The uploaded file is no longer kept (it is deleted when an import ends, or after "
                    "%(hours)s hours): upload it again."),
    "expired": N_("This import was not finished within %(hours)s hours, so its file was deleted and nothing "
                  "was imported. Upload the file again to import it."),
}


class ImportFileError(Exception):
    """The whole file is refused; `code` is a FILE_ERRORS key, `message_params` fill its placeholders."""

    def __init__(self, code: str, message_params: dict | None = None):
        self.code = code
        self.message_params = message_params or {}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return FILE_ERRORS[self.code] % self.message_params

