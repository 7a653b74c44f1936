"""The SPARQL endpoint driven by real clients (SPARQLWrapper, rdflib's SPARQLStore, plain HTTP) on a live
server: every query form and result format, content negotiation, errors, limits and the read-only rule."""

from __future__ import annotations

import csv
import io
import json
import warnings

import pytest
import requests
from helpers import wait_for
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from kg.rdf import GRAPH_TYPES, MEDIA_ALIASES, RESULT_TYPES

PREFIXES = "PREFIX coop: <https://w3id.org/coopkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
SELECT = PREFIXES + "SELECT ?acronym WHERE { ?p a coop:Project ; coop:acronym ?acronym } ORDER BY ?acronym"
ASK = PREFIXES + "ASK { ?p coop:acronym 'INNOCRAFTS' }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a coop:Project ; rdfs:label ?l }"
DESCRIBE = "DESCRIBE <https://w3id.org/coopkg/id/project/innocrafts>"
ACRONYMS = ["CRAFTS CODE", "Crafting Europe", "INNOCRAFTS", "InCompass", "REGIO-CRAFTS", "Region Arts"]


def client(live, query, fmt, method=None):
    sparql = SPARQLWrapper(live.sparql)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method == "form":
        sparql.setMethod(POST)
    elif method == "direct":
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    return sparql.query()


@pytest.mark.parametrize("method", [None, "form", "direct"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_format_and_method(live, fmt, method):
    result = client(live, SELECT, fmt, method)
    body = result.convert()
    if fmt == JSON:
        values = [b["acronym"]["value"] for b in body["results"]["bindings"]]
    elif fmt == XML:
        values = [n.firstChild.firstChild.data for n in body.getElementsByTagName("binding")]
    else:
        text = body.decode() if isinstance(body, bytes) else body
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == CSV else "\t"))
        values = [r[0].strip('"') for r in rows[1:]]
    assert values == ACRONYMS


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(live, fmt):
    assert (
        client(live, ASK, fmt).convert()["boolean"] is True
        if fmt == JSON
        else client(live, ASK, fmt).convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    )


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_construct_and_describe_in_every_format(live, fmt, query):
    with (
        warnings.catch_warnings()
    ):  # SPARQLWrapper parses RDF/XML and JSON-LD with rdflib's deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = client(live, query, fmt, "form").convert()
    if not isinstance(graph, Graph):
        graph = Graph().parse(data=graph, format={TURTLE: "turtle", N3: "turtle"}.get(fmt, fmt))
    innocrafts = URIRef("https://w3id.org/coopkg/id/project/innocrafts")
    assert (innocrafts, None, None) in graph
    if query == CONSTRUCT:
        assert len(graph) == 6


