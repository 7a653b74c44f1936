"""Collaboration networks derived from the knowledge graph, each built by SPARQL from the store.

Kinds:

- ``org``: organisations linked when they share a project, co-host an event, or one's practice was
  transferred to the other; the edge keeps a weight (the number of links) and the kinds of link.
- ``city`` and ``country``: the ``org`` network aggregated by the organisations' city or country.
- ``transfer``: directed, from the place a practice came from to the place or organisation it went to.
- ``bipartite``: organisations and the projects they took part in.

Nodes carry a readable label (an organisation's name, a city's name, a country's name from its ISO code),
and organisations their country, city and type, so exports read well in Gephi. Each graph says what its edge
weight counts (graph attribute ``edge_weight``, written into GEXF's description and GraphML's graph data) and
which filters made it (``selection``).

Filters (`build_network`'s programme, projects, source and year; see `kg.network.select`): the first three
choose projects, and the network is then made of the organisations taking part in them (members, hosts of
their events, parties to their transfers) and of their links only; a year keeps the links of that year
(projects running, events held) among the same organisations.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.metrics import Analysis, analyse, analyse_igraph
from kg.network.select import Selection, read_projects, select_projects
from kg.store import Store
from kg.store.rows import select_rows, select_tuples

__all__ = [
    "KINDS",
    "FORMATS",
    "MEASURES",
    "EDGE_WEIGHTS",
    "build_network",
    "country_name",
    "organisation_igraph",
    "organisation_attributes",
    "analyse_network",
    "write_network",
    "save_metrics",
]

KINDS = ("org", "city", "country", "transfer", "bipartite")
FORMATS = ("gexf", "graphml", "json", "csv")

_PREFIXES = """PREFIX coop: <{coop}>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_ORGANISATIONS = """
SELECT ?o ?label ?country ?city ?type WHERE {
  ?o a coop:Organisation ; rdfs:label ?label .
  OPTIONAL { ?o coop:country/coop:countryCode ?country }
  OPTIONAL { ?o coop:city/rdfs:label ?city }
  OPTIONAL { ?o org:classification/skos:notation ?type }
}"""

#: Groups whose members are linked pairwise: organisations in one project, hosts of one event. Rows are
#: (group, member), then for events their project and day, which the filters read (`_Scope`).
_GROUPS = {
    "project": "SELECT ?x ?m WHERE { ?m org:memberOf ?x }",
    "event": """SELECT ?x ?m ?p ?day WHERE { ?x a coop:Event ; coop:hostedBy ?m .
        OPTIONAL { ?x coop:project ?p } OPTIONAL { ?x schema:startDate ?day } }""",
}
#: Transfers link the practice's source organisation (or owner) with each target organisation; then the
#: transfer's project.
_TRANSFER_PAIRS = """SELECT ?x ?a ?b ?p WHERE {
    ?x a coop:Transfer ; coop:targetOrganisation ?t .
    { ?x coop:sourceOrganisation ?s } UNION { ?x coop:sourcePractice/coop:owner ?s }
    FILTER(?s != ?t) BIND(IF(STR(?s) < STR(?t), ?s, ?t) AS ?a) BIND(IF(STR(?s) < STR(?t), ?t, ?s) AS ?b)
    OPTIONAL { ?x coop:project ?p }
}"""

#: What an edge's weight counts, by kind of network (written into the exports and the manual).
EDGE_WEIGHTS = {
    "org": "the number of links between the two organisations: projects both took part in, events both "
    "hosted, and transfers of a practice between them, each counted once (edge attributes project, event "
    "and transfer split it)",
    "city": "the sum of the weights of the organisation links between organisations of the two cities "
    "(the number of projects, events and transfers they share, counted for each pair of organisations; "
    "links within one city are left out)",
    "country": "the sum of the weights of the organisation links between organisations of the two countries "
    "(the number of projects, events and transfers they share, counted for each pair of organisations; "
    "links within one country are left out)",
    "transfer": "the number of transfers of practices from the source place or organisation to the target",
    "bipartite": "none: an edge is one organisation's participation in one project",
}

_ORGANISATION_LABELS = """
SELECT ?o ?label WHERE { ?o a coop:Organisation ; rdfs:label ?label }"""

