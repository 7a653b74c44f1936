"""Run SPARQL queries in worker processes, with a time limit, a result-size limit and bounded concurrency.

pyoxigraph cannot cancel a query from another thread, so each query runs in a worker process. When a
query passes its time limit the worker is killed, which really stops the work, and a fresh worker takes
its place. The workers are forked from one template process (which, for workers in memory, copied the
store once), so a replacement takes milliseconds instead of the seconds of starting Python and loading a
large store again, and a client repeating a heavy query does not keep a core busy loading copies.
bench/workers.py measures this design beside one copy per worker, on disk and in memory.
At most `workers` queries run at once; others wait for a free worker up to the time limit.
`restart()` moves the pool onto the store's current data after a rebuild, without dropping a query.
"""

from __future__ import annotations

import io
import json
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Protocol

import pyoxigraph as ox

from kg.config import Config
from kg.errors import KGError, QueryError, StoreError
from kg.query.policy import QueryRefused, ServicePolicy
from kg.query.sandbox import cut_network
from kg.rdf import GRAPH_TYPES, RESULT_TYPES
from kg.store import Store, needs_network, open_store

__all__ = [
    "QueryRequest",
    "QueryResponse",
    "QueryExecutor",
    "ExecutorReader",
    "QueryTimeout",
    "ResultTooLarge",
    "Busy",
    "QueryRefused",
    "InlineExecutor",
    "answer",
]


LOG = logging.getLogger("coopkg")

#: Workers are forked from a template process where fork is safe to use here (Linux); elsewhere each starts
#: on its own and loads the store itself.
FORK = sys.platform.startswith("linux")


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


def _open(location: Config | str, in_memory: bool) -> Store:
    store = open_store(location, read_only=True)
    if in_memory:
        copy = store.in_memory()
        if copy is not store:
            store.close()
        store = copy
    return store


@dataclass(frozen=True)
class _Rules:
    """What a worker applies to every query: the result-size limit, the SERVICE policy, and whether it runs
    cut off from the network (kg.query.sandbox)."""

    max_bytes: int
    policy: ServicePolicy
    offline: bool


def _isolate(rules: _Rules) -> str | None:
    """Cut this process off the network when the rules say so: None when done or not asked, else why not."""
    return cut_network() if rules.offline else None


def _worker(conn: Connection, location: Config | str, in_memory: bool, rules: _Rules) -> None:
    """Worker process started on its own: open the store, then answer requests until the pipe closes."""
    try:
        store = _open(location, in_memory)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", f"cannot open the store: {e}"))
        return
    conn.send(("ready", _isolate(rules)))
    _answer_requests(conn, store, rules)


def _answer_requests(conn: Connection, store: Store, rules: _Rules) -> None:
    while True:
        try:
            request: QueryRequest = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", answer(store, request, rules.max_bytes, rules.policy)))
        except QueryRefused as e:
            conn.send(("refused", str(e)))
        except ResultTooLarge as e:
            conn.send(("too-large", str(e)))
        except StoreError as e:
            conn.send(("store-error", str(e)))
        except (QueryError, SyntaxError, ValueError, OSError, RuntimeError) as e:
            conn.send(("error", str(e)))


