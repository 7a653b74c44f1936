"""What one web process holds, opened once at start and replaced together by `reload()`: the read-only
store, the query workers, the saved queries, the served version, the caches and the catalogue.

Under `kg serve --processes N` the web processes share a folder (`Shared`): a generation counter in a
mapped file, which a thread of each process reads ten times a second and follows with a reload of its own,
and a file per process naming the generation and version it serves, which the reload waits for.
"""

from __future__ import annotations

import fcntl
import json
import logging
import mmap
import os
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from rdflib import Graph

from kg.config import Config
from kg.errors import KGError
from kg.network.recommend import Network
from kg.network.view_data import ViewCache, ViewFilters, filter_options, map_view, network_view
from kg.practices.crosslingual import CrossLingualSearch, crosslingual_search
from kg.practices.similarity import SimilarityIndex, practice_index
from kg.publish.catalog import dataset_description
from kg.publish.describe import Reader
from kg.publish.release import DumpCache
from kg.query.cache import CachedRuns, ResultCache
from kg.query.executor import ExecutorReader, InlineExecutor, QueryExecutor
from kg.query.saved import SavedQuery, read_saved_queries
from kg.store import Store, open_store

__all__ = ["Services", "Shared", "services"]

LOG = logging.getLogger("coopkg")

#: How often each web process looks at the shared generation (seconds): a reload reaches it within this.
FOLLOW_EVERY = 0.1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Shared:
    """The folder the web processes of one server share: the data generation (a counter in a mapped file,
    read without a system call), when it began (the Last-Modified of every answer), which generation each
    process serves, and the admin lock and status, so that a rebuild started in one process is seen by all."""

    def __init__(self, folder: Path | str, *, began: float | None = None):
        self.folder = Path(folder)
        #: when the server began (the Last-Modified until the first reload), the same in every process
        self.began = time.time() if began is None else began
        self._fd = os.open(self.folder / "generation", os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < 8:
            os.ftruncate(self._fd, 8)  # zeros: generation 0
        self._map = mmap.mmap(self._fd, 8)
        self._admin: int | None = None

    def generation(self) -> int:
        """The generation every process should serve."""
        return struct.unpack_from("<Q", self._map)[0]

    def modified(self) -> datetime:
        """When the current generation began to be served (the same in every process)."""
        began = self._read_json("began.json") or {}
        return datetime.fromtimestamp(began.get("modified", self.began), UTC).replace(microsecond=0)

    def advance(self) -> int:
        """Start a new generation (under a lock: two reloads never get the same number); its number."""
        with open(self.folder / "generation.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            generation = self.generation() + 1
            self._write_json("began.json", {"generation": generation, "modified": int(time.time())})
            struct.pack_into("<Q", self._map, 0, generation)
            self._map.flush()
        return generation

    def serving(self, generation: int, version: str) -> None:
        """Say that this process serves `generation`, with the store at `version`."""
        self._write_json(f"process-{os.getpid()}.json", {"generation": generation, "version": version})

    def processes(self) -> dict[int, dict]:
        """What each live process serves, by pid (the files of processes gone are removed)."""
        found = {}
        for path in self.folder.glob("process-*.json"):
            pid = int(path.stem.removeprefix("process-"))
            if not _alive(pid):
                path.unlink(missing_ok=True)
            elif (served := self._read_json(path.name)) is not None:
                found[pid] = served
        return found

    def wait(self, generation: int, timeout: float) -> dict[int, dict]:
        """Wait until every live process serves `generation` (or the time is up); what each one serves."""
        deadline = time.monotonic() + timeout
        while True:
            served = self.processes()
            if all(s["generation"] >= generation for s in served.values()) or time.monotonic() > deadline:
                return served
            time.sleep(0.05)

    def lock_admin(self) -> bool:
        """Take the admin lock of every process (False: a rebuild or reload runs in one of them)."""
        fd = os.open(self.folder / "admin.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._admin = fd
        return True

    def unlock_admin(self) -> None:
        fd, self._admin = self._admin, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the lock

    def admin_status(self) -> dict:
        """What the last or the running rebuild or reload did, in whichever process it ran."""
        return self._read_json("admin.json") or {"running": None, "last": {}}

    def set_admin_status(self, running: str | None, last: dict) -> None:
        self._write_json("admin.json", {"running": running, "last": last})

    def _write_json(self, name: str, value: dict) -> None:
        temporary = self.folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
        temporary.write_text(json.dumps(value))
        os.replace(temporary, self.folder / name)  # readers see the old file or the new, never half of one

    def _read_json(self, name: str) -> dict | None:
        try:
            return json.loads((self.folder / name).read_text())
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)


@dataclass
class Services:
    """The web process's services. Views read `store` (this process's read-only store); SPARQL and the
    pages' queries go through `executor`, whose workers hold their own copies."""

    config: Config
    executor: QueryExecutor | InlineExecutor
    queries: dict[str, SavedQuery]
    store: Store
    version: str
    views: ViewCache = field(default_factory=ViewCache)
    #: the JSON of recent network and map views, by version and filters
    responses: ViewCache = field(default_factory=lambda: ViewCache(size=64))
    #: the practice vectors and the collaboration graph of the served version (two each: old and new)
    models: ViewCache = field(default_factory=lambda: ViewCache(size=4))
    #: the searches across languages made, whose encoding process close() stops
    searches: list[CrossLingualSearch] = field(default_factory=list)
    dumps: DumpCache | None = None
    #: recent SPARQL results of the served version (KG_RESULT_CACHE_BYTES)
    results: ResultCache = field(default_factory=lambda: ResultCache(0))
    #: when this process began serving the current version: the Last-Modified of every public answer
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    warm_up: threading.Thread | None = None
    #: the folder shared with the server's other web processes (None: this process serves alone)
    shared: Shared | None = None
    #: the shared generation this process serves
    generation: int = 0
    _catalog: Graph | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _reloading: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def start(
        cls, config: Config, executor: QueryExecutor | InlineExecutor | None = None, shared: Shared | None = None
    ) -> Services:
        """Open the store, start the network views' warm-up, then the query workers (they take longest); with
        a shared folder, follow the generation the server's other processes move to."""
        generation = shared.generation() if shared is not None else 0  # read before the store is opened
        store = open_store(config, read_only=True)
        services = cls(
            config=config,
            executor=None,  # type: ignore[arg-type]  # started below, after the warm-up has begun
            queries=read_saved_queries(config.ns),
            store=store,
            version=store.version or "unversioned",
            results=ResultCache(config.result_cache_bytes),
            shared=shared,
            generation=generation,
        )
        if shared is not None:
            services.modified = shared.modified()
        services.dumps = DumpCache(store, config.ns)
        services.warm_up = services._start_warm_up()
        try:
            services.executor = executor or QueryExecutor(
                config,
                workers=config.workers,
                spares=config.spare_workers,
                timeout=config.query_timeout,
                max_bytes=config.max_result_bytes,
                in_memory=config.serve_in_memory,
            )
        except BaseException:
            store.close()
            raise
        if shared is not None:
            shared.serving(generation, services.version)
            threading.Thread(target=services._follow, name="kg-follow-generation", daemon=True).start()
        return services

    def similarity(self) -> SimilarityIndex:
        """The practice vectors of the served version (read from the store's cache folder, made at build)."""
        store = self.store
        return self.models.get(
            (store.version, "similarity"), lambda: practice_index(store, self.config.ns, self.config.similarity)
        )

    def crosslingual(self) -> CrossLingualSearch:
        """The search across languages of the served version: the practice index, the vocabularies' labels in
        every language and the multilingual vectors (read from the cache folder, else made aside at start)."""
        store, index = self.store, self.similarity()  # outside models.get, whose lock is not reentrant

        def make() -> CrossLingualSearch:
            made = crosslingual_search(store, self.config.ns, index, wait=False)
            self.searches.append(made)
            return made

        return self.models.get((store.version, "crosslingual"), make)

    def organisation_network(self) -> Network:
        """The organisation network (igraph) that recommendations walk: read from the store's cache folder
        (made with the network views), held once per served version."""
        store = self.store
        return self.models.get((store.version, "org-network"), lambda: Network.read(store, str(self.config.ns.coop)))

    @property
    def versioned(self) -> bool:
        """Whether the store names its state: only then are answers cached and validated (a SPARQL server
        that others write to has no version, so every query goes to it)."""
        return self.version != "unversioned"

    @property
    def runs(self) -> CachedRuns:
        """Queries answered by the query workers (with their limits), or from the served version's results."""
        return CachedRuns(self.executor, self.results, self.version if self.versioned else None)

    @property
    def reader(self) -> Reader:
        """The pages' queries, answered like the endpoint's (a page asked again costs no query)."""
        return ExecutorReader(self.runs)

    def catalog(self) -> Graph:
        """The dataset description of the served version, made on first use (its statistics take queries)."""
        with self._lock:
            if self._catalog is None:
                self._catalog = dataset_description(
                    self.reader, self.config.ns, version=self.version, modified=datetime.now(UTC).date()
                )
            return self._catalog

    def reload(self, modified: datetime | None = None) -> str:
        """Serve the store's current data: new query workers, the store reopened, every cache emptied."""
        self.executor.restart()
        store = open_store(self.config, read_only=True)
        with self._lock:
            old, self.store = self.store, store
            self.version = store.version or "unversioned"
            self.modified = modified or datetime.now(UTC).replace(microsecond=0)
            self.results.clear()
            self.dumps = DumpCache(store, self.config.ns)
            self._catalog = None
            self.views.clear()
            self.responses.clear()
            self.models.clear()
        old.close()
        return self.version

    def reload_everywhere(self, timeout: float = 600.0) -> dict:
        """Reload this process and every other web process of the server onto the store's current data, and
        wait until all serve it: the version, and how many processes serve it. Raises KGError when a process
        did not follow in `timeout` seconds or serves another version (a build landed between two reopens)."""
        if self.shared is None:
            return {"version": self.reload(), "processes": 1}
        generation = self.shared.advance()
        self._serve_generation(generation)
        served = self.shared.wait(generation, timeout)
        behind = sorted(pid for pid, s in served.items() if s["generation"] < generation)
        if behind:
            raise KGError(f"web processes {behind} did not reload within {timeout:g} s")
        versions = {s["version"] for s in served.values()}
        if len(versions) > 1:
            raise KGError(f"the web processes serve different versions ({', '.join(sorted(versions))}): reload again")
        return {"version": self.version, "processes": len(served)}

    def _serve_generation(self, generation: int) -> None:
        """Reload onto the shared generation `generation`, once (the admin request and the follower thread
        of the process that started it both come here)."""
        assert self.shared is not None
        with self._reloading:
            if self.generation >= generation:
                return
            self.reload(self.shared.modified())
            self.generation = generation
            self.shared.serving(generation, self.version)

    def _follow(self) -> None:
        """Reload whenever another process moved the shared generation on (a thread of each web process)."""
        assert self.shared is not None
        while not self._stop.wait(FOLLOW_EVERY):
            generation = self.shared.generation()
            if generation > self.generation:
                try:
                    self._serve_generation(generation)
                except Exception as e:  # noqa: BLE001 - the reload that waits for this process reports it
                    LOG.error("this web process could not reload onto generation %d: %s", generation, e)
                    self._stop.wait(1)

    def _start_warm_up(self) -> threading.Thread:
        """Build, in the background, the networks the first visitor of /network and /map asks for (on large
        data this takes seconds; the query workers take longer to start, so it is usually done first)."""
        store, ns, cache = self.store, self.config.ns, self.views

        def work() -> None:
            from api.network import PHONE_LINKS, view_json

            try:
                for view in (network_view, map_view):  # their JSON as a wide screen and a phone ask for it
                    for filters in (ViewFilters(), ViewFilters(strongest=PHONE_LINKS)):
                        view_json(self, view, filters)
                cache.get((store.version, "options"), lambda: filter_options(store, ns))
                self.similarity()
                self.crosslingual()  # a first search need not wait for the vocabularies or the vectors
            except Exception as e:  # noqa: BLE001 - the first request builds it again and reports the error
                LOG.warning("the network views were not prepared: %s", e)

        thread = threading.Thread(target=work, name="kg-views-warm-up", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()
        if self.warm_up is not None:
            self.warm_up.join(timeout=60)  # it reads the store that is closed next
        for search in self.searches:
            search.close()
        self.executor.close()
        self.store.close()


def services() -> Services:
    """The services of the app handling the current request."""
    return current_app.extensions["coopkg"]
