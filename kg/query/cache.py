"""Recent query results, kept in memory: a result is a pure function of the data version, the query, its
dataset and the result formats, and the data changes only by build, load or reload, so a key that names the
version can never give a stale answer. Bounded by the bytes of the results it holds."""

from __future__ import annotations

import threading
from collections import OrderedDict

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


class ResultCache:
    """Least recently used results, up to `max_bytes` of bodies in all (0: none kept); a result larger than
    a quarter of that is not kept, so one large answer cannot empty the cache. Safe across threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._items: OrderedDict[tuple, QueryResponse] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0
        self.hits = self.misses = 0

    def get(self, key: tuple) -> QueryResponse | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, response: QueryResponse) -> None:
        cost = len(response.body)
        if cost > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = response
            self.size += cost
            while self.size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self.size -= len(old.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

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
