"""The one CSV reader: byte-order marks, ';' files, line breaks inside cells, and errors placed by line
and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from faxcampaign import csvfile


def test_bom_semicolons_and_a_cell_over_two_lines(tmp_path: Path) -> None:
    path = tmp_path / "team.csv"
    path.write_bytes("\ufeffName;Address\nAnn;\"1 High St\nLondon\"\nBen;2 Low Rd\n".encode())
    table = csvfile.read(path)
    assert table.delimiter == ";"
    assert table.header == ["name", "address"]
    assert [(r.line, r.cells["name"]) for r in table.rows] == [(2, "Ann"), (4, "Ben")]
    assert table.rows[0].cells["address"] == "1 High St\nLondon"


def test_blank_lines_short_rows_and_cells_beyond_the_header(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text('id,outcome,note\n\nkar,busy\nast,delivered,"two\nlines",extra\n\n,,\n', encoding="utf-8")
    table = csvfile.read(path)
    assert [(r.line, r.cells) for r in table.rows] == [
        (3, {"id": "kar", "outcome": "busy"}),  # a short row has no cell for the missing columns
        (4, {"id": "ast", "outcome": "delivered", "note": "two\nlines"}),  # a cell beyond the header is dropped
        (7, {"id": "", "outcome": "", "note": ""}),  # a row of empty cells is kept; a blank line is not
    ]
    assert table.rows[1].text == "ast,delivered,\"two"


def test_errors_carry_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "signers.csv"
    path.write_bytes(b"name,email\nAnn,a@example.org\nBen,caf\xe9@example.org\n")
    with pytest.raises(csvfile.CSVError) as caught:
        csvfile.read(path)
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, 3, 8)
    path.write_text("name,email\nAnn," + "x" * 600 + "\n", encoding="utf-8")
    with pytest.raises(csvfile.CSVError) as caught:
        csvfile.read(path, max_field=500)
    assert (caught.value.line, caught.value.column) == (2, 5)
    assert str(caught.value) == f"{path}:2:5: email: longer than 500 characters (it has 600)"


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("name\n" + "Ann\n" * 100, encoding="utf-8")
    with pytest.raises(csvfile.CSVError) as caught:
        csvfile.read(path, max_bytes=100, what="signers CSV")
    assert "larger than 100 bytes; is this a signers CSV?" in str(caught.value)
