"""One project and one programme across sources (kg.link.projects) and the merged view (kg.link.merged): with
the bundled data and the README's two real samples (CORDIS H2020 JSON, keep.eu's Interreg IVC partners),
INNOCRAFTS is one project on every surface, and a linked record's facts are found on its canonical IRI."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from helpers import INNOCRAFTS
from hypothesis import given
from hypothesis import strategies as st

from kg.config import Config
from kg.ingest.loader import build, import_files
from kg.link.projects import acronym_key, periods, programme_key
from kg.network.build import build_network
from kg.network.select import read_projects
from kg.query.saved import read_saved_queries
from kg.store import open_store
from kg.store.rows import select_rows

DATA = Path(__file__).parent / "data" / "eu-open-data"
ID = "https://w3id.org/coopkg/id/"
INNO, INNO_KEEP = f"{ID}project/innocrafts", f"{ID}keep/project/2007-2013-interreg-ivc-a469c850/INNOCRAFTS"
FLORENCE, BURGAS, STARA_PLANINA = (f"{ID}innocrafts/organisation/{p}" for p in ("P01", "P07", "P06"))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The bundled INNOCRAFTS data with the two README samples imported, as a store and its config."""
    config = Config(store=f"oxigraph:{tmp_path_factory.mktemp('merged') / 'store'}", link_review="none")
    with open_store(config, create=True) as store:
        build(store, config, INNOCRAFTS)
        import_files(store, config, "cordis", [DATA / "cordis-h2020-json-edvard-august"])
        report = import_files(store, config, "keep", [DATA / "keep-eu-interreg-ivc-partners-pgourdongeo"])
    store = open_store(config)
    yield store, config, report
    store.close()


def _rows(store, config, query: str) -> list[dict[str, str]]:
    return select_rows(store, config.ns.sparql_prefixes() + query)


@pytest.mark.slow
def test_the_keep_eu_programme_and_projects_are_the_bundled_ones(merged):
    store, config, report = merged
    canonical = dict(_rows_pairs(store, config))
    assert canonical[f"{ID}keep/programme/2007-2013-interreg-ivc-a469c850"] == f"{ID}programme/interreg-ivc"
    assert canonical[INNO_KEEP] == INNO
    assert canonical[f"{ID}keep/project/2007-2013-interreg-ivc-a469c850/REGIO-CRAFTS"] == f"{ID}project/regio-crafts"
    # one name in two programming periods is two programmes; "Horizon 2020" is not "HORIZON" (Horizon Europe)
    assert f"{ID}programme/interreg-europe-2021" not in canonical and f"{ID}programme/h2020" not in canonical
    # every linked project shares its canonical project's acronym; no two bundled projects are one
    acronyms = {r["p"]: r["a"] for r in _rows(store, config, "SELECT ?p ?a WHERE { ?p coop:acronym ?a }")}
    for member, chosen in canonical.items():
        if member in acronyms:
            assert acronym_key(acronyms[member]) == acronym_key(acronyms[chosen])
            assert not (member.startswith(f"{ID}project/") and chosen.startswith(f"{ID}project/"))
    summary = "\n".join(report.linkage.summary())
    assert "by acronym and programme" in summary and "by programme name" in summary


def _rows_pairs(store, config) -> list[tuple[str, str]]:
    return [(r["m"], r["c"]) for r in _rows(store, config, "SELECT ?m ?c WHERE { ?m coop:mergedInto ?c }")]


@pytest.mark.slow
def test_the_saved_query_counts_a_project_two_sources_describe_once(merged):
    store, config, _ = merged
    query = read_saved_queries(config.ns)["organisations-in-several-projects"]
    found = store.query(query.text, substitutions=query.bindings({"minimum": "1"}))
    rows = {r["organisation"].value: {k: r[k].value for k in ("projects", "acronyms")} for r in found}
    for organisation in (BURGAS, STARA_PLANINA, FLORENCE):
        row = rows[organisation]
        acronyms = row["acronyms"].split(", ")
        assert acronyms.count("INNOCRAFTS") == 1
        assert int(row["projects"]) == len(set(acronyms)), row
    assert not any(keep.startswith(f"{ID}keep/organisation/") and keep in rows for keep in _members(store, config))


def _members(store, config) -> set[str]:
    return {m for m, _ in _rows_pairs(store, config)}


@pytest.mark.slow
def test_the_florence_burgas_link_counts_innocrafts_once(merged):
    store, config, _ = merged
    graph = build_network(store, config.ns, "org", projects=["INNOCRAFTS"])
    assert graph.edges[FLORENCE, BURGAS]["project"] == 1
    whole = build_network(store, config.ns, "org")
    shared = _rows(
        store,
        config,
        f"""SELECT DISTINCT ?p WHERE {{ <{FLORENCE}> org:memberOf ?p . <{BURGAS}> org:memberOf ?p
            FILTER NOT EXISTS {{ ?p coop:mergedInto [] }} }}""",
    )
    assert whole.edges[FLORENCE, BURGAS]["project"] == len(shared) >= 1
    bipartite = build_network(store, config.ns, "bipartite")
    assert INNO in bipartite and INNO_KEEP not in bipartite
    assert {n for n in bipartite if bipartite.nodes[n].get("label") == "INNOCRAFTS"} == {INNO}


