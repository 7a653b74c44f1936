"""The sparql: backend on a real Virtuoso: parameters bound without pasting text, clear errors when the
server is down, and a load interrupted by killing the server that completes when run again."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from helpers import make_store, snapshot
from rdflib.compare import isomorphic

from kg.config import Config
from kg.errors import QueryError
from kg.ingest.loader import build
from kg.store import open_store
from kg.store.sparql import RemoteError, RemoteOptions, SparqlStore, bind_values, query_form


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?o WHERE { ?s ?p ?o }", "SELECT ?o WHERE { VALUES (?s) { (<http://x/a>) } ?s ?p ?o }"),
        ("ASK { ?s ?p ?o }", "ASK { VALUES (?s) { (<http://x/a>) } ?s ?p ?o }"),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://x/a>) } ?s ?p ?o }",
        ),
        (
            'PREFIX a: <http://x/{where}> SELECT * WHERE { FILTER(?o != "WHERE {") { SELECT ?s WHERE { ?s ?p ?o } } }',
            'PREFIX a: <http://x/{where}> SELECT * WHERE { VALUES (?s) { (<http://x/a>) } FILTER(?o != "WHERE {") '
            "{ SELECT ?s WHERE { ?s ?p ?o } } }",
        ),
    ],
)
def test_parameters_are_bound_by_values_at_the_start_of_the_where_group(query, expected):
    assert " ".join(bind_values(query, {"s": ox.NamedNode("http://x/a")}).split()) == " ".join(expected.split())


def test_bound_literals_are_escaped_by_oxigraph():
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { "')
    text = bind_values("SELECT * WHERE { ?s ?p ?o }", {"o": hostile})
    assert 'VALUES (?o) { ("x\\" } } ; DROP ALL ; SELECT * { \\"") }' in text
    assert query_form(text) == "SELECT"


def test_an_update_is_not_a_query():
    with pytest.raises(QueryError, match="SPARQL Update is refused"):
        query_form("PREFIX a: <http://x/> INSERT DATA { a:a a:b a:c }")
    with pytest.raises(QueryError, match="SPARQL Update is refused"):
        SparqlStore("http://127.0.0.1:9/sparql").query("DROP ALL")


@pytest.mark.parametrize("keyword", ["ask", "insert", "construct", "describe", "delete", "select", "service"])
def test_a_prefix_named_like_a_keyword_is_a_prefix(keyword):
    query = f"PREFIX {keyword}: <http://x/> SELECT ?s WHERE {{ ?s {keyword}:p {keyword}:o }}"
    assert query_form(query) == "SELECT"
    assert query_form(f"PREFIX {keyword}: <http://x/> ASK {{ ?s {keyword}:p ?o }}") == "ASK"


def test_a_server_that_is_down_gives_a_clear_error_after_retries():
    slept: list[float] = []
    store = SparqlStore("http://127.0.0.1:9/sparql", sleep=slept.append)
    with pytest.raises(RemoteError, match=r"did not answer after 5 tries.*(refused|Errno)"):
        store.query("ASK {}")
    assert len(slept) == 4  # backing off: 0.5 s, 1 s, 2 s, 4 s, each with jitter of +-50%
    assert all(0.5 * base <= s <= 1.5 * base for s, base in zip(slept, (0.5, 1, 2, 4), strict=True))


@pytest.fixture
def own_virtuoso(tmp_path):
    """A Virtuoso of this test's own: it gets killed, and the session's server must not go through that."""
    from tests.virtuoso import BINARY, start_virtuoso

    if not Path(BINARY).exists():
        pytest.skip("Virtuoso is not installed: `make virtuoso` installs Debian's virtuoso-opensource")

    server = start_virtuoso(tmp_path / "virtuoso")
    yield server
    server.stop()


def _empty_store(server):
    config = Config(
        store=server.location, remote_user="dba", remote_password="dba", remote_auth="digest", remote_retries=2
    )
    store = open_store(config)
    with store.transaction(fresh=True):
        pass
    return store, config


@pytest.mark.remote
@pytest.mark.slow
def test_a_load_killed_midway_changes_nothing_and_completes_when_run_again(own_virtuoso):
    virtuoso = own_virtuoso
    store, config = _empty_store(virtuoso)
    build(store, config)
    uninterrupted = snapshot(store)
    assert uninterrupted

    store, config = _empty_store(virtuoso)  # start again from an empty store
    store.options = RemoteOptions.from_config(config.with_(remote_batch=40))
    sent = 0
    send = store._send

    def send_then_kill(text, **kwargs):
        nonlocal sent
        if kwargs.get("update"):
            sent += 1
            if sent == 25:  # the server dies in the middle of the load
                virtuoso.kill()
        return send(text, **kwargs)

    store._send = send_then_kill
    try:
        with pytest.raises(RemoteError) as failure:
            build(store, config)
    finally:
        virtuoso.start()
    message = str(failure.value)
    assert "did not answer after" in message and "Nothing was changed" in message
    assert "Run the same command again" in message
    store._send = send
    assert store.count() == 0  # as before the failed load: still empty

    build(store, config)
    assert snapshot(store) == uninterrupted


class _AnswerLosingProxy(ThreadingHTTPServer):
    """Passes requests on to a server, except that the first request whose body holds `losing` is done by
    the server and then its answer is lost: the connection closes without one, as when a network drops."""

    def __init__(self, target: str, losing: bytes):
        self.target, self.losing, self.lost = urlsplit(target), losing, 0
        super().__init__(("127.0.0.1", 0), _Forward)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Forward(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        upstream = http.client.HTTPConnection(self.server.target.hostname, self.server.target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        try:
            upstream.request("POST", self.path, body, headers)
            answer = upstream.getresponse()
            content = answer.read()
        finally:
            upstream.close()
        if 200 <= answer.status < 300 and self.server.losing in body and not self.server.lost:
            self.server.lost += 1
            self.close_connection = True
            return
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


GRAPH = "https://w3id.org/coopkg/graph/test/lost-answers.ttl"
TRIPLES = [
    '<http://x/a> <http://x/name> "A" .',
    "<http://x/a> <http://x/address> _:addr .",
    '_:addr <http://x/city> "Firenze" .',
]


@pytest.mark.remote
@pytest.mark.parametrize("server", ["virtuoso", "oxigraph-server"])
@pytest.mark.parametrize(
    "losing",
    [b"MOVE", b"update=INSERT+%7B"],
    ids=["the move into place", "the insert of blank nodes"],
)
def test_an_update_whose_answer_is_lost_is_not_made_twice(request, tmp_path, server, losing):
    """The server did the work but its answer was lost. Sent again, a MOVE from the staging graph that is
    gone would empty the graph just put in place, and an INSERT template would make its blank nodes twice:
    the retry must see that the first try took."""
    store, _ = make_store(server, tmp_path, request)
    proxy = _AnswerLosingProxy(store.update_url, losing=losing)
    try:
        lossy = SparqlStore(
            proxy.url(urlsplit(store.query_url).path),
            proxy.url(urlsplit(store.update_url).path),
            options=store.options,
            sleep=lambda _: None,
        )
        with lossy.transaction() as writer:
            writer.replace_graph(GRAPH, ["\n".join(TRIPLES)])
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.lost == 1
    expected = rdflib.Graph().parse(data="\n".join(TRIPLES), format="nt")
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    got = rdflib.Graph().parse(data="\n".join(f"{t} ." for t in triples), format="nt")
    assert isomorphic(got, expected), got.serialize(format="nt")
