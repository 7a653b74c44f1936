"""The query UI in a real browser: Debian's Chromium, driven by Playwright, against the live server."""

from __future__ import annotations

import shutil

import pytest
from helpers import not_blank

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)"
)


def test_type_a_query_run_it_and_read_a_row(live, page, tmp_path):
    page.goto(live.sparql)
    editor = page.locator(".yasqe .CodeMirror").first
    editor.wait_for(timeout=15000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(
        "PREFIX coop: <https://w3id.org/coopkg/ontology#>\n"
        "SELECT ?acronym WHERE { ?p a coop:Project ; coop:acronym ?acronym } ORDER BY ?acronym"
    )
    page.locator(".yasqe_queryButton").first.click()
    cell = page.locator(".yasr table td", has_text="INNOCRAFTS").first
    cell.wait_for(timeout=15000)
    assert cell.inner_text().strip() == "INNOCRAFTS"
    shot = page.screenshot(path=str(tmp_path / "sparql-ui.png"), full_page=True)
    assert not_blank(shot)


def test_the_editor_opens_on_a_coop_query_that_runs_without_prefix_lines(live, page):
    page.goto(live.sparql)
    page.evaluate("() => localStorage.clear()")  # a first visit: no tab kept from another test
    page.reload()
    editor = page.locator(".yasqe .CodeMirror").first
    editor.wait_for(timeout=15000)
    text = page.evaluate("() => document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()")
    assert "coop:GoodPractice" in text and not any(line.startswith("PREFIX") for line in text.splitlines())
    page.locator(".yasqe_queryButton").first.click()
    page.locator(".yasr table td", has_text="INNOCRAFTS").first.wait_for(timeout=15000)


def test_a_saved_query_is_one_click_away(live, page):
    page.goto(live.sparql)
    page.locator("#examples button", has_text="Partners of a project, by country").click()
    page.locator(".yasr table td", has_text="Municipality of Florence").first.wait_for(timeout=15000)


def test_a_shared_link_reopens_the_query(live, page):
    from urllib.parse import quote

    query = 'SELECT ?x WHERE { BIND("shared-link-works" AS ?x) }'
    page.goto(f"{live.sparql}?query={quote(query)}")
    page.locator(".yasr table td", has_text="shared-link-works").first.wait_for(timeout=15000)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX coop: <https://w3id.org/coopkg/ontology#> PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?city ?name ?lat ?long WHERE { ?city a coop:City ; rdfs:label ?name ; geo:lat ?lat ; geo:long ?long }",
        "PREFIX geosparql: <http://www.opengis.net/ont/geosparql#> SELECT ?name ?wkt WHERE { VALUES (?name ?wkt) { "
        '("Florence" "POINT(11.24626 43.77925)"^^geosparql:wktLiteral) '
        '("Riga" "POINT(24.10589 56.946)"^^geosparql:wktLiteral) } }',
    ],
    ids=["wgs84", "wkt"],
)
def test_results_with_coordinates_show_on_the_offline_map(live, page, query):
    from urllib.parse import quote

    page.goto(f"{live.sparql}?query={quote(query)}")
    page.locator(".yasr table td").first.wait_for(timeout=15000)
    page.locator(".yasr .select_map").click()
    points = page.locator(".coopkg-map circle.coopkg-point")
    points.first.wait_for(timeout=15000)
    assert points.count() >= 2
    assert page.locator(".coopkg-map path").count() > 100  # country outlines, from the app
    assert page.locator(".coopkg-map text", has_text="Florence").count() == 1
    assert not_blank(page.locator(".coopkg-map").screenshot())


def test_results_without_coordinates_offer_no_map(live, page):
    from urllib.parse import quote

    page.goto(f"{live.sparql}?query={quote('SELECT ?x WHERE { BIND(1 AS ?x) }')}")
    page.locator(".yasr table td").first.wait_for(timeout=15000)
    button = page.locator(".yasr .select_map")
    assert button.count() == 0 or "disabled" in (button.get_attribute("class") or "")


@pytest.mark.parametrize("path", ["/", "/practices", "/map"])  # (/sparql puts the focus in its editor)
def test_the_first_tab_stop_skips_the_header_to_the_content(live, page, path):
    page.goto(live.url + path)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the next stop is inside the content, not a header link
    assert page.evaluate("() => !!document.activeElement.closest('main')")
