"""Network measures a researcher expects, one row per node plus a summary.

The graphs are networkx graphs; the measures are computed by igraph (C) on a copy, and Burt's constraint by
a compiled kernel (numba), so that the 31,665-organisation H2020 network is analysed in seconds rather than
minutes. Values equal networkx's definitions (its normalisations included):

- betweenness and closeness are exact up to `EXACT_LIMIT` nodes; above it both are estimated from `k`
  seeded pivots (the same sampling networkx's ``betweenness_centrality(k=...)`` does; closeness from the
  pivots' distances, Eppstein and Wang's estimator);
- communities are Louvain's, seeded so that runs repeat;
- directed networks use their undirected view for clustering, communities, components, brokers and
  constraint.

Examples
--------
>>> import networkx as nx
>>> rows = node_metrics(nx.path_graph(3))
>>> [(r["node"], r["degree"], r["degree_centrality"], round(r["betweenness"], 2)) for r in rows]
[(0, 1, 0.5, 0.0), (1, 2, 1.0, 1.0), (2, 1, 0.5, 0.0)]
>>> summary(nx.Graph())["nodes"]
0
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numba
import numpy as np

__all__ = [
    "EXACT_LIMIT",
    "SAMPLE_PIVOTS",
    "Analysis",
    "analyse",
    "analyse_igraph",
    "node_metrics",
    "summary",
    "ego_network",
    "layout",
]

EXACT_LIMIT = 5000
#: Pivots for betweenness and closeness above EXACT_LIMIT nodes.
SAMPLE_PIVOTS = 50


@dataclass
class Analysis:
    """The measures of every node, the network's summary, and how they were computed (for provenance)."""

    rows: list[dict]
    summary: dict
    parameters: dict = field(default_factory=dict)


def _undirected(graph: nx.Graph) -> nx.Graph:
    return graph.to_undirected(as_view=True) if graph.is_directed() else graph


def _to_igraph(graph: nx.Graph) -> tuple[list, ig.Graph]:
    """The graph in igraph, nodes in networkx's order, edge weights (default 1) kept."""
    nodes = list(graph)
    index = {n: i for i, n in enumerate(nodes)}
    edges, weights = [], []
    for u, v, w in graph.edges(data="weight", default=1):
        edges.append((index[u], index[v]))
        weights.append(w)
    converted = ig.Graph(n=len(nodes), edges=edges, directed=graph.is_directed(), edge_attrs={"weight": weights})
    return nodes, converted


def _seeded(seed: int):
    """igraph draws from Python's `random` by default: give it its own seeded generator for one call."""

    class _Scope:
        def __enter__(self):
            ig.set_random_number_generator(random.Random(seed))

        def __exit__(self, *exc):
            ig.set_random_number_generator(random)

    return _Scope()


def _louvain(undirected: ig.Graph, seed: int) -> list[int]:
    """Louvain communities numbered by size, largest first (ties by first member)."""
    with _seeded(seed):
        membership = undirected.community_multilevel(weights="weight").membership
    sizes: dict[int, list[int]] = {}
    for node, c in enumerate(membership):
        sizes.setdefault(c, []).append(node)
    order = sorted(sizes, key=lambda c: (-len(sizes[c]), sizes[c][0]))
    renumber = {c: i for i, c in enumerate(order)}
    return [renumber[c] for c in membership]


def _components(undirected: ig.Graph) -> list[int]:
    comps = sorted(undirected.connected_components(), key=lambda c: (-len(c), c[0]))
    result = [0] * undirected.vcount()
    for i, comp in enumerate(comps):
        for node in comp:
            result[node] = i
    return result


# Burt's constraint from the graph's triangles, compiled by numba (cached on disk after the first run).
# The indirect term p_iq * p_qj is non-zero only when i, q and j form a triangle, so the kernel lists each
# triangle once (the forward algorithm: edges point from lower to higher degree) instead of walking every
# neighbour's neighbours, which costs the sum of squared degrees (749M steps on the H2020 network).
@numba.njit(cache=True, nogil=True)
def _constraint_kernel(indptr, p, reverse, forward_ptr, forward_node, forward_pos):  # pragma: no cover - compiled
    n = len(indptr) - 1
    indirect = np.zeros(len(p))
    slot = np.full(n, -1)  # for w in forward(u): the position of the edge u-w
    for u in range(n):
        for a in range(forward_ptr[u], forward_ptr[u + 1]):
            slot[forward_node[a]] = forward_pos[a]
        for a in range(forward_ptr[u], forward_ptr[u + 1]):
            v, uv = forward_node[a], forward_pos[a]
            vu = reverse[uv]
            for b in range(forward_ptr[v], forward_ptr[v + 1]):
                uw = slot[forward_node[b]]
                if uw >= 0:  # u, v, w form a triangle: each pair gains a path through the third
                    vw = forward_pos[b]
                    wu, wv = reverse[uw], reverse[vw]
                    indirect[uv] += p[uw] * p[wv]
                    indirect[vu] += p[vw] * p[wu]
                    indirect[uw] += p[uv] * p[vw]
                    indirect[wu] += p[wv] * p[vu]
                    indirect[vw] += p[vu] * p[uw]
                    indirect[wv] += p[wu] * p[uv]
        for a in range(forward_ptr[u], forward_ptr[u + 1]):
            slot[forward_node[a]] = -1
    out = np.full(n, np.nan)
    for i in range(n):
        if indptr[i] < indptr[i + 1]:
            total = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                total += (p[k] + indirect[k]) ** 2
            out[i] = total
    return out


