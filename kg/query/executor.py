"""Run SPARQL queries in worker processes, with a time limit, a result-size limit and bounded concurrency.

pyoxigraph cannot cancel a query from another thread, so each query runs in a worker process that holds
its own read-only copy of the store (in memory where it fits: aggregates run 3-7x faster there). When a
query passes its time limit the worker is killed, which really stops the work, and a fresh worker takes
its place. A spare worker is kept loaded so that the replacement is instant (loading a large store takes
seconds, and a client repeating a heavy query must not leave the others without a worker meanwhile).
At most `workers` queries run at once; others wait for a free worker up to the time limit.
`restart()` moves the pool onto the store's current data after a rebuild, without dropping a query.
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

from kg.config import Config
from kg.errors import KGError, QueryError, StoreError
from kg.rdf import GRAPH_TYPES, RESULT_TYPES
from kg.store import Store, open_store

__all__ = [
    "QueryRequest",
    "QueryResponse",
    "QueryExecutor",
    "ExecutorReader",
    "QueryTimeout",
    "ResultTooLarge",
    "Busy",
    "forbidden_service",
    "InlineExecutor",
    "answer",
]


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


def _worker(conn: Connection, location: Config | str, in_memory: bool, max_bytes: int) -> None:
    """Worker process: open the store, then answer requests until the pipe closes."""
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
            conn.send(("ok", answer(store, request, max_bytes)))
        except ResultTooLarge as e:
            conn.send(("too-large", str(e)))
        except StoreError as e:
            conn.send(("store-error", str(e)))
        except (QueryError, SyntaxError, ValueError, OSError, RuntimeError) as e:
            conn.send(("error", str(e)))


def answer(store: Store, request: QueryRequest, max_bytes: int) -> QueryResponse:
    """Run one request on a store and serialise its result as asked, up to `max_bytes`."""
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
            result.serialize(sink, format=GRAPH_TYPES[media_type].oxigraph)
    else:
        kind, media_type = "tabular", request.tabular_type
        if media_type is not None:
            result.serialize(sink, format=RESULT_TYPES[media_type].oxigraph)
    return QueryResponse(bytes(sink.buffer), media_type, kind)


class _Worker:
    def __init__(self, ctx, location: Config | str, in_memory: bool, max_bytes: int, generation: int = 0):
        self.generation, self.killed = generation, False
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
        if self.killed:
            return
        self.killed = True
        self.process.kill()
        self.process.join(5)
        self.process.close()
        self.conn.close()


class QueryExecutor:
    """A pool of query worker processes over one store (a Config, or a location with the default settings),
    with spares ready to replace killed ones."""

    def __init__(
        self,
        location: Config | str,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        max_bytes: int = 50_000_000,
        in_memory: bool = True,
        start_timeout: float = 600.0,
        spares: int = 1,
    ):
        self.location, self.timeout, self.in_memory, self.max_bytes = location, timeout, in_memory, max_bytes
        self._ctx = mp.get_context("spawn")  # no fork: the parent may hold threads and open stores
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._spares: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._generation = 0
        self.size, self.spare_count = max(1, workers), max(0, spares)
        self.busy = 0
        #: workers stopped at the time limit (or lost) and replaced since start
        self.replaced = 0
        self._fill(self._idle, self._spares, start_timeout)

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.location, self.in_memory, self.max_bytes, self._generation)

    def _fill(self, idle: queue.Queue, spares: queue.Queue, start_timeout: float) -> None:
        started = [self._spawn() for _ in range(self.size + self.spare_count)]
        try:
            for w in started:
                w.wait_ready(start_timeout)
        except KGError:
            for w in started:
                w.kill()
            raise
        for i, w in enumerate(started):
            (idle if i < self.size else spares).put(w)

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse:
        """Run one query; raises QueryError, QueryTimeout, ResultTooLarge or Busy."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        worker = self._next_idle(deadline)
        if worker is None:
            raise Busy(f"all {self.size} query workers stayed busy for {limit:g} s; try again later")
        healthy = False
        with self._lock:
            self.busy += 1
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the query ran past the time limit of {limit:g} s and was stopped")
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise QueryError("the query worker stopped unexpectedly") from None
        finally:
            with self._lock:
                self.busy -= 1
            if healthy and worker.generation == self._generation:
                self._idle.put(worker)
            else:  # killing the process is what stops the work
                worker.kill()
                if not healthy and worker.generation == self._generation and not self._closed:
                    self._replace()  # (an old worker after restart() has its replacement already)
        if status == "ok":
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        if status == "store-error":
            raise StoreError(payload)
        raise QueryError(payload)

    def _next_idle(self, deadline: float) -> _Worker | None:
        """An idle worker, waiting up to `deadline`; the pool may be swapped by restart() meanwhile."""
        while (left := deadline - time.monotonic()) > 0:
            try:
                return self._idle.get(timeout=min(left, 0.25))
            except queue.Empty:
                continue
        return None

    def _replace(self) -> None:
        """Put a spare in the killed worker's place at once, and load a new spare in the background."""
        with self._lock:
            self.replaced += 1
        try:
            self._idle.put(self._spares.get_nowait())
            target = self._spares
        except queue.Empty:
            target = self._idle
        generation = self._generation

        def start() -> None:
            worker = self._spawn()
            try:
                worker.wait_ready(600)
            except KGError:
                return
            if generation != self._generation or self._closed:
                worker.kill()
            else:
                target.put(worker)

        threading.Thread(target=start, name="kg-worker-refill", daemon=True).start()

    def restart(self, start_timeout: float = 600.0) -> None:
        """Start a new pool on the store's current data, then retire the old workers (busy ones finish)."""
        with self._lock:
            self._generation += 1
        idle: queue.Queue[_Worker] = queue.Queue()
        spares: queue.Queue[_Worker] = queue.Queue()
        self._fill(idle, spares, start_timeout)
        old_idle, old_spares = self._idle, self._spares
        self._idle, self._spares = idle, spares
        for q in (old_idle, old_spares):
            while True:
                try:
                    q.get_nowait().kill()
                except queue.Empty:
                    break

    def status(self) -> dict[str, int]:
        """Workers idle, busy and spare, for /readyz."""
        return {"workers": self.size, "idle": self._idle.qsize(), "busy": self.busy, "spares": self._spares.qsize()}

    def close(self) -> None:
        self._closed = True
        for q in (self._idle, self._spares):
            while True:
                try:
                    q.get_nowait().kill()
                except queue.Empty:
                    break


