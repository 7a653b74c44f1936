"""The query worker processes and their pool (QueryExecutor): SPARQL queries run with a time limit, a
result-size limit and bounded concurrency.

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

import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import reduction
from multiprocessing.connection import Connection

from kg.config import Config
from kg.errors import KGError, QueryError, StoreError
from kg.query.answer import QueryRequest, QueryResponse, ResultTooLarge, answer
from kg.query.policy import QueryRefused, ServicePolicy, policy_for
from kg.query.sandbox import cut_network
from kg.store import Store, needs_network, open_store

__all__ = ["QueryExecutor", "QueryTimeout", "Busy", "FORK"]


LOG = logging.getLogger("coopkg")

#: Workers are forked from a template process where fork is safe to use here (Linux); elsewhere each starts
#: on its own and loads the store itself.
FORK = sys.platform.startswith("linux")


class QueryTimeout(KGError):
    """The query ran past the time limit and was stopped."""


class Busy(KGError):
    """Every worker stayed busy for the whole wait."""


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
        policy = policy_for(location, policy)
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
