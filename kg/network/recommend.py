"""Recommendations for one organisation: good practices worth studying, and potential new partners.

Practices score on three things, each explained (a kg.reasons.Reason, said in English by `why` and in the
reader's language by the pages): a theme the organisation already works on
(through its own practices or the events it hosted), proven transfers of the practice elsewhere, and
network distance to the practice's owner (near owners are easier to learn from). Partners are
predicted with the Adamic-Adar index over the collaboration network (shared partners, the rarer the
better), with the shared partners and themes named. Both walk the network in igraph (the kernel of the
Horizon 2020 network's analysis), so an organisation page of a large import needs no networkx graph.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import igraph as ig
import numpy as np
import scipy.sparse as sp

from kg.errors import AmbiguousId, NotFound
from kg.namespaces import CROSSWALK, one_of
from kg.network.build import organisation_igraph
from kg.reasons import Reason, english
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["Network", "Recommendation", "resolve_organisation", "recommend_practices", "recommend_partners"]


@dataclass(frozen=True)
class Network:
    """The organisation network as `organisation_igraph` gives it (the graph, its vertices' IRIs and labels),
    with its adjacency as a sparse matrix and each vertex's Adamic-Adar weight, 1 / log(degree): made once
    (half a second on H2020) so that each organisation's scores are one sparse row product."""

    graph: ig.Graph
    nodes: list[str]
    labels: list[str]
    adjacency: sp.csr_array
    weights: np.ndarray

    @classmethod
    def of(cls, graph: ig.Graph, nodes: list[str], labels: list[str]) -> Network:
        n = graph.vcount()
        edges = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        rows, cols = np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]]
        adjacency = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        adjacency.data[:] = 1.0  # a pair linked by several projects is one neighbour
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        weights = np.where(degree > 1, 1.0 / np.log(np.maximum(degree, 2)), 0.0)
        return cls(graph, nodes, labels, adjacency, weights)

    @classmethod
    def read(cls, store: Store, coop: str) -> Network:
        return cls.of(*organisation_igraph(store, coop))


_PREFIXES = """PREFIX coop: <{coop}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
#: a concept an organisation or practice has, and (``via`` "crosswalk") the concepts another programme's list maps
#: it to in the crosswalk: an URBACT city's "Culture and heritage" meets INNOCRAFTS' themes
_CONCEPT = f"""{{ ?c skos:prefLabel ?theme BIND("own" AS ?via) }}
  UNION {{ ?c ?match ?x . {one_of("?match", CROSSWALK)} ?x skos:prefLabel ?theme BIND("crosswalk" AS ?via) }}
  FILTER(LANG(?theme) = "" || LANGMATCHES(LANG(?theme), "en"))"""
_THEMES = f"""SELECT ?o ?theme ?via WHERE {{
  {{ ?p coop:owner ?o ; coop:theme ?c }} UNION {{ ?e coop:hostedBy ?o ; coop:theme ?c }}
  {_CONCEPT}
}}"""
_PRACTICES = """SELECT ?practice ?title ?owner (COUNT(DISTINCT ?transfer) AS ?transfers) WHERE {
  ?practice a coop:GoodPractice ; rdfs:label ?title .
  OPTIONAL { ?practice coop:owner ?owner }
  OPTIONAL { ?transfer coop:sourcePractice ?practice }
} GROUP BY ?practice ?title ?owner"""
_PRACTICE_THEMES = f"""SELECT ?practice ?theme ?via WHERE {{
  ?practice a coop:GoodPractice ; coop:theme ?c .
  {_CONCEPT}
}}"""


@dataclass(frozen=True)
class Recommendation:
    iri: str
    label: str
    score: float
    reasons: tuple[Reason, ...] = ()

    @property
    def why(self) -> str:
        """The reasons in English, in one line."""
        return english(self.reasons)


def _values(store: Store, coop: str, query: str) -> list[dict[str, str]]:
    return select_rows(store, _PREFIXES.format(coop=coop) + query)


def resolve_organisation(store: Store, coop: str, key: str) -> str:
    """An organisation's IRI from its IRI or its id (e.g. P01); a clear error when there is none."""
    import pyoxigraph as ox

    prefixes = _PREFIXES.format(coop=coop)
    if key.startswith(("http://", "https://")):
        query, bound = "SELECT ?o WHERE { ?o a coop:Organisation }", {"o": ox.NamedNode(key)}
    else:
        query, bound = (
            "SELECT ?o ?key WHERE { ?o a coop:Organisation ; dcterms:identifier ?key }",
            {"key": ox.Literal(key)},
        )
    found = sorted({row["o"].value for row in store.query(prefixes + query, substitutions=bound)})
    if not found:
        raise NotFound(f"no organisation has the id or IRI '{key}'")
    if len(found) > 1:
        raise AmbiguousId(f"several organisations have the id '{key}': {', '.join(found)}; give the IRI")
    return found[0]


