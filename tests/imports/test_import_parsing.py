"""Reading real files as users send them, and refusing the dangerous or unreadable ones."""

import itertools
import random
import struct
import time
import tracemalloc
import zipfile
import zlib
from datetime import datetime

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from fieldcrm.imports import limits
from fieldcrm.imports.mapping import apply_mapping, guess_mapping
from fieldcrm.imports.parsing import ImportFileError, open_sheet
from fieldcrm.imports.validation import FORMULA_AS_TEXT, normalise_row


def refused(path, **kwargs) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        open_sheet(path, **kwargs)
    return caught.value


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# ---------------------------------------------------------------- CSV as French users have them

def test_windows_1252_semicolon_csv_with_accents_and_french_dates(tmp_path):
    path = tmp_path / "clients.csv"
    text = (
        "Raison sociale;Prénom;Nom;Ville;CP;Client depuis;CA 2024\r\n"
        "Boulangerie Lefèvre;Hélène;Lefèvre;Évreux;27000;03/09/2018;12 345,50\r\n"
        '"Café ""Chez Zoé""\r\nBâtiment B";François;Noël;Saint-Étienne;42000;15/01/21;1 000,00\r\n'
    )
    path.write_bytes(text.encode("cp1252"))

    with open_sheet(path) as sheet:
        rows = list(sheet.rows())

    assert (sheet.encoding, sheet.delimiter, sheet.kind) == ("cp1252", ";", "csv")
    assert sheet.headers == ["Raison sociale", "Prénom", "Nom", "Ville", "CP", "Client depuis", "CA 2024"]
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values[3] == "Évreux"
    assert rows[1].values[0] == 'Café "Chez Zoé"\r\nBâtiment B'  # quoted field spanning two lines
    clean, errors = normalise_row(apply_mapping(rows[1].values, guess_mapping(sheet.headers)))
    assert errors == []
    assert clean["client_since"].isoformat() == "2021-01-15"
    assert clean["city"] == "Saint-Étienne"