_TRANSFERS = """
SELECT ?x ?kind ?from ?fromLabel ?to ?toLabel ?project WHERE {
  ?x a coop:Transfer ; coop:transferKind/skos:notation ?kind .
  { ?x coop:sourcePlace ?from } UNION { ?x coop:sourcePractice/coop:city ?from }
  { ?x coop:targetPlace ?to } UNION { ?x coop:targetOrganisation ?to }
  ?from rdfs:label ?fromLabel . ?to rdfs:label ?toLabel .
  # a country has its name in the partners' languages too: the English (or untagged) one
  FILTER(?from != ?to && (LANGMATCHES(LANG(?fromLabel), "en") || LANG(?fromLabel) = "")
         && (LANGMATCHES(LANG(?toLabel), "en") || LANG(?toLabel) = ""))
  OPTIONAL { ?x coop:project ?project }
}"""

#: Organisations, projects and programmes that record linkage found to be one (kg.link): each member -> the
#: cluster's canonical IRI.
_CANONICAL = """SELECT ?m ?c WHERE { ?m coop:canonical ?c FILTER(?m != ?c) }"""

_MEMBERSHIPS = """
SELECT ?o ?p ?acronym WHERE { ?o org:memberOf ?p . ?p coop:acronym ?acronym }"""


def _rows(store: Store, prefixes: str, query: str) -> list[dict[str, str]]:
    return select_rows(store, prefixes + query)


def _canonical(store: Store, prefixes: str) -> dict[str, str]:
    """Each linked organisation's canonical IRI (only those that are not canonical themselves): networks
    count a cluster of IRIs naming one organisation as one node."""
    return dict(select_tuples(store, prefixes + _CANONICAL))


def _size(index: dict[str, int]) -> int:
    """How many nodes an index places (several IRIs of one organisation share a position)."""
    return max(index.values(), default=-1) + 1


def _merged_index(nodes: list[str], canonical: dict[str, str]) -> dict[str, int]:
    """Node positions by IRI, where every member of a cluster takes its canonical node's position."""
    index = {n: i for i, n in enumerate(nodes)}
    index.update({m: index[c] for m, c in canonical.items() if c in index})
    return index


def _co_membership(rows: Iterable[list[str]], index: dict[str, int]) -> sp.coo_array:
    """How many groups each pair of members shares, from (group, member) rows, as the upper triangle of
    B @ B.T for the member-group incidence matrix B (a SPARQL self-join with GROUP BY is far slower)."""
    groups: dict[str, int] = {}
    members, columns = [], []
    for group, member, *_ in rows:
        if (m := index.get(member)) is not None:
            members.append(m)
            columns.append(groups.setdefault(group, len(groups)))
    size = _size(index)
    incidence = sp.csr_array((np.ones(len(members)), (members, columns)), shape=(size, max(len(groups), 1)))
    incidence.data[:] = 1  # a member listed twice in one group counts once
    return sp.triu(incidence @ incidence.T, k=1).tocoo()


def _link_queries(prefixes: str) -> dict[str, str]:
    """The query behind each kind of link (project, event, transfer); rows are (group, member, ...) or, for
    transfers, (transfer, organisation, organisation, project)."""
    return {**{link: prefixes + q for link, q in _GROUPS.items()}, "transfer": prefixes + _TRANSFER_PAIRS}


