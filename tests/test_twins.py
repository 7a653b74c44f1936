"""Machine twins: every index and search page answers as JSON and CSV too (by suffix or Accept), with the
same entries and the same paging, and says so in a `Link: rel="alternate"` header."""

from __future__ import annotations

import csv
import io
import re

import pytest

from kg.publish.describe import INDEXES

PAGES = [f"/{name}" for name in INDEXES] + [
    "/search?q=craft",
    "/practices?theme=https://w3id.org/coopkg/scheme/theme/T2",
]


def _twin_path(path: str, suffix: str) -> str:
    base, _, query = path.partition("?")
    return f"{base}.{suffix}" + (f"?{query}" if query else "")


def _html_entries(html: str) -> list[str]:
    """The entity links of an index or search page's list, in order."""
    main = html.split("<main", 1)[-1]
    return re.findall(r'<(?:li|td)><a href="/((?:id|scheme|ontology)[^"]*)"', main)


@pytest.mark.parametrize("path", PAGES)
def test_the_page_names_its_twins(client, path):
    r = client.get(path)
    assert r.status_code == 200
    link = r.headers["Link"]
    for suffix, media_type in (("json", "application/json"), ("csv", "text/csv")):
        assert f'rel="alternate"; type="{media_type}"' in link
        assert _twin_path(path, suffix).split("?")[0] in link
    assert 'type="application/json"' in r.text  # <link rel="alternate"> and a visible link


@pytest.mark.parametrize("path", PAGES)
def test_json_and_csv_twins_hold_the_page_entries(client, path):
    html = client.get(path).text
    shown = _html_entries(html)
    assert shown, "the page lists nothing"
    data = client.get(_twin_path(path, "json"))
    assert data.status_code == 200 and data.headers["Content-Type"].startswith("application/json")
    body = data.get_json()
    assert [row["iri"].split("/coopkg/", 1)[1] for row in body["rows"]] == shown
    assert body["total"] >= len(shown) and body["page"] == 1
    table = client.get(_twin_path(path, "csv"))
    assert table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert [row["iri"] for row in rows] == [row["iri"] for row in body["rows"]]
    assert rows[0]["label"] == body["rows"][0]["label"]


@pytest.mark.parametrize("accept, kind", [("application/json", "application/json"), ("text/csv", "text/csv")])
def test_accept_picks_the_twin(client, accept, kind):
    for path in ("/partners", "/search?q=craft"):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind)
        assert "Accept" in r.headers["Vary"]


def test_twins_page_like_the_html_page(client):
    first = client.get("/search.json?q=e").get_json()
    assert first["total"] > first["page_size"], "needs more results than a page"
    assert first["previous"] is None and first["next"] == "/search.json?q=e&page=2"
    second = client.get(first["next"]).get_json()
    assert second["page"] == 2 and second["previous"] == "/search.json?q=e&page=1"
    assert not {r["iri"] for r in first["rows"]} & {r["iri"] for r in second["rows"]}
    html_second = _html_entries(client.get("/search?q=e&page=2").text)
    assert [r["iri"].split("/coopkg/", 1)[1] for r in second["rows"]] == html_second
    assert 'rel="next"' in client.get("/search.csv?q=e").headers["Link"]
    assert client.get("/partners.json?page=zero").status_code == 400


def test_an_empty_search_twin_is_an_empty_page(client):
    body = client.get("/search.json").get_json()
    assert body["rows"] == [] and body["total"] == 0
    assert client.get("/search.csv?q=nothing-has-this-word").get_data(as_text=True).startswith("iri,label,type")
