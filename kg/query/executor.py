"""What the rest of the code imports to run queries: the worker pool (kg.query.pool) or InlineExecutor in this
process, a Reader whose queries go through either, and the request, response and error types they share."""

from __future__ import annotations

import json
from typing import Protocol

from kg.config import Config
from kg.errors import QueryError
from kg.query.answer import QueryRequest, QueryResponse, ResultTooLarge, answer
from kg.query.policy import QueryRefused, ServicePolicy, policy_for
from kg.query.pool import Busy, QueryExecutor, QueryTimeout
from kg.store import open_store

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


class InlineExecutor:
    """Answers in this process, with the result-size limit but no time limit (a thread cannot be stopped):
    for the Flask test client and for embedding. A public server uses QueryExecutor."""

    def __init__(self, location: Config | str, *, max_bytes: int = 50_000_000, policy: ServicePolicy | None = None):
        self.location, self.max_bytes, self.policy = location, max_bytes, policy_for(location, policy)
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
