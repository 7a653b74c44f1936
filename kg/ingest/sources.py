"""Reading tabular files: CSV (comma or semicolon, plain or gzipped) and XLSX spreadsheets, as text rows."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from pathlib import Path

from kg.errors import DataError


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon, whichever the header row uses (both are in circulation for EU data)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _xlsx_as_csv(path: Path) -> io.StringIO:
    """The first sheet of a spreadsheet as CSV text, so that it goes through the same checks (row numbers
    are the sheet's). Dates become YYYY-MM-DD; numbers keep their value."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise DataError(str(path), f"not a readable XLSX spreadsheet: {e}") from None
    out = io.StringIO()
    writer = csv.writer(out)
    for row in book.worksheets[0].iter_rows(values_only=True):
        writer.writerow(["" if v is None else v.date().isoformat() if isinstance(v, datetime) else v for v in row])
    book.close()
    out.seek(0)
    return out


def open_text(path: Path):
    """A CSV file for reading as text, gzipped or not, or an XLSX spreadsheet's first sheet as CSV."""
    try:
        if path.suffix.lower() == ".xlsx":
            return _xlsx_as_csv(path)
        if path.suffix.lower() == ".gz":
            return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise DataError(str(path), f"cannot read the file: {e.strerror}") from None


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file (comma or semicolon separated, gzipped or not)."""
    with open_text(path) as handle:
        try:
            first = handle.readline()
        except (OSError, UnicodeDecodeError, EOFError) as e:
            raise DataError(str(path), f"cannot read the file: {e}") from None
    row = next(csv.reader([first], delimiter=sniff_delimiter(first)), [])
    return [h.strip() for h in row]