def test_utf8_bom_comma_csv(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes('\ufeffName,E-mail,City\n"Dupont, Jean",jean@exemple.fr,Besançon\n'.encode())

    with open_sheet(path) as sheet:
        (row,) = sheet.rows()

    assert (sheet.encoding, sheet.delimiter) == ("utf-8-sig", ",")
    assert sheet.headers[0] == "Name"  # no BOM glued to the first header
    assert row.as_dict(sheet.headers) == {"Name": "Dupont, Jean", "E-mail": "jean@exemple.fr", "City": "Besançon"}


def test_tab_separated_csv_whose_addresses_contain_commas(tmp_path):
    path = tmp_path / "clients.txt"
    path.write_text("Nom\tAdresse\tVille\nDupont\t3, rue de la Paix\tParis\nMartin\t5, av. Foch\tLyon\n")

    with open_sheet(path) as sheet:
        rows = sheet.preview(5)

    assert sheet.delimiter == "\t"
    assert rows[0].values == ("Dupont", "3, rue de la Paix", "Paris")


def test_semicolon_wins_over_decimal_commas_and_excel_sep_line_is_honoured(tmp_path):
    decimals = tmp_path / "decimals.csv"
    decimals.write_text("Société;Montant\nA;12,50\nB;3,20\nC;7,00\n", encoding="utf-8")
    sep_line = tmp_path / "sep.csv"
    sep_line.write_text("sep=,\nNom,Ville\nDupont,Paris\n", encoding="utf-8")

    with open_sheet(decimals) as first, open_sheet(sep_line) as second:
        assert first.delimiter == ";"
        assert [r.values for r in first.rows()][0] == ("A", "12,50")
        assert second.delimiter == ","
        assert second.headers == ["Nom", "Ville"]
        assert [r.number for r in second.rows()] == [2]  # Excel hides the sep= line


def test_title_line_and_blank_rows_are_skipped_and_headers_cleaned(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Export des clients du 12/03/2024;;\n;;\n  Nom ; Nom ;\n"
        "Dupont;Jean;x\n;;\n  Martin  ;;\n",
        encoding="utf-8",
    )

    with open_sheet(path) as sheet:
        rows = list(sheet.rows())
        ignored = sheet.ignored_cells

    assert sheet.headers == ["Nom", "Nom 2"]
    assert sheet.header_row == 3 and sheet.row_count == 2
    assert [(r.number, r.values) for r in rows] == [(4, ("Dupont", "Jean")), (6, ("Martin", None))]
    assert ignored == 1  # the "x" under no header


def test_csv_formula_cells_are_read_as_text_and_flagged(tmp_path):
    path = tmp_path / "formulas.csv"
    path.write_text(
        "Société;Téléphone;Notes\n"
        'ACME;+33 6 12 34 56 78;"=HYPERLINK(""http://evil.example"",""Cliquez"")"\n'
        "Evil;0612345678;=cmd|' /C calc'!A0\n"
        "Neg;0612345678;-12,5\n",
        encoding="utf-8",
    )

    with open_sheet(path) as sheet:
        mapping = guess_mapping(sheet.headers)
        results = [normalise_row(apply_mapping(row.values, mapping)) for row in sheet.rows()]

    (hyperlink, hyperlink_errors), (dde, dde_errors), (negative, negative_errors) = results
    assert hyperlink["notes"] == '=HYPERLINK("http://evil.example","Cliquez")'
    assert hyperlink["phone"] == "+33612345678"
    assert [(e.target, e.message_key, e.level) for e in hyperlink_errors] == [("notes", FORMULA_AS_TEXT, "warning")]
    assert dde["notes"] == "=cmd|' /C calc'!A0" and dde_errors[0].message_key == FORMULA_AS_TEXT
    assert negative["notes"] == "-12,5" and negative_errors == []


def test_crafted_csv_that_makes_csv_sniffer_quadratic_opens_quickly(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('"\n' * 30_000 + 'a;"' * 20_000, encoding="utf-8")
    started = time.perf_counter()
    try:
        open_sheet(path).close()
    except ImportFileError:
        pass
    assert time.perf_counter() - started < 2  # csv.Sniffer alone takes minutes on this


def test_utf16_excel_unicode_text_export(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("Nom\tVille\r\nDupont\tÉvry\r\n".encode("utf-16"))

    with open_sheet(path) as sheet:
        assert sheet.encoding == "utf-16" and sheet.delimiter == "\t"
        assert [r.values for r in sheet.rows()] == [("Dupont", "Évry")]


def test_csv_rows_stream_without_loading_the_file(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Nom;Ville;CP\n")
        fh.writelines(f"Client {i};Ville {i % 50};{10000 + i % 80000}\n" for i in range(100_000))

    with open_sheet(path) as sheet:
        assert sheet.row_count == 100_000
        rows = sheet.rows()
        tracemalloc.start()
        try:
            first = list(itertools.islice(rows, 1000))  # had rows() built a list, all 100,000 would be here
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        seen = len(first) + sum(1 for _ in rows)

    assert peak < 2_000_000  # 100,000 rows held at once take over 20 MB
    assert seen == 100_000


# ---------------------------------------------------------------- xlsx

def test_xlsx_with_merged_header_empty_rows_date_and_numeric_postal_code(tmp_path):
    path = tmp_path / "clients.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Clients"
    sheet.append(["Raison sociale", "Adresse", None, "CP", "Ville", "Client depuis"])
    sheet.merge_cells("B1:C1")
    sheet.append([])
    sheet.append(["Boulangerie Lefèvre", "3 rue de la Gare", "Bât. B", 1000, "Bourg-en-Bresse", datetime(2019, 5, 2)])
    sheet.append([None] * 6)
    sheet.append(["Pharmacie du Centre", "1 place Carnot", None, 75001, "Paris", 43466])
    book.create_sheet("Notes")
    book.save(path)

    with open_sheet(path) as parsed:
        rows = list(parsed.rows())
        mapping = guess_mapping(parsed.headers)

    assert parsed.headers == ["Raison sociale", "Adresse", "Adresse 2", "CP", "Ville", "Client depuis"]
    assert parsed.sheet_name == "Clients" and parsed.sheet_names == ["Clients", "Notes"]
    assert [row.number for row in rows] == [3, 5]
    assert rows[0].values[3] == 1000 and isinstance(rows[0].values[5], datetime)
    assert [mapping[i] for i in range(6)] == ["company_name", "street", "street2", "postal_code", "city", "client_since"]
    first, errors = normalise_row(apply_mapping(rows[0].values, mapping))
    assert errors == []
    assert first["postal_code"] == "01000" and first["street2"] == "Bât. B"
    assert first["client_since"].isoformat() == "2019-05-02"
    second, _ = normalise_row(apply_mapping(rows[1].values, mapping))
    assert second["client_since"].isoformat() == "2019-01-01"  # an Excel serial day number


def test_xlsx_two_line_header_under_a_merged_group_title(tmp_path):
    path = tmp_path / "two_lines.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nom", "Adresse", None, None, "Tél."])
    sheet.append([None, "Rue", "CP", "Ville", None])
    sheet.append(["Dupont", "3 rue X", "01000", "Bourg", "0612345678"])
    sheet.merge_cells("B1:D1")
    sheet.merge_cells("A1:A2")
    book.save(path)

    with open_sheet(path) as parsed:
        assert parsed.headers == ["Nom", "Rue", "CP", "Ville", "Tél."]
        assert [(r.number, r.values[3]) for r in parsed.rows()] == [(3, "Bourg")]


def test_xlsx_chosen_sheet_and_unknown_sheet(tmp_path):
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Ignored"])
    second = book.create_sheet("Clients 2024")
    second.append(["Nom"])
    second.append(["Durand"])
    book.save(path)

    with open_sheet(path, sheet="Clients 2024") as parsed:
        assert [r.values for r in parsed.rows()] == [("Durand",)]
    assert refused(path, sheet="Nope").code == "sheet_not_found"


def test_xlsx_with_20000_columns_is_refused_before_openpyxl_reads_it(raw_xlsx, monkeypatch):
    # Past XFD (16,384) cells can only be positional: <c> without r="..." is valid and openpyxl counts them.
    cells = "".join(f'<c t="inlineStr"><is><t>C{i}</t></is></c>' for i in range(1, 20_001))
    path = raw_xlsx(f'<row r="1">{cells}</row>')
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl was reached"))

    error = refused(path)

    assert error.code == "too_many_columns"
    assert error.message == "Too many columns (maximum 200)."


def test_sheet_xml_with_a_namespace_prefix_is_scanned_too(raw_xlsx):
    def sheet(width: int) -> bytes:
        cells = "".join(f'<x:c r="{get_column_letter(i)}1"><x:v>{i}</x:v></x:c>' for i in range(1, width + 1))
        return (
            '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<x:sheetData><x:row r="1">{cells}</x:row></x:sheetData></x:worksheet>'
        ).encode()

    with open_sheet(raw_xlsx([sheet(3)], name="narrow.xlsx")) as parsed:
        assert parsed.headers == ["1", "2", "3"]
    assert refused(raw_xlsx([sheet(201)], name="wide.xlsx")).code == "too_many_columns"


def test_xlsx_with_too_many_rows_is_refused_up_front(raw_xlsx, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 50)
    rows = "".join(f'<row r="{n}">{inline(f"A{n}", f"Client {n}")}</row>' for n in range(1, 100))
    assert refused(raw_xlsx(rows)).code == "too_many_rows"


def test_rows_limit_is_also_enforced_while_streaming(tmp_path, monkeypatch):
    path = tmp_path / "many.csv"
    path.write_text("Nom\n" + "".join(f"C{i}\n" for i in range(30)), encoding="utf-8")
    with open_sheet(path) as sheet:
        monkeypatch.setattr(limits, "MAX_ROWS", 10)
        with pytest.raises(ImportFileError) as caught:
            list(sheet.rows())
    assert caught.value.code == "too_many_rows"


def test_entity_expansion_in_sheet_xml_is_refused(raw_xlsx):
    prolog = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = raw_xlsx(f'<row r="1">{inline("A1", "&b;")}</row>', prolog=prolog)
    assert openpyxl.DEFUSEDXML is True
    assert refused(path).code == "corrupt_file"


# ---------------------------------------------------------------- refused files

def test_zip_bomb_of_300_mb_of_zeros_is_refused(raw_xlsx):
    zeros = bytes(1024 * 1024)
    path = raw_xlsx((zeros for _ in range(300)), compresslevel=1)
    assert path.stat().st_size < 3 * 1024 * 1024

    error = refused(path)

    assert error.code == "zip_bomb"


def test_small_but_absurdly_compressed_member_is_refused(raw_xlsx):
    path = raw_xlsx(bytes(1024 * 1024) for _ in range(20))  # 20 MB of zeros in ~20 KB
    assert refused(path).code == "zip_bomb"


def test_a_member_lying_about_its_size_is_cut_at_the_declared_size(raw_xlsx):
    path = raw_xlsx(f'<row r="1">{inline("A1", "x" * 3_000_000)}</row>')
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the sheet is the last member: declare 1,000 bytes instead of 3 MB
    struct.pack_into("<I", data, central + 24, 1000)
    path.write_bytes(bytes(data))

    assert refused(path).code == "corrupt_file"  # zipfile stops at the declared size and the CRC fails


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("name", ["photo.xlsx", "photo.csv"])
def test_png_renamed_as_a_spreadsheet_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(_png())
    assert refused(path).code == "not_a_spreadsheet"


@pytest.mark.parametrize("name", ["noise.xlsx", "noise.csv"])
def test_random_bytes_are_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(random.Random(42).randbytes(4096))
    assert refused(path).code == "not_a_spreadsheet"


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    assert refused(path).code == "not_a_spreadsheet"


def test_ods_is_refused_with_a_save_as_hint(tmp_path):
    path = tmp_path / "calc.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    error = refused(path)
    assert error.code == "unsupported_format" and ".xlsx or .csv" in error.message


def _ole2(stream_name: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + stream_name.encode("utf-16-le") + bytes(1024)


def test_old_xls_and_password_protected_xlsx_are_told_apart(tmp_path):
    old = tmp_path / "vieux.xls"
    old.write_bytes(_ole2("Workbook"))
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(_ole2("EncryptionInfo") + "EncryptedPackage".encode("utf-16-le"))

    assert refused(old).code == "old_xls"
    assert "save it as .xlsx or .csv" in refused(old).message
    assert refused(locked).code == "password_protected"


def test_empty_files_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\xef\xbb\xbf;;\r\n  ;\r\n")
    assert refused(empty).code == "empty_file"
    assert refused(blank).code == "empty_file"


def test_too_large_too_wide_and_too_long_cells_are_refused(tmp_path, monkeypatch):
    wide = tmp_path / "wide.csv"
    wide.write_text(";".join(f"Col {i}" for i in range(250)) + "\n", encoding="utf-8")
    long_cell = tmp_path / "long.csv"
    long_cell.write_text("Nom;Notes\nDupont;" + "x" * 10_001 + "\n", encoding="utf-8")
    assert refused(wide).code == "too_many_columns"
    error = refused(long_cell)
    assert (error.code, error.message_params["row"]) == ("cell_too_long", 2)

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    assert refused(long_cell).code == "file_too_large"


def test_html_table_saved_as_xls_is_refused(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>Nom</td></tr></table></body></html>", encoding="utf-8")
    error = refused(path)
    assert error.code == "unsupported_format" and error.message_params == {"format": "HTML"}
