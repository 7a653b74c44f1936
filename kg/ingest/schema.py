"""Declared column mappings: what a YAML mapping file says, read and checked into `Mapping` objects.

A mapping (see `kg/ingest/mappings/*.yaml`) says which file it reads, how a row's IRI is made, which classes
the entity gets, and for each column the property, and whether the value is a literal (with language
or datatype), a link to another kind's entity, a concept of a SKOS scheme, or an IRI made from a
template."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from kg.errors import DataError
from kg.ingest.concepts import ConceptIndex
from kg.namespaces import Namespaces

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


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
        names = [n for n in PLACEHOLDER.findall(self.subject) if n != "dataset"]
        return names[0] if len(names) == 1 else None


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


def columns_by_property(ns: Namespaces) -> dict[str, str]:
    """Property IRI -> the column of a data file that fills it, to name fields as the files do."""
    result: dict[str, str] = {}
    for mapping in shipped(ns)[0].values():
        for name, columns in mapping.columns.items():
            for column in columns:
                if column.property:
                    result.setdefault(column.property, name)
    return result
