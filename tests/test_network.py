"""Collaboration networks from the graph, their measures, and their exports."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest
from helpers import INNOCRAFTS, bundled_rows

import kg.network.metrics
from kg.cli import cli
from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.build import build_network, write_network
from kg.network.metrics import ego_network, node_metrics, summary

COOP = str(Namespaces().coop)
FLORENCE = "https://w3id.org/coopkg/id/innocrafts/organisation/P01"


def test_doctests_of_the_measures():
    assert doctest.testmod(kg.network.metrics).failed == 0


def test_measures_on_a_small_graph_match_hand_values():
    # a star with a tail: 0 is the hub of 1, 2, 3; 3 leads on to 4
    graph = nx.Graph([(0, 1), (0, 2), (0, 3), (3, 4), (1, 2)])
    rows = {r["node"]: r for r in node_metrics(graph)}
    assert rows[0]["degree"] == 3 and rows[4]["degree"] == 1
    # betweenness of 0: pairs (1,3),(1,4),(2,3),(2,4) go through it: 4 of C(4,2)=6 pairs of the others
    assert rows[0]["betweenness"] == pytest.approx(4 / 6)
    assert rows[3]["betweenness"] == pytest.approx(3 / 6)  # (0,4),(1,4),(2,4)
    assert rows[1]["clustering"] == 1.0 and rows[0]["clustering"] == pytest.approx(1 / 3)
    assert rows[0]["articulation_point"] and rows[3]["articulation_point"] and not rows[1]["articulation_point"]
    assert rows[0]["closeness"] == pytest.approx(4 / 5)  # distances 1, 1, 1, 2
    assert sum(r["pagerank"] for r in rows.values()) == pytest.approx(1.0)


def test_empty_and_disconnected_graphs_do_not_crash():
    assert node_metrics(nx.Graph()) == []
    assert summary(nx.Graph())["nodes"] == 0
    graph = nx.Graph([(1, 2), (3, 4)])
    graph.add_node(5)
    facts = summary(graph)
    assert facts["components"] == 3 and facts["largest_component"] == 2
    assert {r["component"] for r in node_metrics(graph)} == {0, 1, 2}


def test_organisation_network_of_the_bundled_data(bundled_store):
    store, _ = bundled_store
    graph = build_network(store, COOP, "org")
    assert graph.number_of_nodes() == bundled_rows("organisations.csv")
    florence_artex = graph.edges[FLORENCE, "https://w3id.org/coopkg/id/innocrafts/organisation/T01"]
    assert florence_artex["project"] == 2  # INNOCRAFTS and CRAFTS CODE
    assert "project" in florence_artex["kinds"].split(",")
    ranked = sorted(node_metrics(graph), key=lambda r: -r["betweenness"])
    assert FLORENCE in {r["node"] for r in ranked[:10]}


def test_place_and_transfer_networks(bundled_store):
    store, _ = bundled_store
    countries = build_network(store, COOP, "country")
    assert countries.has_edge("IT", "IE") and countries.edges["IT", "IE"]["weight"] >= 2
    transfers = build_network(store, COOP, "transfer")
    assert transfers.is_directed()
    spain = "https://w3id.org/coopkg/id/country/ES"
    assert transfers.has_edge(spain, "https://w3id.org/coopkg/id/city/florence")
    bipartite = build_network(store, COOP, "bipartite")
    assert bipartite.degree("https://w3id.org/coopkg/id/project/innocrafts") == 16
    assert FLORENCE in ego_network(build_network(store, COOP, "org"), FLORENCE, 1)


def test_unknown_kind_is_a_clear_error(bundled_store):
    with pytest.raises(KGError, match="unknown network kind 'people'"):
        build_network(bundled_store[0], COOP, "people")


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
def test_exports_read_back(bundled_store, tmp_path, fmt):
    graph = build_network(bundled_store[0], COOP, "org")
    path = tmp_path / f"org.{fmt}"
    write_network(graph, fmt, path)
    if fmt == "gexf":
        back = nx.read_gexf(path)
    elif fmt == "graphml":
        back = nx.read_graphml(path)
    elif fmt == "json":
        import json

        back = nx.node_link_graph(json.loads(path.read_text()), edges="links")
    else:
        back = nx.read_edgelist(path.read_text().splitlines()[1:], delimiter=",", data=False)
        assert (tmp_path / "org-nodes.csv").read_text().count("\n") == graph.number_of_nodes() + 1
        back.add_nodes_from(graph.nodes)
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()


@pytest.mark.slow
def test_kg_network_commands(runner, tmp_path):
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["network", "metrics", "--top", "15"])
    assert result.exit_code == 0, result.output
    assert "Municipality of Florence" in result.output and "communities (Louvain" in result.output
    out = tmp_path / "net.gexf"
    assert runner.invoke(cli, ["network", "--kind", "city", "-f", "gexf", "-o", str(out)]).exit_code == 0
    assert nx.read_gexf(out).number_of_nodes() > 5


@pytest.mark.slow
def test_measures_are_saved_into_the_graph_and_queryable(runner):
    from kg.config import Config
    from kg.store import open_store

    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["network", "metrics", "--save"])
    assert result.exit_code == 0 and "saved into the graph" in result.output
    again = runner.invoke(cli, ["network", "metrics", "--save"])  # replaced, not added twice
    assert again.exit_code == 0
    with open_store(Config().store) as store:
        rows = list(
            store.query("""
            PREFIX coop: <https://w3id.org/coopkg/ontology#>
            SELECT ?v ?params WHERE {
              <https://w3id.org/coopkg/id/innocrafts/organisation/P01> coop:measurement ?m .
              ?m coop:measure <https://w3id.org/coopkg/scheme/network-measure/betweenness> ; coop:value ?v ;
                 <http://www.w3.org/ns/prov#wasGeneratedBy> ?a .
              ?a coop:parameters ?params }""")
        )
        graph = build_network(store, COOP, "org")
    assert len(rows) == 1
    expected = next(r["betweenness"] for r in node_metrics(graph) if r["node"] == FLORENCE)
    assert float(rows[0]["v"].value) == pytest.approx(expected)
    assert '"seed": 42' in rows[0]["params"].value


def test_recommendations_are_explained(bundled_store):
    from kg.network.recommend import recommend_partners, recommend_practices, resolve_organisation

    store, _ = bundled_store
    graph = build_network(store, COOP, "org")
    reims = resolve_organisation(store, COOP, "P12")
    practices = recommend_practices(store, COOP, reims, top=3)
    assert practices and all(r.why for r in practices)
    assert practices[0].label == "Building Craft and Design Enterprise (BCDE) programme"  # 2 transfers, near owner
    partners = recommend_partners(store, COOP, reims, top=3)
    assert partners and not any(graph.has_edge(reims, p.iri) for p in partners)
    top = partners[0]
    shared = len(list(nx.common_neighbors(graph, reims, top.iri)))
    assert f"shares {shared} partners" in top.why
    assert top.score == pytest.approx(next(s for _, _, s in nx.adamic_adar_index(graph, [(reims, top.iri)])), abs=1e-3)
    florence_practices = {r.iri for r in recommend_practices(store, COOP, FLORENCE, top=50)}
    assert not any(p.endswith("CC-GP02") for p in florence_practices)  # its own practices are left out


@pytest.mark.parametrize("org", ["P01", "P12", "P05"])
def test_partner_recommendations_are_networkx_s_adamic_adar_ranking(bundled_store, org):
    """Every organisation not yet linked, scored by networkx's Adamic-Adar index: the recommendations are its
    best, in its order, with its scores (ties by name)."""
    from kg.network.recommend import recommend_partners, resolve_organisation

    store, _ = bundled_store
    graph = build_network(store, COOP, "org")
    me = resolve_organisation(store, COOP, org)
    pairs = [(me, other) for other in graph if other != me and not graph.has_edge(me, other)]
    scored = [(round(s, 3), graph.nodes[v].get("label", v), v) for _, v, s in nx.adamic_adar_index(graph, pairs)]
    expected = sorted((t for t in scored if t[0] > 0), key=lambda t: (-t[0], t[1]))[:5]
    got = recommend_partners(store, COOP, me, top=5)
    assert [(r.score, r.iri) for r in got] == [(score, iri) for score, _, iri in expected]


@pytest.mark.slow
def test_unknown_organisation_is_a_clear_error(bundled_store, runner):
    from kg.network.recommend import resolve_organisation

    with pytest.raises(KGError, match="no organisation has the id or IRI 'P99'"):
        resolve_organisation(bundled_store[0], COOP, "P99")
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["network", "recommend", 'P1"'])
    assert result.exit_code == 1 and "no organisation" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_networks_per_year(bundled_store, runner):
    store, _ = bundled_store
    p04, p06 = (f"https://w3id.org/coopkg/id/innocrafts/organisation/{i}" for i in ("P04", "P06"))
    in_2013 = build_network(store, COOP, "org", year=2013)
    assert in_2013.edges[p04, p06]["project"] == 2  # INNOCRAFTS and REGIO-CRAFTS both ran in 2013
    in_2016 = build_network(store, COOP, "org", year=2016)
    assert in_2016.number_of_edges() == 0 and in_2016.number_of_nodes() == bundled_rows("organisations.csv")
    with pytest.raises(KGError, match="not 'transfer'"):
        build_network(store, COOP, "transfer", year=2013)
    # the bundled projects only: URBACT's networks (dated by coop:startYear) would be linked in 2013 too
    assert runner.invoke(cli, ["build", "-q", *map(str, INNOCRAFTS)]).exit_code == 0
    result = runner.invoke(cli, ["network", "timeline"])
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:] if line[:4].isdigit()}
    assert lines["2013"][2] == "20" and lines["2016"][2] == "0"  # year, projects, linked organisations


@pytest.mark.slow
def test_analysis_straight_into_igraph_equals_the_networkx_route_and_is_cached(built, tmp_path):
    from kg.ingest.loader import load
    from kg.network.build import analyse_network, organisation_igraph

    store, config = built
    graph = build_network(store, COOP, "org")
    g, nodes, labels = organisation_igraph(store, COOP)
    assert set(nodes) == set(graph.nodes) and g.ecount() == graph.number_of_edges()
    for edge in g.es:
        a, b = nodes[edge.source], nodes[edge.target]
        assert graph.edges[a, b]["weight"] == edge["weight"]
    assert labels[nodes.index(FLORENCE)] == graph.nodes[FLORENCE]["label"]
    expected = {r["node"]: r for r in node_metrics(graph)}
    for row in analyse_network(store, COOP, "org").rows:
        for measure in ("degree", "weighted_degree", "betweenness", "closeness", "clustering", "constraint"):
            assert row[measure] == pytest.approx(expected[row["node"]][measure]), measure
    cached = store.cache_dir()
    assert (cached is not None) == config.store.startswith("oxigraph:")
    if cached is not None:
        assert list(cached.glob("org-network-*.npz")) and list(cached.glob("org-analysis-*.json"))
        again = analyse_network(store, COOP, "org")  # read back: the same measures
        assert again.rows == analyse_network(store, COOP, "org").rows and again.summary["nodes"] == bundled_rows(
            "organisations.csv"
        )
        assert organisation_igraph(store, COOP)[0].get_edgelist() == g.get_edgelist()  # read back
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "organisations.csv").write_text(
        "id,name,type,country,source_url\nX1,Extra Craft Agency,public-body,IT,https://example.org/x\n"
    )
    load(store, config, [extra])
    assert len(organisation_igraph(store, COOP)[1]) == len(nodes) + 1  # a new state of the data: no stale cache