def test_rdflib_sparqlstore_as_a_client(live):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(live.sparql, returnFormat="json"))
    rows = list(graph.query(SELECT))
    assert [str(r.acronym) for r in rows] == ACRONYMS


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("application/sparql-results+xml;q=0.9, application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+json;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("application/xml, */*;q=0.1", "application/sparql-results+xml"),
        # what SPARQLWrapper sends for JSON
        (
            "application/sparql-results+json,application/json,text/javascript,application/javascript",
            "application/sparql-results+json",
        ),
    ],
)
def test_content_negotiation_for_select(live, accept, expected):
    r = requests.get(live.sparql, params={"query": SELECT}, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("application/rdf+xml, text/turtle;q=0.8", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("*/*", "text/turtle"),
        ("application/sparql-results+json, */*;q=0.1", "text/turtle"),
    ],
)
def test_content_negotiation_for_construct(live, accept, expected):
    r = requests.get(live.sparql, params={"query": CONSTRUCT}, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected


def test_unacceptable_type_is_406(live):
    r = requests.get(live.sparql, params={"query": SELECT}, headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406
    r = requests.get(live.sparql, params={"query": CONSTRUCT}, headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 406


def test_format_parameter_for_browsers(live):
    r = requests.get(
        live.sparql,
        params={"query": SELECT, "format": "csv"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        timeout=10,
    )
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "INNOCRAFTS" in r.text


@pytest.mark.slow
def test_browser_gets_the_query_ui_with_the_shared_query(live):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    r = requests.get(
        live.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers={"Accept": browser}, timeout=10
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "yasgui.min.js" in r.text and "LIMIT 3" in r.text
    assert "Partners of a project, by country" in r.text  # the saved queries, one click away
    assert "cdn" not in r.text.lower()
    assert requests.get(live.url + "/static/yasgui/yasgui.min.js", timeout=10).status_code == 200


def test_service_description(live):
    r = requests.get(live.sparql, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef(live.sparql)
    assert (service, RDF.type, URIRef(sd + "Service")) in graph
    assert (service, URIRef(sd + "endpoint"), service) in graph
    named = requests.get(
        live.sparql,
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    ).json()["results"]["bindings"]
    assert len(list(graph.objects(None, URIRef(sd + "namedGraph")))) == len(named) > 14


def test_syntax_error_is_400_with_the_parser_message(live):
    r = requests.get(live.sparql, params={"query": "SELECT ?x WHERE { ?x"}, timeout=10)
    assert r.status_code == 400
    assert r.text.startswith("SPARQL syntax error at line 1, column 21: expected one of")


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_updates_are_refused(live, how):
    update = "INSERT DATA { <http://a> <http://b> <http://c> }"
    if how == "get":
        r = requests.get(live.sparql, params={"update": update}, timeout=10)
    elif how == "form":
        r = requests.post(live.sparql, data={"update": update}, timeout=10)
    else:
        r = requests.post(live.sparql, data=update, headers={"Content-Type": "application/sparql-update"}, timeout=10)
    assert r.status_code == 403 and "read-only" in r.text
    # an update sent as a query does not parse as one
    r = requests.post(live.sparql, data=update, headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert r.status_code == 400
    assert client(live, ASK, JSON).convert()["boolean"] is True


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://10.0.0.1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    ],
)
def test_service_to_other_hosts_is_refused(live, query):
    r = requests.post(live.sparql, data={"query": query}, timeout=10)
    assert r.status_code == 403 and "SERVICE" in r.text


def _csv(live, query: str) -> requests.Response:
    return requests.post(live.sparql, data={"query": query}, headers={"Accept": "text/csv"}, timeout=10)


def test_the_common_prefixes_are_declared_and_a_querys_own_win(live):
    r = _csv(live, "SELECT ?a WHERE { ?p a coop:Project ; coop:acronym ?a ; rdfs:label ?l } ORDER BY ?a")
    assert r.status_code == 200 and sorted(set(r.text.splitlines()[1:])) == sorted(ACRONYMS)
    own = _csv(live, "PREFIX coop: <http://example.org/other#> SELECT ?p WHERE { ?p a coop:Project }")
    assert own.status_code == 200 and own.text.splitlines()[1:] == []
    r = _csv(live, "SELECT * WHERE { ?s nope:x ?o }")
    assert r.status_code == 400 and "unknown prefix nope:" in r.text and r.text.count("\n") <= 1


@pytest.mark.parametrize("target", ["wd:Q1", "wd:", "geo:x", "schema:"])
def test_a_service_named_by_a_declared_prefix_is_refused(live, target):
    r = _csv(live, f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}")
    assert r.status_code == 403 and "SERVICE" in r.text


def test_service_in_a_string_or_comment_is_not_a_service_call(live):
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://evil.example/>" AS ?x) } # SERVICE <http://x/>'
    r = requests.post(live.sparql, data={"query": query}, headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 200


@pytest.mark.slow
def test_a_heavy_query_is_stopped_and_the_server_keeps_answering(live):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = requests.post(live.sparql, data={"query": heavy}, timeout=30)
    assert r.status_code == 503 and "ran past the time limit of 3 s and was stopped" in r.text
    light = requests.get(
        live.sparql, params={"query": ASK}, headers={"Accept": "application/sparql-results+json"}, timeout=10
    )
    assert light.status_code == 200 and light.json()["boolean"] is True


@pytest.mark.slow
def test_the_killed_worker_stops_using_cpu(live):
    import psutil

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    assert requests.post(live.sparql, data={"query": heavy}, timeout=30).status_code == 503
    me = psutil.Process()
    wait_for(
        lambda: not [c for c in me.children(recursive=True) if c.cpu_percent(interval=0.5) > 50],
        timeout=20,
        what="every query worker going idle after the kill",
    )


@pytest.mark.slow
def test_light_queries_are_answered_while_a_heavy_one_runs(live):
    import threading

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    worker = threading.Thread(target=lambda: requests.post(live.sparql, data={"query": heavy}, timeout=30))
    worker.start()
    wait_for(
        lambda: requests.get(live.url + "/readyz", timeout=10).json()["query_workers"]["busy"] >= 1,
        what="the heavy query taking a worker",
    )
    r = requests.get(
        live.sparql, params={"query": ASK}, headers={"Accept": "application/sparql-results+json"}, timeout=10
    )
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert worker.is_alive()  # answered while the heavy query was still running
    worker.join()


def test_cors_headers_for_browser_clients_elsewhere(live):
    r = requests.get(live.sparql, params={"query": ASK}, headers={"Origin": "https://other.example"}, timeout=10)
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    pre = requests.options(
        live.sparql, headers={"Origin": "https://other.example", "Access-Control-Request-Method": "POST"}, timeout=10
    )
    assert pre.status_code == 200 and pre.headers.get("Access-Control-Allow-Origin") == "*"


def test_request_size_limits(live):
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    assert requests.get(live.sparql, params={"query": huge}, timeout=10).status_code == 414
    body = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000
    r = requests.post(live.sparql, data=body, headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert r.status_code == 413


@pytest.mark.parametrize("kind", ["application/sparql-query", "application/x-www-form-urlencoded"])
def test_a_chunked_body_is_bounded_like_a_declared_one(live, kind):
    """A body sent in chunks (no Content-Length) gets 413 past the limit, never a query cut short."""
    query = "ASK { ?s ?p ?o }"
    text = query if kind.endswith("sparql-query") else "query=" + requests.utils.quote(query)
    chunks = lambda text: (text[i : i + 1000].encode() for i in range(0, len(text), 1000))  # noqa: E731
    small = requests.post(live.sparql, data=chunks(text), headers={"Content-Type": kind}, timeout=10)
    assert small.request.headers.get("Transfer-Encoding") == "chunked"
    assert small.status_code == 200 and "true" in small.text
    big = requests.post(live.sparql, data=chunks(text + " #" + "x" * 1_100_000), headers={"Content-Type": kind})
    assert big.status_code == 413 and "larger than" in big.text


def test_protocol_errors(live):
    assert requests.put(live.sparql, data="ASK {}", timeout=10).status_code == 405
    r = requests.post(live.sparql, data="ASK {}", headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 415
    r = requests.get(live.sparql, params=[("query", "ASK {}"), ("query", "ASK {}")], timeout=10)
    assert r.status_code == 400
    r = requests.post(
        live.sparql,
        data="ASK {}".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
        timeout=10,
    )
    assert r.status_code == 400


def test_default_graph_uri_limits_the_dataset(live):
    graph = "https://w3id.org/coopkg/graph/innocrafts/projects.csv"
    query = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t }"
    r = requests.get(
        live.sparql,
        params={"query": query, "default-graph-uri": graph},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert json.loads(r.text)["results"]["bindings"][0]["n"]["value"] == "6"


MEDIA = sorted({*RESULT_TYPES, *GRAPH_TYPES, *MEDIA_ALIASES, "text/html", "application/xhtml+xml", "*/*"})
MEDIA += ["text/*", "application/*", "image/png", "Application/SPARQL-Results+JSON", "text/turtle;charset=utf-8"]
ACCEPTED = st.tuples(st.sampled_from(MEDIA), st.one_of(st.none(), st.sampled_from(["0", "0.1", "0.5", "0.9", "1"])))
ACCEPT_HEADERS = st.lists(ACCEPTED, max_size=6).map(
    lambda items: ", ".join(m if q is None else f"{m};q={q}" for m, q in items)
) | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@settings(max_examples=400, deadline=None)
@given(ACCEPT_HEADERS)
def test_the_cached_negotiation_chooses_as_werkzeugs_request_does(header):
    """The endpoint negotiates once per distinct Accept value (`negotiate`, cached): for any header it must
    choose what negotiating the request's own `accept_mimetypes` chooses, the first time and the next."""
    from api.sparql import _prefers_html, _types, negotiate

    accept = Request(EnvironBuilder(headers={"Accept": header}).get_environ()).accept_mimetypes
    expected = (_prefers_html(accept), *_types(accept))
    assert negotiate(header) == expected
    assert negotiate(header) == expected  # from the cache


def test_a_huge_accept_header_is_negotiated_but_not_kept():
    """An attacker varying a 300 KB Accept header must not fill the negotiation cache (300 MB a process)."""
    from api.sparql import CACHED_ACCEPT_CHARS, _negotiate, negotiate

    huge = "application/sparql-results+json, " + ", ".join(f"x/y{i};q=0.1" for i in range(CACHED_ACCEPT_CHARS))
    before = _negotiate.cache_info()
    assert negotiate(huge)[1] == "application/sparql-results+json"
    after = _negotiate.cache_info()  # the cached function was not asked: no miss (a new entry) and no hit
    assert (after.misses, after.hits) == (before.misses, before.hits)
    assert negotiate("application/sparql-results+json")[1] == "application/sparql-results+json"


def test_head_answers_as_get_does(client):
    """HEAD on the endpoint gives GET's status and headers, no body (it was taken for a POST: 400)."""
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
    headers = {"Accept": "application/sparql-results+json"}
    got, head = (
        client.get("/sparql", query_string=query, headers=headers),
        client.head("/sparql", query_string=query, headers=headers),
    )
    assert got.status_code == head.status_code == 200
    assert head.headers["Content-Type"] == got.headers["Content-Type"] and head.get_data() == b""