def _by_subject(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, bool]]:
    """subject -> theme label -> whether it was reached only through the crosswalk."""
    themes: dict[str, dict[str, bool]] = {}
    for r in rows:
        labels = themes.setdefault(r[key], {})
        labels[r["theme"]] = labels.get(r["theme"], True) and r["via"] == "crosswalk"
    return themes


def _themes(store: Store, coop: str) -> dict[str, dict[str, bool]]:
    """Each organisation's themes (of its practices and the events it hosted), crosswalk included."""
    return _by_subject(_values(store, coop, _THEMES), "o")


def _shared(mine: dict[str, bool], theirs: dict[str, bool]) -> Reason:
    """The themes two sides share; whether one was reached through the crosswalk."""
    shared = sorted(set(mine) & set(theirs))
    return Reason("theme", {"themes": shared, "crosswalk": any(mine[t] or theirs[t] for t in shared)})


def _network(store: Store, coop: str, network: Network | None) -> tuple[Network, dict[str, int]]:
    network = network if network is not None else Network.read(store, coop)
    return network, {n: i for i, n in enumerate(network.nodes)}


def recommend_practices(
    store: Store, coop: str, organisation: str, top: int = 5, *, network: Network | None = None
) -> list[Recommendation]:
    """The good practices most worth studying for `organisation`, its own left out. `network` is the
    organisation network as `organisation_igraph` gives it (read from the store's cache when not given)."""
    mine = _themes(store, coop).get(organisation, {})
    practice_themes = _by_subject(_values(store, coop, _PRACTICE_THEMES), "practice")
    network, index = _network(store, coop, network)
    graph, nodes = network.graph, network.nodes
    distances: dict[str, int] = {}
    if organisation in index:
        row = graph.distances(source=index[organisation])[0]
        distances = {nodes[j]: int(d) for j, d in enumerate(row) if d != float("inf")}
    result = []
    for p in _values(store, coop, _PRACTICES):
        if p["owner"] == organisation:
            continue
        themes = practice_themes.get(p["practice"], {})
        shared = set(themes) & set(mine)
        transfers = int(p["transfers"])
        hops = distances.get(p["owner"])
        score = 2.0 * len(shared) + 1.5 * transfers + (1.0 / hops if hops else 0.0)
        if score == 0:
            continue
        why = []
        if shared:
            why.append(_shared(mine, themes))
        if transfers:
            why.append(Reason("transferred", {"count": transfers}))
        if hops:
            why.append(Reason("direct_partner") if hops == 1 else Reason("steps_away", {"count": hops}))
        result.append(Recommendation(p["practice"], p["title"], round(score, 3), tuple(why)))
    return sorted(result, key=lambda r: (-r.score, r.label))[:top]


def recommend_partners(
    store: Store, coop: str, organisation: str, top: int = 5, *, network: Network | None = None
) -> list[Recommendation]:
    """Organisations `organisation` is not linked to yet, by the Adamic-Adar index over the collaboration
    network: the sum, over the partners two organisations share, of 1 / log(the partner's degree). One sparse
    row product (A[i] x weights) @ A gives it for every organisation at once, equal to networkx's
    `adamic_adar_index` (tested); igraph's `similarity_inverse_log_weighted` gives the same but lists every
    vertex's neighbours on each call (0.15 s on H2020, against 5 ms)."""
    network, index = _network(store, coop, network)
    graph, nodes, labels = network.graph, network.nodes, network.labels
    if organisation not in index:
        return []
    i = index[organisation]
    near = set(graph.neighbors(i))
    row = network.adjacency[[i]]
    scores = (row.multiply(network.weights) @ network.adjacency).toarray().ravel()
    candidates = (int(j) for j in np.flatnonzero(scores > 0) if j != i and j not in near)
    # the reasons only for the best: an organisation of H2020 has thousands of candidates two steps away
    best = heapq.nsmallest(top, candidates, key=lambda j: (-round(float(scores[j]), 3), labels[j]))
    themes = _themes(store, coop)
    result = []
    for j in best:
        score = float(scores[j])
        common = sorted(labels[n] for n in near & set(graph.neighbors(j)))
        mine, theirs = themes.get(organisation, {}), themes.get(nodes[j], {})
        why = [Reason("partners", {"count": len(common), "names": common[:3], "more": len(common) > 3})]
        if set(mine) & set(theirs):
            why.append(_shared(mine, theirs))
        result.append(Recommendation(nodes[j], labels[j], round(score, 3), tuple(why)))
    return result
