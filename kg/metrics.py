"""Network measures a researcher expects, computed with networkx, one row per node plus a summary.

Betweenness is exact up to `EXACT_LIMIT` nodes and sampled (k pivots, seeded) above it; communities
are Louvain's, seeded so that runs repeat. Directed networks use their undirected view for clustering,
communities, components and brokers.

Examples
--------
>>> import networkx as nx
>>> rows = node_metrics(nx.path_graph(3))
>>> [(r["node"], r["degree"], round(r["betweenness"], 2)) for r in rows]
[(0, 1, 0.0), (1, 2, 1.0), (2, 1, 0.0)]
>>> summary(nx.Graph())["nodes"]
0
"""

from __future__ import annotations

import networkx as nx

__all__ = ["EXACT_LIMIT", "node_metrics", "summary", "ego_network"]

EXACT_LIMIT = 5000


def _undirected(graph: nx.Graph) -> nx.Graph:
    return graph.to_undirected(as_view=True) if graph.is_directed() else graph


def node_metrics(graph: nx.Graph, *, seed: int = 42, k: int | None = None) -> list[dict]:
    """Degree, weighted degree, betweenness, closeness, PageRank, clustering, component, community,
    articulation point and Burt's constraint, for every node.

    Notes
    -----
    Betweenness is O(nm) exact; above EXACT_LIMIT nodes it uses `k` (default 500) sampled pivots.
    Constraint is only computed up to EXACT_LIMIT nodes (None above).
    """
    if graph.number_of_nodes() == 0:
        return []
    undirected = _undirected(graph)
    n = graph.number_of_nodes()
    sample = None if n <= EXACT_LIMIT and k is None else min(k or 500, n)
    betweenness = nx.betweenness_centrality(graph, k=sample, seed=seed if sample else None, normalized=True)
    closeness = nx.closeness_centrality(graph)
    pagerank = nx.pagerank(graph, weight="weight")
    clustering = nx.clustering(undirected)
    components = {
        node: i
        for i, comp in enumerate(sorted(nx.connected_components(undirected), key=len, reverse=True))
        for node in comp
    }
    communities = {
        node: i
        for i, comm in enumerate(
            sorted(nx.community.louvain_communities(undirected, weight="weight", seed=seed), key=len, reverse=True)
        )
        for node in comm
    }
    articulation = set(nx.articulation_points(undirected))
    constraint = nx.constraint(undirected) if n <= EXACT_LIMIT else {}
    rows = []
    for node, data in graph.nodes(data=True):
        rows.append(
            {
                "node": node,
                "label": data.get("label", str(node)),
                "degree": undirected.degree(node),
                "weighted_degree": undirected.degree(node, weight="weight"),
                "betweenness": betweenness[node],
                "closeness": closeness[node],
                "pagerank": pagerank[node],
                "clustering": clustering[node],
                "component": components[node],
                "community": communities[node],
                "articulation_point": node in articulation,
                "constraint": constraint.get(node),
            }
        )
    return rows


def summary(graph: nx.Graph, *, seed: int = 42) -> dict:
    """Size, density, components, communities and their modularity."""
    undirected = _undirected(graph)
    if graph.number_of_nodes() == 0:
        return {
            "nodes": 0,
            "edges": 0,
            "density": 0.0,
            "components": 0,
            "largest_component": 0,
            "communities": 0,
            "modularity": 0.0,
        }
    communities = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    components = list(nx.connected_components(undirected))
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "density": nx.density(graph),
        "components": len(components),
        "largest_component": max(len(c) for c in components),
        "communities": len(communities),
        "modularity": nx.community.modularity(undirected, communities, weight="weight"),
    }


def ego_network(graph: nx.Graph, node: str, radius: int = 2) -> nx.Graph:
    """The node and everything within `radius` hops of it."""
    return nx.ego_graph(_undirected(graph), node, radius=radius)
