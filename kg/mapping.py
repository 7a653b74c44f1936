"""Declared column mappings: tabular files -> RDF, one YAML mapping per entity kind.

A mapping (see `kg/mappings/*.yaml`) says which file it reads, how a row's IRI is made, which classes
the entity gets, and for each column the property, and whether the value is a literal (with language
or datatype), a link to another kind's entity, a concept of a SKOS scheme, or an IRI made from a
template. Every cell is checked as it is read, and errors name the file, line and column.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

import yaml
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.errors import DataError
from kg.namespaces import Namespaces

__all__ = [
    "Column",
    "Mapping",
    "ConceptIndex",
    "read_mappings",
    "read_mapping_set",
    "read_header",
    "shipped",
    "MappedFile",
    "map_file",
]

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_GAZETTEER_COLUMNS = ("latitude", "longitude", "geonames")


@dataclass(frozen=True)
class Column:
    """How one column's cells become triples."""

    name: str
    property: str | None = None
    required: bool = False
    lang: str | None = None
    datatype: str | None = None
    split: str | None = None
    link: str | None = None
    concept: str | None = None
    iri: str | None = None
    classes: dict[str, str] = field(default_factory=dict)
    uncertain: bool = False
    #: a value map applied to each cell first (keys compared case-insensitively), e.g. EL -> GR, LP -> lead-partner
    values: dict[str, str] = field(default_factory=dict)
    #: one property per part of a split cell, e.g. "lat,lon" -> geo:lat and geo:long
    parts: tuple[str, ...] = ()
    #: a literal made from the cell, e.g. "Organisation PIC {}" (for files that lack a name column)
    text: str | None = None


@dataclass(frozen=True)
class Also:
    """An extra triple between two linked entities of the row (e.g. organisation org:memberOf project)."""

    subject: str
    property: str
    object: str


@dataclass(frozen=True)
class Mapping:
    """One entity kind: the file it is read from and how rows become RDF."""

    kind: str
    file: str
    subject: str
    classes: tuple[str, ...]
    columns: dict[str, tuple[Column, ...]]
    order: tuple[tuple[str, str], ...] = ()
    also: tuple[Also, ...] = ()
    gazetteer: bool = False
    source: str = ""
    #: the columns that tell this layout apart from others (default: the required ones), for `kg import`
    header: tuple[str, ...] = ()
    #: rows may describe the same entity again (an organisation on each of its participations): the first
    #: row describing it is used, later ones are skipped
    repeats: bool = False
    #: columns the mapping does not name are ignored instead of refused (published exports grow columns)
    other_columns: str = "refuse"
    #: property -> IRI given to every entity (e.g. the source of a published export with no source column)
    fixed: tuple[tuple[str, str], ...] = ()
    #: cell values that mean "no value" in this layout, such as NA
    missing: tuple[str, ...] = ()

    @cached_property
    def signature(self) -> tuple[str, ...]:
        return self.header or tuple(n for n, cols in self.columns.items() if any(c.required for c in cols))

    @cached_property
    def key(self) -> str | None:
        """The column whose value names an entity, if the subject template has exactly one."""
        names = [n for n in _PLACEHOLDER.findall(self.subject) if n != "dataset"]
        return names[0] if len(names) == 1 else None


def _segment(value: str) -> str:
    return value if _SAFE.match(value) else quote(value, safe="")


def _expand(curie: str, ns: Namespaces, where: str) -> str:
    prefix, sep, local = curie.partition(":")
    if sep and prefix in ns.prefixes:
        return ns.prefixes[prefix] + local
    if curie.startswith(("http://", "https://")):
        return curie
    raise DataError(where, f"unknown prefix in '{curie}' (known: {', '.join(sorted(ns.prefixes))})")


