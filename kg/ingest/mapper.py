"""The row mapper: a tabular file and its mapping -> N-Triples text, every cell checked as it is read.

Errors name the file, line and column."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

from rdflib.namespace import RDF

from kg.errors import DataError
from kg.ingest.concepts import ConceptIndex
from kg.ingest.schema import PLACEHOLDER, Column, Mapping
from kg.ingest.sources import open_text, sniff_delimiter
from kg.namespaces import Namespaces
from kg.rdf import iri, literal

_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")


_XSD = "http://www.w3.org/2001/XMLSchema#"


_GAZETTEER_COLUMNS = ("latitude", "longitude", "geonames")


def _segment(value: str) -> str:
    return value if _SAFE.match(value) else quote(value, safe="")


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
        self.subject_names = [n for n in PLACEHOLDER.findall(mapping.subject) if n != "dataset"]
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
    with open_text(path) as handle:
        yield from mapper.chunks(handle)


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
