"""CSV files that real exports produce: quoted new lines, tabs and spaces in cells, Excel's `sep=` line."""

from __future__ import annotations

import pytest

from fieldcrm.imports.parsing import open_sheet


def _rows(path):
    with open_sheet(path) as sheet:
        return sheet.headers, [row.values for row in sheet.rows()], sheet.delimiter


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_quoted_carriage_returns_tabs_and_leading_spaces_are_read(tmp_path, encoding):
    text = ('Société;Adresse;Notes\r\n'
            '"Boulangerie Hélène";"12 rue Neuve\rBât. B";"  appeler le matin\tavant 10h"\r\n'
            '"Garage Bernard";"3 place\r\ndu Marché";"\tclient depuis 2019"\r\n'
            '"Café, Tabac";"1 rue";"  "\r\n'
            'Pharmacie;  "4; rue Haute";  x\r\n')
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    headers, rows, delimiter = _rows(path)
    assert delimiter == ";"
    assert headers == ["Société", "Adresse", "Notes"]
    assert rows[0] == ("Boulangerie Hélène", "12 rue Neuve\rBât. B", "appeler le matin\tavant 10h")
    assert rows[1][1] == "3 place\r\ndu Marché" and rows[1][2] == "client depuis 2019"
    assert rows[2] == ("Café, Tabac", "1 rue", None)
    assert rows[3] == ("Pharmacie", "4; rue Haute", "x")  # spaces before an opening quote


def test_a_csv_error_on_one_candidate_delimiter_falls_back_to_the_next(tmp_path):
    # With "," as delimiter, `x"y` in an unquoted field and a bare CR make the csv module raise.
    text = 'Nom,Ville,Note\r\n"Martin, Jean",Lyon,"ligne 1\rligne 2"\r\nDurand,Paris,"a\tb"\r\n'
    path = tmp_path / "comma.csv"
    path.write_text(text, encoding="utf-8")
    headers, rows, delimiter = _rows(path)
    assert delimiter == ","
    assert rows == [("Martin, Jean", "Lyon", "ligne 1\rligne 2"), ("Durand", "Paris", "a\tb")]


def test_excel_sep_line_is_honoured_even_with_a_bom_and_against_the_majority(tmp_path):
    # Commas are everywhere in the data, but Excel's first line says the separator is ";".
    text = "sep=;\r\nNom;Notes\r\nMartin;a, b, c, d\r\nDurand;e, f, g\r\n"
    path = tmp_path / "sep.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    headers, rows, delimiter = _rows(path)
    assert delimiter == ";" and headers == ["Nom", "Notes"]
    assert rows == [("Martin", "a, b, c, d"), ("Durand", "e, f, g")]


def test_sep_line_quoted_by_a_tool_is_honoured(tmp_path):
    path = tmp_path / "sep2.csv"
    path.write_text('"sep=,"\nNom,Ville\nMartin,Lyon\n', encoding="utf-8")
    headers, rows, delimiter = _rows(path)
    assert delimiter == "," and headers == ["Nom", "Ville"] and rows == [("Martin", "Lyon")]