def constraint(undirected: ig.Graph) -> np.ndarray:
    """Burt's constraint of every node (networkx's definition; NaN for isolated nodes).

    c(i) = sum over neighbours j of (p_ij + sum over q of p_iq * p_qj)^2, p_ij = w_ij / strength(i).
    """
    n = undirected.vcount()
    if undirected.ecount() == 0:
        return np.full(n, np.nan)
    pairs = np.array(undirected.get_edgelist(), dtype=np.int64)
    weights = np.asarray(undirected.es["weight"], dtype=float)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    values = np.concatenate([weights, weights])
    order = np.lexsort((cols, rows))  # CSR: by row, then column
    rows, cols, values = rows[order], cols[order], values[order]
    reverse = np.empty(len(rows), dtype=np.int64)
    reverse[np.lexsort((rows, cols))] = np.arange(len(rows))  # the position of (j, i) for each (i, j)
    strength = np.bincount(rows, weights=values, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), np.diff(indptr)))] = np.arange(n)
    forward = np.nonzero(rank[cols] > rank[rows])[0]
    forward_ptr = np.concatenate([[0], np.cumsum(np.bincount(rows[forward], minlength=n))])
    return _constraint_kernel(indptr, values / strength[rows], reverse, forward_ptr, cols[forward], forward)


def _pivots(n: int, k: int, seed: int) -> list[int]:
    return sorted(random.Random(seed).sample(range(n), k))


def _betweenness(g: ig.Graph, pivots: list[int] | None) -> list[float]:
    """Normalised as networkx (3.6) does: by the number of ordered pairs of other nodes; from k sampled
    sources, by k (n - 2), or (k - 1)(n - 2) for the sources themselves."""
    n = g.vcount()
    if n <= 2:
        return [0.0] * n
    raw = g.betweenness(directed=g.is_directed(), sources=pivots)
    ordered = 1.0 if g.is_directed() else 2.0  # igraph counts an undirected pair once, networkx twice
    if pivots is None:
        return [b * ordered / ((n - 1) * (n - 2)) for b in raw]
    k, sources = len(pivots), set(pivots)
    if k == 1:
        return [math.nan if i in sources else b * ordered / (n - 2) for i, b in enumerate(raw)]
    return [b * ordered / ((k - 1 if i in sources else k) * (n - 2)) for i, b in enumerate(raw)]


def _closeness(g: ig.Graph, components: list[int], pivots: list[int] | None) -> list[float]:
    """networkx's closeness of an undirected graph (Wasserman-Faust scaled when it is disconnected).

    With pivots, nodes in components of more than EXACT_LIMIT nodes get an estimate from the pivots'
    distances (incoming distances when directed); smaller components are still exact, since a few
    pivots say little about them."""
    n = g.vcount()
    if n <= 1:
        return [0.0] * n
    sizes = np.bincount(components)

    def exact(vertices: list[int] | None) -> list[float]:
        within = g.closeness(vertices=vertices, mode="all", normalized=True)
        chosen = range(n) if vertices is None else vertices
        scaled = zip(chosen, within, strict=True)  # Wasserman-Faust: by the share of nodes reachable
        return [0.0 if c != c else c * (sizes[components[i]] - 1) / (n - 1) for i, c in scaled]

    if pivots is None:
        return exact(None)
    distances = np.array(g.distances(source=pivots, mode="out"), dtype=float)
    reached = np.isfinite(distances) & (distances > 0)
    count = reached.sum(axis=0)
    mean = np.where(reached, distances, 0.0).sum(axis=0) / np.maximum(count, 1)
    if g.is_directed():
        reachable = np.maximum(2, np.rint(count / len(pivots) * n))
    else:
        reachable = sizes[components]
    estimate = np.where(count > 0, (reachable - 1) / (n - 1) / np.where(count > 0, mean, 1.0), 0.0)
    if not g.is_directed():
        small = [i for i in range(n) if sizes[components[i]] <= EXACT_LIMIT]
        estimate[small] = exact(small)
    return estimate.tolist()