def _mapping(spec: dict, ns: Namespaces, where: str) -> Mapping:
    try:
        columns = {}
        for name, specs in spec["columns"].items():
            specs = specs if isinstance(specs, list) else [specs or {}]
            cols = []
            for s in specs:
                s = dict(s)
                if "property" in s:
                    s["property"] = _expand(s["property"], ns, where)
                if "datatype" in s:
                    s["datatype"] = _expand(s["datatype"], ns, where)
                if "classes" in s:
                    s["classes"] = {k: _expand(v, ns, where) for k, v in s["classes"].items()}
                if "values" in s:
                    s["values"] = {str(k).casefold(): str(v) for k, v in s["values"].items()}
                if "parts" in s:
                    s["parts"] = tuple(_expand(part, ns, where) for part in s["parts"])
                cols.append(Column(name=str(name), **s))
            columns[str(name)] = tuple(cols)
        other = spec.get("other_columns", "refuse")
        if other not in ("refuse", "ignore"):
            raise DataError(where, f"other_columns is refuse or ignore, not '{other}'")
        return Mapping(
            kind=spec["kind"],
            file=spec.get("file", ""),
            subject=spec["subject"],
            classes=tuple(_expand(c, ns, where) for c in spec.get("class", [])),
            columns=columns,
            order=tuple(tuple(pair) for pair in spec.get("order", [])),
            also=tuple(
                Also(a["subject"], _expand(a["property"], ns, where), a["object"]) for a in spec.get("also", [])
            ),
            gazetteer=bool(spec.get("gazetteer", False)),
            source=where,
            header=tuple(spec.get("header", ())),
            repeats=bool(spec.get("repeats", False)),
            other_columns=other,
            fixed=tuple((_expand(k, ns, where), str(v)) for k, v in (spec.get("fixed") or {}).items()),
            missing=tuple(str(v) for v in spec.get("missing", ())),
        )
    except (KeyError, TypeError) as e:
        raise DataError(where, f"not a valid mapping: missing or wrong entry {e}") from None


def _specs(path: Path) -> list[dict]:
    """The mapping specs in a YAML file: one mapping, or several under `mappings:`."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise DataError(str(path), f"not valid YAML: {e}", line=None if line is None else line + 1) from None
    except OSError as e:
        raise DataError(str(path), f"cannot read the mapping: {e.strerror}") from None
    if isinstance(spec, dict) and isinstance(spec.get("mappings"), list):
        return spec["mappings"]
    if not isinstance(spec, dict):
        raise DataError(str(path), "not a valid mapping: expected a mapping (kind, subject, columns ...)")
    return [spec]


def read_mappings(paths: list[Path], ns: Namespaces) -> dict[str, Mapping]:
    """Parse mapping files into Mappings, keyed by the file name each one reads."""
    result: dict[str, Mapping] = {}
    for path in paths:
        for spec in _specs(path):
            mapping = _mapping(spec, ns, str(path))
            result[mapping.file] = mapping
    return result


def read_mapping_set(paths: list[Path], ns: Namespaces) -> list[Mapping]:
    """Every mapping in the given files (a set such as the CORDIS layouts), for choosing by header row."""
    return [_mapping(spec, ns, str(path)) for path in paths for spec in _specs(path)]


@functools.lru_cache(maxsize=4)
def shipped(ns: Namespaces) -> tuple[dict[str, Mapping], ConceptIndex]:
    """The built-in mappings and the concept index: read once per process, they ship with the code."""
    from kg.resources import mapping_files, ontology_files

    return read_mappings(mapping_files(), ns), ConceptIndex(ontology_files(), ns)


class ConceptIndex:
    """The SKOS schemes' concepts, found by notation or label, to check and map code-list cells."""

    def __init__(self, vocabulary_files: list[Path], ns: Namespaces):
        graph = Graph()
        for path in vocabulary_files:
            graph.parse(data=ns.rebase(path.read_text(encoding="utf-8")), format="turtle")
        self._by_scheme: dict[str, dict[str, str]] = {}
        self._codes: dict[str, list[str]] = {}
        prefix = str(ns.scheme)
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            for scheme in graph.objects(concept, SKOS.inScheme):
                name = str(scheme)[len(prefix) :]
                index = self._by_scheme.setdefault(name, {})
                for value in [*graph.objects(concept, SKOS.notation), *graph.objects(concept, SKOS.prefLabel)]:
                    index[str(value).casefold()] = str(concept)
                self._codes.setdefault(name, []).extend(str(n) for n in graph.objects(concept, SKOS.notation))

    def schemes(self) -> list[str]:
        return sorted(self._by_scheme)

    def lookup(self, scheme: str, value: str) -> str | None:
        return self._by_scheme.get(scheme, {}).get(value.casefold())

    def codes(self, scheme: str) -> list[str]:
        return sorted(self._codes.get(scheme, []))


