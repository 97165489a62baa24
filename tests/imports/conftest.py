"""Builders for the import tests: every file is made here, in tmp_path, never committed."""

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>"
    ),
}


@pytest.fixture
def raw_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write an .xlsx by hand (no openpyxl), with the sheet part given as text or streamed chunks."""

    def build(rows: str | Iterable[bytes], name: str = "raw.xlsx", prolog: str = "", compresslevel: int = 6) -> Path:
        """`rows`: the <row> elements as text, or the whole sheet part as byte chunks."""
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
            for part, text in _PARTS.items():
                zf.writestr(part, text)
            if isinstance(rows, str):
                zf.writestr(
                    "xl/worksheets/sheet1.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
                    f'<worksheet xmlns="{_MAIN}"><sheetData>{rows}</sheetData></worksheet>',
                )
            else:
                with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                    for chunk in rows:
                        member.write(chunk)
        return path

    return build
