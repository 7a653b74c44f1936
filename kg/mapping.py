"""Declared column mappings: tabular files -> RDF, one YAML mapping per entity kind.

A mapping (see `kg/mappings/*.yaml`) says which file it reads, how a row's IRI is made, which classes
the entity gets, and for each column the property, and whether the value is a literal (with language
or datatype), a link to another kind's entity, a concept of a SKOS scheme, or an IRI made from a
template. Every cell is checked as it is read, and errors name the file, line and column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import yaml
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.errors import DataError
from kg.namespaces import Namespaces

__all__ = ["Column", "Mapping", "ConceptIndex", "read_mappings", "MappedFile", "map_file"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
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

    @property
    def key(self) -> str | None:
        """The column whose value names an entity, if the subject template has exactly one."""
        names = [n for n in _PLACEHOLDER.findall(self.subject) if n != "dataset"]
        return names[0] if len(names) == 1 else None

    def iri(self, ns: Namespaces, dataset: str, values: dict[str, str]) -> str:
        return str(ns.id) + _PLACEHOLDER.sub(
            lambda m: _segment(dataset if m[1] == "dataset" else values[m[1]]), self.subject
        )


def _segment(value: str) -> str:
    return value if _SAFE.match(value) else quote(value, safe="")


def _expand(curie: str, ns: Namespaces, where: str) -> str:
    prefix, sep, local = curie.partition(":")
    if sep and prefix in ns.prefixes:
        return ns.prefixes[prefix] + local
    if curie.startswith(("http://", "https://")):
        return curie
    raise DataError(where, f"unknown prefix in '{curie}' (known: {', '.join(sorted(ns.prefixes))})")


def read_mappings(paths: list[Path], ns: Namespaces) -> dict[str, Mapping]:
    """Parse mapping files into Mappings, keyed by the file name each one reads."""
    result: dict[str, Mapping] = {}
    for path in paths:
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            line = getattr(getattr(e, "problem_mark", None), "line", None)
            raise DataError(str(path), f"not valid YAML: {e}", line=None if line is None else line + 1) from None
        where = str(path)
        try:
            columns = {}
            for name, specs in spec["columns"].items():
                specs = specs if isinstance(specs, list) else [specs]
                cols = []
                for s in specs:
                    s = dict(s)
                    if "property" in s:
                        s["property"] = _expand(s["property"], ns, where)
                    if "datatype" in s:
                        s["datatype"] = _expand(s["datatype"], ns, where)
                    if "classes" in s:
                        s["classes"] = {k: _expand(v, ns, where) for k, v in s["classes"].items()}
                    cols.append(Column(name=name, **s))
                columns[name] = tuple(cols)
            mapping = Mapping(
                kind=spec["kind"],
                file=spec["file"],
                subject=spec["subject"],
                classes=tuple(_expand(c, ns, where) for c in spec.get("class", [])),
                columns=columns,
                order=tuple(tuple(pair) for pair in spec.get("order", [])),
                also=tuple(
                    Also(a["subject"], _expand(a["property"], ns, where), a["object"]) for a in spec.get("also", [])
                ),
                gazetteer=bool(spec.get("gazetteer", False)),
                source=where,
            )
        except (KeyError, TypeError) as e:
            raise DataError(where, f"not a valid mapping: missing or wrong entry {e}") from None
        result[mapping.file] = mapping
    return result


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
    defined: set[str] = field(default_factory=set)
    #: target IRI -> (target kind, line, column, value) of its first use, for error messages
    links: dict[str, tuple[str, int, str, str]] = field(default_factory=dict)


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon, whichever the header row uses (both are in circulation for EU data)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def map_file(
    path: Path,
    mapping: Mapping,
    mappings_by_kind: dict[str, Mapping],
    concepts: ConceptIndex,
    ns: Namespaces,
    dataset: str,
    graph: str,
    result: MappedFile,
    gazetteer=None,
) -> Iterator[ox.Quad]:
    """Yield the quads of one tabular file, checking each cell; raises DataError at the first bad one."""
    where = str(path)
    g = ox.NamedNode(graph)
    rdf_type = ox.NamedNode(str(RDF.type))
    class_nodes = [ox.NamedNode(c) for c in mapping.classes]
    uncertain_prop = ox.NamedNode(str(ns.coop.uncertainProperty))
    nodes: dict[str, ox.NamedNode] = {}

    def node(iri: str) -> ox.NamedNode:
        n = nodes.get(iri)
        if n is None:
            try:
                n = ox.NamedNode(iri)
            except ValueError as e:
                raise ValueError(f"'{iri}' is not a valid IRI ({e})") from None
            if len(nodes) < 100_000:
                nodes[iri] = n
        return n

    for kind in {c.link for cols in mapping.columns.values() for c in cols if c.link}:
        if kind not in mappings_by_kind:
            raise DataError(
                mapping.source, f"links to unknown kind '{kind}' (known: {', '.join(sorted(mappings_by_kind))})"
            )

    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise DataError(where, f"cannot read the file: {e.strerror}") from None
    with handle:
        first = handle.readline()
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=sniff_delimiter(first), strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        if not header:
            raise DataError(where, "the file is empty: a header row is expected", line=1)
        unknown = [h for h in header if h not in mapping.columns]
        if unknown:
            raise DataError(
                where,
                f"unknown column(s) {', '.join(unknown)}; the {mapping.kind} mapping knows: "
                f"{', '.join(mapping.columns)}",
                line=1,
            )
        missing = [
            name for name, cols in mapping.columns.items() if any(c.required for c in cols) and name not in header
        ]
        if missing:
            raise DataError(where, f"missing required column(s): {', '.join(missing)}", line=1)
        names = header + [
            n
            for n in _GAZETTEER_COLUMNS
            if mapping.gazetteer and gazetteer is not None and n in mapping.columns and n not in header
        ]
        active = [(name, mapping.columns[name]) for name in names]
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise DataError(
                        where, f"this row has more cells than the header has columns ({len(header)})", line=line
                    )
                values = {k: (v or "").strip() for k, v in row.items()}
                if not any(values.values()):
                    continue
                if gazetteer is not None and mapping.gazetteer:
                    gazetteer.complete(values)
                result.rows += 1
                yield from _map_row(
                    values,
                    line,
                    where,
                    active,
                    mapping,
                    mappings_by_kind,
                    concepts,
                    ns,
                    dataset,
                    g,
                    rdf_type,
                    class_nodes,
                    uncertain_prop,
                    node,
                    result,
                )
        except csv.Error as e:
            raise DataError(where, f"malformed CSV: {e}", line=reader.line_num) from None


def _map_row(
    values,
    line,
    where,
    active,
    mapping,
    mappings_by_kind,
    concepts,
    ns,
    dataset,
    g,
    rdf_type,
    class_nodes,
    uncertain_prop,
    node,
    result,
) -> Iterator[ox.Quad]:
    for name in _PLACEHOLDER.findall(mapping.subject):
        if name != "dataset" and not values.get(name):
            raise DataError(where, "is empty, but it names the row's entity", line=line, column=name)
    subject_iri = mapping.iri(ns, dataset, values)
    subject = node(subject_iri)
    if subject_iri in result.defined:
        raise DataError(where, f"duplicate row: {mapping.kind} '{subject_iri}' is already defined above", line=line)
    result.defined.add(subject_iri)
    for c in class_nodes:
        yield ox.Quad(subject, rdf_type, c, g)
    cells: dict[str, list] = {}
    for name, cols in active:
        raw = values.get(name, "")
        for col in cols:
            if not raw:
                if col.required:
                    raise DataError(where, "is empty, but a value is required", line=line, column=name)
                continue
            if col.uncertain:
                for other in (v.strip() for v in raw.split(";") if v.strip()):
                    props = [c.property for c in mapping.columns.get(other, ()) if c.property]
                    if not props:
                        raise DataError(
                            where,
                            f"names '{other}', which is not a column of the {mapping.kind} mapping",
                            line=line,
                            column=name,
                        )
                    for p in props:
                        yield ox.Quad(subject, uncertain_prop, node(p), g)
                continue
            parts = [p.strip() for p in raw.split(col.split)] if col.split else [raw]
            objects = []
            for part in parts:
                if not part:
                    continue
                try:
                    obj = _object(part, col, mapping, mappings_by_kind, concepts, ns, dataset, node)
                except ValueError as e:
                    raise DataError(where, str(e), line=line, column=name) from None
                objects.append(obj)
                if col.link:
                    result.links.setdefault(obj.value, (col.link, line, name, part))
                if col.classes and part.casefold() in {k.casefold() for k in col.classes}:
                    cls = next(v for k, v in col.classes.items() if k.casefold() == part.casefold())
                    yield ox.Quad(subject, rdf_type, node(cls), g)
            cells.setdefault(name, objects)
            if col.property:
                prop = node(col.property)
                for obj in objects:
                    yield ox.Quad(subject, prop, obj, g)
    for start, end in mapping.order:
        a, b = values.get(start), values.get(end)
        if a and b and a > b:
            raise DataError(where, f"{start} {a} is after {end} {b}", line=line, column=end)
    for also in mapping.also:
        prop = node(also.property)
        for s in cells.get(also.subject, []):
            for o in cells.get(also.object, []):
                yield ox.Quad(s, prop, o, g)


def _object(value, col, mapping, mappings_by_kind, concepts, ns, dataset, node):
    if col.link:
        target = mappings_by_kind[col.link]
        return node(target.iri(ns, dataset, {target.key or "id": value}))
    if col.concept:
        iri = concepts.lookup(col.concept, value)
        if iri is None:
            allowed = ", ".join(concepts.codes(col.concept)) or f"none: the scheme '{col.concept}' does not exist"
            raise ValueError(f"unknown {col.concept} '{value}' (allowed: {allowed})")
        return node(iri)
    if col.iri:
        return node(col.iri.replace("{}", value))
    if col.datatype:
        return ox.Literal(_check_datatype(value, col.datatype), datatype=node(col.datatype))
    if col.lang:
        return ox.Literal(value, language=col.lang)
    return ox.Literal(value)


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
