"""Security headers on every response and a strict Content-Security-Policy on every page (no inline or
eval'd script anywhere; YASGUI's page alone allows inline styles, which it injects)."""

from __future__ import annotations

import pytest

from api import content_security_policy
from kg.config import Config

KINDS = {
    "page": ("/partners", "text/html"),
    "entity page": ("/id/innocrafts/organisation/P01", "text/html"),
    "rdf": ("/id/innocrafts/organisation/P01.ttl", "text/turtle"),
    "json": ("/api/queries", "application/json"),
    "sparql results": ("/sparql?query=ASK%20%7B%7D&format=json", "application/sparql-results+json"),
    "static file": ("/static/coopkg/site.css", "text/css"),
    "error page": ("/no/such/page", "text/html"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_response_says_nosniff_and_a_referrer_policy(client, kind):
    path, media_type = KINDS[kind]
    with client.get(path, headers={"Accept": "text/html"} if media_type == "text/html" else {}) as r:
        assert r.mimetype == media_type, (path, r.status_code, r.mimetype)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        policy = r.headers.get("Content-Security-Policy")
        if media_type == "text/html":
            assert policy == content_security_policy(Config())
            assert r.headers["X-Frame-Options"] == "DENY"
        else:
            assert policy is None


def test_the_policy_allows_no_inline_or_eval_script_and_no_framing():
    policy = dict(part.split(" ", 1) for part in content_security_policy(Config()).split("; "))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe" not in content_security_policy(Config()).replace("style-src 'self' 'unsafe-inline'", "")


def test_only_the_query_editor_allows_inline_styles(client):
    editor = client.get("/sparql", headers={"Accept": "text/html"}).headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in editor and "script-src 'self';" in editor
    assert "unsafe-inline" not in client.get("/").headers["Content-Security-Policy"]


def test_a_deployment_adds_origins_by_a_setting():
    config = Config.from_env({"KG_CSP_ORIGINS": "https://stats.example.org, https://cdn.example.org"})
    policy = content_security_policy(config)
    assert "script-src 'self' https://stats.example.org https://cdn.example.org" in policy
    assert "connect-src 'self' https://stats.example.org https://cdn.example.org" in policy
    assert "frame-ancestors 'none'" in policy


def test_cors_stays_open_on_the_data_endpoints(client):
    r = client.get("/sparql?query=ASK%20%7B%7D&format=json", headers={"Origin": "https://other.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


PAGES = [
    "/",
    "/practices",
    "/partners",
    "/projects",
    "/search?q=craft",
    "/id/innocrafts/organisation/P01",
    "/id/innocrafts/practice/IC-GP01",
    "/network",
    "/map",
    "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20%3Chttps%3A%2F%2Fw3id.org%2Fcoopkg%2Fontology%23Project%3E%7D",
    "/api/docs",
    "/ontology",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_runs_under_its_policy_in_a_browser(live, page, path):
    """Chromium loads each page under the policy the server sends and reports no violation (the `page`
    fixture fails the test on one); the page's own script has run."""
    page.goto(live.url + path)
    page.wait_for_load_state("networkidle")
    if path.startswith("/sparql"):
        page.wait_for_selector(".yasr table td", timeout=20000)  # the shared query ran and shows its rows
    if path == "/network":
        page.wait_for_selector("#cy canvas", timeout=20000)
    if path == "/api/docs":
        page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
