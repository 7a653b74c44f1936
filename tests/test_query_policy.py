"""The SERVICE policy reads the parsed query (kg.query.policy, kg.parsed_query), and the query workers are
cut off from the network besides (kg.query.sandbox): no spelling of a federated query reaches another host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings

from kg.errors import KGError, QueryError
from kg.parsed_query import parse_query, syntax_message
from kg.query.executor import QueryExecutor, QueryRequest
from kg.query.policy import QueryRefused, ServicePolicy
from kg.query.sandbox import cut_network
from tests.listener import Listener
from tests.service_spellings import BlindPolicy, hand_spellings, service_queries

HOST = "127.0.0.1:9"  # the discard port: nothing answers there


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize("name", list(hand_spellings(HOST)))
def test_every_hand_picked_spelling_is_refused(name):
    with pytest.raises(QueryRefused, match="SERVICE"):
        ServicePolicy().check(hand_spellings(HOST)[name])


@pytest.mark.parametrize("name", list(hand_spellings(HOST)))
def test_every_hand_picked_spelling_is_sparql_oxigraph_accepts(name):
    """The list tests what the engine would run: Oxigraph reads each (none fails as a syntax error)."""
    try:
        list(ox.Store().query(hand_spellings(HOST)[name].replace(HOST, "127.0.0.1:1")))
    except SyntaxError as e:
        pytest.fail(f"Oxigraph cannot parse the '{name}' spelling: {e}")
    except (OSError, RuntimeError):
        pass  # the call failed (nothing listens there) or the endpoint variable was unbound: it was read


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service_queries(HOST))
def test_generated_spellings_are_refused(query):
    with pytest.raises(QueryRefused):
        ServicePolicy().check(query)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service_queries("127.0.0.1:1"))
def test_generated_spellings_are_queries_oxigraph_runs(query):
    """The strategy makes real attacks: Oxigraph parses every query it makes."""
    try:
        ox.Store().query(query)
    except SyntaxError as e:
        pytest.fail(f"not SPARQL Oxigraph reads: {query!r}: {e}")
    except (OSError, RuntimeError):
        pass


def test_oxigraph_reads_no_escaped_keyword():
    """The policy parses a query only when its text holds the letters of SERVICE; that rests on the engine
    reading no `\\u` escape outside IRIs and strings (so `\\u0053ERVICE` is no keyword to it)."""
    with pytest.raises(SyntaxError):
        ox.Store().query("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?x WHERE { BIND("SERVICE <http://evil.example/>" AS ?x) } # SERVICE <http://x/>',
        "SELECT ?service WHERE { ?service ?p ?o }",
        "PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }",
        "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'service')) }",
        "SELECT * WHERE { ?s ?p ?o }",
    ],
)
def test_a_query_without_a_service_clause_runs(query):
    ServicePolicy().check(query)


def test_an_allowed_prefix_lets_its_endpoints_through_and_nothing_else():
    policy = ServicePolicy(("http://allowed.example/sparql",))
    policy.check("SELECT * WHERE { SERVICE<http://allowed.example/sparql>{ ?s ?p ?o } }")
    policy.check("SELECT * WHERE { SERVICE <http://ALLOWED.example:80/sparql/x> { ?s ?p ?o } }")
    for written in [  # an allowed endpoint, but written so that two readers could resolve it differently
        "PREFIX a: <http://allowed.example/sparql/> SELECT * WHERE { SERVICE a:x { ?s ?p ?o } }",
        "BASE <http://allowed.example/sparql/> SELECT * WHERE { SERVICE <x> { ?s ?p ?o } }",
        # Oxigraph reads SILENT, then x:admin (another host); rdflib the prefixed name SILENTx:admin
        "PREFIX SILENTx: <http://allowed.example/sparql/> PREFIX x: <http://evil.example/> "
        "SELECT * WHERE { SERVICE SILENTx:admin { ?s ?p ?o } }",
    ]:
        with pytest.raises(QueryRefused, match="written as a"):
            policy.check(written)
    for endpoint in [
        "http://allowed.example.evil.example/sparql",
        "http://allowed.example:8080/sparql",
        "https://allowed.example/sparql",
        "http://allowed.example@evil.example/sparql",
        "http://allowed.example/sparql/../admin",
        "http://allowed.example/sparql/%2e%2e/admin",
        "http://allowed.example/other",
        "http://allowed.example/sparql-admin",
        "http://allowed.example/sparql/..%2Fadmin",
        "file:///etc/passwd",
    ]:
        with pytest.raises(QueryRefused):
            policy.check(f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
    with pytest.raises(QueryRefused):  # Oxigraph reads the escaped local name as ../admin; rdflib keeps the \\
        policy.check("PREFIX a: <http://allowed.example/sparql/> SELECT * { SERVICE a:\\.\\.\\/admin { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="variable"):
        policy.check("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } } VALUES ?e { <http://allowed.example/sparql> }")


def test_a_relative_endpoint_resolves_against_the_request_base():
    query = "SELECT * WHERE { SERVICE <x> { ?s ?p ?o } }"
    with pytest.raises(QueryRefused, match="http://127.0.0.1:5000/x"):
        ServicePolicy().check(query, base_iri="http://127.0.0.1:5000/sparql")
    with pytest.raises(QueryRefused, match="written as a relative IRI"):  # allowed only when written in full
        ServicePolicy(("http://127.0.0.1:5000/",)).check(query, base_iri="http://127.0.0.1:5000/sparql")
    ServicePolicy(("http://127.0.0.1:5000/",)).check(
        "SELECT * WHERE { SERVICE <http://127.0.0.1:5000/x> { ?s ?p ?o } }", base_iri="http://127.0.0.1:5000/sparql"
    )


@pytest.mark.parametrize("prefix", ["127.0.0.1:5000", "ftp://x.example/", "http://", "http://user@x.example/"])
def test_an_allow_list_entry_that_names_no_host_is_a_clear_error(prefix):
    with pytest.raises(KGError, match="KG_SERVICE_ALLOW"):
        ServicePolicy((prefix,))


def test_a_query_that_may_call_a_service_and_cannot_be_read_is_refused_with_the_position():
    for query in ["SELECT * WHERE {\n SERVICE <http://x/> { ?s ?p } }", "SELECT ?service WHERE {\n ?service ?p }"]:
        with pytest.raises(QueryError, match=r"line 2, column \d+") as error:
            ServicePolicy().check(query)
        assert not isinstance(error.value, QueryRefused)  # a syntax error (400), not a refused call (403)
        assert "read as SPARQL 1.1, since the query mentions SERVICE" in str(error.value)


def test_an_escaped_keyword_counts_as_service():
    """A server that follows the SPARQL text expands `\\u` escapes everywhere before parsing (Fuseki does):
    `\\u0053ERVICE` is SERVICE to it, so a query holding one is read as one that may call a service."""
    with pytest.raises(QueryRefused, match="escapes"):
        ServicePolicy().check("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="escapes"):
        ServicePolicy().check("SELECT * WHERE { \\u0073\\u0065rvice <http://127.0.0.1:1/> { ?s ?p ?o } }")
    ServicePolicy().check('SELECT * WHERE { ?s ?p "caf\\u00e9" }')  # escapes, and nothing that reads as SERVICE


def test_the_parse_reads_the_form_past_a_prologue_of_keyword_prefixes():
    assert parse_query("PREFIX ask: <http://x/> PREFIX insert: <http://y/> SELECT * { ?s ask:p ?o }").form == "SELECT"
    parsed = parse_query("BASE <http://b/> CONSTRUCT WHERE { ?s ?p ?o }")
    assert parsed.form == "CONSTRUCT" and parsed.services == ()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o FILTER(?x = ) }",
        "SELECT * WHERE { ?s coop:x ?o }",
        "SELECT * WHERE { ?s ?p }",
        "SELEC * {}",
        "SELECT * WHERE { ?s ?p 'unfinished }",
    ],
)
def test_a_syntax_error_reads_as_one_line_with_its_position(query):
    with pytest.raises(SyntaxError) as error:
        ox.Store().query(query)
    message = syntax_message(query, error.value)
    assert message.startswith("SPARQL syntax error at line 1") and "\n" not in message
    assert "\\u{" not in message and len(message) < 200
    if "coop:" in query:
        assert "unknown prefix coop:" in message


def _child_run(query: str, cut: bool) -> str:
    """Run `query` on an empty store in a forked child, cut off the network first or not; what it said."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's clean-up
        try:
            note = cut_network() if cut else None
            try:
                list(ox.Store().query(query))
                outcome = "answered"
            except (OSError, RuntimeError) as e:
                outcome = f"failed: {e}"
            state = (note or "cut") if cut else "open"
            os.write(write, f"{state}|{outcome}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return f.read()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux's")
