"""The knowledge graph from Python, as researchers use it in notebooks (docs/python.md shows each call).

    import kg

    graph = kg.open("oxigraph:store")        # a store made by `kg build`; kg.open() takes KG_STORE
    rows = graph.query("partners-by-country", {"acronym": "INNOCRAFTS"})   # a saved query, with parameters
    rows = graph.query("SELECT ?p WHERE { ?p a coop:GoodPractice }")       # or SPARQL (coop: and the rest
    frame = rows.to_dataframe()                                          #  of the prefixes predeclared)
    network = graph.network("org")           # a networkx graph
    measures = graph.metrics("org")          # rows again: one per organisation

Results come as `Rows`: a list of dicts, one per solution, whose values are plain Python values (an IRI as its
string, numbers as int or float, xsd:date as datetime.date, a literal's text as str, an unbound variable as
None); `to_dataframe()` turns them into a pandas DataFrame, pandas being an optional extra.

The store is opened read-only: nothing here writes. kg.pipeline's build, load and import_ write, as the
`kg` commands do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.config import Config
from kg.errors import KGError, QueryError

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd
    import pyoxigraph as ox

    from kg.store import Store

__all__ = ["KnowledgeGraph", "Rows", "UnusedParameters", "open", "resolve_query"]

#: What to install for `Rows.to_dataframe()`.
PANDAS_HINT = "pip install 'coopkg[dataframe]' (or pip install pandas)"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    f"{_XSD}{t}"
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
        "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
_FLOATS = {f"{_XSD}decimal", f"{_XSD}double", f"{_XSD}float"}


class UnusedParameters(QueryError):
    """Parameters given with a query that is not a saved one (only saved queries have parameters)."""


class Rows(list):
    """Query results: a list of dicts (one per solution, keyed by variable name), with the variables in the
    query's order as `variables`."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), variables: Iterable[str] = ()):
        super().__init__(rows)
        self.variables: list[str] = list(variables)

    def to_dataframe(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame, one column per variable (pandas is an optional extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise KGError(f"a DataFrame needs pandas: {PANDAS_HINT}") from None
        return pd.DataFrame(list(self), columns=self.variables or None)


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    """A SPARQL result term as a plain Python value: an IRI as its string, a blank node as `_:id`, a number
    as int or float, a boolean as bool, an xsd:date or xsd:dateTime as datetime, other literals as their text."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, ox.Literal):
        return term.value
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _FLOATS:
            return float(term.value)
        if datatype == f"{_XSD}boolean":
            return term.value in ("true", "1")
        if datatype == f"{_XSD}date":
            return dt.date.fromisoformat(term.value)
        if datatype == f"{_XSD}dateTime":
            return dt.datetime.fromisoformat(term.value)
    except ValueError:  # an ill-typed literal keeps its text
        return term.value
    return term.value


def resolve_query(
    config: Config, query: str, params: Mapping[str, str] | None = None
) -> tuple[str, dict | None, Mapping[str, str] | None]:
    """The text of `query` (a saved query's name, a .rq file or SPARQL), the substitutions of a saved query's
    parameters (`params`, defaults filled in), and the prefixes to predeclare (the project's, for a query not
    saved: it may use coop: and the rest without declaring them). The SERVICE policy (KG_SERVICE_ALLOW) is
    checked. Shared by `kg query` and `KnowledgeGraph.query`."""
    from kg.query.policy import ServicePolicy
    from kg.query.saved import read_saved_queries

    ns = config.ns
    saved = read_saved_queries(ns)
    values = {name: str(v) for name, v in (params or {}).items()}
    substitutions, prefixes = None, None
    if query in saved:
        substitutions = saved[query].bindings(values)
        text = saved[query].text
    else:
        if values:
            raise UnusedParameters("parameters only go with a saved query")
        text = _query_text(query)
        prefixes = ns.prefixes  # predeclared: the query's own PREFIX lines may add to them or redefine them
    ServicePolicy.from_config(config).check(text, prefixes=prefixes)
    return text, substitutions, prefixes


def _query_text(query: str) -> str:
    """The text of a .rq file, or of a file the argument names; otherwise the argument is the query."""
    path = Path(query)
    try:
        is_file = "\n" not in query and len(query) < 4096 and path.is_file()
    except OSError:  # a long query with no '/' is no file name
        is_file = False
    if is_file:
        return path.read_text(encoding="utf-8")
    if query.endswith(".rq"):
        raise KGError(f"no saved query and no file named '{query}' (see `kg queries` for the saved ones)")
    return query


class KnowledgeGraph:
    """An open store, read-only, with the project's settings: queries, saved queries and networks."""

    def __init__(self, store: Store, config: Config):
        self.store = store
        self.config = config

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.store.location}>"

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release the store (its files or connections)."""
        self.store.close()

    def query(self, query: str, params: Mapping[str, Any] | None = None) -> Rows | bool:
        """Run a saved query by name (with `params` for its parameters: `kg queries` or `saved_queries()`
        lists them), a .rq file, or SPARQL text. SELECT gives Rows; ASK gives a bool; CONSTRUCT and
        DESCRIBE give Rows of subject, predicate and object."""
        import pyoxigraph as ox

        text, substitutions, prefixes = resolve_query(self.config, query, params)
        result = self.store.query(text, substitutions=substitutions, prefixes=prefixes)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            names = ("subject", "predicate", "object")
            return Rows(
                (
                    {n: value(t) for n, t in zip(names, (tr.subject, tr.predicate, tr.object), strict=True)}
                    for tr in result
                ),
                names,
            )
        variables = [v.value for v in result.variables]
        return Rows(({v: value(row[v]) for v in variables} for row in result), variables)

    def saved_queries(self) -> Rows:
        """The saved queries: name, title, description and parameters (name: description, default)."""
        from kg.query.saved import read_saved_queries

        return Rows(
            (
                {
                    "name": q.name,
                    "title": q.title,
                    "description": q.description,
                    "parameters": {p.name: {"description": p.description, "default": p.default} for p in q.parameters},
                }
                for q in read_saved_queries(self.config.ns).values()
            ),
            ["name", "title", "description", "parameters"],
        )

    def network(
        self,
        kind: str = "org",
        *,
        programme: str | None = None,
        projects: Iterable[str] = (),
        source: str | None = None,
        year: int | None = None,
    ) -> nx.Graph:
        """The collaboration network as a networkx graph (as `kg network --kind KIND` exports it): org
        (organisations linked by shared projects, co-hosted events and transfers), city, country, transfer
        (directed, between places) or bipartite (organisations and projects). Nodes are IRIs with a label
        attribute; an edge's weight counts what the graph attribute edge_weight says. The filters keep the
        projects of a programme, the projects named, or those a source states (see `kg network --help`)."""
        from kg.network.build import build_network

        return build_network(
            self.store, self.config.ns, kind, programme=programme, projects=tuple(projects), source=source, year=year
        )

    def edges(self, kind: str = "org", **filters: Any) -> Rows:
        """The network's edges as Rows: source, target, their labels, weight (`network`'s filters apply)."""
        graph = self.network(kind, **filters)
        labels = graph.nodes
        return Rows(
            (
                {
                    "source": a,
                    "target": b,
                    "source_label": labels[a].get("label", a),
                    "target_label": labels[b].get("label", b),
                    "weight": data.get("weight", 1),
                }
                for a, b, data in graph.edges(data=True)
            ),
            ["source", "target", "source_label", "target_label", "weight"],
        )

    def metrics(self, kind: str = "org", *, seed: int = 42, **filters: Any) -> Rows:
        """Every node's measures (degree, weighted degree, betweenness, closeness, PageRank, community ...),
        as `kg network metrics` computes them, as Rows (`network`'s kinds and filters, bipartite aside)."""
        from kg.network.build import analyse_network

        filters["projects"] = tuple(filters.get("projects", ()))
        rows = analyse_network(self.store, self.config.ns, kind, seed=seed, **filters).rows
        plain = [{k: v.item() if hasattr(v, "item") else v for k, v in row.items()} for row in rows]  # numpy's
        return Rows(plain, list(rows[0]) if rows else [])


def open(store: str | Config | None = None, *, base_iri: str | None = None) -> KnowledgeGraph:  # noqa: A001
    """Open a store read-only: a location ("oxigraph:PATH", "sparql:URL", as KG_STORE takes), a Config, or
    None for the store the environment names (KG_STORE, else the default). The other settings come from the
    environment (KG_*), as for the `kg` command."""
    from kg.pipeline import open_store

    if isinstance(store, Config):
        config = store if base_iri is None else store.with_(base_iri=base_iri)
    else:
        config = Config.from_env(store=store, base_iri=base_iri)
    return KnowledgeGraph(open_store(config, read_only=True), config)
