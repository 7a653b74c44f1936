"""Query results on the command line: text tables, or serialised as SPARQL results / RDF formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

import pyoxigraph as ox

from kg.errors import KGError
from kg.rdf import GRAPH_TYPES, RESULT_TYPES

#: `-f` names of SELECT and ASK result formats ("table" is the text table), and of graph formats.
SELECT_FORMATS: dict[str, ox.QueryResultsFormat | None] = {
    "table": None,
    **{f.name: f.oxigraph for f in RESULT_TYPES.values()},
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {f.name: f.oxigraph for f in GRAPH_TYPES.values()}


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
        raise KGError(
            f"-f {fmt} is for CONSTRUCT and DESCRIBE results; a SELECT or ASK result comes as "
            f"{', '.join(SELECT_FORMATS)}"
        )
    if SELECT_FORMATS[fmt] is None:
        text = (
            (str(bool(result)).lower() + "\n")
            if isinstance(result, ox.QueryBoolean)
            else _table(result, prefixes, width)
        )
        out.write(text.encode())
    else:
        result.serialize(out, format=SELECT_FORMATS[fmt])