class InlineExecutor:
    """Answers in this process, with the result-size limit but no time limit (a thread cannot be stopped):
    for the Flask test client and for embedding. A public server uses QueryExecutor."""

    def __init__(self, location: Config | str, *, max_bytes: int = 50_000_000):
        self.location, self.max_bytes = location, max_bytes
        self.replaced = 0  # never: nothing here is stopped
        self.store = open_store(location, read_only=True)

    def run(self, request: QueryRequest, timeout: float | None = None) -> QueryResponse:
        try:
            return answer(self.store, request, self.max_bytes)
        except (SyntaxError, ValueError, OSError, RuntimeError) as e:
            raise QueryError(str(e)) from None

    def restart(self, start_timeout: float = 600.0) -> None:
        """Reopen the store on its current data."""
        old, self.store = self.store, open_store(self.location, read_only=True)
        old.close()

    def status(self) -> dict[str, int]:
        return {"workers": 1, "idle": 1, "busy": 0, "spares": 0}

    def close(self) -> None:
        self.store.close()


class ExecutorReader:
    """A `kg.publish.describe.Reader` whose queries run in the executor's workers (time and size limits apply)."""

    def __init__(self, executor: QueryExecutor | InlineExecutor):
        self.executor = executor

    def select(self, sparql: str, bindings=None) -> list[dict]:
        request = QueryRequest(sparql, graph_type=None, substitutions=dict(bindings or {}))
        return json.loads(self.executor.run(request).body)["results"]["bindings"]

    def graph(self, sparql: str, media_type: str, bindings=None) -> bytes:
        request = QueryRequest(sparql, tabular_type=None, graph_type=media_type, substitutions=dict(bindings or {}))
        return self.executor.run(request).body
