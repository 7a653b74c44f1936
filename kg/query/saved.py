"""Saved queries: `queries/*.rq` files with a header, read once into SavedQuery objects.

The header is YAML in lines starting with `#+` (in the spirit of grlc's decorators):

    #+ title: Partners of a project, by country
    #+ description: ...
    #+ tags: [partners, projects]
    #+ params:
    #+   acronym: {type: string, default: INNOCRAFTS, description: "...", enum: [...]}

A parameter names a variable of the query's SELECT clause. Its value is bound with pyoxigraph's
`substitutions` (never pasted into the query text); a parameter with no value and no default stays
unbound, so the query returns every value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import yaml

from kg.errors import QueryError
from kg.namespaces import Namespaces
from kg.resources import resource_dir

__all__ = ["Parameter", "SavedQuery", "read_saved_queries"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPES = ("string", "iri", "integer", "decimal", "date", "year", "boolean")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""
    enum: tuple[str, ...] = ()

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a value given as text, checked against the type and allowed values."""
        if self.enum and value not in self.enum:
            raise QueryError(f"parameter '{self.name}': '{value}' is not one of {', '.join(self.enum)}")
        try:
            if self.type == "iri":
                return ox.NamedNode(value)
            if self.type == "integer":
                return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
            if self.type == "decimal":
                return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(_XSD + "decimal"))
            if self.type == "date":
                return ox.Literal(date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(_XSD + "date"))
            if self.type == "year":
                if not re.fullmatch(r"\d{4}", value):
                    raise ValueError
                return ox.Literal(value, datatype=ox.NamedNode(_XSD + "gYear"))
            if self.type == "boolean":
                if value.lower() not in ("true", "false"):
                    raise ValueError
                return ox.Literal(value.lower(), datatype=ox.NamedNode(_XSD + "boolean"))
        except (ValueError, InvalidOperation):
            raise QueryError(f"parameter '{self.name}': '{value}' is not a valid {self.type}") from None
        return ox.Literal(value)


@dataclass(frozen=True)
class SavedQuery:
    name: str
    text: str
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    path: str = ""

    def bindings(self, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Substitutions for the given values (and defaults); unknown parameter names are an error."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(
                f"query '{self.name}' has no parameter {', '.join(unknown)} (it has: {', '.join(known) or 'none'})"
            )
        result = {}
        for p in self.parameters:
            value = values.get(p.name)
            if value in (None, ""):
                value = p.default
            if value not in (None, ""):
                result[p.name] = p.term(str(value))
        return result


def parse_saved_query(path: Path, ns: Namespaces) -> SavedQuery:
    """Read one .rq file with its `#+` header."""
    text = ns.rebase(path.read_text(encoding="utf-8"))
    header = "\n".join(line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as e:
        raise QueryError(f"{path}: the #+ header is not valid YAML: {e}") from None
    params = []
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        if spec.get("type", "string") not in _TYPES:
            raise QueryError(
                f"{path}: parameter '{name}' has unknown type '{spec.get('type')}' (known: {', '.join(_TYPES)})"
            )
        params.append(
            Parameter(
                name,
                spec.get("type", "string"),
                None if spec.get("default") is None else str(spec["default"]),
                spec.get("description", ""),
                tuple(str(v) for v in spec.get("enum", [])),
            )
        )
    return SavedQuery(
        name=path.stem,
        text=text,
        title=meta.get("title", path.stem),
        description=meta.get("description", ""),
        tags=tuple(meta.get("tags", [])),
        parameters=tuple(params),
        path=str(path),
    )


def read_saved_queries(ns: Namespaces, folder: Path | None = None) -> dict[str, SavedQuery]:
    """All saved queries of a folder (default: the shipped `queries/`), by name."""
    folder = folder or resource_dir("queries")
    return {q.name: q for q in (parse_saved_query(p, ns) for p in sorted(folder.glob("*.rq")))}
