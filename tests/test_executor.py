"""The query workers: result-size limit, time limit, bounded concurrency, and the SERVICE check."""

from __future__ import annotations

import threading

import pytest
from conftest import wait_for

from kg.config import Config
from kg.ingest.loader import build
from kg.query.executor import Busy, QueryExecutor, QueryRequest, QueryTimeout, ResultTooLarge, forbidden_service
from kg.store import open_store

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def location(tmp_path_factory) -> str:
    location = f"oxigraph:{tmp_path_factory.mktemp('executor') / 'store'}"
    with open_store(location, create=True) as store:
        build(store, Config(store=location))
    return location


def test_results_past_the_size_limit_are_refused(location):
    executor = QueryExecutor(location, workers=1, timeout=10, max_bytes=2000)
    try:
        with pytest.raises(ResultTooLarge, match="larger than the limit of 2000 bytes"):
            executor.run(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
        small = executor.run(QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 2"))
        assert small.media_type == "application/sparql-results+json" and len(small.body) < 2000
    finally:
        executor.close()


@pytest.mark.slow
def test_a_timed_out_worker_is_replaced(location):
    executor = QueryExecutor(location, workers=1, timeout=1)
    try:
        with pytest.raises(QueryTimeout):
            executor.run(QueryRequest(HEAVY))
        answer = executor.run(QueryRequest("ASK { ?s ?p ?o }"), timeout=60)  # waits for the new worker
        assert answer.body.strip().endswith(b"true}")
    finally:
        executor.close()


@pytest.mark.slow
def test_queries_wait_for_a_free_worker_then_give_up(location):
    executor = QueryExecutor(location, workers=1, timeout=2)
    try:
        heavy = threading.Thread(target=lambda: pytest.raises(QueryTimeout, executor.run, QueryRequest(HEAVY)))
        heavy.start()
        wait_for(lambda: executor.busy == 1, what="the heavy query taking the only worker")
        with pytest.raises(Busy, match="busy"):
            executor.run(QueryRequest("ASK { ?s ?p ?o }"), timeout=0.5)
        heavy.join()
    finally:
        executor.close()


@pytest.mark.parametrize(
    "query,allowed,refused",
    [
        ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", (), "<http://a.example/sparql>"),
        ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ("http://a.example/",), None),
        (
            "SELECT * WHERE { service silent <http://b.example/> { ?s ?p ?o } }",
            ("http://a.example/",),
            "<http://b.example/>",
        ),
        ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", ("http://a.example/",), "?where"),
        ("PREFIX e: <http://evil/> SELECT * WHERE { SERVICE e:x { ?s ?p ?o } }", (), "e:x"),
        ('SELECT * WHERE { BIND("SERVICE <http://x/>" AS ?v) } # SERVICE <http://y/>', (), None),
        ("SELECT ?service WHERE { ?service ?p ?o }", (), None),
    ],
)
def test_forbidden_service(query, allowed, refused):
    assert forbidden_service(query, allowed) == refused