@dataclass(frozen=True)
class _Scope:
    """Which links a filtered network keeps: those of the `chosen` projects (None: all), and with a year,
    those of the projects `running` that year and the events held then (transfers carry no date)."""

    chosen: frozenset[str] | None = None
    year: int | None = None
    running: frozenset[str] = frozenset()

    def project(self, project: str) -> bool:
        return (self.chosen is None or project in self.chosen) and (self.year is None or project in self.running)

    def event(self, project: str, day: str) -> bool:
        return (self.chosen is None or project in self.chosen) and (self.year is None or _year(day) == self.year)

    def transfer(self, project: str) -> bool:
        return self.year is None and (self.chosen is None or project in self.chosen)

    def links(self, rows: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        """The rows of `_link_queries` this scope keeps."""
        if self.chosen is None and self.year is None:
            return rows
        return {
            "project": [r for r in rows["project"] if self.project(r[0])],
            "event": [r for r in rows["event"] if self.event(r[2], r[3])],
            "transfer": [r for r in rows["transfer"] if self.transfer(r[3])],
        }

    def participants(self, rows: dict[str, list[list[str]]]) -> set[str] | None:
        """The organisations taking part in the chosen projects, whatever the year (None: every one)."""
        if self.chosen is None:
            return None
        chosen = self.chosen
        found = {m for x, m, *_ in rows["project"] if x in chosen}
        found |= {m for _, m, p, *_ in rows["event"] if p in chosen}
        for _, a, b, p in rows["transfer"]:
            if p in chosen:
                found |= {a, b}
        return found


def _year(day: str) -> int | None:
    return int(day[:4]) if len(day) >= 4 and day[:4].isdigit() else None


def _fetch(store: Store, queries: dict[str, str]) -> dict[str, list[list[str]]]:
    """Run several SELECT queries at once (Oxigraph evaluates them outside the GIL) and return their rows."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(select_tuples, store, query) for name, query in queries.items()}
        return {name: future.result() for name, future in futures.items()}


def _organisation_links(rows: dict[str, list[list[str]]], index: dict[str, int]) -> dict[str, sp.coo_array]:
    """For each kind of link, how many of them each pair of organisations shares (upper triangle)."""
    links = {link: _co_membership(rows[link], index) for link in _GROUPS}
    if "transfer" in rows:
        pairs = {(x, a, b) for x, a, b, *_ in rows["transfer"]}  # a transfer of several projects counts once
        # upper triangle, like the co-membership counts, so that each pair is one entry when they are added up
        known = [
            (min(index[a], index[b]), max(index[a], index[b]))
            for _, a, b in pairs
            if a in index and b in index and index[a] != index[b]  # two IRIs of one organisation: no link
        ]
        a, b = (list(x) for x in zip(*known, strict=True)) if known else ([], [])
        links["transfer"] = sp.coo_array((np.ones(len(a)), (a, b)), shape=(_size(index),) * 2)
        links["transfer"].sum_duplicates()
    return links


def _organisation_rows(store: Store, prefixes: str) -> dict[str, list[list[str]]]:
    """Everything the organisation network is made of, read once: organisations, linked records, links.
    (The first two on this thread: a remote store learns its graphs on its first query, which is best not
    made from two threads at once.)"""
    canonical = select_tuples(store, prefixes + _CANONICAL)
    return {
        "organisations": select_tuples(store, prefixes + _ORGANISATIONS),
        "canonical": canonical,
        **_one_project(_fetch(store, _link_queries(prefixes)), dict(canonical)),
    }


def _one_project(rows: dict[str, list[list[str]]], canonical: dict[str, str]) -> dict[str, list[list[str]]]:
    """The link rows with each project named by its canonical IRI, so that a project two sources describe
    (bundled and keep.eu) is one shared project, counted once."""
    one = canonical.get
    rows = dict(rows)
    if "project" in rows:
        rows["project"] = [[one(x, x), *rest] for x, *rest in rows["project"]]
    if "event" in rows:
        rows["event"] = [[x, m, one(p, p), *rest] for x, m, p, *rest in rows["event"]]
    if "transfer" in rows:
        rows["transfer"] = [[x, a, b, one(p, p)] for x, a, b, p in rows["transfer"]]
    return rows


def _organisation_network(data: dict[str, list[list[str]]], scope: _Scope) -> nx.Graph:
    graph = nx.Graph(kind="org")
    canonical = dict(data["canonical"])
    rows = [dict(zip(("o", "label", "country", "city", "type"), r, strict=True)) for r in data["organisations"]]
    for r in rows:
        if r["o"] not in canonical:
            graph.add_node(r["o"], label=r["label"], country=r["country"], city=r["city"], type=r["type"])
    members: dict[str, set[str]] = {}
    for r in rows:  # a cluster's node takes what its canonical IRI lacks from the other members
        if (c := canonical.get(r["o"])) in graph:
            node = graph.nodes[c]
            node.update({k: node.get(k) or r[k] for k in ("country", "city", "type")})
            members.setdefault(c, set()).add(r["o"])
    for c, others in members.items():
        graph.nodes[c]["same_as"] = " ".join(sorted(others))
    if (taking_part := scope.participants(data)) is not None:
        keep = {canonical.get(m, m) for m in taking_part}
        graph.remove_nodes_from([n for n in list(graph) if n not in keep])
    nodes = list(graph)
    index = _merged_index(nodes, canonical)
    edges: dict[tuple[int, int], dict] = {}
    links = _organisation_links(scope.links(data), index)
    for link, counts in links.items():
        for a, b, n in zip(counts.row.tolist(), counts.col.tolist(), counts.data.tolist(), strict=True):
            edge = edges.setdefault((a, b), {"weight": 0, "kinds": []})
            edge["weight"] += int(n)
            edge[link] = int(n)
            edge["kinds"].append(link)
    graph.add_edges_from(
        (nodes[a], nodes[b], {**data, "kinds": ",".join(sorted(data["kinds"]))}) for (a, b), data in edges.items()
    )
    return graph


def organisation_igraph(store: Store, coop_namespace: str) -> tuple[ig.Graph, list[str], list[str]]:
    """The whole organisation network straight into igraph, with its vertices' IRIs and labels, for analysing
    large networks (no networkx graph is built). Cached beside the store until the data changes."""
    cache = store.cache_dir()
    stem = cache / f"org-network-{hashlib.sha1(coop_namespace.encode()).hexdigest()[:12]}" if cache else None
    if stem is not None and stem.with_suffix(".npz").exists():
        saved = np.load(stem.with_suffix(".npz"))
        nodes, labels = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        return _igraph(len(nodes), saved["edges"], saved["weights"]), nodes, labels
    prefixes = _PREFIXES.format(coop=coop_namespace)
    rows = _fetch(
        store,
        {
            "labels": prefixes + _ORGANISATION_LABELS,
            "canonical": prefixes + _CANONICAL,
            **_link_queries(prefixes),
        },
    )
    canonical = dict(rows.pop("canonical"))
    rows = _one_project(rows, canonical)
    first_label: dict[str, str] = {}
    for organisation, label in rows.pop("labels"):
        if organisation not in canonical:
            first_label.setdefault(organisation, label)
    nodes, labels = list(first_label), list(first_label.values())
    links = _organisation_links(rows, _merged_index(nodes, canonical))
    total = sp.coo_array(sum((m.tocsr() for m in links.values()), sp.csr_array((len(nodes), len(nodes)))))
    edges = np.column_stack([total.row, total.col]).astype(np.int64)
    weights = total.data.astype(np.int64)
    if stem is not None:
        partial = stem.with_suffix(".partial.npz")
        np.savez(partial, edges=edges, weights=weights)
        stem.with_suffix(".json").write_text(json.dumps([nodes, labels]), encoding="utf-8")
        os.replace(partial, stem.with_suffix(".npz"))  # the arrays last: their presence means the cache is whole
    return _igraph(len(nodes), edges, weights), nodes, labels


def organisation_attributes(store: Store, coop_namespace: str, nodes: list[str]) -> dict[str, list[str]]:
    """Country code, city name and type code of each organisation in `nodes` ("" where unknown), for
    filtering and grouping large networks without building them in networkx. Cached like the network."""

    def make() -> dict[str, list[str]]:
        index = {n: i for i, n in enumerate(nodes)}
        result: dict[str, list[str]] = {name: [""] * len(nodes) for name in ("country", "city", "type")}
        query = _PREFIXES.format(coop=coop_namespace) + _ORGANISATIONS
        for organisation, _, country, city, kind in select_tuples(store, query):
            if (i := index.get(organisation)) is not None:
                result["country"][i] = result["country"][i] or country
                result["city"][i] = result["city"][i] or city
                result["type"][i] = result["type"][i] or kind
        return result

    return _json_cached(store, f"org-attributes {coop_namespace}", make)


def _json_cached(store: Store, key: str, make):
    """`make()`'s JSON-able result, kept beside the store for this state of the data (none for a store
    in memory); written whole or not at all."""
    cache = store.cache_dir()
    if cache is None:
        return make()
    path = cache / f"{key.split()[0]}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    value = make()
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(value), encoding="utf-8")
    os.replace(partial, path)
    return value


def _igraph(n: int, edges: np.ndarray, weights: np.ndarray) -> ig.Graph:
    return ig.Graph(n=n, edges=edges.reshape(-1, 2).tolist(), edge_attrs={"weight": weights.tolist()})


def _aggregate(graph: nx.Graph, attribute: str, kind: str) -> nx.Graph:
    """Group organisations by a node attribute (city, country); weights add up; unplaced ones are left out."""
    result = nx.Graph(kind=kind)
    for _, data in graph.nodes(data=True):
        place = data.get(attribute)
        if place:
            if place not in result:
                if kind == "country":
                    result.add_node(place, label=country_name(place), code=place, organisations=0)
                else:
                    result.add_node(place, label=place, organisations=0)
            result.nodes[place]["organisations"] += 1
    for a, b, data in graph.edges(data=True):
        pa, pb = graph.nodes[a].get(attribute), graph.nodes[b].get(attribute)
        if pa and pb and pa != pb:
            weight = result.edges[pa, pb]["weight"] if result.has_edge(pa, pb) else 0
            result.add_edge(pa, pb, weight=weight + data["weight"])
    return result


def country_name(code: str) -> str:
    """A country's English name from its ISO 3166 code (the EU's EL and UK too); the code when unknown.

    >>> country_name("IT"), country_name("EL"), country_name("XK")
    ('Italy', 'Greece', 'XK')
    """
    import pycountry

    code = code.strip().upper()
    found = pycountry.countries.get(alpha_2={"EL": "GR", "UK": "GB"}.get(code, code)) if len(code) == 2 else None
    return getattr(found, "common_name", None) or found.name if found else code


def _namespaces(coop_namespace: str | Namespaces) -> Namespaces:
    """The project's namespaces from those or from their ontology namespace (what older callers pass)."""
    if isinstance(coop_namespace, Namespaces):
        return coop_namespace
    ns = Namespaces(coop_namespace.removesuffix(Namespaces().coop.removeprefix(Namespaces().base)))
    if str(ns.coop) != coop_namespace:
        raise KGError(f"'{coop_namespace}' is not the ontology namespace of a base IRI ending in '/'")
    return ns


