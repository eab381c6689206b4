"""Streaming CSV and XLSX writers with spreadsheet (CSV) injection neutralised.

A text cell a spreadsheet would read as a formula or a command (it starts with `=`, `+`,
`-`, `@`, a tab or a carriage return) gets a leading `'`, OWASP's advice: `=HYPERLINK(..)`
shows as text and no cell of a file we hand out runs anything. Numbers stay numbers.

XLSX comes from XlsxWriter in `constant_memory` mode: it flushes each row to disk once the
next begins, so memory does not grow with the rows (openpyxl's write-only mode does the
same in pure Python, several times slower)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

import xlsxwriter

from models.ticketing.exports.rows import Cell

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    """`value`, with a leading `'` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(RISKY_STARTS):
        return "'" + value
    return value


def _csv(path: Path, header: list[str], rows: Iterable[list[Cell]]) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads UTF-8
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow(["" if v is None else neutralise(v) for v in row])
            n += 1
    return n


def _xlsx(path: Path, header: list[str], rows: Iterable[list[Cell]]) -> int:
    # no string is ever taken for a formula, a URL or a number: text stays text
    book = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "tmpdir": str(path.parent)})
    sheet = book.add_worksheet("export")
    sheet.write_row(0, 0, header)
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(n, col, neutralise(value))
            elif value is not None:
                sheet.write_number(n, col, float(value))
    book.close()
    return n


WRITERS = {"csv": _csv, "xlsx": _xlsx}


def write_file(path: Path, format_: str, header: list[str], rows: Iterable[list[Cell]]) -> int:
    """Write the file under a temporary name, then rename it into place (a reader never
    sees half a file; a retry overwrites). Returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    n = WRITERS[format_](partial, header, rows)
    os.replace(partial, path)
    return n
