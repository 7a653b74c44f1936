"""The data behind the network and map views (kg.network.view_data) and its JSON endpoints."""

from __future__ import annotations

import networkx as nx
import pytest
import requests
from helpers import bundled_rows

import kg.network.view_data
from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.view_data import ViewFilters, filter_options, map_view, network_view

NS = Namespaces()
ID = "https://w3id.org/coopkg/id/"
FLORENCE = ID + "innocrafts/organisation/P01"


def test_filters_narrow_the_organisation_network(bundled_store):
    store, _ = bundled_store
    everyone = network_view(store, NS, ViewFilters())
    assert len(everyone["nodes"]) == bundled_rows("organisations.csv") and not everyone["aggregated"]
    crafts_code = network_view(store, NS, ViewFilters(project=ID + "project/crafts-code"))
    assert len(crafts_code["nodes"]) == 8 and FLORENCE in {n["id"] for n in crafts_code["nodes"]}
    italy = network_view(store, NS, ViewFilters(country="it"))
    assert {n["country"] for n in italy["nodes"]} == {"IT"}
    theme = network_view(store, NS, ViewFilters(theme="https://w3id.org/coopkg/scheme/theme/T2"))
    assert 0 < len(theme["nodes"]) < bundled_rows("organisations.csv")
    in_2016 = network_view(store, NS, ViewFilters(year=2016))
    assert in_2016["edges"] == []
    in_2013 = network_view(store, NS, ViewFilters(year=2013))
    florence_2013 = network_view(store, NS, ViewFilters(year=2013, city="Florence"))
    assert FLORENCE in {n["id"] for n in florence_2013["nodes"]}
    assert {n["city"] for n in florence_2013["nodes"]} == {"Florence"}
    assert len(florence_2013["nodes"]) < len(in_2013["nodes"])


def test_ego_network_and_measures(bundled_store):
    store, _ = bundled_store
    view = network_view(store, NS, ViewFilters(ego=FLORENCE, radius=1))
    graph = nx.Graph((e["source"], e["target"]) for e in view["edges"])
    assert all(graph.has_edge(FLORENCE, n["id"]) for n in view["nodes"] if n["id"] != FLORENCE)
    florence = next(n for n in view["nodes"] if n["id"] == FLORENCE)
    assert florence["degree"] == len(view["nodes"]) - 1
    assert florence["page"] == "/id/innocrafts/organisation/P01"


def test_a_large_network_is_shown_by_country_first(bundled_store, monkeypatch):
    monkeypatch.setattr(kg.network.view_data, "DRAW_LIMIT", 10)
    view = network_view(bundled_store[0], NS, ViewFilters())
    assert view["aggregated"] and view["kind"] == "country" and "choose a country" in view["message"]
    assert "IT" in {n["id"] for n in view["nodes"]}
    italy = network_view(bundled_store[0], NS, ViewFilters(country="IT"))  # the drill-down
    assert not italy["aggregated"]
    monkeypatch.setattr(kg.network.view_data, "DRAW_LIMIT", 3)
    cities = network_view(bundled_store[0], NS, ViewFilters(country="IT"))  # still too many: by city
    assert cities["aggregated"] and cities["kind"] == "city"
    assert {n["id"] for n in cities["nodes"]} >= {"Florence"}
    assert sum(n["organisations"] for n in cities["nodes"]) <= 6
    by_city = network_view(bundled_store[0], NS, ViewFilters(kind="city"))  # 17 cities: their countries
    assert by_city["kind"] == "country" and "cities are too many" in by_city["message"]
    # Ireland: three organisations, too few cities to group by
    monkeypatch.setattr(kg.network.view_data, "DRAW_LIMIT", 1)
    ireland = network_view(bundled_store[0], NS, ViewFilters(country="IE"))
    assert not ireland["aggregated"] and len(ireland["nodes"]) == 1
    assert "the 1 with the most links are shown" in ireland["message"]
    monkeypatch.setattr(kg.network.view_data, "DRAW_LIMIT", 3)
    florence = network_view(bundled_store[0], NS, ViewFilters(country="IT", city="Florence"))
    assert not florence["aggregated"] and FLORENCE in {n["id"] for n in florence["nodes"]}
    assert {n["city"] for n in florence["nodes"]} == {"Florence"}


@pytest.mark.parametrize(
    "filters, message",
    [
        (dict(kind="people"), "unknown network kind"),
        (dict(radius=9), "radius"),
        (dict(country="Italy"), "ISO 3166"),
    ],
)
def test_bad_filters_are_clear_errors(filters, message):
    with pytest.raises(KGError, match=message):
        ViewFilters(**filters)


def test_unknown_ego_is_a_clear_error(bundled_store):
    with pytest.raises(KGError, match="no organisation"):
        network_view(bundled_store[0], NS, ViewFilters(ego=ID + "innocrafts/organisation/P99"))


