"""Recent query results, kept in memory: a result is a pure function of the data version, the query, its
dataset and the result formats, and the data changes only by build, load or reload, so a key that names the
version can never give a stale answer. Bounded by the bytes of the results it holds."""

from __future__ import annotations

import threading

from cachetools import LRUCache

from kg.query.executor import InlineExecutor, QueryExecutor, QueryRequest, QueryResponse

__all__ = ["ResultCache", "CachedRuns", "result_key"]


def result_key(version: str, request: QueryRequest) -> tuple:
    """What a result depends on: the data version and everything of the request that the answer uses."""
    bound = tuple(sorted((name, str(term)) for name, term in request.substitutions.items()))
    return (
        version,
        request.query,
        request.tabular_type,
        request.graph_type,
        bound,
        request.default_graph,
        request.named_graphs,
        request.base_iri,
        request.prefixes,
    )


def _body_bytes(response: QueryResponse) -> int:
    """What a result costs in the cache: the bytes of its body."""
    return len(response.body)


class ResultCache:
    """Least recently used results, up to `max_bytes` of bodies in all (0: none kept); a result larger than
    a quarter of that is not kept, so one large answer cannot empty the cache. Safe across threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        #: cachetools weighs each result by its body and drops the least recently used to stay within max_bytes
        self._items: LRUCache[tuple, QueryResponse] = LRUCache(self.max_bytes, getsizeof=_body_bytes)
        self._lock = threading.Lock()  # a cachetools cache is not safe across threads by itself
        self.hits = self.misses = 0

    @property
    def size(self) -> int:
        """The bytes of the bodies held."""
        return self._items.currsize

    def get(self, key: tuple) -> QueryResponse | None:
        with self._lock:
            found = self._items.get(key)  # a hit becomes the most recently used
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            return found

    def put(self, key: tuple, response: QueryResponse) -> None:
        if _body_bytes(response) > self.max_bytes // 4:
            return
        with self._lock:
            if key not in self._items:
                self._items[key] = response

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class CachedRuns:
    """An executor whose answers come from `cache` when the same request was answered on the same data
    version: the endpoint's queries and the pages' alike. `version` None (a store that names no state, such
    as a SPARQL server others write to) caches nothing."""

    def __init__(self, executor: QueryExecutor | InlineExecutor, cache: ResultCache, version: str | None):
        self.executor, self.cache, self.version = executor, cache, version

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResponse:
        key = result_key(self.version, request) if self.version is not None else None
        found = self.cache.get(key) if key is not None else None
        if found is not None:
            return found
        result = self.executor.run(request, timeout=timeout)
        if key is not None and result.media_type is not None:
            self.cache.put(key, result)
        return result
