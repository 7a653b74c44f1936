"""Saved queries as a REST API on the live server: listing, running with bound parameters, OpenAPI."""

from __future__ import annotations

import csv
import io

import requests


def test_listing_describes_every_query(live):
    listing = requests.get(live.url + "/api/queries", timeout=10).json()["queries"]
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


def test_run_with_defaults_and_parameters(live):
    r = requests.get(live.url + "/api/queries/partners-by-country", timeout=10)
    body = r.json()
    assert r.status_code == 200 and len(body["rows"]) == 16 and body["parameters"] == {"acronym": "INNOCRAFTS"}
    assert body["columns"][:2] == ["acronym", "country"]
    r = requests.get(live.url + "/api/queries/partners-by-country", params={"acronym": "CRAFTS CODE"}, timeout=10)
    assert len(r.json()["rows"]) == 8
    r = requests.get(
        live.url + "/api/queries/practices-by-theme", params={"theme": "T1"}, headers={"Accept": "text/csv"}, timeout=10
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.headers["Content-Type"].startswith("text/csv") and rows and {x["theme"] for x in rows} == {"T1"}
    r = requests.get(live.url + "/api/queries/events", params={"format": "sparql-json"}, timeout=10)
    assert len(r.json()["results"]["bindings"]) == 12


def test_bad_parameters_are_400_naming_them(live):
    r = requests.get(live.url + "/api/queries/practices-by-theme", params={"theme": "T9"}, timeout=10)
    assert r.status_code == 400 and "theme" in r.text and "T9" in r.text
    r = requests.get(live.url + "/api/queries/events", params={"colour": "red"}, timeout=10)
    assert r.status_code == 400 and "colour" in r.text
    r = requests.get(live.url + "/api/queries/no-such-query", timeout=10)
    assert r.status_code == 404 and "no-such-query" in r.text


def test_hostile_parameter_values_are_bound_not_pasted(live):
    hostile = 'INNOCRAFTS" } UNION { ?organisation ?p ?o } #'
    r = requests.get(live.url + "/api/queries/partners-by-country", params={"acronym": hostile}, timeout=10)
    assert r.status_code == 200 and r.json()["rows"] == []


def test_openapi_document_describes_the_queries(live):
    doc = requests.get(live.url + "/api/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    op = doc["paths"]["/api/queries/practices-by-theme"]["get"]
    theme = next(p for p in op["parameters"] if p["name"] == "theme")
    assert theme["schema"]["enum"] == ["T1", "T2", "T3", "T4"]
    assert doc["paths"]["/api/queries/partners-by-country"]["get"]["parameters"][0]["schema"]["default"] == "INNOCRAFTS"
    page = requests.get(live.url + "/api/docs", timeout=10)
    assert "swagger-ui-bundle.js" in page.text
    assert requests.get(live.url + "/static/swagger-ui/swagger-ui-bundle.js", timeout=10).status_code == 200


def test_health(live):
    assert requests.get(live.url + "/healthz", timeout=10).json() == {"status": "ok"}
