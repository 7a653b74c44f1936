"""Saved queries as a REST API (Flask's test client): listing, running with bound parameters, OpenAPI."""

from __future__ import annotations

import csv
import io

from helpers import bundled_rows


def test_listing_describes_every_query(client):
    listing = client.get("/api/queries").json["queries"]
    names = {q["name"] for q in listing}
    assert {"partners-by-country", "practices-by-theme", "events", "transfers"} <= names
    partners = next(q for q in listing if q["name"] == "partners-by-country")
    assert partners["parameters"] == [
        {
            "name": "acronym",
            "type": "string",
            "default": "INNOCRAFTS",
            "enum": None,
            "description": "The acronym of the project, as in projects.csv",
        }
    ]
    assert partners["url"].endswith("/api/queries/partners-by-country")


def test_run_with_defaults_and_parameters(client):
    r = client.get("/api/queries/partners-by-country")
    body = r.json
    assert r.status_code == 200 and len(body["rows"]) == 16 and body["parameters"] == {"acronym": "INNOCRAFTS"}
    assert body["columns"][:2] == ["acronym", "country"]
    r = client.get("/api/queries/partners-by-country", query_string={"acronym": "CRAFTS CODE"})
    assert len(r.json["rows"]) == 8
    r = client.get("/api/queries/practices-by-theme", query_string={"theme": "T1"}, headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.headers["Content-Type"].startswith("text/csv") and rows and {x["theme"] for x in rows} == {"T1"}
    r = client.get("/api/queries/events", query_string={"format": "sparql-json"})
    assert len(r.json["results"]["bindings"]) == bundled_rows("events.csv")


def test_bad_parameters_are_400_naming_them(client):
    r = client.get("/api/queries/practices-by-theme", query_string={"theme": "T9"})
    assert r.status_code == 400 and "theme" in r.text and "T9" in r.text
    r = client.get("/api/queries/events", query_string={"colour": "red"})
    assert r.status_code == 400 and "colour" in r.text
    r = client.get("/api/queries/no-such-query")
    assert r.status_code == 404 and "no-such-query" in r.text


def test_hostile_parameter_values_are_bound_not_pasted(client):
    hostile = 'INNOCRAFTS" } UNION { ?organisation ?p ?o } #'
    r = client.get("/api/queries/partners-by-country", query_string={"acronym": hostile})
    assert r.status_code == 200 and r.json["rows"] == []


def test_openapi_document_describes_the_queries(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    op = doc["paths"]["/api/queries/practices-by-theme"]["get"]
    theme = next(p for p in op["parameters"] if p["name"] == "theme")
    assert theme["schema"]["enum"] == ["T1", "T2", "T3", "T4"]
    assert doc["paths"]["/api/queries/partners-by-country"]["get"]["parameters"][0]["schema"]["default"] == "INNOCRAFTS"
    page = client.get("/api/docs")
    assert "swagger-ui-bundle.js" in page.text
    with client.get("/static/swagger-ui/swagger-ui-bundle.js") as script:  # closes the file it streams
        assert script.status_code == 200 and script.data.startswith(b"/*")


def test_health(client):
    assert client.get("/healthz").json == {"status": "ok"}
