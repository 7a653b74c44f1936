"""Reading published files as tables: a header and rows of text cells, each row with its line number.

CSV (comma or semicolon, quoted or not, with or without a BOM, plain or gzipped), XLSX spreadsheets (one
table per sheet, whatever dimension the sheet declares), JSON (an array of objects, values of any type) and
zip archives of CORDIS per-project XML records (a table of projects and one of organisations).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

from kg.errors import DataError

__all__ = ["Table", "open_tables", "sniff_delimiter", "normalise_name", "READABLE"]

#: What `kg import` reads, by file name ending.
READABLE = (".csv", ".csv.gz", ".xlsx", ".json", ".zip")

Rows = Iterator[tuple[int, list[str]]]


@dataclass(frozen=True)
class Table:
    """One table of a file: its header and a way to read its rows (line number, cells) from the start."""

    path: Path
    header: list[str]
    read: Callable[[], Rows]
    #: the sheet or part of the file, for names and messages ("" when the file is one table)
    part: str = ""

    @property
    def where(self) -> str:
        return f"{self.path} [{self.part}]" if self.part else str(self.path)


def normalise_name(name: str) -> str:
    """A column name as layouts are compared: 'Project.Partner', 'Project Partner' and 'project_partner'
    are one name (R, pandas and spreadsheets rewrite headers in these ways)."""
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon, whichever the header row uses (both are in circulation for EU data)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def open_tables(path: Path) -> list[Table]:
    """The tables of a file, by its type; a file that cannot be read is a DataError naming it."""
    name = path.name.lower()
    if not path.is_file():
        raise DataError(str(path), "no such file")
    if name.endswith(".xlsx"):
        return _xlsx_tables(path)
    if name.endswith(".json"):
        return [_json_table(path)]
    if name.endswith(".zip"):
        return _cordis_xml_tables(path)
    if name.endswith((".csv", ".csv.gz", ".gz", ".tsv")):
        return [_csv_table(path)]
    raise DataError(
        str(path), f"not a file type kg import reads (it reads {', '.join(READABLE)}: CSV, XLSX, JSON, CORDIS XML)"
    )


# -- CSV


def _open_csv(path: Path):
    try:
        if path.name.lower().endswith(".gz"):
            return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise DataError(str(path), f"cannot read the file: {e.strerror}") from None


def _csv_table(path: Path) -> Table:
    with _open_csv(path) as handle:
        try:
            first = handle.readline()
        except (OSError, UnicodeDecodeError, EOFError) as e:
            raise DataError(str(path), f"cannot read the file as UTF-8 text: {e}", line=1) from None
    delimiter = sniff_delimiter(first)
    try:
        header = next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error as e:
        raise DataError(str(path), f"malformed CSV: {e}", line=1) from None

    def read() -> Rows:
        with _open_csv(path) as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            try:
                next(reader, None)
                for cells in reader:
                    yield reader.line_num, cells
            except csv.Error as e:
                raise DataError(str(path), f"malformed CSV: {e}", line=reader.line_num) from None
            except (UnicodeDecodeError, EOFError, OSError) as e:  # bad bytes, a truncated gzip
                where = reader.line_num + 1
                raise DataError(str(path), f"cannot read the file as UTF-8 text: {e}", line=where) from None

    return Table(path, [h.strip() for h in header], read)


# -- XLSX


def _cell(value: object) -> str:
    """A spreadsheet or JSON value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _xlsx_tables(path: Path) -> list[Table]:
    import openpyxl

    def book():
        try:
            with warnings.catch_warnings():  # files written by other tools often lack openpyxl's default style
                warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
                return openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise DataError(str(path), f"not a readable XLSX spreadsheet: {e}") from None

    def sheet_rows(name: str) -> Rows:
        workbook = book()
        try:
            sheet = workbook[name]
            sheet.reset_dimensions()  # streamed files (Apache POI) declare a dimension of A1
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > 1:
                    yield number, [_cell(v) for v in row]
        finally:
            workbook.close()

    tables = []
    workbook = book()
    try:
        names = list(workbook.sheetnames)
        headers = {}
        for name in names:
            sheet = workbook[name]
            sheet.reset_dimensions()
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            headers[name] = [_cell(v).strip() for v in first]
    finally:
        workbook.close()
    for name in names:
        if any(headers[name]):
            part = name if len(names) > 1 else ""
            tables.append(Table(path, headers[name], _once(lambda name=name: sheet_rows(name)), part))
    if not tables:
        raise DataError(str(path), "the spreadsheet has no sheet with a header row")
    return tables


# -- JSON


