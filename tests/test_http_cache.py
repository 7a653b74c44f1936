"""HTTP validators (ETag, Last-Modified, 304, Cache-Control), the result cache, and the Prometheus metrics."""

from __future__ import annotations

import re

import pytest
import requests

from kg.query.cache import ResultCache, result_key
from kg.query.executor import InlineExecutor, QueryRequest, QueryResponse

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}
VALIDATED = [
    ("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "application/sparql-results+json"),
    ("/id/innocrafts/practice/IC-GP01", "text/html"),
    ("/id/innocrafts/practice/IC-GP01", "text/turtle"),
    ("/practices?page=1", "text/html"),
    ("/api/queries/partners-per-country", "application/json"),
    ("/api/network?kind=country", "application/json"),
    ("/api/practices/IC-GP04/similar", "application/json"),
]


@pytest.mark.parametrize(("path", "accept"), VALIDATED)
def test_a_client_that_has_the_answer_gets_304(client, path, accept):
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "Accept" in first.headers["Vary"]
    again = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert client.get(path, headers={"Accept": accept, "If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"Accept": accept, "If-None-Match": '"another"'}).status_code == 200
    other = client.get(path, headers={"Accept": "*/*" if accept != "*/*" else "text/html"})
    assert other.headers.get("ETag") != tag  # another Accept may get another representation


@pytest.mark.parametrize("days", [1, 400, 365 * 3000])
def test_a_date_after_now_in_if_modified_since_is_ignored(client, days):
    """RFC 9110: a date later than the server's clock is not valid; the answer is the page, not a 304."""
    from datetime import UTC, datetime, timedelta

    from werkzeug.http import http_date

    later = http_date(min(datetime.now(UTC) + timedelta(days=days), datetime(9999, 12, 31, tzinfo=UTC)))
    r = client.get("/practices?page=1", headers={"Accept": "text/html", "If-Modified-Since": later})
    assert r.status_code == 200 and r.data


def test_the_validators_merge_with_the_answers_vary(client):
    r = client.get(VALIDATED[0][0], headers={"Accept": VALIDATED[0][1]})
    assert [v.strip() for v in r.headers["Vary"].split(",")].count("Accept") == 1  # the view's and theirs
    page = client.get("/practices?page=1", headers={"Accept": "text/html"})
    varies = [v.strip() for v in page.headers["Vary"].split(",")]
    assert "Accept" in varies and "Accept-Language" in varies and "Cookie" in varies


def test_only_the_query_ui_is_validated_per_language(client):
    """SPARQL results are the same in every language, so their ETag leaves the language out; the query UI
    (an HTML page with words) and the other pages keep it."""

    def tag(path: str, accept: str, language: str) -> str:
        r = client.get(path, headers={"Accept": accept, "Accept-Language": language})
        assert r.status_code == 200
        return r.headers["ETag"]

    results = (VALIDATED[0][0], "application/sparql-results+json")
    assert tag(*results, "fr") == tag(*results, "it")
    assert tag("/sparql", "text/html", "fr") != tag("/sparql", "text/html", "it")
    assert tag("/practices?page=1", "text/html", "fr") != tag("/practices?page=1", "text/html", "it")


def test_errors_and_operations_carry_no_validators(client):
    assert "ETag" not in client.get("/sparql", query_string={"query": "SELECT WHERE {"}, headers=JSON).headers
    assert "ETag" not in client.get("/id/innocrafts/practice/NO-SUCH").headers
    for path in ("/healthz", "/readyz", "/metrics"):
        assert "ETag" not in client.get(path).headers


def test_max_age_comes_from_the_settings(served_config):
    from api import create_app

    app = create_app(served_config.with_(cache_max_age=300), executor=InlineExecutor(served_config))
    try:
        r = app.test_client().get("/sparql", query_string={"query": COUNT}, headers=JSON)
        assert r.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    finally:
        app.extensions["coopkg"].close()


class CountingExecutor(InlineExecutor):
    """The in-process executor, counting the queries it really runs."""

    runs = 0

    def run(self, request, *, timeout=None):
        self.runs += 1
        return super().run(request, timeout=timeout)


@pytest.mark.slow
def test_a_repeated_query_is_answered_from_the_result_cache(served_config):
    from api import create_app

    executor = CountingExecutor(served_config)
    app = create_app(served_config, executor=executor)
    try:
        web = app.test_client()
        answers = [web.get("/sparql", query_string={"query": COUNT}, headers=JSON) for _ in range(3)]
        assert {a.status_code for a in answers} == {200} and len({a.data for a in answers}) == 1
        assert executor.runs == 1
        web.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"})
        web.post("/sparql", data={"query": COUNT}, headers=JSON)  # a POST of the same query: the same result
        assert executor.runs == 2
        metrics = web.get("/metrics").get_data(as_text=True)
        assert _value(metrics, "coopkg_result_cache_hits_total") == 3
        assert _value(metrics, "coopkg_result_cache_misses_total") == 2
    finally:
        app.extensions["coopkg"].close()


@pytest.mark.parametrize("path", ["/id/innocrafts/organisation/P01", "/id/innocrafts/organisation/P01.ttl"])
def test_an_entity_page_asked_again_runs_no_query(served_config, path):
    """The pages' queries go through the same result cache: a page asked again (in any format) is made from
    the cached results, byte for byte the same."""
    from api import create_app

    executor = CountingExecutor(served_config)
    app = create_app(served_config.with_(cache_max_age=0), executor=executor)
    try:
        web = app.test_client()
        app.extensions["coopkg"].warm_up.join()
        first = web.get(path)
        assert first.status_code == 200 and executor.runs > 0
        runs = executor.runs
        again = web.get(path)
        assert again.status_code == 200 and again.data == first.data
        assert executor.runs == runs
    finally:
        app.extensions["coopkg"].close()


def test_the_result_cache_holds_at_most_its_bytes():
    cache = ResultCache(4_000)
    for i in range(20):
        cache.put(
            result_key("v1", QueryRequest(f"ASK {{ <urn:{i}> ?p ?o }}")), QueryResponse(b"x" * 500, "t", "tabular")
        )
    assert cache.size <= 4_000 and len(cache) == 8
    assert cache.get(result_key("v1", QueryRequest("ASK { <urn:19> ?p ?o }"))) is not None
    assert cache.get(result_key("v1", QueryRequest("ASK { <urn:0> ?p ?o }"))) is None  # the oldest went first
    assert cache.get(result_key("v2", QueryRequest("ASK { <urn:19> ?p ?o }"))) is None  # another data version
    cache.put(result_key("v1", QueryRequest("big")), QueryResponse(b"x" * 1_001, "t", "tabular"))
    assert cache.get(result_key("v1", QueryRequest("big"))) is None  # over a quarter of the cache: not kept
    assert ResultCache(0).get(result_key("v1", QueryRequest("x"))) is None


def _value(metrics: str, name: str, **labels: str) -> float:
    """One sample of the Prometheus text: the metric with exactly these labels (in any order)."""
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or "")) == labels:
            return float(match.group(2))
    raise AssertionError(f"no sample {name}{labels} in /metrics")


def test_metrics_count_requests_by_route_and_status(client):
    before = client.get("/metrics").get_data(as_text=True)
    try:
        ok = _value(before, "coopkg_http_requests_total", method="GET", route="/api/queries", status="200")
    except AssertionError:
        ok = 0.0
    client.get("/api/queries")
    client.get("/api/queries")
    client.get("/sparql", query_string={"query": "SELECT WHERE {"}, headers=JSON)
    client.get("/no/such/page")
    metrics = client.get("/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain; version=")
    text = metrics.get_data(as_text=True)
    assert _value(text, "coopkg_http_requests_total", method="GET", route="/api/queries", status="200") == ok + 2
    assert _value(text, "coopkg_http_requests_total", method="GET", route="/sparql", status="400") >= 1
    assert _value(text, "coopkg_http_requests_total", method="GET", route="unmatched", status="404") >= 1
    assert _value(text, "coopkg_http_request_duration_seconds_count", method="GET", route="/api/queries") >= 2
    assert _value(text, "coopkg_query_workers", state="workers") >= 1


@pytest.mark.slow
def test_metrics_count_stopped_queries_and_replaced_workers(live):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    before = requests.get(live.url + "/metrics", timeout=10).text
    assert requests.post(live.sparql, data={"query": heavy}, timeout=30).status_code == 503
    after = requests.get(live.url + "/metrics", timeout=10).text
    for name in ("coopkg_queries_stopped_total", "coopkg_query_worker_replacements_total"):
        assert _value(after, name) == _value(before, name) + 1
