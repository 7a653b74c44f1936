"""Run SPARQL queries in worker processes, with a time limit, a result-size limit and bounded concurrency.

pyoxigraph cannot cancel a query from another thread, so each query runs in a worker process that holds
its own read-only copy of the store (in memory where it fits: aggregates run 3-7x faster there). When a
query passes its time limit the worker is killed, which really stops the work, and a fresh worker takes
its place. At most `workers` queries run at once; others wait for a free worker up to the time limit.
"""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.errors import KGError, QueryError

__all__ = [
    "QueryRequest",
    "QueryResponse",
    "QueryExecutor",
    "ExecutorReader",
    "QueryTimeout",
    "ResultTooLarge",
    "Busy",
    "TABULAR_TYPES",
    "GRAPH_TYPES",
    "forbidden_service",
]

#: Media types of SELECT/ASK results and of CONSTRUCT/DESCRIBE graphs, preferred first.
TABULAR_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class QueryTimeout(KGError):
    """The query ran past the time limit and was stopped."""


class ResultTooLarge(KGError):
    """The serialised result grew past the size limit."""


class Busy(KGError):
    """Every worker stayed busy for the whole wait."""


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


@dataclass(frozen=True)
class QueryResponse:
    body: bytes
    media_type: str | None  # None: no acceptable type for this kind of result
    kind: str  # "tabular" or "graph"


_SERVICE = re.compile(r"(?<![?$:\w])SERVICE\s+(?:SILENT\s+)?(<[^>]*>|\?\w+|\$\w+|[\w-]*:[\w.-]*)", re.IGNORECASE)
_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*'
)


def forbidden_service(query: str, allowed: tuple[str, ...]) -> str | None:
    """The first SERVICE target of `query` that is not on the allow-list (IRI prefixes), or None.

    Strings and comments are blanked first; a variable or prefixed-name target is refused since it
    cannot be checked. Erring towards refusal is the point: queries may not reach other hosts."""
    bare = _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group()) if m.group().startswith("#") else '""', query)
    for match in _SERVICE.finditer(bare):
        target = match.group(1)
        iri = target[1:-1] if target.startswith("<") else None
        if iri is None or not any(iri.startswith(prefix) for prefix in allowed):
            return target
    return None


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


def _worker(conn: Connection, location: str, in_memory: bool, max_bytes: int) -> None:
    """Worker process: open the store, then answer requests until the pipe closes."""
    from kg.store import open_store

    try:
        store = open_store(location, read_only=True)
        if in_memory:
            store = store.in_memory()
        conn.send(("ready", None))
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", f"cannot open the store: {e}"))
        return
    while True:
        try:
            request: QueryRequest = conn.recv()
        except EOFError:
            return
        try:
            result = store.query(
                request.query,
                substitutions=request.substitutions,
                default_graph=list(request.default_graph) if request.default_graph is not None else None,
                named_graphs=list(request.named_graphs) if request.named_graphs is not None else None,
                base_iri=request.base_iri,
            )
            sink = _Limited(max_bytes)
            if isinstance(result, ox.QueryTriples):
                kind, media_type = "graph", request.graph_type
                if media_type is not None:
                    result.serialize(sink, format=GRAPH_TYPES[media_type])
            else:
                kind, media_type = "tabular", request.tabular_type
                if media_type is not None:
                    result.serialize(sink, format=TABULAR_TYPES[media_type])
            conn.send(("ok", QueryResponse(bytes(sink.buffer), media_type, kind)))
        except ResultTooLarge as e:
            conn.send(("too-large", str(e)))
        except (QueryError, SyntaxError, ValueError, OSError, RuntimeError) as e:
            conn.send(("error", str(e)))


class _Worker:
    def __init__(self, ctx, location: str, in_memory: bool, max_bytes: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker, args=(child, location, in_memory, max_bytes), daemon=True, name="kg-query-worker"
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise KGError("a query worker did not start in time")
        try:
            status, message = self.conn.recv()
        except EOFError:
            status, message = "error", "a query worker stopped while starting"
        if status != "ready":
            self.kill()
            raise KGError(message)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.process.close()
        self.conn.close()


class QueryExecutor:
    """A pool of query worker processes over one store location."""

    def __init__(
        self,
        location: str,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        max_bytes: int = 50_000_000,
        in_memory: bool = True,
        start_timeout: float = 600.0,
    ):
        self.location, self.timeout, self.in_memory, self.max_bytes = location, timeout, in_memory, max_bytes
        self._ctx = mp.get_context("spawn")  # no fork: the parent may hold threads and open stores
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        started = [self._spawn() for _ in range(max(1, workers))]
        for w in started:
            w.wait_ready(start_timeout)
            self._idle.put(w)
        self.size = len(started)

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.location, self.in_memory, self.max_bytes)

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse:
        """Run one query; raises QueryError, QueryTimeout, ResultTooLarge or Busy."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers stayed busy for {limit:g} s; try again later") from None
        healthy = False
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the query ran past the time limit of {limit:g} s and was stopped")
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise QueryError("the query worker stopped unexpectedly") from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:  # killing the process is what stops the work; a new worker starts in the background
                worker.kill()
                if not self._closed:
                    threading.Thread(target=self._refill, name="kg-worker-refill", daemon=True).start()
        if status == "ok":
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        raise QueryError(payload)

    def _refill(self) -> None:
        worker = self._spawn()
        try:
            worker.wait_ready(600)
        except KGError:
            return
        self._idle.put(worker)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


class ExecutorReader:
    """A `kg.describe.Reader` whose queries run in the executor's workers (time and size limits apply)."""

    def __init__(self, executor: QueryExecutor):
        self.executor = executor

    def select(self, sparql: str, bindings=None) -> list[dict]:
        request = QueryRequest(sparql, graph_type=None, substitutions=dict(bindings or {}))
        return json.loads(self.executor.run(request).body)["results"]["bindings"]

    def graph(self, sparql: str, media_type: str, bindings=None) -> bytes:
        request = QueryRequest(sparql, tabular_type=None, graph_type=media_type, substitutions=dict(bindings or {}))
        return self.executor.run(request).body
