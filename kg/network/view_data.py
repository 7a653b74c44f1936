"""What the network and map views draw: JSON-ready data made from the store's networks and places.

The same networks as `kg network` (kg.network), narrowed by the filters a partner picks (programme, source,
project, country, theme, year, one organisation's ego network), with the measures of kg.network.metrics on what is
shown. A network too large to draw is sent as its country aggregate first, to drill down from.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import cachetools
import igraph as ig
import networkx as nx
import numpy as np
import pycountry

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.build import build_network, organisation_attributes, organisation_igraph
from kg.network.metrics import analyse, ego_network, layout
from kg.network.select import PLAUSIBLE_YEARS, Project, read_projects, source_name
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["ViewFilters", "ViewCache", "network_view", "map_view", "fewer_links", "filter_options", "DRAW_LIMIT"]

#: The most nodes a view draws; above it the organisation network is shown by country first.
DRAW_LIMIT = 2000
#: The most links a view draws (the strongest); the measures still count them all.
EDGE_LIMIT = 5000
VIEW_KINDS = ("org", "city", "country", "transfer")


class ViewCache:
    """Networks and tables that the views reuse, per state of the data, a few at a time (cachetools' LRU); safe
    across the web service's threads. Without one, each call builds what it needs."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: cachetools.LRUCache = cachetools.LRUCache(maxsize=size)
        self._lock = threading.Lock()  # a cachetools cache is not safe across threads by itself

    def get(self, key: tuple, make: Callable[[], object]):
        with self._lock:  # built under the lock: two visitors never build the same large network twice
            if key not in self._items:
                self._items[key] = make()
            return self._items[key]

    def peek(self, key: tuple):
        """The item for `key`, or None, without building it (for callers that build outside the lock)."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._items[key] = value

    def clear(self) -> None:
        """Forget everything (for stores without versions, whose data changed)."""
        with self._lock:
            self._items.clear()


def _cached(cache: ViewCache | None, store: Store, key: tuple, make: Callable[[], object]):
    return make() if cache is None else cache.get((store.version, *key), make)


@dataclass(frozen=True)
class ViewFilters:
    kind: str = "org"
    project: str = ""  # a project IRI
    country: str = ""  # an ISO 3166 alpha-2 code
    theme: str = ""  # a theme concept IRI
    year: int | None = None
    city: str = ""  # a city's name, within the country
    ego: str = ""  # an organisation IRI
    radius: int = 2
    programme: str = ""  # a programme IRI, id or label (kg.network.select.select_projects)
    source: str = ""  # a source: the folder its files were loaded from
    strongest: int | None = None  # the most links to send, the strongest (a phone asks for fewer); None: EDGE_LIMIT

    def __post_init__(self) -> None:
        if self.kind not in VIEW_KINDS:
            raise KGError(f"unknown network kind '{self.kind}' (known: {', '.join(VIEW_KINDS)})")
        if not 1 <= self.radius <= 4:
            raise KGError("radius must be between 1 and 4 hops")
        if self.strongest is not None and not 1 <= self.strongest <= EDGE_LIMIT:
            raise KGError(f"strongest takes a number of links from 1 to {EDGE_LIMIT}, not {self.strongest}")
        if self.country and (len(self.country) != 2 or not self.country.isalpha()):
            raise KGError(f"country takes an ISO 3166 code such as IT, not '{self.country}'")
        object.__setattr__(self, "country", self.country.upper())


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


def _chosen_organisations(store: Store, ns: Namespaces, filters: ViewFilters) -> set[str] | None:
    """The organisations the project and theme filters allow, or None when neither is set."""
    chosen = None
    if filters.project:
        chosen = _members(store, ns, filters.project)
    if filters.theme:
        on_theme = _theme_organisations(store, ns, filters.theme)
        chosen = on_theme if chosen is None else chosen & on_theme
    return chosen


def _organisations(store: Store, ns: Namespaces) -> tuple[ig.Graph, list[str], list[str], dict[str, list[str]]]:
    graph, nodes, labels = organisation_igraph(store, str(ns.coop))
    return graph, nodes, labels, organisation_attributes(store, str(ns.coop), nodes)


def _edge_arrays(graph: ig.Graph) -> tuple[np.ndarray, np.ndarray]:
    if not graph.ecount():
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.array(graph.get_edgelist(), dtype=np.int64), np.asarray(graph.es["weight"], dtype=np.int64)


def _grouped(arrays: tuple[np.ndarray, np.ndarray], keep: np.ndarray, groups: list[str], kind: str) -> nx.Graph:
    """The kept organisations grouped by a place (country code or city name): weights add up between
    groups, and each group counts its organisations. Done on arrays: no networkx graph of organisations."""
    names = sorted({groups[i] for i in np.flatnonzero(keep) if groups[i]})
    number = {name: i for i, name in enumerate(names)}
    group = np.array([number.get(g, -1) if keep[i] else -1 for i, g in enumerate(groups)], dtype=np.int64)
    result = nx.Graph(kind=kind)
    counts = np.bincount(group[group >= 0], minlength=len(names))
    for name, count in zip(names, counts.tolist(), strict=True):
        result.add_node(name, label=name, organisations=count)
    edges, weights = arrays
    if len(edges):
        a, b = group[edges[:, 0]], group[edges[:, 1]]
        between = (a >= 0) & (b >= 0) & (a != b)
        low, high = np.minimum(a, b)[between], np.maximum(a, b)[between]
        pairs, where = np.unique(low * len(names) + high, return_inverse=True)
        totals = np.bincount(where, weights=weights[between])
        result.add_edges_from(
            (names[k // len(names)], names[k % len(names)], {"weight": int(w)})
            for k, w in zip(pairs.tolist(), totals.tolist(), strict=True)
        )
    return result


def _strongest(arrays: tuple[np.ndarray, np.ndarray], keep: np.ndarray, count: int) -> np.ndarray:
    """The `count` kept organisations with the most links among the kept ones."""
    edges, weights = arrays
    inside = keep[edges[:, 0]] & keep[edges[:, 1]] if len(edges) else np.zeros(0, dtype=bool)
    strength = np.bincount(edges[inside].ravel(), weights=np.repeat(weights[inside], 2), minlength=len(keep))
    strength[~keep] = -1
    chosen = np.zeros(len(keep), dtype=bool)
    chosen[np.argsort(-strength, kind="stable")[:count]] = True
    return chosen & keep


def _organisation_graph(graph: ig.Graph, nodes: list[str], labels: list[str], attributes, kept: np.ndarray) -> nx.Graph:
    """The network of the kept organisations, small enough for networkx."""
    chosen = np.flatnonzero(kept).tolist()
    sub = graph.induced_subgraph(chosen)
    result = nx.Graph(kind="org")
    for i in chosen:
        result.add_node(nodes[i], label=labels[i], **{k: attributes[k][i] for k in ("country", "city", "type")})
    result.add_edges_from((nodes[chosen[e.source]], nodes[chosen[e.target]], {"weight": e["weight"]}) for e in sub.es)
    return result


def _organisation_view(
    store: Store, ns: Namespaces, filters: ViewFilters, cache: ViewCache | None
) -> tuple[nx.Graph, str]:
    """The organisation (or place) network for `filters`, and a note (`_GROUPED`'s code and values) when it
    had to be grouped."""
    graph, nodes, labels, attributes = _cached(cache, store, ("organisations",), lambda: _organisations(store, ns))
    arrays = _cached(cache, store, ("edge-arrays",), lambda: _edge_arrays(graph))
    keep = np.ones(len(nodes), dtype=bool)
    index = {n: i for i, n in enumerate(nodes)}

    def only(iris: set[str]) -> np.ndarray:
        mask = np.zeros(len(nodes), dtype=bool)
        mask[[index[i] for i in iris if i in index]] = True
        return mask

    if (allowed := _chosen_organisations(store, ns, filters)) is not None:
        keep &= only(allowed)
    if filters.country:
        keep &= np.array([c == filters.country for c in attributes["country"]])
    if filters.city:
        keep &= np.array([c == filters.city for c in attributes["city"]])
    if filters.ego:
        if filters.ego not in index or not keep[index[filters.ego]]:
            raise KGError(f"no organisation {filters.ego} is in this network")
        chosen = np.flatnonzero(keep).tolist()
        sub = graph.induced_subgraph(chosen)
        near = sub.neighborhood(chosen.index(index[filters.ego]), order=filters.radius)
        keep = only({nodes[chosen[i]] for i in near})
    if filters.kind in ("country", "city"):
        grouped = _grouped(arrays, keep, attributes[filters.kind], filters.kind)
        if grouped.number_of_nodes() <= DRAW_LIMIT:
            return grouped, None
        countries = _grouped(arrays, keep, attributes["country"], "country")
        return countries, {"code": "cities", "cities": grouped.number_of_nodes(), "groups": countries.number_of_nodes()}
    shown = int(keep.sum())
    if shown > DRAW_LIMIT:
        level = "city" if filters.country else "country"
        grouped = _grouped(arrays, keep, attributes[level], level)
        if grouped.number_of_nodes() < 2:  # the data gives no cities (or countries) to group by
            strongest = _strongest(arrays, keep, DRAW_LIMIT)
            note = {"code": f"ungrouped_{level}", "organisations": shown, "shown": DRAW_LIMIT}
            return _organisation_graph(graph, nodes, labels, attributes, strongest), note
        note = {"code": f"by_{level}", "organisations": shown, "groups": grouped.number_of_nodes()}
        return grouped, note
    return _organisation_graph(graph, nodes, labels, attributes, keep), None


def _one_year_organisations(graph: nx.Graph, store: Store, ns: Namespaces, filters: ViewFilters) -> nx.Graph:
    """A network of one year (or of a programme or source), narrowed to the filters' project, theme, country,
    city and ego network."""
    keep = set(graph)
    if (allowed := _chosen_organisations(store, ns, filters)) is not None:
        keep &= allowed
    for place in ("country", "city"):
        if wanted := getattr(filters, place):
            keep &= {n for n, d in graph.nodes(data=True) if d.get(place) == wanted}
    graph = graph.subgraph(keep)
    if filters.ego:
        if filters.ego not in graph:
            raise KGError(f"no organisation {filters.ego} is in this network")
        graph = ego_network(graph, filters.ego, filters.radius)
    return graph


#: The measures each drawn node carries.
_MEASURES = ("degree", "weighted_degree", "betweenness", "closeness", "pagerank", "community")


def _drawn_nodes(graph: nx.Graph, ns: Namespaces, kind: str, rows: list[dict]) -> list[dict]:
    """Each node with its facts, measures and laid-out position."""
    positions = layout(graph)
    nodes = []
    for row in rows:
        data = graph.nodes[row["node"]]
        x, y = (round(c * 40, 1) for c in positions[row["node"]])
        nodes.append(
            {
                "id": row["node"],
                "label": data.get("label", row["node"]),
                "country": data.get("country", row["node"] if kind == "country" else ""),
                "city": data.get("city", row["node"] if kind == "city" else ""),
                "type": data.get("type", ""),
                "organisations": data.get("organisations"),
                "page": _page(ns, row["node"]),
                **{k: _rounded(row[k]) for k in _MEASURES},
                "x": x,
                "y": y,
            }
        )
    return nodes


def network_view(store: Store, ns: Namespaces, filters: ViewFilters, cache: ViewCache | None = None) -> dict:
    """The nodes (with their measures and facts) and edges to draw for `filters`.

    Networks of one year and transfer networks come from kg.network's builders; the whole organisation
    network and its place aggregates are worked on as arrays from the igraph network, so that 100,000
    organisations answer in about a second once `cache` holds them."""

    def source(kind: str, year: int | None) -> nx.Graph:
        return _cached(cache, store, (kind, year), lambda: build_network(store, str(ns.coop), kind, year=year))

    def narrowed(kind: str, year: int | None) -> nx.Graph:
        """The network of the projects of the filters' programme and source (build_network checks both)."""
        key = (kind, year, filters.programme, filters.source)
        return _cached(
            cache,
            store,
            key,
            lambda: build_network(
                store, ns, kind, year=year, programme=filters.programme or None, source=filters.source or None
            ),
        )

    note = None
    if filters.kind == "transfer":
        graph = narrowed("transfer", None) if filters.programme or filters.source else source("transfer", None)
    elif filters.year is not None or filters.programme or filters.source:
        graph = narrowed(filters.kind, filters.year) if filters.programme or filters.source else None
        if graph is None:
            graph = source(filters.kind, filters.year)
        if filters.kind == "org":
            graph = _one_year_organisations(graph, store, ns, filters)
    else:
        graph, note = _organisation_view(store, ns, filters, cache)
    kind = graph.graph.get("kind", filters.kind)
    analysis = analyse(graph)
    edges = [
        {"source": a, "target": b, "weight": d.get("weight", 1), "kinds": d.get("kinds", "")}
        for a, b, d in graph.edges(data=True)
    ]
    if len(edges) > EDGE_LIMIT:
        edges = _strongest_links(edges, EDGE_LIMIT)
    drawn = {"links": len(edges), "of": graph.number_of_edges()}
    view = {
        "kind": kind,
        "directed": graph.is_directed(),
        "aggregated": kind != filters.kind,
        "message": message(note, drawn),
        # the message's parts as codes and numbers, for a page to say in the reader's language
        "grouped": note,
        "drawn": drawn,
        "summary": analysis.summary,
        "nodes": _drawn_nodes(graph, ns, kind, analysis.rows),
        "edges": edges,
    }
    return fewer_links(view, filters.strongest, keep=filters.ego)


def fewer_links(view: dict, strongest: int | None, keep: str = "") -> dict:
    """A network or map view (as network_view and map_view give it) with its `strongest` heaviest links only, and
    its note saying so; a network keeps the nodes those links join (a map keeps every place), and the node `keep`
    (an ego network's own) with its own links first. What a phone gets, made from the view a wide screen gets: on
    a small screen hundreds of nodes are no more readable, and drawing them was most of a slow phone's wait."""
    items = "edges" if "edges" in view else "links"
    if strongest is None or len(view[items]) <= strongest:
        return view
    own, others = [], []
    for link in view[items]:
        (own if keep and keep in (link["source"], link["target"]) else others).append(link)
    kept = _strongest_links(own, strongest) + _strongest_links(others, strongest - min(len(own), strongest))
    drawn = {"links": strongest, "of": view["drawn"]["of"]}
    fewer = {**view, items: kept}
    if items == "edges":
        joined = {e["source"] for e in kept} | {e["target"] for e in kept} | {keep}
        fewer["nodes"] = [n for n in view["nodes"] if n["id"] in joined]
        drawn.update(nodes=len(fewer["nodes"]), of_nodes=len(view["nodes"]))
    return {**fewer, "drawn": drawn, "message": message(view["grouped"], drawn)}


#: What a view says when it groups a network too large to draw, in English (the pages have their own words).
_GROUPED = {
    "cities": "{cities:,} cities are too many to draw: {groups:,} countries are shown instead. Click one (or choose "
    "a country) to see its cities.",
    "by_country": "{organisations:,} organisations are too many to draw: {groups:,} countries are shown instead. Click "
    "one (or choose a country, project or theme) to see its organisations.",
    "by_city": "{organisations:,} organisations are too many to draw: {groups:,} cities are shown instead. Click one "
    "(or choose a city, project or theme) to see its organisations.",
    "ungrouped_country": "{organisations:,} organisations are too many to draw and the data gives no country to group "
    "them by: the {shown:,} with the most links are shown. Choose a project or theme to narrow it.",
    "ungrouped_city": "{organisations:,} organisations are too many to draw and the data gives no city to group them "
    "by: the {shown:,} with the most links are shown. Choose a project or theme to narrow it.",
}


def message(grouped: dict | None, drawn: dict[str, int]) -> str:
    """A view's note in English: how its network was grouped, and how many of its links are drawn."""
    parts = [_GROUPED[grouped["code"]].format(**grouped)] if grouped else []
    if "nodes" in drawn:
        parts.append(
            f"The {drawn['links']:,} strongest of {drawn['of']:,} links are drawn, between {drawn['nodes']:,} of the "
            f"{drawn['of_nodes']:,} organisations or places."
        )
    elif drawn["links"] < drawn["of"]:
        parts.append(f"The {drawn['links']:,} strongest of {drawn['of']:,} links are drawn.")
    return " ".join(parts)


def _strongest_links(links: list[dict], count: int) -> list[dict]:
    """The `count` heaviest links, ties kept in the network's order (so the same filters send the same links)."""
    return sorted(links, key=lambda link: -link["weight"])[:count]


def _rounded(value: float) -> float:
    """A measure to 4 significant digits: what a drawing and its panel use, at half the bytes of the full float
    (`kg network metrics` gives the full ones)."""
    return float(f"{value:.4g}") if isinstance(value, float) else value


def filter_options(store: Store, ns: Namespaces) -> dict[str, list[dict[str, str]]]:
    """The projects, themes, countries and years a view can be narrowed to. A project is offered by its
    acronym; one acronym of several records (the bundled INNOCRAFTS and keep.eu's) is told apart by programme
    and source, so no two options read the same."""
    projects = read_projects(store, ns)
    themes = select_rows(
        store,
        _prefixes(ns)
        + """SELECT DISTINCT ?v ?label WHERE { ?x coop:theme ?v . ?v skos:prefLabel ?label
             FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") } ORDER BY ?label""",
    )
    countries = select_rows(
        store,
        _prefixes(ns)
        + """SELECT DISTINCT ?v ?label WHERE { ?o a coop:Organisation ; coop:country ?c .
             ?c coop:countryCode ?v ; rdfs:label ?label
             FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") } ORDER BY ?label""",
    )
    events = select_rows(
        store,
        _prefixes(ns) + "SELECT DISTINCT ?v WHERE { ?e a coop:Event ; schema:startDate ?d BIND(STR(YEAR(?d)) AS ?v) }",
    )
    years = {int(r["v"]) for r in events if r["v"].isdigit() and int(r["v"]) in PLAUSIBLE_YEARS}
    for project in projects.values():  # the years a project ran, from dates or from start and end years
        if project.years is not None:
            years.update(range(project.years[0], project.years[1] + 1))
    return {
        "projects": _project_options(projects, ns),
        "programmes": _programme_options(projects),
        "sources": _source_options(projects, ns),
        "themes": [{"value": r["v"], "label": r["label"]} for r in themes],
        "countries": [{"value": r["v"], "label": r["label"]} for r in countries],
        "years": [{"value": str(y), "label": str(y)} for y in sorted(years)],
    }


def _project_options(projects: dict[str, Project], ns: Namespaces) -> list[dict[str, str]]:
    """Each project with an acronym as an option, labelled by it, with programme and source where the acronym
    is not enough to tell two records apart."""
    named = [p for p in projects.values() if p.acronym]
    count = Counter(p.acronym.casefold() for p in named)

    def label(p: Project) -> str:
        if count[p.acronym.casefold()] == 1:
            return p.acronym
        sources = sorted({source_name(g, ns) for g in p.graphs} - {source_name(str(ns.inferred_graph), ns)})
        details = [", ".join(sorted(q.name for q in p.programmes)), ", ".join(sources)]
        return f"{p.acronym} ({'; '.join(d for d in details if d)})"

    options = [{"value": p.iri, "label": label(p)} for p in named]
    return sorted(options, key=lambda o: (o["label"].casefold(), o["value"]))


def _programme_options(projects: dict[str, Project]) -> list[dict[str, str]]:
    """Each programme a project runs under, by its name; two of one name are told apart by their ids."""
    programmes = {p.iri: p for project in projects.values() for p in project.programmes}
    count = Counter(p.name.casefold() for p in programmes.values())

    def label(p) -> str:
        if count[p.name.casefold()] == 1:
            return p.name
        return f"{p.name} ({p.identifier or p.iri})"

    options = [{"value": p.iri, "label": label(p)} for p in programmes.values()]
    return sorted(options, key=lambda o: (o["label"].casefold(), o["value"]))


def _source_options(projects: dict[str, Project], ns: Namespaces) -> list[dict[str, str]]:
    """Each source that states a project, by its folder name (the value `build_network` takes)."""
    sources = {source_name(g, ns) for p in projects.values() for g in p.graphs}
    sources.discard(source_name(str(ns.inferred_graph), ns))
    return [{"value": s, "label": s} for s in sorted(sources, key=str.casefold)]


_PLACES = """
SELECT ?city ?label ?lat ?long ?country ?partners ?events ?practices WHERE {
  ?city a coop:City ; rdfs:label ?label ; geo:lat ?lat ; geo:long ?long .
  OPTIONAL { ?city coop:country/coop:countryCode ?country }
  OPTIONAL {
    SELECT ?city (COUNT(DISTINCT ?one) AS ?partners) WHERE {  # linked IRIs of one organisation count once
      ?o a coop:Organisation ; coop:city ?city OPTIONAL { ?o coop:canonical ?c } BIND(COALESCE(?c, ?o) AS ?one)
    } GROUP BY ?city
  }
  OPTIONAL { SELECT ?city (COUNT(?e) AS ?events) WHERE { ?e a coop:Event ; coop:city ?city } GROUP BY ?city }
  OPTIONAL { SELECT ?city (COUNT(?p) AS ?practices) WHERE { ?p a coop:GoodPractice ; coop:city ?city } GROUP BY ?city }
}"""

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


def _places(store: Store, ns: Namespaces) -> list[dict]:
    return [
        {
            "id": r["city"],
            "label": r["label"],
            "page": _page(ns, r["city"]),
            "lat": float(r["lat"]),
            "long": float(r["long"]),
            "country": r["country"],
            "partners": int(r["partners"] or 0),
            "events": int(r["events"] or 0),
            "practices": int(r["practices"] or 0),
        }
        for r in select_rows(store, _prefixes(ns) + _PLACES)
    ]


def _cities_of(store: Store, ns: Namespaces, organisations: set[str]) -> dict[str, str]:
    """The city of each of the given organisations (a few thousand at most: the ones a view shows)."""
    import pyoxigraph as ox

    values = " ".join(str(ox.NamedNode(o)) for o in sorted(organisations))  # NamedNode checks each IRI
    query = _prefixes(ns) + _ORGANISATION_CITIES.replace("WHERE {", f"WHERE {{ VALUES ?o {{ {values} }}", 1)
    return {r["o"]: r["city"] for r in select_rows(store, query)}


def map_view(store: Store, ns: Namespaces, filters: ViewFilters, cache: ViewCache | None = None) -> dict:
    """Places with coordinates (and what is in each), collaboration links between cities, and transfers
    as arrows from place to place (a country stands for itself: the page places it on its outline)."""
    network = network_view(store, ns, ViewFilters(**{**filters.__dict__, "kind": "org", "strongest": None}), cache)
    shown = {n["id"] for n in network["nodes"]} if not network["aggregated"] else None
    places = {place["id"]: dict(place) for place in _cached(cache, store, ("places",), lambda: _places(store, ns))}
    city_of = _cities_of(store, ns, shown) if shown else {}
    links: dict[tuple[str, str], int] = {}
    if shown is not None:
        for edge in network["edges"]:
            a, b = city_of.get(edge["source"]), city_of.get(edge["target"])
            if a and b and a != b:
                key = (min(a, b), max(a, b))
                links[key] = links.get(key, 0) + edge["weight"]
    narrowed = filters.project or filters.theme or filters.ego or filters.country or filters.programme or filters.source
    if shown is not None and narrowed:
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
    every = [{"source": a, "target": b, "weight": w} for (a, b), w in links.items() if a in places and b in places]
    drawn = {"links": len(every), "of": len(every)}
    view = {
        "places": list(places.values()),
        "links": every,
        "transfers": transfers,
        "message": message(network["grouped"], drawn),
        "grouped": network["grouped"],
        "drawn": drawn,
    }
    return fewer_links(view, filters.strongest)