def test_map_places_links_and_transfers(bundled_store):
    store, _ = bundled_store
    view = map_view(store, NS, ViewFilters())
    places = {p["id"]: p for p in view["places"]}
    florence = places[ID + "city/florence"]
    assert florence["lat"] == pytest.approx(43.78, abs=0.01) and florence["practices"] > 0
    assert any(ID + "city/florence" in (link["source"], link["target"]) for link in view["links"])
    assert view["transfers"] and all({"from", "to"} <= t.keys() for t in view["transfers"])
    spain = [t for t in view["transfers"] if t["from"].get("country") == "ES"]
    assert spain and spain[0]["from"]["numeric"] == "724"
    assert len({(t["id"], str(t["from"]), str(t["to"])) for t in view["transfers"]}) == len(view["transfers"])
    options = filter_options(store, NS)
    assert "INNOCRAFTS" in {p["label"] for p in options["projects"]}
    assert "2013" in {y["value"] for y in options["years"]}


def test_the_json_endpoints(live):
    network = requests.get(live.url + "/api/network", params={"kind": "city"}, timeout=30).json()
    assert network["kind"] == "city" and network["nodes"]
    assert requests.get(live.url + "/api/map", timeout=30).json()["places"]
    assert requests.get(live.url + "/api/network/options", timeout=30).json()["projects"]
    bad_values = ({"kind": "people"}, {"year": "soon"}, {"radius": "x"}, {"ego": "nobody"})
    bad_values += ({"year": "²"}, {"radius": "١"})  # digits to str.isdigit, not to int() or not ASCII
    for params in bad_values:
        bad = requests.get(live.url + "/api/network", params=params, timeout=30)
        assert bad.status_code == 400 and bad.text.strip()
    long = requests.get(live.url + "/api/network", params={"year": "y" * 5000}, timeout=30)
    assert long.status_code == 400 and len(long.text) < 200  # the value is not echoed whole


def test_nodes_come_laid_out_and_large_views_draw_the_strongest_links(bundled_store, monkeypatch):
    view = network_view(bundled_store[0], NS, ViewFilters())
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in view["nodes"])
    assert len({(n["x"], n["y"]) for n in view["nodes"]}) == len(view["nodes"])  # no two on one spot
    assert network_view(bundled_store[0], NS, ViewFilters())["nodes"] == view["nodes"]  # seeded: the same
    monkeypatch.setattr(kg.network.view_data, "EDGE_LIMIT", 10)
    trimmed = network_view(bundled_store[0], NS, ViewFilters())
    assert len(trimmed["edges"]) == 10 and "The 10 strongest of 183 links are drawn." in trimmed["message"]
    weakest_drawn = min(e["weight"] for e in trimmed["edges"])
    assert weakest_drawn >= sorted((e["weight"] for e in view["edges"]), reverse=True)[9]


@pytest.mark.slow
def test_one_acronym_of_two_records_is_two_options_that_read_apart(tmp_path):
    from helpers import INNOCRAFTS

    from kg.config import Config
    from kg.ingest.loader import build
    from kg.ingest.loader import load as load_files
    from kg.store import open_store

    copy = tmp_path / "keep-copy" / "projects.csv"
    copy.parent.mkdir()
    copy.write_text(
        "id,acronym,title,start_date,end_date,source_url\n"
        "keep-128,INNOCRAFTS,INNOvating entrepreneurship policies in the CRAFTS sector,2012-01-01,2014-12-31,"
        "https://keep.eu/projects/1/\n",
        encoding="utf-8",
    )
    config = Config(store="memory", link_review="none")
    with open_store(config, create=True) as store:
        build(store, config, list(INNOCRAFTS))
        load_files(store, config, [copy.parent])
        options = filter_options(store, config.ns)["projects"]
    innocrafts = [o for o in options if o["label"].startswith("INNOCRAFTS")]
    assert len(innocrafts) == 2 and len({o["label"] for o in innocrafts}) == 2
    assert {o["label"] for o in innocrafts} == {"INNOCRAFTS (INTERREG IVC; innocrafts)", "INNOCRAFTS (keep-copy)"}
    assert "CRAFTS CODE" in {o["label"] for o in options}  # one record: its acronym alone
    assert len({o["label"] for o in options}) == len(options)


@pytest.mark.slow
def test_the_years_offered_include_projects_given_by_year_only(default_store):
    store, config = default_store
    years = {y["value"] for y in filter_options(store, config.ns)["years"]}
    assert {"2013", "2020"} <= years  # URBACT III's networks carry start and end years, not dates


def test_the_view_cache_builds_once_and_forgets_the_least_recently_used():
    from kg.network.view_data import ViewCache

    cache, built = ViewCache(size=2), []

    def make(name: str):
        return lambda: built.append(name) or name.upper()

    assert cache.get(("a",), make("a")) == "A" and cache.get(("a",), make("a")) == "A" and built == ["a"]
    cache.get(("b",), make("b"))
    assert cache.peek(("a",)) == "A"  # a is now the more recent
    cache.put(("c",), "C")  # b goes
    assert cache.peek(("b",)) is None and cache.peek(("a",)) == "A" and cache.peek(("c",)) == "C"
    cache.clear()
    assert cache.peek(("a",)) is None
