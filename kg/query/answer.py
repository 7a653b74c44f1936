"""One query request answered on a store: the SERVICE policy checked, then the result serialised in the
media type asked for, within the result-size limit. What a query worker, or InlineExecutor, runs."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import KGError
from kg.query.policy import ServicePolicy
from kg.rdf import GRAPH_TYPES, RESULT_TYPES
from kg.store import Store

__all__ = ["QueryRequest", "QueryResponse", "ResultTooLarge", "answer"]


class ResultTooLarge(KGError):
    """The serialised result grew past the size limit."""


@dataclass(frozen=True)
class QueryRequest:
    query: str
    #: the media type to use if the query is a SELECT or ASK, and if it is a CONSTRUCT or DESCRIBE
    tabular_type: str | None = "application/sparql-results+json"
    graph_type: str | None = "text/turtle"
    substitutions: dict[str, ox.NamedNode | ox.Literal] = field(default_factory=dict)
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    #: prefixes declared before the query's own prologue (which may redeclare them): the endpoint's `coop:`
    prefixes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QueryResponse:
    body: bytes
    media_type: str | None  # None: no acceptable type for this kind of result
    kind: str  # "tabular" or "graph"


class _Limited(io.RawIOBase):
    """A binary sink that raises once more than `limit` bytes were written."""

    def __init__(self, limit: int):
        self.buffer, self.limit = bytearray(), limit

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) > self.limit:
            raise ResultTooLarge(
                f"the result is larger than the limit of {self.limit} bytes; add a LIMIT or ask for fewer columns"
            )
        return len(data)


def answer(store: Store, request: QueryRequest, max_bytes: int, policy: ServicePolicy) -> QueryResponse:
    """Run one request on a store, if the SERVICE policy allows it, and serialise its result as asked, up to
    `max_bytes`. Raises QueryRefused, QueryError (a syntax error in a line or two) or ResultTooLarge."""
    prefixes = dict(request.prefixes) or None
    policy.check(request.query, base_iri=request.base_iri, prefixes=prefixes)
    return _serialised(store, request, prefixes, _Limited(max_bytes))


def _serialised(store: Store, request: QueryRequest, prefixes: dict | None, sink: _Limited) -> QueryResponse:
    """The request's result written into `sink`.

    A pyoxigraph result must be freed on the thread that made it, and a garbage collection on another thread
    frees whatever a reference cycle holds: the checks above parse with rdflib, whose pyparsing keeps exceptions
    whose tracebacks hold the calling frames (with their variables) in cycles. So the result lives only in
    this frame, made after the parse, and is let go before it returns."""
    result = store.query(
        request.query,
        substitutions=request.substitutions,
        default_graph=list(request.default_graph) if request.default_graph is not None else None,
        named_graphs=list(request.named_graphs) if request.named_graphs is not None else None,
        base_iri=request.base_iri,
        prefixes=prefixes,
    )
    try:
        if isinstance(result, ox.QueryTriples):
            kind, media_type, formats = "graph", request.graph_type, GRAPH_TYPES
        else:
            kind, media_type, formats = "tabular", request.tabular_type, RESULT_TYPES
        if media_type is not None:
            result.serialize(sink, format=formats[media_type].oxigraph)
    finally:
        del result
    return QueryResponse(bytes(sink.buffer), media_type, kind)
