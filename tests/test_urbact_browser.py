"""A partner's path across programmes in a real browser (Debian's Chromium via Playwright), on the default
build: from an INNOCRAFTS practice to a similar URBACT practice, its sections and where it travelled; and
URBACT's cities and transfers on the map."""

from __future__ import annotations

import shutil

import pytest
import requests

from kg.store import open_store
from kg.store.rows import select_rows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed"),
]


def _moved_and_innocrafts(config) -> tuple[set[str], list[str]]:
    """The URBACT practices that a transfer network moved, and the INNOCRAFTS and CRAFTS CODE practices' ids."""
    with open_store(config, read_only=True) as store:
        prefixes = config.ns.sparql_prefixes()
        moved = select_rows(
            store,
            prefixes + "SELECT DISTINCT ?p WHERE { ?t coop:sourcePractice ?p ; coop:project/coop:networkType ?n }",
        )
        ids = select_rows(
            store,
            prefixes
            + "SELECT ?id WHERE { ?p a coop:GoodPractice ; coop:project ?x ; dcterms:identifier ?id } ORDER BY ?id",
        )
    return {r["p"] for r in moved}, [r["id"] for r in ids]


def test_from_an_innocrafts_practice_to_a_similar_urbact_one_and_where_it_travelled(default_live, default_config, page):
    moved, ids = _moved_and_innocrafts(default_config)
    found = None
    for key in ids:  # the first INNOCRAFTS practice whose similar practices include one URBACT transferred
        similar = requests.get(f"{default_live.url}/api/practices/{key}/similar?top=5", timeout=60).json()
        hit = next((m for m in similar.get("similar", []) if m["iri"] in moved and m["origin"] == "URBACT"), None)
        if hit:
            found = (key, hit)
            break
    assert found, "no INNOCRAFTS practice lists a transferred URBACT practice among its five most similar"
    key, hit = found
    page.goto(f"{default_live.url}/id/innocrafts/practice/{key}")
    item = page.locator("#similar ~ ol li", has_text=hit["title"])
    assert item.count() == 1
    assert "(URBACT)" in item.inner_text() and item.locator(".why").inner_text().strip()
    item.locator("a").first.click()
    page.wait_for_url(f"**{hit['iri'].removeprefix('https://w3id.org/coopkg')}")
    assert page.locator("h2", has_text="Solution").count() == 1
    assert page.locator("h2", has_text="Participation of stakeholders").count() == 1
    travelled = page.locator("#travelled ~ *").first
    section = page.locator("section", has=page.locator("#travelled")).inner_text().casefold()
    assert "transferred in a transfer network" in section and "municipality of" in section
    assert travelled.count() == 1
    assert "urbact.eu" in page.content()


def test_the_map_shows_urbacts_cities_and_transfers(default_live, default_config, page):
    with open_store(default_config, read_only=True) as store:
        rows = select_rows(
            store,
            default_config.ns.sparql_prefixes()
            + """SELECT ?city WHERE { ?m a coop:Organisation ; coop:city ?city ; dcterms:source <https://urbact.eu/>
                 FILTER NOT EXISTS { GRAPH ?g { ?city a coop:City } FILTER(CONTAINS(STR(?g), "/innocrafts/")) } }
                 ORDER BY ?city LIMIT 1""",
        )
    urbact_city = rows[0]["city"]
    page.goto(default_live.url + "/map")
    page.wait_for_function("() => window.mapView && window.mapView.data && window.mapView.data.places.length > 300")
    kinds = page.evaluate("() => window.mapView.data.transfers.map((t) => t.kind)")
    assert "transferred" in kinds
    assert page.locator(f"circle.place[data-id='{urbact_city}']").count() == 1