def analyse(graph: nx.Graph, *, seed: int = 42, k: int | None = None) -> Analysis:
    """Degree (raw, and normalised as networkx's degree centrality: degree / (n - 1)), weighted degree,
    betweenness, closeness, PageRank, clustering, component, community, articulation point and Burt's
    constraint for every node, and the summary, in one pass.

    `k` forces sampled betweenness and closeness with k pivots; by default they are exact up to EXACT_LIMIT
    nodes and use SAMPLE_PIVOTS pivots above it.
    """
    nodes, g = _to_igraph(graph)
    labels = [data.get("label", str(node)) for node, data in graph.nodes(data=True)]
    exact_closeness = None
    if graph.is_directed() and graph.number_of_nodes() <= EXACT_LIMIT and k is None:
        exact_closeness = nx.closeness_centrality(graph)  # small transfer graphs: networkx's reachable sets
    return analyse_igraph(g, nodes, labels, seed=seed, k=k, closeness=exact_closeness)


def analyse_igraph(
    g: ig.Graph, nodes: list, labels: list[str], *, seed: int = 42, k: int | None = None, closeness: dict | None = None
) -> Analysis:
    """`analyse` for a graph already in igraph (edge attribute "weight"); `nodes` and `labels` name its
    vertices in order. The network commands build large networks straight into igraph."""
    n = g.vcount()
    parameters: dict = {"seed": seed, "communities": "Louvain (igraph multilevel)"}
    if n == 0:
        return Analysis([], summary(nx.Graph()), parameters)
    undirected = g.as_undirected(combine_edges={"weight": "sum"}) if g.is_directed() else g
    sample = None if n <= EXACT_LIMIT and k is None else min(k or SAMPLE_PIVOTS, n)
    pivots = _pivots(n, sample, seed) if sample else None
    parameters["betweenness"] = parameters["closeness"] = f"sampled, k={sample} pivots" if sample else "exact"
    components = _components(undirected)
    communities = _louvain(undirected, seed)
    betweenness = _betweenness(g, pivots)
    if closeness is not None:
        closeness_values = [closeness[node] for node in nodes]
    else:
        closeness_values = _closeness(g, components, pivots)
    pagerank = g.pagerank(weights="weight", directed=g.is_directed())
    clustering = undirected.transitivity_local_undirected(mode="zero")
    articulation = set(undirected.articulation_points())
    degree = undirected.degree()
    strength = undirected.strength(weights="weight")
    burt = constraint(undirected)
    rows = [
        {
            "node": node,
            "label": labels[i],
            "degree": degree[i],
            "degree_centrality": degree[i] / (n - 1) if n > 1 else 0.0,
            "weighted_degree": _number(strength[i]),
            "betweenness": betweenness[i],
            "closeness": closeness_values[i],
            "pagerank": pagerank[i],
            "clustering": clustering[i],
            "component": components[i],
            "community": communities[i],
            "articulation_point": i in articulation,
            "constraint": None if np.isnan(burt[i]) else float(burt[i]),
        }
        for i, node in enumerate(nodes)
    ]
    return Analysis(rows, _facts(g, undirected, components, communities), parameters)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _facts(g: ig.Graph, undirected: ig.Graph, components: list[int], communities: list[int]) -> dict:
    sizes = np.bincount(components)
    return {
        "nodes": g.vcount(),
        "edges": g.ecount(),
        "density": g.density(),
        "components": len(sizes),
        "largest_component": int(sizes.max()),
        "communities": max(communities) + 1,
        "modularity": undirected.modularity(communities, weights="weight"),
    }


def node_metrics(graph: nx.Graph, *, seed: int = 42, k: int | None = None) -> list[dict]:
    """The measures of every node (see `analyse`)."""
    return analyse(graph, seed=seed, k=k).rows


def summary(graph: nx.Graph, *, seed: int = 42) -> dict:
    """Size, density, components, communities and their modularity (no per-node measures)."""
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
    _, g = _to_igraph(graph)
    undirected = g.as_undirected(combine_edges={"weight": "sum"}) if g.is_directed() else g
    return _facts(g, undirected, _components(undirected), _louvain(undirected, seed))


def layout(graph: nx.Graph, *, seed: int = 42) -> dict:
    """Positions for drawing (Fruchterman-Reingold, igraph's C implementation, seeded): a browser
    laying out thousands of nodes itself takes far too long."""
    if graph.number_of_nodes() == 0:
        return {}
    nodes, g = _to_igraph(graph)
    undirected = g.as_undirected() if g.is_directed() else g
    with _seeded(seed):
        coords = undirected.layout_fruchterman_reingold(grid="auto").coords
    return {node: (x, y) for node, (x, y) in zip(nodes, coords, strict=True)}


def ego_network(graph: nx.Graph, node: str, radius: int = 2) -> nx.Graph:
    """The node and everything within `radius` hops of it."""
    return nx.ego_graph(_undirected(graph), node, radius=radius)
