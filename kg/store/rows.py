"""A query's rows as plain Python strings, for the code that analyses results rather than serving them."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox


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
