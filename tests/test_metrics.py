"""The measures of kg.network.metrics (igraph and a compiled kernel underneath) against plain networkx."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import kg.network.metrics
from kg.network.metrics import analyse


def _weighted_test_graph() -> nx.Graph:
    """A small-world graph with integer weights, plus a separate path, a triangle and an isolated node."""
    graph = nx.connected_watts_strogatz_graph(300, 6, 0.1, seed=7)
    rng = np.random.default_rng(7)
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = int(rng.integers(1, 5))
    graph.add_weighted_edges_from([(1000, 1001, 2), (1001, 1002, 1), (2000, 2001, 1), (2001, 2002, 3), (2002, 2000, 1)])
    graph.add_node(3000)
    return graph


@pytest.fixture(scope="module")
def graph() -> nx.Graph:
    return _weighted_test_graph()


@pytest.fixture(scope="module")
def rows(graph) -> dict:
    return {r["node"]: r for r in analyse(graph).rows}


def test_deterministic_measures_equal_networkx(graph, rows):
    expected = {
        "degree": dict(graph.degree()),
        "weighted_degree": dict(graph.degree(weight="weight")),
        "betweenness": nx.betweenness_centrality(graph),
        "closeness": nx.closeness_centrality(graph),
        "pagerank": nx.pagerank(graph, weight="weight", tol=1e-10, max_iter=1000),
        "clustering": nx.clustering(graph),
    }
    for measure, values in expected.items():
        for node, value in values.items():
            # igraph solves PageRank exactly (PRPACK); networkx iterates to a tolerance
            rel = 1e-5 if measure == "pagerank" else 1e-9
            assert rows[node][measure] == pytest.approx(value, rel=rel, abs=1e-12), (measure, node)
    assert {n for n, r in rows.items() if r["articulation_point"]} == set(nx.articulation_points(graph))


def test_constraint_equals_networkx_weighted(graph, rows):
    expected = nx.constraint(graph, weight="weight")
    for node, value in expected.items():
        if math.isnan(value):
            assert rows[node]["constraint"] is None  # the isolated node
        else:
            assert rows[node]["constraint"] == pytest.approx(value, rel=1e-9), node


def test_components_and_summary(graph, rows):
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    for i, component in enumerate(components[:2]):
        assert {rows[n]["component"] for n in component} == {i}
    facts = analyse(graph).summary
    assert facts["components"] == 4 and facts["largest_component"] == 300
    assert facts["nodes"] == graph.number_of_nodes() and facts["edges"] == graph.number_of_edges()
    assert facts["density"] == pytest.approx(nx.density(graph))


def test_louvain_is_seeded_and_as_good_as_networkx(graph):
    first, second = analyse(graph, seed=3), analyse(graph, seed=3)
    assert [r["community"] for r in first.rows] == [r["community"] for r in second.rows]
    communities: dict[int, set] = {}
    for r in first.rows:
        communities.setdefault(r["community"], set()).add(r["node"])
    ours = nx.community.modularity(graph, communities.values(), weight="weight")
    assert first.summary["modularity"] == pytest.approx(ours)
    theirs = nx.community.modularity(
        graph, nx.community.louvain_communities(graph, weight="weight", seed=3), weight="weight"
    )
    assert ours == pytest.approx(theirs, abs=0.02)  # Louvain is greedy: stated tolerance 0.02


@pytest.mark.parametrize("directed", [False, True])
def test_sampled_betweenness_equals_networkx_with_the_same_seed(directed):
    graph = nx.connected_watts_strogatz_graph(400, 6, 0.1, seed=1)
    if directed:
        graph = nx.DiGraph((a, b) if (a + b) % 3 else (b, a) for a, b in graph.edges)
    ours = {r["node"]: r["betweenness"] for r in analyse(graph, k=20, seed=5).rows}
    theirs = nx.betweenness_centrality(graph, k=20, seed=5)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_sampled_closeness_is_within_its_stated_tolerance(monkeypatch):
    monkeypatch.setattr(kg.network.metrics, "EXACT_LIMIT", 500)  # estimate the 3,000-node component
    graph = nx.connected_watts_strogatz_graph(3000, 6, 0.05, seed=1)
    nx.add_path(graph, range(5000, 5031))  # a small component: computed exactly even when sampling
    result = analyse(graph)
    assert result.parameters["closeness"] == "sampled, k=50 pivots"
    exact = nx.closeness_centrality(graph)
    errors = np.array([abs(r["closeness"] - exact[r["node"]]) / exact[r["node"]] for r in result.rows])
    assert errors.mean() < 0.05 and errors.max() < 0.2
    small = [r for r in result.rows if r["node"] >= 5000]
    assert all(r["closeness"] == pytest.approx(exact[r["node"]]) for r in small)


def test_directed_transfer_like_graph():
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "c")])
    rows = {r["node"]: r for r in analyse(graph).rows}
    closeness = nx.closeness_centrality(graph)
    betweenness = nx.betweenness_centrality(graph)
    for node in graph:
        assert rows[node]["closeness"] == pytest.approx(closeness[node])
        assert rows[node]["betweenness"] == pytest.approx(betweenness[node])
    assert rows["c"]["degree"] == 3  # the undirected view


def test_single_node_and_edgeless_graphs():
    assert analyse(nx.Graph()).rows == []
    lone = analyse(nx.empty_graph(3)).rows
    assert [r["degree"] for r in lone] == [0, 0, 0] and all(r["constraint"] is None for r in lone)
    assert analyse(nx.Graph([(1, 2)])).summary["communities"] == 1
