"""The streaming XLSX writer's files read back as written: text as text (markup and
quotes escaped, characters XML cannot hold dropped), numbers as numbers, empty as empty."""

from __future__ import annotations

from decimal import Decimal

import openpyxl

from models.ticketing.exports.xlsx import write_xlsx


def test_a_written_sheet_reads_back_cell_for_cell(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [["Name", "Amount", "Note"],
            ["Ada <b>&amp;</b> \"Lovelace\"", Decimal("12.50"), None],
            ["'=HYPERLINK(\"x\")", 7, "bell\x07 gone"]]
    assert write_xlsx(path, rows, sheet="attendees") == 3
    book = openpyxl.load_workbook(path)
    sheet = book["attendees"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "Amount", "Note"],
        ["Ada <b>&amp;</b> \"Lovelace\"", 12.5, None],
        ["'=HYPERLINK(\"x\")", 7, "bell gone"]]
    assert sheet["A3"].data_type == "s"