def _scope(store: Store, ns: Namespaces, selection: Selection) -> _Scope:
    """The projects `selection` chooses and, with a year, those running then."""
    if selection.empty:
        return _Scope()
    projects = read_projects(store, ns)
    chosen = select_projects(projects, ns, selection)
    running = frozenset(iri for iri, p in projects.items() if selection.year is not None and p.runs_in(selection.year))
    return _Scope(None if chosen is None else frozenset(chosen), selection.year, running)


def build_network(
    store: Store,
    coop_namespace: str | Namespaces,
    kind: str = "org",
    *,
    year: int | None = None,
    programme: str | None = None,
    projects: Iterable[str] = (),
    source: str | None = None,
) -> nx.Graph:
    """The network of `kind` (one of KINDS) from the store.

    Parameters
    ----------
    coop_namespace
        The project's `Namespaces`, or their ontology namespace (``str(ns.coop)``).
    year
        Only the links of that year: projects running then (from their start to their end year; one with no
        end counts in its start year only), events held then; transfers carry no date and are left out.
        The organisations stay, linked or not, so that years compare. Org, city and country networks only.
    programme, projects, source
        Only the projects of a programme (id, IRI, or label or part of it), the projects named (acronym,
        id or IRI), the projects a source states (the folder its files were loaded from, e.g. ``innocrafts``
        or ``urbact``, or an IRI prefix of named graphs); see `kg.network.select.select_projects`. The
        network then holds the organisations taking part in them (members, hosts of their events, parties
        to their transfers) and their links only.

    Raises
    ------
    KGError
        For an unknown kind, a year with a network that has none, or a filter that matches nothing (the
        message names what exists).

    Examples
    --------
    >>> from kg.store import open_store
    >>> build_network(open_store("memory"), Namespaces()).graph["kind"]
    'org'
    """
    if kind not in KINDS:
        raise KGError(f"unknown network kind '{kind}' (known: {', '.join(KINDS)})")
    if year is not None and kind not in ("org", "city", "country"):
        raise KGError(f"a network of one year is made for org, city and country networks, not '{kind}'")
    ns = _namespaces(coop_namespace)
    selection = Selection(programme, tuple(projects), source, year)
    scope = _scope(store, ns, selection)
    prefixes = _PREFIXES.format(coop=ns.coop)
    if kind == "transfer":
        graph = nx.DiGraph(kind="transfer")
        seen = set()  # one transfer is one link however many labels or projects it has
        canonical = _canonical(store, prefixes) if scope.chosen is not None else {}
        for r in _rows(store, prefixes, _TRANSFERS):
            # narrowed to projects: a transfer of no stated project is left out; a project several sources
            # describe is its canonical IRI
            if scope.chosen is not None and canonical.get(r.get("project", ""), r.get("project")) not in scope.chosen:
                continue
            graph.add_node(r["from"], label=r["fromLabel"])
            graph.add_node(r["to"], label=r["toLabel"])
            new = (r["x"], r["from"], r["to"]) not in seen
            seen.add((r["x"], r["from"], r["to"]))
            if graph.has_edge(r["from"], r["to"]):
                edge = graph.edges[r["from"], r["to"]]
                edge["weight"] += int(new)
                edge["kinds"] = ",".join(sorted({*edge["kinds"].split(","), r["kind"]}))
            else:
                graph.add_edge(r["from"], r["to"], weight=1, kinds=r["kind"])
    elif kind == "bipartite":
        graph = nx.Graph(kind="bipartite")
        canonical = _canonical(store, prefixes)
        for r in _rows(store, prefixes, _MEMBERSHIPS):
            project = canonical.get(r["p"], r["p"])  # a project two sources describe is one node
            if not scope.project(project):
                continue
            organisation = canonical.get(r["o"], r["o"])
            graph.add_node(organisation, bipartite=0)
            graph.add_node(project, bipartite=1, label=r["acronym"])
            graph.add_edge(organisation, project)
        for r in _rows(store, prefixes, _ORGANISATIONS):
            if r["o"] in graph:
                graph.nodes[r["o"]]["label"] = r["label"]
    else:
        graph = _organisation_network(_organisation_rows(store, prefixes), scope)
        if kind != "org":
            graph = _aggregate(graph, kind, kind)
    return _described(graph, kind, selection)


