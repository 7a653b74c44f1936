"""The network and map pages in a real browser (Debian's Chromium via Playwright) on the bundled data."""

from __future__ import annotations

import shutil

import pytest
from helpers import not_blank

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test installs it)"
)

FLORENCE = "https://w3id.org/coopkg/id/innocrafts/organisation/P01"


def test_network_filter_click_and_side_panel(live, page, tmp_path):
    page.goto(live.url + "/network")
    page.wait_for_function(
        "() => window.networkView && window.networkView.data && window.networkView.data.nodes.length > 30"
    )
    page.select_option("select[name=project]", label="CRAFTS CODE")
    page.wait_for_function("() => window.networkView.data.nodes.length === 8")
    assert "project=" in page.url
    box = page.locator("#cy").bounding_box()
    position = page.evaluate(f"window.networkView.cy.getElementById('{FLORENCE}').renderedPosition()")
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    heading = page.locator("#panel h3")
    heading.wait_for(timeout=5000)
    assert heading.inner_text() == "Municipality of Florence"
    assert page.locator("#panel a", has_text="Open its page").get_attribute("href") == "/id/innocrafts/organisation/P01"
    assert "node=" in page.url
    assert not_blank(page.locator("#cy").screenshot(path=str(tmp_path / "network.png")))
    assert "IT" in page.locator("#legend").inner_text()


def test_network_state_is_in_the_url_and_ego_mode(live, page):
    page.goto(f"{live.url}/network?radius=1&node={FLORENCE}")
    page.wait_for_function("() => window.networkView && window.networkView.data")
    page.locator("#panel h3").wait_for(timeout=5000)
    assert page.locator("#panel h3").inner_text() == "Municipality of Florence"
    nodes = page.evaluate("window.networkView.data.nodes.length")
    assert 1 < nodes < 36  # Florence and its direct partners only


def test_map_filter_click_and_side_panel(live, page, tmp_path):
    page.goto(live.url + "/map")
    page.wait_for_function("() => window.mapView && window.mapView.data && window.mapView.data.places.length > 10")
    page.select_option("select[name=country]", value="IT")
    page.wait_for_function("() => window.mapView.data.places.every((p) => p.country === 'IT')")
    page.locator("circle.place[data-id='https://w3id.org/coopkg/id/city/florence']").click()
    assert page.locator("#panel h3").inner_text() == "Florence"
    assert "country=IT" in page.url and "place=" in page.url
    assert not_blank(page.locator("#map").screenshot(path=str(tmp_path / "map.png")))
    assert page.locator("#map g path").count() >= 80  # the Europe outline's 82 countries were drawn


def test_every_asset_comes_from_the_app(live, page):
    requested, refused = [], []

    def route(r):
        requested.append(r.request.url)
        if r.request.url.startswith(live.url):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        for path in ("/network", "/map", "/sparql", "/id/innocrafts/practice/IC-GP01"):
            page.goto(live.url + path)
            page.wait_for_load_state("networkidle")
    finally:
        page.unroute("**/*")
    assert requested and not refused, refused


@pytest.mark.parametrize(
    "path, ready", [("/network", "window.networkView.paintedAt > 0"), ("/map", "window.mapView && window.mapView.data")]
)
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_view_exports_as_png_and_svg(live, page, tmp_path, path, ready, fmt):
    page.goto(live.url + path)
    page.wait_for_function(f"() => window.{'networkView' if path == '/network' else 'mapView'} && {ready}")
    page.wait_for_timeout(300)
    with page.expect_download() as download:
        page.click(f"#{fmt}")
    target = tmp_path / f"view.{fmt}"
    download.value.save_as(target)
    content = target.read_bytes()
    if fmt == "png":
        assert content.startswith(b"\x89PNG") and not_blank(content)
    else:
        assert content.lstrip().startswith(b"<svg") and b"<circle" in content


#: The countries of the EU's programmes: the EU, the EEA and Switzerland, the UK, the candidates and the
#: neighbourhood; the Europe outline must draw each (the data may name any of them).
PROGRAMME_COUNTRIES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS NO LI CH GB AL BA ME MK "
    "RS TR UA MD GE AM AZ BY RU AD MC SM VA FO GL MA DZ TN LY EG IL JO LB PS SY"
).split()


def _outline_ids() -> set[str]:
    import json
    from pathlib import Path

    atlas = Path(__file__).parent.parent / "api" / "static" / "world-atlas" / "europe-50m.json"
    return {g.get("id") for g in json.loads(atlas.read_text())["objects"]["countries"]["geometries"]}


@pytest.mark.slow
def test_the_europe_outline_draws_every_country_the_data_has(default_store):
    import pycountry

    from kg.namespaces import Namespaces
    from kg.network.view_data import ViewFilters, map_view

    outline = _outline_ids()
    view = map_view(default_store[0], Namespaces(), ViewFilters())
    countries = {p["country"] for p in view["places"]}
    countries |= {e["country"] for t in view["transfers"] for e in (t["from"], t["to"]) if "country" in e}
    assert countries and {c for c in countries if pycountry.countries.get(alpha_2=c).numeric not in outline} == set()
    assert [c for c in PROGRAMME_COUNTRIES if pycountry.countries.get(alpha_2=c).numeric not in outline] == []


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_a_transfer_known_only_by_its_country_points_to_the_country_and_says_so(live, page):
    # filtered to Italy, a transfer from or to a city elsewhere has only that city's country on the map
    page.goto(live.url + "/map?country=IT")
    page.wait_for_function("() => window.mapView && window.mapView.drawnAt > 0", timeout=30000)
    ends = page.evaluate(
        """() => [...new Set(window.mapView.data.transfers.flatMap((t) => [t.from, t.to])
            .filter((e) => !e.place).map((e) => e.country))]"""
    )
    assert ends, "the bundled data has no transfer leaving Italy"
    rings = page.locator("circle.country-end")
    assert sorted(rings.evaluate_all("(cs) => cs.map((c) => c.dataset.country)")) == sorted(ends)
    assert page.locator("path.transfer.to-city").count() + page.locator("path.transfer.to-country").count() > 0
    assert "only by its country" in page.locator("#legend").inner_text()
    assert "end at a country, not a city" in page.locator("#counts").inner_text()
    title = rings.first.locator("title").text_content()
    assert "(only the country is known)" in title
    # and in the reader's language
    page.goto(live.url + "/map?country=IT&lang=it")
    page.wait_for_function("() => window.mapView && window.mapView.drawnAt > 0", timeout=30000)
    assert "è noto solo il paese" in page.locator("circle.country-end title").first.text_content()