@pytest.mark.slow
def test_the_network_filters_offer_innocrafts_once_with_both_sources(merged):
    store, config, _ = merged
    projects = read_projects(store, config.ns)
    named = [p for p in projects.values() if p.acronym == "INNOCRAFTS"]
    assert [p.iri for p in named] == [INNO]
    sources = {g.removeprefix(str(config.ns.graph)).split("/")[0] for g in named[0].graphs}
    assert {"innocrafts", "keep-eu-interreg-ivc-partners-pgourdongeo"} <= sources
    assert [p.iri for p in named[0].programmes] == [f"{ID}programme/interreg-ivc"]
    network = build_network(store, config.ns, "org", programme="Interreg IVC")
    # in the merged view, the organisations of the programme's projects, each once (a CORDIS IRI where the
    # organisation has one: record linkage names a cluster by the record with an id of its source)
    partners = _rows(
        store,
        config,
        f"""SELECT DISTINCT ?o WHERE {{ ?o org:memberOf/coop:programme <{ID}programme/interreg-ivc>
            FILTER NOT EXISTS {{ ?o coop:mergedInto [] }} }}""",
    )
    assert set(network) == {r["o"] for r in partners}
    assert FLORENCE in network and nx.number_of_edges(network) > 0


@pytest.mark.slow
def test_the_merged_view_finds_a_keep_eu_fact_on_the_canonical_organisation_with_its_source(merged):
    store, config, _ = merged
    rows = _rows(
        store,
        config,
        f"""SELECT ?town ?source WHERE {{
            GRAPH ?g {{ <{STARA_PLANINA}> locn:postName ?town }} GRAPH ?g {{ ?g prov:wasDerivedFrom ?source }} }}""",
    )
    assert {(r["town"], r["source"].removeprefix(str(config.ns.graph)).split("/")[0]) for r in rows} == {
        ("Gabrovo", "keep-eu-interreg-ivc-partners-pgourdongeo")
    }
    # one organisation under two IRIs is counted once by leaving out the members
    counted = _rows(
        store,
        config,
        """SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a coop:Organisation ; rdfs:label ?l
            FILTER(CONTAINS(LCASE(STR(?l)), "stara planina")) FILTER NOT EXISTS { ?o coop:mergedInto [] } }""",
    )
    assert counted[0]["n"] == "1"


@given(st.sampled_from(["INTERREG IVC", "Interreg IVC", "2007 - 2013 Interreg IVC", "Interreg-IVC 2007-2013"]))
def test_spellings_of_one_programme_share_a_key(name):
    assert programme_key(name) == "interreg ivc"


@given(st.integers(1990, 2030), st.integers(1990, 2030))
def test_a_period_is_found_in_a_name_and_a_single_year_is_part_of_the_name(start, end):
    assert periods(f"{start} - {end} Programme") == {f"{start}-{end}"}
    assert programme_key(f"Horizon {start}") == f"horizon {start}"


@pytest.mark.slow
def test_the_timeline_places_undated_projects_by_their_programme_period_marked_apart(merged):
    from kg.network.timeline import network_timeline

    store, config, _ = merged
    timeline = network_timeline(store, config.ns)
    keep_ivc = {p.iri for p in timeline.approximated if p.iri.startswith(f"{ID}keep/project/2007-2013-interreg-ivc")}
    assert keep_ivc and all(p.years is None for p in timeline.approximated)  # keep.eu's file gives no dates
    assert {p.programme_years for p in timeline.approximated if p.iri in keep_ivc} == {(2007, 2013)}
    by_year = {row["year"]: row for row in timeline.rows}
    assert by_year[2013]["by programme"] >= len(keep_ivc) > by_year[2013]["projects"]
    assert all(row["by programme"] == 0 for year, row in by_year.items() if year > 2027)


@pytest.mark.slow
def test_pages_show_one_innocrafts(merged):
    """(Last: the app opens the store itself, so the module's handle is closed.)"""
    store, config, _ = merged
    from api import create_app
    from kg.query.executor import InlineExecutor

    store.close()
    app = create_app(config, executor=InlineExecutor(config))
    client = app.test_client()
    member = client.get("/" + INNO_KEEP.removeprefix("https://w3id.org/coopkg/"))
    assert member.status_code == 303 and member.location.endswith("/id/project/innocrafts")
    page = client.get("/id/project/innocrafts").get_data(as_text=True)
    assert "keep-eu-interreg-ivc-partners-pgourdongeo" in page and "Burgas" in page
    iris, number = [], 1
    while rows := client.get(f"/projects.json?page={number}").get_json()["rows"]:
        iris += [row["iri"] for row in rows]
        number += 1
    assert INNO in iris and INNO_KEEP not in iris and len(iris) == len(set(iris))
    options = client.get("/api/network/options").get_json()["projects"]
    assert [o["value"] for o in options if o["label"] == "INNOCRAFTS"] == [INNO]