def test_a_process_cut_off_the_network_cannot_reach_the_listener(listener):
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}x> {{ ?s ?p ?o }} }}"
    before = listener.reached()
    assert _child_run(query, cut=False).startswith("open|answered")
    assert listener.reached() == before + 1  # the same query, not cut off, does reach it
    state, outcome = _child_run(query, cut=True).split("|", 1)
    assert state == "cut", state
    assert outcome.startswith("failed") and "Permission denied" in outcome
    assert listener.reached() == before + 1


@pytest.fixture(scope="module")
def empty_location(tmp_path_factory) -> str:
    location = f"oxigraph:{tmp_path_factory.mktemp('policy') / 'store'}"
    from kg.store import open_store

    with open_store(location, create=True) as store, store.transaction() as writer:
        writer.replace_graph("http://example.org/g", ['<http://example.org/s> <http://example.org/p> "1" .\n'])
    return location


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux's")
@pytest.mark.parametrize("fork", [True, False], ids=["forked-workers", "spawned-workers"])
def test_a_query_worker_that_misses_a_service_still_reaches_no_host(listener, empty_location, fork):
    executor = QueryExecutor(empty_location, workers=1, timeout=20, fork=fork, policy=BlindPolicy())
    try:
        assert executor.network.startswith("cut off from the network")
        before = listener.reached()
        for query in hand_spellings(listener.host).values():
            try:
                executor.run(QueryRequest(query))
            except KGError:
                pass
        assert listener.reached() == before
        with pytest.raises(QueryError, match="Permission denied"):
            executor.run(QueryRequest(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    finally:
        executor.close()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_every_query_worker_runs_under_a_seccomp_filter(empty_location):
    import psutil

    others = {p.pid for p in psutil.Process().children(recursive=True)}  # a live server of another test, say
    executor = QueryExecutor(empty_location, workers=2, timeout=20)
    try:
        workers = [
            p
            for p in psutil.Process().children(recursive=True)
            if p.pid not in others and "resource_tracker" not in " ".join(p.cmdline())
        ]
        assert len(workers) >= 3  # the template and its two workers
        for process in workers:
            status = Path(f"/proc/{process.pid}/status").read_text()
            assert "Seccomp:\t2" in status, f"{process.pid} has no seccomp filter"
    finally:
        executor.close()


def test_an_allow_list_leaves_the_workers_on_the_network_and_says_so(empty_location, listener):
    executor = QueryExecutor(empty_location, workers=1, timeout=20, policy=ServicePolicy((listener.url,)))
    try:
        assert executor.network.startswith(f"SERVICE may call {listener.url}")
        before = listener.reached()
        body = executor.run(QueryRequest(f"SELECT ?x WHERE {{ SERVICE <{listener.url}sparql> {{ ?x ?p ?o }} }}"))
        assert b"from-the-listener" in body.body
        assert listener.reached() == before + 1
    finally:
        executor.close()


def test_queries_parsed_from_several_threads_at_once_all_parse():
    """rdflib's parser keeps state while it parses; the module's lock keeps threads from breaking it."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"SELECT ?s WHERE {{ ?s ?p {n} OPTIONAL {{ ?s ?q ?o{n} }} }}" for n in range(200)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        forms = list(pool.map(lambda text: parse_query(text).form, texts))
    assert forms == ["SELECT"] * len(texts)