def _template(control: Connection, location: Config | str, in_memory: bool, rules: _Rules) -> None:
    """Template process: open the store once (in memory: copy it once), then fork a worker for each socket
    the parent sends, and send back the worker's pid. On disk each worker opens the store itself (an open
    RocksDB does not survive a fork); the OS page cache holds its files once for all of them. The template
    cuts itself off the network before the first fork, so every worker is born without it."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    store = None
    try:
        if in_memory:
            opened = open_store(location, read_only=True)
            store = opened.in_memory()
            if store is opened:  # a backend with no in-memory copy (a SPARQL server): each worker connects
                store.close()
                store = None
            else:
                opened.close()
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
        control.send(("error", f"cannot open the store: {e}"))
        return
    control.send(("ready", _isolate(rules)))
    while True:
        try:
            fd = reduction.recv_handle(control)
        except (EOFError, OSError):
            return
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                conn = Connection(fd)
                try:
                    mine = store if store is not None else _open(location, False)
                except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
                    conn.send(("error", f"cannot open the store: {e}"))
                else:
                    conn.send(("ready", None))
                    _answer_requests(conn, mine, rules)
            except BaseException:  # noqa: BLE001 - a forked child must never return into the template's loop
                code = 1
            finally:
                os._exit(code)
        os.close(fd)
        control.send(pid)


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


def _await_ready(conn: Connection, timeout: float, what: str, cleanup: Callable[[], None]) -> str | None:
    """Wait for a started process's first message, ("ready", note), and return the note (why it could not
    cut itself off the network, or None); else clean up and raise its error."""
    if not conn.poll(timeout):
        cleanup()
        raise KGError(f"{what} did not start in time")
    try:
        status, message = conn.recv()
    except EOFError:
        status, message = "error", f"{what} stopped while starting"
    if status != "ready":
        cleanup()
        raise KGError(message)
    return message


class _Worker:
    """A worker process started on its own (spawn), which opens or copies the store itself."""

    def __init__(self, ctx, location: Config | str, in_memory: bool, rules: _Rules, generation: int = 0):
        self.generation, self.killed = generation, False
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker, args=(child, location, in_memory, rules), daemon=True, name="kg-query-worker"
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> str | None:
        """Wait until the worker answers; its note on the network cut, if any."""
        return _await_ready(self.conn, timeout, "a query worker", self.kill)

    def _stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.process.close()

    def kill(self) -> None:
        if self.killed:
            return
        self.killed = True
        self._stop()
        self.conn.close()


class _ForkedWorker(_Worker):
    """A worker forked from a template process, which holds the store already."""

    def __init__(self, template: _Template, generation: int):
        self.generation, self.killed = generation, False
        self.conn, self.pid = template.fork()

    def _stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class _Template:
    """The process that holds the opened store and forks the workers (one per data generation)."""

    def __init__(self, ctx, location: Config | str, in_memory: bool, rules: _Rules, start_timeout: float):
        self.control, child = ctx.Pipe()  # duplex: a socket pair, which can carry file descriptors
        self.process = ctx.Process(
            target=_template, args=(child, location, in_memory, rules), daemon=True, name="kg-query-template"
        )
        self.process.start()
        child.close()
        self._lock = threading.Lock()
        #: why the template (and so its workers) could not be cut off the network, or None
        self.note = _await_ready(self.control, start_timeout, "the query workers' template process", self.close)

    def fork(self) -> tuple[Connection, int]:
        """A new worker's connection and pid."""
        ours, theirs = mp.Pipe()
        with self._lock:
            try:
                reduction.send_handle(self.control, theirs.fileno(), self.process.pid)
                pid = self.control.recv()
            except (EOFError, OSError):
                ours.close()
                raise KGError("the query workers' template process is gone") from None
            finally:
                theirs.close()
        return ours, pid

    def close(self) -> None:
        self.control.close()
        self.process.kill()
        self.process.join(5)


def _kill_all(*queues: queue.Queue) -> None:
    """Kill every worker waiting in the queues."""
    for q in queues:
        while True:
            try:
                q.get_nowait().kill()
            except queue.Empty:
                break


def _policy(location: Config | str, policy: ServicePolicy | None) -> ServicePolicy:
    """The SERVICE policy given, else the configuration's (KG_SERVICE_ALLOW), else none allowed."""
    if policy is not None:
        return policy
    return ServicePolicy.from_config(location) if isinstance(location, Config) else ServicePolicy()