def _described(graph: nx.Graph, kind: str, selection: Selection) -> nx.Graph:
    """The graph with what its edge weight counts and which filters made it, as graph attributes."""
    graph.graph["edge_weight"] = EDGE_WEIGHTS[kind]
    if described := selection.describe():
        graph.graph["selection"] = described
    return graph


def analyse_network(
    store: Store,
    coop_namespace: str | Namespaces,
    kind: str = "org",
    *,
    seed: int = 42,
    year: int | None = None,
    programme: str | None = None,
    projects: Iterable[str] = (),
    source: str | None = None,
) -> Analysis:
    """Every measure of `kg.network.metrics` for the network of `kind`, with `build_network`'s filters (named
    in the parameters as ``selection``). The whole organisation network goes straight into igraph, and its
    measures are kept beside the store for the same state of the data, so that large ones take seconds the
    first time and about one after."""
    selection = Selection(programme, tuple(projects), source, year)
    if kind != "org" or not selection.empty:
        graph = build_network(
            store, coop_namespace, kind, year=year, programme=programme, projects=selection.projects, source=source
        )
        analysis = analyse(graph, seed=seed)
        if "selection" in graph.graph:
            analysis.parameters["selection"] = graph.graph["selection"]
        return analysis
    coop = str(_namespaces(coop_namespace).coop)

    def make() -> dict:
        graph, nodes, labels = organisation_igraph(store, coop)
        analysis = analyse_igraph(graph, nodes, labels, seed=seed)
        return {"rows": analysis.rows, "summary": analysis.summary, "parameters": analysis.parameters}

    # "2": rows with the normalised degree (a cache written before it lacks the column)
    saved = _json_cached(store, f"org-analysis 2 {coop} {seed}", make)
    return Analysis(saved["rows"], saved["summary"], saved["parameters"])


