"""The query workers: result-size limit, time limit, bounded concurrency (the SERVICE policy and the
workers' network cut are in test_query_policy.py)."""

from __future__ import annotations

import threading

import pytest
from helpers import query_results_left_in_cycles, wait_for

from kg.config import Config
from kg.ingest.loader import build
from kg.query.executor import Busy, QueryExecutor, QueryRequest, QueryTimeout, ResultTooLarge
from kg.store import open_store

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def location(tmp_path_factory) -> str:
    location = f"oxigraph:{tmp_path_factory.mktemp('executor') / 'store'}"
    with open_store(location, create=True) as store:
        build(store, Config(store=location))
    return location


@pytest.mark.slow
def test_results_past_the_size_limit_are_refused(location):
    executor = QueryExecutor(location, workers=1, timeout=10, max_bytes=2000)
    try:
        with pytest.raises(ResultTooLarge, match="larger than the limit of 2000 bytes"):
            executor.run(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
        small = executor.run(QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 2"))
        assert small.media_type == "application/sparql-results+json" and len(small.body) < 2000
    finally:
        executor.close()


#: The pool's designs: workers forked from a template that holds the store in memory, or forked and each
#: opening the store on disk; and, where fork is not used, workers started on their own with a spare loaded.
DESIGNS = [
    pytest.param({"fork": True, "in_memory": True}, id="forked-in-memory"),
    pytest.param({"fork": True, "in_memory": False}, id="forked-on-disk"),
    pytest.param({"fork": False, "in_memory": True, "spares": 1}, id="spawned-with-a-spare"),
]


@pytest.mark.slow
@pytest.mark.parametrize("design", DESIGNS)
def test_a_timed_out_worker_is_replaced_and_the_next_query_answered(location, design):
    """The query past the limit is stopped (its process killed), and the next query is answered by the worker
    that took its place (how fast a replacement answers is bench/workers.py's to measure, not a test's)."""
    import psutil

    executor = QueryExecutor(location, workers=1, timeout=1, **design)
    try:
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        with pytest.raises(QueryTimeout):
            executor.run(QueryRequest(HEAVY))
        answer = executor.run(QueryRequest("ASK { ?s ?p ?o }"), timeout=60.0)
        assert answer.body.strip().endswith(b"true}")
        assert executor.replaced == 1

        def living() -> set[int]:
            found = set()
            for child in psutil.Process().children(recursive=True):
                try:
                    if child.status() != psutil.STATUS_ZOMBIE:
                        found.add(child.pid)
                except psutil.NoSuchProcess:
                    pass
            return found

        # a killed process lingers for a moment on a busy machine: poll until it is gone
        def gone() -> set[int] | None:
            now = living()
            return now if before - now else None

        after = wait_for(gone, what="the stopped worker's exit")
        assert after - before or design.get("spares"), "a new worker process took its place"
    finally:
        executor.close()


@pytest.mark.slow
@pytest.mark.parametrize("design", DESIGNS[:2])
def test_a_template_that_is_gone_is_started_again_when_a_worker_is_replaced(location, design):
    """The template process killed (by the OOM killer, say): the next replacement starts a new one, so the
    pool does not shrink, and queries are answered again."""
    import os
    import signal

    executor = QueryExecutor(location, workers=1, timeout=1, **design)
    try:
        old = executor._template.process
        os.kill(old.pid, signal.SIGKILL)
        wait_for(lambda: not old.is_alive(), what="the template process ending")
        with pytest.raises(QueryTimeout):
            executor.run(QueryRequest(HEAVY))
        assert executor._template.process.pid != old.pid and executor._template.process.is_alive()
        assert executor.status()["idle"] == 1
        answer = executor.run(QueryRequest("ASK { ?s ?p ?o }"), timeout=60.0)
        assert answer.body.strip().endswith(b"true}")
    finally:
        executor.close()


@pytest.mark.slow
@pytest.mark.parametrize("design", DESIGNS[:2])
def test_forked_workers_answer_from_the_template_s_store_and_end_with_the_pool(location, design):
    import psutil

    executor = QueryExecutor(location, workers=2, timeout=10, **design)
    template = psutil.Process(executor._template.process.pid)
    workers = template.children()
    assert len(workers) == 2  # forked from the template, which opened the store once
    try:
        counts = [executor.run(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")).body for _ in range(4)]
        assert len(set(counts)) == 1 and b'"n"' in counts[0]
    finally:
        executor.close()

    def gone(p: psutil.Process) -> bool:
        try:
            return p.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    wait_for(lambda: all(gone(p) for p in [template, *workers]), what="the template and its workers ending")


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


#: Requests whose checks parse the query with rdflib (the word "service" appears), which leaves reference
#: cycles holding the calling frames; and one whose result is too large (an exception through the result).
CYCLE_PRONE = {
    "parsed": QueryRequest('SELECT * WHERE { ?s ?p "service" } LIMIT 3'),
    "parsed-graph": QueryRequest('CONSTRUCT WHERE { ?s ?p "service" }'),
    "too-large": QueryRequest("SELECT * WHERE { ?s ?p ?o }"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", CYCLE_PRONE)
def test_no_query_result_is_left_for_a_garbage_collection_on_another_thread(location, name):
    """No result may be left in a reference cycle (see helpers.query_results_left_in_cycles)."""
    from kg.query.executor import InlineExecutor

    executor = InlineExecutor(location, max_bytes=2000)

    def run() -> None:
        try:
            executor.run(CYCLE_PRONE[name])
        except ResultTooLarge:
            pass

    try:
        assert query_results_left_in_cycles(run) == []
    finally:
        executor.close()
