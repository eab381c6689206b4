"""Streaming CSV and XLSX writers with spreadsheet (CSV) injection neutralised.

A text cell a spreadsheet would read as a formula or a command (it starts with `=`, `+`,
`-`, `@`, a tab or a carriage return) gets a leading `'`, OWASP's advice: `=HYPERLINK(..)`
shows as text and no cell of a file we hand out runs anything. Numbers stay numbers.

XLSX comes from exports/xlsx.py, which streams the sheet row by row as well: memory does
not grow with the rows in either format."""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterable
from pathlib import Path

from models.ticketing.exports.rows import Cell
from models.ticketing.exports.xlsx import write_xlsx

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
    return write_xlsx(path, itertools.chain([header], (
        [neutralise(v) for v in row] for row in rows))) - 1


WRITERS = {"csv": _csv, "xlsx": _xlsx}


def write_file(path: Path, format_: str, header: list[str], rows: Iterable[list[Cell]]) -> int:
    """Write the file under a temporary name, then rename it into place (a reader never
    sees half a file; a retry overwrites). Returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    n = WRITERS[format_](partial, header, rows)
    os.replace(partial, path)
    return n