def write_network(graph: nx.Graph, fmt: str, path: Path | None = None) -> str | None:
    """Write a network as GEXF, GraphML, node-link JSON or CSV (edges, then nodes); text when no path."""
    if fmt not in FORMATS:
        raise KGError(f"unknown network format '{fmt}' (known: {', '.join(FORMATS)})")
    if fmt == "gexf":
        text = _gexf(graph)
    elif fmt == "graphml":  # graph attributes (edge_weight, selection) become the graph's <data>
        buffer = io.BytesIO()
        nx.write_graphml(graph, buffer)
        text = buffer.getvalue().decode("utf-8")
    elif fmt == "json":
        text = json.dumps(nx.node_link_data(graph, edges="links"), ensure_ascii=False, indent=1)
    else:
        out = io.StringIO()
        keys = sorted({k for _, _, d in graph.edges(data=True) for k in d})
        writer = csv.writer(out)
        writer.writerow(["source", "target", *keys])
        for a, b, d in graph.edges(data=True):
            writer.writerow([a, b, *(d.get(k, "") for k in keys)])
        text = out.getvalue()
        if path is not None:
            nodes = io.StringIO()
            node_keys = sorted({k for _, d in graph.nodes(data=True) for k in d})
            node_writer = csv.writer(nodes)
            node_writer.writerow(["id", *node_keys])
            for n, d in graph.nodes(data=True):
                node_writer.writerow([n, *(d.get(k, "") for k in node_keys)])
            path.with_name(path.stem + "-nodes.csv").write_text(nodes.getvalue(), encoding="utf-8")
    if path is None:
        return text
    path.write_text(text, encoding="utf-8")
    return None