class QueryExecutor:
    """A pool of query worker processes over one store (a Config, or a location with the default settings),
    with spares ready to replace killed ones. The workers refuse the SERVICE calls the policy refuses (by
    default the configuration's), and while it allows none they run cut off from the network."""

    def __init__(
        self,
        location: Config | str,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        max_bytes: int = 50_000_000,
        in_memory: bool = True,
        start_timeout: float = 600.0,
        spares: int = 0,
        fork: bool | None = None,
        policy: ServicePolicy | None = None,
    ):
        self.location, self.timeout, self.in_memory = location, timeout, in_memory
        policy = _policy(location, policy)
        offline = not policy.federates and not needs_network(location)
        self._rules = _Rules(max_bytes, policy, offline)
        self._ctx = mp.get_context("spawn")  # no fork of this process: it may hold threads and open stores
        #: workers forked from a template process (the default on Linux); False: each starts and opens on its own
        self.fork = FORK if fork is None else fork
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._spares: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._revive = threading.Lock()
        self._closed = False
        self._generation = 0
        self._template: _Template | None = None
        self.size, self.spare_count = max(1, workers), max(0, spares)
        self.busy = 0
        #: workers stopped at the time limit (or lost) and replaced since start
        self.replaced = 0
        self._template, notes = self._fill(self._idle, self._spares, start_timeout)
        #: how the workers stand towards the network, said once at start-up (in the log)
        self.network = self._say_network(policy, notes)

    def _say_network(self, policy: ServicePolicy, notes: list[str]) -> str:
        """What the workers can reach, logged (a warning when they could not be cut off as they should)."""
        if policy.federates:
            network = f"SERVICE may call {', '.join(policy.allowed)} (KG_SERVICE_ALLOW); nothing else"
            LOG.info("query workers: %s", network)
        elif not self._rules.offline:
            network = "the store is reached over the network, so the workers keep it; every SERVICE is refused"
            LOG.warning("query workers: %s by the query parser alone", network)
        elif notes:
            network = f"not cut off from the network: {notes[0]}; every SERVICE is refused"
            LOG.warning("query workers are %s by the query parser alone", network)
        else:
            network = "cut off from the network (seccomp); every SERVICE is refused"
            LOG.info("query workers: %s", network)
        return network

    def _spawn(self, template: _Template | None = None) -> _Worker:
        template = template or self._template
        if template is not None:
            return _ForkedWorker(template, self._generation)
        return _Worker(self._ctx, self.location, self.in_memory, self._rules, self._generation)

    def _fill(self, idle: queue.Queue, spares: queue.Queue, start_timeout: float) -> tuple[_Template | None, list[str]]:
        """Start a pool on the store's current data (a template, then its workers) into `idle` and `spares`;
        the template and what the processes said when they could not cut themselves off the network."""
        template = (
            _Template(self._ctx, self.location, self.in_memory, self._rules, start_timeout) if self.fork else None
        )
        notes = [template.note] if template is not None and template.note else []
        started: list[_Worker] = []
        try:
            for _ in range(self.size + self.spare_count):
                started.append(self._spawn(template))
            for w in started:
                note = w.wait_ready(start_timeout)
                if note:
                    notes.append(note)
        except KGError:
            for w in started:
                w.kill()
            if template is not None:
                template.close()
            raise
        for i, w in enumerate(started):
            (idle if i < self.size else spares).put(w)
        return template, notes

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse:
        """Run one query; raises QueryRefused, QueryError, QueryTimeout, ResultTooLarge or Busy."""
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
        if status == "refused":
            raise QueryRefused(payload)
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
        """Put a new worker in the killed one's place: forked at once, else a spare, loading a new spare."""
        with self._lock:
            self.replaced += 1
        if self._template is not None:
            try:
                worker = self._fork_replacement()
            except KGError:
                return  # the pool is one short; /readyz shows it
            self._idle.put(worker)
            return
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

    def _fork_replacement(self) -> _Worker:
        """A worker forked from the template; a template that is gone (killed for memory, say) is started
        again first, so that the pool heals instead of shrinking with each replacement."""
        template = self._template
        assert template is not None
        try:
            worker = self._spawn(template)
            worker.wait_ready(60)
            return worker
        except KGError:
            if template.process.is_alive():
                raise
        with self._revive:
            if self._template is template:  # not started again by another thread meanwhile
                template.close()
                self._template = _Template(self._ctx, self.location, self.in_memory, self._rules, 600)
        worker = self._spawn()
        worker.wait_ready(60)
        return worker

    def restart(self, start_timeout: float = 600.0) -> None:
        """Start a new pool on the store's current data, then retire the old workers (busy ones finish)."""
        with self._lock:
            self._generation += 1
        idle: queue.Queue[_Worker] = queue.Queue()
        spares: queue.Queue[_Worker] = queue.Queue()
        template, _ = self._fill(idle, spares, start_timeout)
        old_idle, old_spares, old_template = self._idle, self._spares, self._template
        self._idle, self._spares, self._template = idle, spares, template
        _kill_all(old_idle, old_spares)
        if old_template is not None:
            old_template.close()  # its busy workers go on until their query ends, then run() kills them

    def status(self) -> dict[str, int]:
        """Workers idle, busy and spare, for /readyz."""
        return {"workers": self.size, "idle": self._idle.qsize(), "busy": self.busy, "spares": self._spares.qsize()}

    def close(self) -> None:
        self._closed = True
        _kill_all(self._idle, self._spares)
        if self._template is not None:
            self._template.close()


class InlineExecutor:
    """Answers in this process, with the result-size limit but no time limit (a thread cannot be stopped):
    for the Flask test client and for embedding. A public server uses QueryExecutor."""

    def __init__(self, location: Config | str, *, max_bytes: int = 50_000_000, policy: ServicePolicy | None = None):
        self.location, self.max_bytes, self.policy = location, max_bytes, _policy(location, policy)
        self.replaced = 0  # never: nothing here is stopped
        self.store = open_store(location, read_only=True)

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse:
        try:
            return answer(self.store, request, self.max_bytes, self.policy)
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


class Runner(Protocol):
    """What answers a QueryRequest: an executor, or one in front of a result cache (kg.query.cache)."""

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse: ...


class ExecutorReader:
    """A `kg.publish.describe.Reader` whose queries run in the executor's workers (time and size limits apply)."""

    def __init__(self, executor: Runner):
        self.executor = executor

    def select(self, sparql: str, bindings=None) -> list[dict]:
        request = QueryRequest(sparql, graph_type=None, substitutions=dict(bindings or {}))
        return json.loads(self.executor.run(request).body)["results"]["bindings"]

    def graph(self, sparql: str, media_type: str, bindings=None) -> bytes:
        request = QueryRequest(sparql, tabular_type=None, graph_type=media_type, substitutions=dict(bindings or {}))
        return self.executor.run(request).body
