"""What the network and map views draw: JSON-ready data made from the store's networks and places.

The same networks as `kg network` (kg.network), narrowed by the filters a partner picks (project,
country, theme, year, one organisation's ego network), with the measures of kg.metrics on what is
shown. A network too large to draw is sent as its country aggregate first, to drill down from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import pycountry

from kg.errors import KGError
from kg.metrics import analyse, ego_network
from kg.namespaces import Namespaces
from kg.network import build_network
from kg.results import select_rows
from kg.store import Store

__all__ = ["ViewFilters", "network_view", "map_view", "filter_options", "DRAW_LIMIT"]

#: The most nodes a view draws; above it the organisation network is shown by country first.
DRAW_LIMIT = 2000
VIEW_KINDS = ("org", "city", "country", "transfer")

GraphSource = Callable[[str, int | None], nx.Graph]


@dataclass(frozen=True)
class ViewFilters:
    kind: str = "org"
    project: str = ""  # a project IRI
    country: str = ""  # an ISO 3166 alpha-2 code
    theme: str = ""  # a theme concept IRI
    year: int | None = None
    ego: str = ""  # an organisation IRI
    radius: int = 2

    def __post_init__(self) -> None:
        if self.kind not in VIEW_KINDS:
            raise KGError(f"unknown network kind '{self.kind}' (known: {', '.join(VIEW_KINDS)})")
        if not 1 <= self.radius <= 4:
            raise KGError("radius must be between 1 and 4 hops")
        if self.country and (len(self.country) != 2 or not self.country.isalpha()):
            raise KGError(f"country takes an ISO 3166 code such as IT, not '{self.country}'")


def _prefixes(ns: Namespaces) -> str:
    return ns.sparql_prefixes()


def _members(store: Store, ns: Namespaces, project: str) -> set[str]:
    import pyoxigraph as ox

    rows = store.query(
        _prefixes(ns) + "SELECT ?p ?o WHERE { ?o org:memberOf ?p }", substitutions={"p": ox.NamedNode(project)}
    )
    return {r["o"].value for r in rows}


def _theme_organisations(store: Store, ns: Namespaces, theme: str) -> set[str]:
    """Organisations that own a practice on the theme or host an event on it."""
    import pyoxigraph as ox

    rows = store.query(
        _prefixes(ns)
        + """SELECT ?t ?o WHERE {
          { ?x a coop:GoodPractice ; coop:theme ?t ; coop:owner ?o }
          UNION { ?x a coop:Event ; coop:theme ?t ; coop:hostedBy ?o } }""",
        substitutions={"t": ox.NamedNode(theme)},
    )
    return {r["o"].value for r in rows}


def network_view(store: Store, ns: Namespaces, filters: ViewFilters, graphs: GraphSource | None = None) -> dict:
    """The nodes (with their measures and facts) and edges to draw for `filters`.

    `graphs(kind, year)` may supply cached networks; by default they are built from the store."""
    source = graphs or (lambda kind, year: build_network(store, str(ns.coop), kind, year=year))
    year = filters.year if filters.kind != "transfer" else None
    graph = source(filters.kind, year)
    if filters.kind == "org":
        keep = set(graph)
        if filters.project:
            keep &= _members(store, ns, filters.project)
        if filters.theme:
            keep &= _theme_organisations(store, ns, filters.theme)
        if filters.country:
            keep &= {n for n, d in graph.nodes(data=True) if d.get("country") == filters.country.upper()}
        graph = graph.subgraph(keep)
        if filters.ego:
            if filters.ego not in graph:
                raise KGError(f"no organisation {filters.ego} is in this network")
            graph = ego_network(graph, filters.ego, filters.radius)
    aggregated = False
    if filters.kind == "org" and graph.number_of_nodes() > DRAW_LIMIT:
        graph = source("country", year).subgraph({d.get("country") for _, d in graph.nodes(data=True)})
        aggregated = True
    analysis = analyse(graph)
    nodes = []
    for row in analysis.rows:
        data = graph.nodes[row["node"]]
        node = {
            "id": row["node"],
            "label": data.get("label", row["node"]),
            "country": data.get("country", row["node"] if aggregated or filters.kind == "country" else ""),
            "city": data.get("city", ""),
            "type": data.get("type", ""),
            "organisations": data.get("organisations"),
            "page": _page(ns, row["node"]),
            **{k: row[k] for k in ("degree", "weighted_degree", "betweenness", "closeness", "pagerank", "community")},
        }
        nodes.append(node)
    edges = [
        {"source": a, "target": b, "weight": d.get("weight", 1), "kinds": d.get("kinds", "")}
        for a, b, d in graph.edges(data=True)
    ]
    kind = "country" if aggregated else filters.kind
    return {
        "kind": kind,
        "directed": graph.is_directed(),
        "aggregated": aggregated,
        "message": (
            f"{analysis.summary['nodes']} countries shown instead of organisations (more than {DRAW_LIMIT}): "
            "choose a country, project or theme to see its organisations"
            if aggregated
            else ""
        ),
        "summary": analysis.summary,
        "nodes": nodes,
        "edges": edges,
    }


def filter_options(store: Store, ns: Namespaces) -> dict[str, list[dict[str, str]]]:
    """The projects, themes, countries and years a view can be narrowed to."""
    projects = select_rows(
        store, _prefixes(ns) + "SELECT ?v ?label WHERE { ?v a coop:Project ; coop:acronym ?label } ORDER BY ?label"
    )
    themes = select_rows(
        store,
        _prefixes(ns)
        + """SELECT DISTINCT ?v ?label WHERE { ?x coop:theme ?v . ?v skos:prefLabel ?label } ORDER BY ?label""",
    )
    countries = select_rows(
        store,
        _prefixes(ns)
        + """SELECT DISTINCT ?v ?label WHERE { ?o a coop:Organisation ; coop:country ?c .
             ?c coop:countryCode ?v ; rdfs:label ?label } ORDER BY ?label""",
    )
    years = select_rows(
        store,
        _prefixes(ns)
        + """SELECT DISTINCT ?v WHERE { { ?p a coop:Project ; schema:startDate ?d } UNION
             { ?p a coop:Project ; schema:endDate ?d } UNION { ?e a coop:Event ; schema:startDate ?d }
             BIND(STR(YEAR(?d)) AS ?v) } ORDER BY ?v""",
    )
    return {
        "projects": [{"value": r["v"], "label": r["label"]} for r in projects],
        "themes": [{"value": r["v"], "label": r["label"]} for r in themes],
        "countries": [{"value": r["v"], "label": r["label"]} for r in countries],
        "years": [{"value": r["v"], "label": r["v"]} for r in years],
    }


_PLACES = """
SELECT ?city ?label ?lat ?long ?country
       (COUNT(DISTINCT ?o) AS ?partners) (COUNT(DISTINCT ?e) AS ?events) (COUNT(DISTINCT ?p) AS ?practices)