def _json_table(path: Path) -> Table:
    """An array of objects (CORDIS's JSON export); line numbers are the objects' positions in the array."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise DataError(str(path), f"not valid JSON: {e.msg}", line=e.lineno) from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(str(path), f"cannot read the file: {e}") from None
    if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature"):
        raise DataError(str(path), "a GeoJSON file: kg import reads JSON arrays of objects (as CORDIS exports them)")
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        data = next(iter(data.values()))  # {"projects": [...]}
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DataError(str(path), "not an array of objects: kg import reads JSON as CORDIS exports it, [{...}, ...]")
    header: dict[str, None] = {}
    for item in data:
        header.update(dict.fromkeys(item))

    def read() -> Rows:
        for number, item in enumerate(data, start=1):
            yield number, [_cell(item.get(key)) for key in header]

    return Table(path, list(header), read)


# -- CORDIS XML (a zip of project-rcn-*.xml records)

_CORDIS = "{http://cordis.europa.eu}"
XML_PROJECT_COLUMNS = [
    "id",
    "acronym",
    "title",
    "status",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "frameworkProgramme",
    "fundingScheme",
    "objective",
    "rcn",
]
XML_ORGANISATION_COLUMNS = [
    "projectID",
    "projectAcronym",
    "organisationRcn",
    "name",
    "shortName",
    "country",
    "role",
    "order",
    "ecContribution",
]


def _text(element, path: str) -> str:
    """The text of a child element by its path in the CORDIS namespace ("address/country"), or ""."""
    found = element.find("/".join(_CORDIS + step for step in path.split("/")))
    return (found.text or "").strip() if found is not None else ""


def _cordis_records(path: Path) -> Iterator[tuple[str, ElementTree.Element]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(str(path), f"not a readable zip archive: {e}") from None
    with archive:
        names = sorted(
            n for n in archive.namelist() if n.lower().endswith(".xml") and not n.split("/")[-1].startswith("._")
        )
        names = [n for n in names if not n.startswith("__MACOSX/")]
        if not names:
            raise DataError(str(path), "the archive holds no XML file (kg import reads CORDIS project XML records)")
        for name in names:
            try:
                root = ElementTree.fromstring(archive.read(name))
            except ElementTree.ParseError as e:
                raise DataError(f"{path} [{name}]", f"not valid XML: {e}", line=e.position[0]) from None
            if root.tag != _CORDIS + "project":
                raise DataError(f"{path} [{name}]", "not a CORDIS project record (<project xmlns=cordis>)")
            yield name, root


def _programme(root) -> str:
    codes = [p.findtext(_CORDIS + "code", "") for p in root.iter(_CORDIS + "programme")]
    frameworks = [c for c in codes if c and "." not in c and "-" not in c]
    return frameworks[0] if frameworks else ""


def _cordis_xml_tables(path: Path) -> list[Table]:
    def projects() -> Rows:
        for number, (_, root) in enumerate(_cordis_records(path), start=1):
            scheme = next((c.get("type", "") for c in root.iter(_CORDIS + "fundingScheme")), "")
            values = {c: _text(root, c) for c in XML_PROJECT_COLUMNS}
            values.update(id=_text(root, "reference"), frameworkProgramme=_programme(root), fundingScheme=scheme)
            yield number, [values[c] for c in XML_PROJECT_COLUMNS]

    def organisations() -> Rows:
        number = 0
        for _, root in _cordis_records(path):
            for org in root.iter(_CORDIS + "organization"):
                number += 1
                values = {
                    "projectID": _text(root, "reference"),
                    "projectAcronym": _text(root, "acronym"),
                    "organisationRcn": _text(org, "rcn"),
                    "name": _text(org, "legalName"),
                    "shortName": _text(org, "shortName"),
                    "country": _text(org, "address/country"),
                    "role": org.get("type", ""),
                    "order": org.get("order", ""),
                    "ecContribution": org.get("ecContribution", ""),
                }
                yield number, [values[c] for c in XML_ORGANISATION_COLUMNS]

    next(_cordis_records(path))  # fail now, with the reason, if the archive is not CORDIS XML
    return [
        Table(path, XML_PROJECT_COLUMNS, _once(projects), "projects"),
        Table(path, XML_ORGANISATION_COLUMNS, _once(organisations), "organisations"),
    ]


def _once(read: Callable[[], Rows]) -> Callable[[], Rows]:
    """A table whose parsing is slow (a spreadsheet, XML) is parsed once and kept, for the several mappings
    that read it (a partner sheet gives organisations, participations, projects and programmes)."""
    kept: list[tuple[int, list[str]]] = []
    done = False

    def rows() -> Rows:
        nonlocal done
        if not done:
            kept.extend(read())
            done = True
        return iter(kept)

    return rows
