"""Recommendations for one organisation: good practices worth studying, and potential new partners.

Practices score on three things, each explained in words: a theme the organisation already works on
(through its own practices or the events it hosted), proven transfers of the practice elsewhere, and
network distance to the practice's owner (near owners are easier to learn from). Partners are
predicted with the Adamic-Adar index over the collaboration network (shared partners, the rarer the
better), with the shared partners and themes named. Both walk the network in igraph (the kernel of the
Horizon 2020 network's analysis), so an organisation page of a large import needs no networkx graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig

from kg.errors import AmbiguousId, NotFound
from kg.network.build import organisation_igraph
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["Network", "Recommendation", "resolve_organisation", "recommend_practices", "recommend_partners"]

#: The organisation network as `organisation_igraph` gives it: the graph, its vertices' IRIs and labels.
Network = tuple[ig.Graph, list[str], list[str]]

_PREFIXES = """PREFIX coop: <{coop}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
_THEMES = """SELECT ?o ?theme WHERE {
  { ?p coop:owner ?o ; coop:theme/skos:prefLabel ?theme }
  UNION { ?e coop:hostedBy ?o ; coop:theme/skos:prefLabel ?theme }
}"""
_PRACTICES = """SELECT ?practice ?title ?owner (GROUP_CONCAT(DISTINCT ?theme; SEPARATOR="|") AS ?themes)
       (COUNT(DISTINCT ?transfer) AS ?transfers) WHERE {
  ?practice a coop:GoodPractice ; rdfs:label ?title .
  OPTIONAL { ?practice coop:owner ?owner }
  OPTIONAL { ?practice coop:theme/skos:prefLabel ?theme }
  OPTIONAL { ?transfer coop:sourcePractice ?practice }
} GROUP BY ?practice ?title ?owner"""


@dataclass(frozen=True)
class Recommendation:
    iri: str
    label: str
    score: float
    why: str


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


def _themes(store: Store, coop: str) -> dict[str, set[str]]:
    themes: dict[str, set[str]] = {}
    for r in _values(store, coop, _THEMES):
        themes.setdefault(r["o"], set()).add(r["theme"])
    return themes


def _network(store: Store, coop: str, network: Network | None) -> tuple[ig.Graph, dict[str, int], list[str], list[str]]:
    graph, nodes, labels = network if network is not None else organisation_igraph(store, coop)
    return graph, {n: i for i, n in enumerate(nodes)}, nodes, labels


def recommend_practices(
    store: Store, coop: str, organisation: str, top: int = 5, *, network: Network | None = None
) -> list[Recommendation]:
    """The good practices most worth studying for `organisation`, its own left out. `network` is the
    organisation network as `organisation_igraph` gives it (read from the store's cache when not given)."""
    mine = _themes(store, coop).get(organisation, set())
    graph, index, nodes, _ = _network(store, coop, network)
    distances: dict[str, int] = {}
    if organisation in index:
        row = graph.distances(source=index[organisation])[0]
        distances = {nodes[j]: int(d) for j, d in enumerate(row) if d != float("inf")}
    result = []
    for p in _values(store, coop, _PRACTICES):
        if p["owner"] == organisation:
            continue
        themes = {t for t in p["themes"].split("|") if t}
        shared = sorted(themes & mine)
        transfers = int(p["transfers"])
        hops = distances.get(p["owner"])
        score = 2.0 * len(shared) + 1.5 * transfers + (1.0 / hops if hops else 0.0)
        if score == 0:
            continue
        why = []
        if shared:
            why.append(f"shares the theme {', '.join(shared)}")
        if transfers:
            why.append(f"already transferred {transfers} time{'s' if transfers > 1 else ''}")
        if hops:
            why.append("its owner is a direct partner" if hops == 1 else f"its owner is {hops} steps away")
        result.append(Recommendation(p["practice"], p["title"], round(score, 3), "; ".join(why)))
    return sorted(result, key=lambda r: (-r.score, r.label))[:top]


def recommend_partners(
    store: Store, coop: str, organisation: str, top: int = 5, *, network: Network | None = None
) -> list[Recommendation]:
    """Organisations `organisation` is not linked to yet, by the Adamic-Adar index over the collaboration
    network (igraph's inverse log-weighted similarity, networkx's `adamic_adar_index` on the same graph)."""
    graph, index, nodes, labels = _network(store, coop, network)
    if organisation not in index:
        return []
    i = index[organisation]
    near = set(graph.neighbors(i))
    scores = graph.similarity_inverse_log_weighted(vertices=[i])[0]
    themes = _themes(store, coop)
    result = []
    for j, score in enumerate(scores):
        if j == i or j in near or score <= 0:
            continue
        common = sorted(labels[n] for n in near & set(graph.neighbors(j)))
        shared = sorted(themes.get(organisation, set()) & themes.get(nodes[j], set()))
        why = f"shares {len(common)} partner{'s' if len(common) > 1 else ''} ({', '.join(common[:3])}"
        why += ", ..." if len(common) > 3 else ""
        why += ")" + (f" and the theme {', '.join(shared)}" if shared else "")
        result.append(Recommendation(nodes[j], labels[j], round(score, 3), why))
    return sorted(result, key=lambda r: (-r.score, r.label))[:top]
