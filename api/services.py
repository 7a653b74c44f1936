"""What one web process holds, opened once at start and replaced together by `reload()`: the read-only
store, the query workers, the saved queries, the served version, the caches and the catalogue."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from rdflib import Graph

from kg.config import Config
from kg.network.recommend import Network
from kg.network.view_data import ViewCache, ViewFilters, filter_options, map_view, network_view
from kg.practices.similarity import SimilarityIndex, practice_index
from kg.publish.catalog import dataset_description
from kg.publish.describe import Reader
from kg.publish.release import DumpCache
from kg.query.cache import CachedRuns, ResultCache
from kg.query.executor import ExecutorReader, InlineExecutor, QueryExecutor
from kg.query.saved import SavedQuery, read_saved_queries
from kg.store import Store, open_store

__all__ = ["Services", "services"]

LOG = logging.getLogger("coopkg")


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
    dumps: DumpCache | None = None
    #: recent SPARQL results of the served version (KG_RESULT_CACHE_BYTES)
    results: ResultCache = field(default_factory=lambda: ResultCache(0))
    #: when this process began serving the current version: the Last-Modified of every public answer
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    warm_up: threading.Thread | None = None
    _catalog: Graph | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, config: Config, executor: QueryExecutor | InlineExecutor | None = None) -> Services:
        """Open the store, start the network views' warm-up, then the query workers (they take longest)."""
        store = open_store(config, read_only=True)
        services = cls(
            config=config,
            executor=None,  # type: ignore[arg-type]  # started below, after the warm-up has begun
            queries=read_saved_queries(config.ns),
            store=store,
            version=store.version or "unversioned",
            results=ResultCache(config.result_cache_bytes),
        )
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
        return services

    def similarity(self) -> SimilarityIndex:
        """The practice vectors of the served version (read from the store's cache folder, made at build)."""
        store = self.store
        return self.models.get(
            (store.version, "similarity"), lambda: practice_index(store, self.config.ns, self.config.similarity)
        )

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

    def reload(self) -> str:
        """Serve the store's current data: new query workers, the store reopened, every cache emptied."""
        self.executor.restart()
        store = open_store(self.config, read_only=True)
        with self._lock:
            old, self.store = self.store, store
            self.version = store.version or "unversioned"
            self.modified = datetime.now(UTC).replace(microsecond=0)
            self.results.clear()
            self.dumps = DumpCache(store, self.config.ns)
            self._catalog = None
            self.views.clear()
            self.responses.clear()
            self.models.clear()
        old.close()
        return self.version

    def _start_warm_up(self) -> threading.Thread:
        """Build, in the background, the networks the first visitor of /network and /map asks for (on large
        data this takes seconds; the query workers take longer to start, so it is usually done first)."""
        store, ns, cache = self.store, self.config.ns, self.views

        def work() -> None:
            try:
                network_view(store, ns, ViewFilters(), cache)
                cache.get((store.version, "options"), lambda: filter_options(store, ns))
                map_view(store, ns, ViewFilters(), cache)
                self.similarity()
            except Exception as e:  # noqa: BLE001 - the first request builds it again and reports the error
                LOG.warning("the network views were not prepared: %s", e)

        thread = threading.Thread(target=work, name="kg-views-warm-up", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        if self.warm_up is not None:
            self.warm_up.join(timeout=60)  # it reads the store that is closed next
        self.executor.close()
        self.store.close()


def services() -> Services:
    """The services of the app handling the current request."""
    return current_app.extensions["coopkg"]