WHERE {
  ?city a coop:City ; rdfs:label ?label ; geo:lat ?lat ; geo:long ?long .
  OPTIONAL { ?city coop:country/coop:countryCode ?country }
  OPTIONAL { ?o a coop:Organisation ; coop:city ?city . }
  OPTIONAL { ?e a coop:Event ; coop:city ?city . }
  OPTIONAL { ?p a coop:GoodPractice ; coop:city ?city . }
} GROUP BY ?city ?label ?lat ?long ?country"""

_ORGANISATION_CITIES = """
SELECT ?o ?city WHERE { ?o a coop:Organisation ; coop:city ?city . ?city geo:lat ?lat }"""

_TRANSFER_PLACES = """
SELECT ?x ?kind ?from ?fromCountry ?to ?toCountry WHERE {
  ?x a coop:Transfer ; coop:transferKind/skos:notation ?kind .
  { ?x coop:sourcePractice/coop:city ?from } UNION { ?x coop:sourcePlace ?from }
  OPTIONAL { ?from coop:countryCode ?fromCountry }
  { ?x coop:targetPlace ?to } UNION { ?x coop:targetOrganisation/coop:city ?to }
  OPTIONAL { ?to coop:countryCode ?toCountry }
  FILTER(?from != ?to)
}"""


def _page(ns: Namespaces, node: object) -> str:
    """The node's page on this server (a path), when the node is an IRI of this graph."""
    text = str(node)
    return "/" + text[len(ns.base) :] if text.startswith(ns.base) else ""


def _numeric(code: str) -> str:
    """The ISO 3166 numeric code, which world-atlas uses as the id of a country's outline."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.numeric if country else ""


def map_view(store: Store, ns: Namespaces, filters: ViewFilters, graphs: GraphSource | None = None) -> dict:
    """Places with coordinates (and what is in each), collaboration links between cities, and transfers
    as arrows from place to place (a country stands for itself: the page places it on its outline)."""
    network = network_view(store, ns, ViewFilters(**{**filters.__dict__, "kind": "org"}), graphs)
    shown = {n["id"] for n in network["nodes"]} if not network["aggregated"] else None
    places = {
        r["city"]: {
            "id": r["city"],
            "label": r["label"],
            "page": _page(ns, r["city"]),
            "lat": float(r["lat"]),
            "long": float(r["long"]),
            "country": r["country"],
            "partners": int(r["partners"]),
            "events": int(r["events"]),
            "practices": int(r["practices"]),
        }
        for r in select_rows(store, _prefixes(ns) + _PLACES)
    }
    city_of = {r["o"]: r["city"] for r in select_rows(store, _prefixes(ns) + _ORGANISATION_CITIES)}
    links: dict[tuple[str, str], int] = {}
    if shown is not None:
        for edge in network["edges"]:
            a, b = city_of.get(edge["source"]), city_of.get(edge["target"])
            if a and b and a != b:
                key = (min(a, b), max(a, b))
                links[key] = links.get(key, 0) + edge["weight"]
    if shown is not None and (filters.project or filters.theme or filters.ego or filters.country):
        cities = {city_of[o] for o in shown if o in city_of}
        places = {k: v for k, v in places.items() if k in cities}
    elif filters.country:
        places = {k: v for k, v in places.items() if v["country"] == filters.country.upper()}
    transfers, seen = [], set()
    for r in select_rows(store, _prefixes(ns) + _TRANSFER_PLACES):
        if (r["x"], r["from"], r["to"]) in seen:
            continue
        seen.add((r["x"], r["from"], r["to"]))
        ends = []
        for side in ("from", "to"):
            if r[side] in places:
                ends.append({"place": r[side]})
            elif r[f"{side}Country"]:
                ends.append({"country": r[f"{side}Country"], "numeric": _numeric(r[f"{side}Country"])})
        if len(ends) == 2:
            transfers.append({"id": r["x"], "kind": r["kind"], "from": ends[0], "to": ends[1]})
    return {
        "places": list(places.values()),
        "links": [
            {"source": a, "target": b, "weight": w} for (a, b), w in links.items() if a in places and b in places
        ],
        "transfers": transfers,
        "message": network["message"],
    }