def _gexf(graph: nx.Graph) -> str:
    """GEXF, with what an edge weight counts (and the filters) in the file's <meta><description>: networkx
    writes no graph attributes into GEXF."""
    from xml.etree.ElementTree import SubElement

    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph(graph)
    meta = writer.xml.find("meta")
    if meta is not None:
        parts = [f"{graph.graph.get('kind', 'collaboration')} network built by coopkg"]
        if "edge_weight" in graph.graph:
            parts.append(f"edge weight: {graph.graph['edge_weight']}")
        if "selection" in graph.graph:
            parts.append(f"filters: {graph.graph['selection']}")
        SubElement(meta, "description").text = ". ".join(parts)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue().decode("utf-8")


MEASURES = {
    "degree": "degree",
    "weighted_degree": "weighted-degree",
    "betweenness": "betweenness",
    "closeness": "closeness",
    "pagerank": "pagerank",
    "clustering": "clustering",
    "community": "community",
    "constraint": "constraint",
    "articulation_point": "articulation-point",
}


def save_metrics(store: Store, ns: Namespaces, kind: str, rows: list[dict], parameters: dict, when: str) -> str:
    """Write measures back into the graph, in the named graph of this network kind (replaced whole), with the
    analysis (date and parameters) as provenance. Returns the analysis IRI."""
    from kg.rdf import iri, literal

    analysis = f"{ns.id}network-analysis/{kind}"
    graph = f"{ns.graph}network/{kind}"
    coop, xsd = str(ns.coop), "http://www.w3.org/2001/XMLSchema#"
    a = iri(analysis)
    lines = [
        f"{a} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{coop}NetworkAnalysis> .\n",
        f"{a} <http://www.w3.org/2000/01/rdf-schema#label> {literal(f'Network analysis of the {kind} network')} .\n",
        f"{a} <{coop}networkKind> {literal(kind)} .\n",
        f"{a} <{coop}parameters> {literal(json.dumps(parameters, sort_keys=True))} .\n",
        f"{a} <http://www.w3.org/ns/prov#endedAtTime> {literal(when, datatype=xsd + 'dateTime')} .\n",
    ]
    for row in rows:
        node = str(row["node"])
        if not node.startswith(("http://", "https://")):  # aggregated nodes are country or city codes
            continue
        for key, code in MEASURES.items():
            value = row.get(key)
            if value is None:
                continue
            if isinstance(value, bool):
                value = int(value)
            m = iri(f"{analysis}/{code}/{hashlib.sha1(node.encode()).hexdigest()[:16]}")
            datatype = xsd + ("integer" if isinstance(value, int) else "double")
            text = str(value) if isinstance(value, int) else repr(float(value))
            lines += [
                f"{iri(node)} <{coop}measurement> {m} .\n",
                f"{m} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{coop}NetworkMeasurement> .\n",
                f"{m} <{coop}measure> <{ns.scheme}network-measure/{code}> .\n",
                f"{m} <{coop}value> {literal(text, datatype=datatype)} .\n",
                f"{m} <http://www.w3.org/ns/prov#wasGeneratedBy> {a} .\n",
            ]
    with store.transaction() as writer:
        writer.replace_graph(graph, ["".join(lines)])
    return analysis
