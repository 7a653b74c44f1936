"""Query results as text tables, or serialised as SPARQL results / RDF formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import BinaryIO

import pyoxigraph as ox

__all__ = ["SELECT_FORMATS", "GRAPH_FORMATS", "write_results", "compact", "select_rows", "select_tuples"]

SELECT_FORMATS: dict[str, ox.QueryResultsFormat | None] = {
    "table": None,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def select_rows(store, sparql: str) -> list[dict[str, str]]:
    """A SELECT query's rows as plain strings by variable name ("" where a variable is unbound)."""
    result = store.query(sparql)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else "") for n in names} for row in result]


def select_tuples(store, sparql: str) -> list[list[str]]:
    """A SELECT query's rows as lists of strings in the order of its variables ("" where unbound).

    For large results: Oxigraph writes them as CSV and Python's C reader splits it, several times faster
    than building a term object per cell."""
    text = store.query(sparql).serialize(format=ox.QueryResultsFormat.CSV).decode()
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows, None)  # the header
    return list(rows)


def compact(term: object, prefixes: Mapping[str, str]) -> str:
    """A term as a person reads it: prefixed IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in prefixes.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _table(solutions: ox.QuerySolutions, prefixes: Mapping[str, str], width: int) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[compact(row[name], prefixes) for name in names] for row in solutions]
    clip = [[c if len(c) <= width else c[: width - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n), *(len(r[i]) for r in clip)]) for i, n in enumerate(names)]
    lines = [
        "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in clip]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def write_results(result: object, out: BinaryIO, fmt: str, prefixes: Mapping[str, str], *, width: int = 60) -> None:
    """Write SELECT/ASK results in a SELECT_FORMATS format, CONSTRUCT/DESCRIBE in a GRAPH_FORMATS one."""
    if isinstance(result, ox.QueryTriples):
        result.serialize(out, format=GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE))
        return
    if fmt not in SELECT_FORMATS:
        raise ValueError(f"'{fmt}' is for graphs; SELECT and ASK results come as {', '.join(SELECT_FORMATS)}")
    if SELECT_FORMATS[fmt] is None:
        text = (
            (str(bool(result)).lower() + "\n")
            if isinstance(result, ox.QueryBoolean)
            else _table(result, prefixes, width)
        )
        out.write(text.encode())
    else:
        result.serialize(out, format=SELECT_FORMATS[fmt])
