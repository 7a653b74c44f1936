"""No query makes the server or the CLI call another host: every spelling of SERVICE, sent every way the
protocol allows, is refused with 403 while a loopback listener counts zero connections; an allowed prefix
still federates."""

from __future__ import annotations

import pytest
import requests
from helpers import LiveServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cli import cli
from tests.listener import Listener
from tests.service_spellings import BlindPolicy, hand_spellings, service_queries

METHODS = ["get", "form-post", "query-post"]


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


def send(live: LiveServer, query: str, method: str) -> requests.Response:
    """The query to the live endpoint, by GET, by form POST or as an application/sparql-query body."""
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    if method == "get":
        return requests.get(live.sparql, params={"query": query}, headers=accept, timeout=30)
    if method == "form-post":
        return requests.post(live.sparql, data={"query": query}, headers=accept, timeout=30)
    headers = {**accept, "Content-Type": "application/sparql-query"}
    return requests.post(live.sparql, data=query.encode(), headers=headers, timeout=30)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(hand_spellings("HOST")))
def test_every_spelling_is_refused_and_reaches_no_host(live, listener, name, method):
    before = listener.reached()
    r = send(live, hand_spellings(listener.host)[name], method)
    assert r.status_code == 403, r.text
    assert "SERVICE" in r.text and "refused" in r.text
    assert listener.reached() == before


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_spellings_are_refused_by_the_live_server(live, listener, data):
    query = data.draw(service_queries(listener.host))
    method = data.draw(st.sampled_from(METHODS))
    before = listener.reached()
    r = send(live, query, method)
    assert r.status_code == 403, (query, r.text)
    assert listener.reached() == before


def test_an_endpoint_relative_to_the_server_is_refused(live):
    r = send(live, "SELECT * WHERE { SERVICE <admin> { ?s ?p ?o } }", "form-post")
    assert r.status_code == 403 and f"{live.url}/admin" in r.text


@pytest.fixture(scope="module")
def blind_client(served_config):
    """The app answering in this process (no network cut) with a policy that lets everything through."""
    from api import create_app
    from kg.query.executor import InlineExecutor

    app = create_app(served_config, executor=InlineExecutor(served_config, policy=BlindPolicy()))
    app.config["TESTING"] = True
    app.extensions["coopkg"].warm_up.join()  # as the `app` fixture does, and for the same reason
    yield app.test_client()
    app.extensions["coopkg"].close()


@pytest.mark.parametrize("name", ["glued", "comment-ended-by-cr", "prefixed-name", "base-relative", "subquery"])
def test_saved_query_parameters_cannot_call_a_host(blind_client, listener, name):
    """A parameter is bound as a value, never pasted into the query: a SERVICE spelling in it is only text,
    even with no policy and no network cut behind it."""
    spelling = hand_spellings(listener.host)[name]
    before = listener.reached()
    r = blind_client.get("/api/queries/partners-by-country", query_string={"acronym": spelling, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.text.splitlines()[1:] == []  # no project has that acronym
    assert listener.reached() == before
    # the same app does call the listener for a query that holds the clause: the test can see a call
    r = blind_client.get("/sparql", query_string={"query": spelling, "format": "csv"})
    assert listener.reached() > before


def test_the_service_description_claims_no_federation_when_none_is_allowed(live):
    r = requests.get(live.sparql, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200 and "sd:UnionDefaultGraph" in r.text
    assert "BasicFederatedQuery" not in r.text


def test_a_syntax_error_reads_as_one_short_line(live):
    r = send(live, "SELECT * WHERE { ?s ?p ?o FILTER(?x = ) }", "form-post")
    assert r.status_code == 400
    assert r.text.startswith("SPARQL syntax error at line 1, column") and r.text.count("\n") == 1
    r = send(live, "SELECT * WHERE { ?s nope:x ?o }", "form-post")  # coop: and the common ones are declared
    assert r.status_code == 400 and "unknown prefix nope:" in r.text
    r = send(live, "SELECT ?service WHERE { ?service ?p }", "form-post")  # the word, in a query that is wrong
    assert r.status_code == 400 and r.text.startswith("SPARQL syntax error at line 1, column")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["glued", "comment-between", "prefixed-name", "base-relative", "bind-variable"])
def test_the_cli_refuses_every_spelling(runner, listener, name):
    assert runner.invoke(cli, ["build", "--quiet"]).exit_code == 0
    before = listener.reached()
    result = runner.invoke(cli, ["query", hand_spellings(listener.host)[name]])
    assert result.exit_code != 0
    assert "refused" in result.output and "Traceback" not in result.output
    assert listener.reached() == before


@pytest.mark.slow
def test_the_cli_federates_with_an_allowed_prefix(runner, listener, monkeypatch):
    assert runner.invoke(cli, ["build", "--quiet"]).exit_code == 0
    monkeypatch.setenv("KG_SERVICE_ALLOW", listener.url)
    before = listener.reached()
    result = runner.invoke(cli, ["query", f"SELECT ?x WHERE {{ SERVICE <{listener.url}sparql> {{ ?x ?p ?o }} }}"])
    assert result.exit_code == 0, result.output
    assert "from-the-listener" in result.output
    assert listener.reached() == before + 1


@pytest.mark.slow
def test_an_allowed_prefix_still_federates_on_the_live_server(served_config, listener):
    other = Listener()
    server = LiveServer(served_config.with_(service_allow=listener.url, workers=1, spare_workers=0))
    try:
        before = listener.reached()
        query = f"SELECT ?x WHERE {{ SERVICE <{listener.url}sparql> {{ ?x ?p ?o }} }}"
        r = send(server, query, "query-post")
        assert r.status_code == 200 and "from-the-listener" in r.text
        assert listener.reached() == before + 1
        r = requests.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=10)
        assert "sd:BasicFederatedQuery" in r.text
        for spelling in hand_spellings(other.host).values():
            assert send(server, spelling, "form-post").status_code == 403
        assert other.reached() == 0
    finally:
        server.close()
        other.close()