@dataclass
class MappedFile:
    """What mapping one file produced besides its quads: the entities it defines and the links it makes."""

    mapping: Mapping
    path: Path
    rows: int = 0
    quads: int = 0
    defined: set[str] = field(default_factory=set)
    #: target IRI as an N-Triples term -> (target kind, line, column, value) of its first use, for messages
    links: dict[str, tuple[str, int, str, str]] = field(default_factory=dict)


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon, whichever the header row uses (both are in circulation for EU data)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


_ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*$")


def literal(value: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal in N-Triples syntax."""
    text = '"' + value.translate(_ECHAR) + '"'
    if lang:
        return f"{text}@{lang}"
    return f"{text}^^<{datatype}>" if datatype else text


def iri(value: str) -> str:
    """An IRI in N-Triples syntax, checked: raises ValueError for what is not an absolute IRI."""
    if not _IRI.match(value):
        raise ValueError(f"'{value}' is not a valid IRI (an absolute address with no spaces or <>\"{{}}|\\^`)")
    return f"<{value}>"


class _Plan:
    """One column spec compiled for one file: how a cell becomes terms, and what to record."""

    __slots__ = ("name", "col", "prop", "convert", "classes")

    def __init__(self, name: str, col: Column, prop: str | None, convert, classes: dict[str, str]):
        self.name, self.col, self.prop, self.convert, self.classes = name, col, prop, convert, classes


class _FileMapper:
    """Maps the rows of one file into N-Triples text; what does not depend on the row is worked out once.

    Terms are written as N-Triples strings, not pyoxigraph objects: making a million Quad objects costs
    more than Oxigraph's parser takes to read the same triples as text.
    """

    def __init__(self, path, mapping, mappings_by_kind, concepts, ns, dataset, result, gazetteer):
        self.where = str(path)
        self.mapping, self.kinds, self.concepts, self.ns = mapping, mappings_by_kind, concepts, ns
        self.dataset, self.result = dataset, result
        self.gazetteer = gazetteer if mapping.gazetteer else None
        self.type_line = f" <{RDF.type}> "
        self.class_terms = [iri(c) for c in mapping.classes]
        self.fixed = [(iri(prop), iri(value)) for prop, value in mapping.fixed]
        self.uncertain_prop = iri(str(ns.coop.uncertainProperty))
        self.subject_names = [n for n in _PLACEHOLDER.findall(mapping.subject) if n != "dataset"]
        self.subject_format = self._format(mapping)
        for kind in {c.link for cols in mapping.columns.values() for c in cols if c.link}:
            if kind not in mappings_by_kind:
                known = ", ".join(sorted(mappings_by_kind))
                raise DataError(mapping.source, f"links to unknown kind '{kind}' (known: {known})")

    def _format(self, mapping: Mapping) -> str:
        """The subject template as a str.format pattern, with the base and the dataset filled in."""
        escaped = _segment(self.dataset).replace("{", "{{").replace("}", "}}")
        return str(self.ns.id) + mapping.subject.replace("{dataset}", escaped)

    def plan(self, name: str, col: Column) -> _Plan:
        if col.link:
            target = self.kinds[col.link]
            pattern, key = self._format(target), target.key or "id"

            def convert(v, pattern=pattern, key=key):
                return "<" + pattern.format(**{key: _segment(v)}) + ">"  # segments are percent-encoded: safe
        elif col.concept:
            scheme, lookup = col.concept, self.concepts.lookup

            def convert(v):
                found = lookup(scheme, v)
                if found is None:
                    allowed = ", ".join(self.concepts.codes(scheme)) or f"none: the scheme '{scheme}' does not exist"
                    raise ValueError(f"unknown {scheme} '{v}' (allowed: {allowed})")
                return f"<{found}>"
        elif col.iri:
            template, cache = col.iri, {}

            def convert(v):
                term = cache.get(v)
                if term is None:
                    term = iri(template.replace("{}", v))
                    if len(cache) < 100_000:
                        cache[v] = term
                return term
        elif col.datatype:
            datatype = col.datatype

            def convert(v):
                return literal(_check_datatype(v, datatype), datatype=datatype)
        elif col.lang:
            lang = col.lang

            def convert(v):
                return literal(v, lang=lang)
        else:
            convert = literal
        if col.text:
            made, pattern = convert, col.text

            def convert(v):
                return made(pattern.replace("{}", v))

        prop = iri(col.property) if col.property else None
        classes = {k.casefold(): iri(v) for k, v in col.classes.items()}
        return _Plan(name, col, prop, convert, classes)

    def chunks(self, handle, size: int = 5000) -> Iterator[str]:
        """N-Triples text, `size` rows at a time."""
        where, mapping = self.where, self.mapping
        try:
            first = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=sniff_delimiter(first), strict=True)
            header = [h.strip() for h in next(reader, [])]
        except csv.Error as e:
            raise DataError(where, f"malformed CSV: {e}", line=1) from None
        except (UnicodeDecodeError, EOFError, OSError) as e:
            raise DataError(where, f"cannot read the file as UTF-8 text: {e}", line=1) from None
        if not header:
            raise DataError(where, "the file is empty: a header row is expected", line=1)
        unknown = [h for h in header if h not in mapping.columns]
        if unknown and mapping.other_columns != "ignore":
            raise DataError(
                where,
                f"unknown column(s) {', '.join(unknown)}; the {mapping.kind} mapping knows: "
                f"{', '.join(mapping.columns)}",
                line=1,
            )
        required = [n for n, cols in mapping.columns.items() if any(c.required for c in cols)]
        missing = [n for n in required if n not in header]
        if missing:
            raise DataError(where, f"missing required column(s): {', '.join(missing)}", line=1)
        names = [h for h in header if h in mapping.columns] + [
            n for n in _GAZETTEER_COLUMNS if self.gazetteer is not None and n in mapping.columns and n not in header
        ]
        plans = [self.plan(name, col) for name in names for col in mapping.columns[name]]
        width = len(header)
        missing = set(mapping.missing)
        lines: list[str] = []
        try:
            for cells in reader:
                line = reader.line_num
                if len(cells) > width:
                    raise DataError(
                        where, f"this row has {len(cells)} cells; the header has {width} columns", line=line
                    )
                values = {h: c.strip() for h, c in zip(header, cells, strict=False)}
                if missing:
                    values = {h: "" if v in missing else v for h, v in values.items()}
                if not any(values.values()):
                    continue
                if self.gazetteer is not None:
                    self.gazetteer.complete(values)
                self.result.rows += 1
                self.row(values, line, plans, lines)
                if self.result.rows % size == 0:
                    self.result.quads += len(lines)
                    yield "".join(lines)
                    lines = []
        except csv.Error as e:
            raise DataError(where, f"malformed CSV: {e}", line=reader.line_num) from None
        except (UnicodeDecodeError, EOFError, OSError) as e:  # bad bytes, a truncated gzip
            raise DataError(where, f"cannot read the file as UTF-8 text: {e}", line=reader.line_num + 1) from None
        self.result.quads += len(lines)
        yield "".join(lines)

    def row(self, values: dict[str, str], line: int, plans: list[_Plan], out: list[str]) -> None:
        """Append the N-Triples lines of one row to `out`."""
        where, mapping, result = self.where, self.mapping, self.result
        for name in self.subject_names:
            if not values.get(name):
                raise DataError(where, "is empty, but it names the row's entity", line=line, column=name)
        subject_iri = self.subject_format.format(**{n: _segment(values[n]) for n in self.subject_names})
        if subject_iri in result.defined:
            if mapping.repeats:  # the entity again (an organisation on its next participation): known already
                return
            raise DataError(where, f"duplicate row: {mapping.kind} <{subject_iri}> is already defined above", line=line)
        result.defined.add(subject_iri)
        subject = f"<{subject_iri}>"
        typed = subject + self.type_line
        add = out.append
        for c in self.class_terms:
            add(f"{typed}{c} .\n")
        for prop, value in self.fixed:
            add(f"{subject} {prop} {value} .\n")
        cells: dict[str, list[str]] = {}
        for plan in plans:
            raw = values.get(plan.name, "")
            col = plan.col
            if not raw:
                if col.required:
                    raise DataError(where, "is empty, but a value is required", line=line, column=plan.name)
                continue
            if col.uncertain:
                self._uncertain(subject, raw, line, plan.name, out)
                continue
            parts = [p.strip() for p in raw.split(col.split)] if col.split else [raw]
            if col.values:
                parts = [col.values.get(part.casefold(), part) for part in parts]
            if col.parts:
                self._parts(subject, parts, plan, line, out)
                continue
            objects = []
            for part in parts:
                if not part:
                    continue
                try:
                    obj = plan.convert(part)
                except ValueError as e:
                    raise DataError(where, str(e), line=line, column=plan.name) from None
                objects.append(obj)
                if col.link and obj not in result.links:
                    result.links[obj] = (col.link, line, plan.name, part)
                if plan.classes:
                    cls = plan.classes.get(part.casefold())
                    if cls is not None:
                        add(f"{typed}{cls} .\n")
            cells.setdefault(plan.name, objects)
            if plan.prop is not None:
                head = f"{subject} {plan.prop} "
                for obj in objects:
                    add(f"{head}{obj} .\n")
        for start, end in mapping.order:
            a, b = values.get(start), values.get(end)
            if a and b and a > b:
                raise DataError(where, f"{start} {a} is after {end} {b}", line=line, column=end)
        for also in mapping.also:
            prop = iri(also.property)
            for s in cells.get(also.subject, []):
                for o in cells.get(also.object, []):
                    add(f"{s} {prop} {o} .\n")

    def _parts(self, subject: str, parts: list[str], plan: _Plan, line: int, out: list[str]) -> None:
        """One property per part of the cell: 'lat,lon' gives geo:lat and geo:long."""
        properties = plan.col.parts
        if len(parts) != len(properties):
            raise DataError(
                self.where, f"has {len(parts)} part(s); {len(properties)} are expected", line=line, column=plan.name
            )
        for prop, part in zip(properties, parts, strict=True):
            try:
                out.append(f"{subject} {iri(prop)} {plan.convert(part)} .\n")
            except ValueError as e:
                raise DataError(self.where, str(e), line=line, column=plan.name) from None

    def _uncertain(self, subject: str, raw: str, line: int, column: str, out: list[str]) -> None:
        for other in (v.strip() for v in raw.split(";") if v.strip()):
            props = [c.property for c in self.mapping.columns.get(other, ()) if c.property]
            if not props:
                raise DataError(
                    self.where,
                    f"names '{other}', which is not a column of the {self.mapping.kind} mapping",
                    line=line,
                    column=column,
                )
            for p in props:
                out.append(f"{subject} {self.uncertain_prop} <{p}> .\n")


def map_file(
    path: Path,
    mapping: Mapping,
    mappings_by_kind: dict[str, Mapping],
    concepts: ConceptIndex,
    ns: Namespaces,
    dataset: str,
    result: MappedFile,
    gazetteer=None,
) -> Iterator[str]:
    """Yield one tabular file as chunks of N-Triples text, checking each cell; raises DataError at the
    first bad one. `result` gathers the rows read, the triples made, the entities defined and the links."""
    mapper = _FileMapper(path, mapping, mappings_by_kind, concepts, ns, dataset, result, gazetteer)
    with _open_text(path) as handle:
        yield from mapper.chunks(handle)


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


def _open_text(path: Path):
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
    with _open_text(path) as handle:
        try:
            first = handle.readline()
        except (OSError, UnicodeDecodeError, EOFError) as e:
            raise DataError(str(path), f"cannot read the file: {e}") from None
    row = next(csv.reader([first], delimiter=sniff_delimiter(first)), [])
    return [h.strip() for h in row]


def _check_datatype(value: str, datatype: str) -> str:
    local = datatype[len(_XSD) :] if datatype.startswith(_XSD) else datatype
    try:
        if local == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            date.fromisoformat(value)
        elif local == "gYear":
            if not re.fullmatch(r"-?\d{4}", value):
                raise ValueError
        elif local == "integer":
            int(value)
        elif local in ("decimal", "double"):
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")  # a decimal comma, as semicolon-separated exports write it
            Decimal(value)
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value):
                raise ValueError
    except (ValueError, InvalidOperation):
        examples = {
            "date": "YYYY-MM-DD, e.g. 2012-11-21",
            "gYear": "a year, e.g. 2012",
            "integer": "a whole number",
            "decimal": "a number such as 1741237.30",
            "double": "a number",
        }
        raise ValueError(f"'{value}' is not a valid {local} ({examples.get(local, local)})") from None
    return value
