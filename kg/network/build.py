"""Collaboration networks derived from the knowledge graph, each built by SPARQL from the store.

Kinds:

- ``org``: organisations linked when they share a project, co-host an event, or one's practice was
  transferred to the other; the edge keeps a weight (the number of links) and the kinds of link.
- ``city`` and ``country``: the ``org`` network aggregated by the organisations' city or country.
- ``transfer``: directed, from the place a practice came from to the place or organisation it went to.
- ``bipartite``: organisations and the projects they took part in.

Nodes carry a label, and for organisations their country, city and type, so exports read well in Gephi.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.metrics import Analysis, analyse, analyse_igraph
from kg.store import Store
from kg.store.rows import select_rows, select_tuples

__all__ = [
    "KINDS",
    "FORMATS",
    "MEASURES",
    "build_network",
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

#: Groups whose members are linked pairwise: organisations in one project, hosts of one event.
_GROUPS = {
    "project": "SELECT ?x ?m WHERE { ?m org:memberOf ?x . {during} }",
    "event": "SELECT ?x ?m WHERE { ?x a coop:Event ; coop:hostedBy ?m . {on} }",
}
#: Transfers link the practice's source organisation (or owner) with each target organisation.
_TRANSFER_PAIRS = """SELECT ?x ?a ?b WHERE {
    ?x a coop:Transfer ; coop:targetOrganisation ?t .
    { ?x coop:sourceOrganisation ?s } UNION { ?x coop:sourcePractice/coop:owner ?s }
    FILTER(?s != ?t) BIND(IF(STR(?s) < STR(?t), ?s, ?t) AS ?a) BIND(IF(STR(?s) < STR(?t), ?t, ?s) AS ?b)
}"""

_ORGANISATION_LABELS = """
SELECT ?o ?label WHERE { ?o a coop:Organisation ; rdfs:label ?label }"""

_TRANSFERS = """
SELECT ?x ?kind ?from ?fromLabel ?to ?toLabel WHERE {
  ?x a coop:Transfer ; coop:transferKind/skos:notation ?kind .
  { ?x coop:sourcePlace ?from } UNION { ?x coop:sourcePractice/coop:city ?from }
  { ?x coop:targetPlace ?to } UNION { ?x coop:targetOrganisation ?to }
  ?from rdfs:label ?fromLabel . ?to rdfs:label ?toLabel .
  FILTER(?from != ?to)
}"""

#: Organisations that record linkage found to be one (kg.link): each member -> the cluster's canonical IRI.
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
    for group, member in rows:
        if (m := index.get(member)) is not None:
            members.append(m)
            columns.append(groups.setdefault(group, len(groups)))
    size = _size(index)
    incidence = sp.csr_array((np.ones(len(members)), (members, columns)), shape=(size, max(len(groups), 1)))
    incidence.data[:] = 1  # a member listed twice in one group counts once
    return sp.triu(incidence @ incidence.T, k=1).tocoo()


def _link_queries(prefixes: str, year: int | None) -> dict[str, str]:
    """The query behind each kind of link (project, event, transfer); rows are (group, member) or, for
    transfers, (transfer, organisation, organisation)."""
    during = on = ""
    if year is not None:
        during = (
            f"?x schema:startDate ?start ; schema:endDate ?end . "
            f"FILTER(YEAR(?start) <= {int(year)} && YEAR(?end) >= {int(year)})"
        )
        on = f"?x schema:startDate ?day . FILTER(YEAR(?day) = {int(year)})"
    queries = {link: prefixes + q.replace("{during}", during).replace("{on}", on) for link, q in _GROUPS.items()}
    if year is None:  # transfers carry no date
        queries["transfer"] = prefixes + _TRANSFER_PAIRS
    return queries


def _fetch(store: Store, queries: dict[str, str]) -> dict[str, list[list[str]]]:
    """Run several SELECT queries at once (Oxigraph evaluates them outside the GIL) and return their rows."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(select_tuples, store, query) for name, query in queries.items()}
        return {name: future.result() for name, future in futures.items()}


def _organisation_links(rows: dict[str, list[list[str]]], index: dict[str, int]) -> dict[str, sp.coo_array]:
    """For each kind of link, how many of them each pair of organisations shares (upper triangle)."""
    links = {link: _co_membership(rows[link], index) for link in _GROUPS}
    if "transfer" in rows:
        pairs = {tuple(r) for r in rows["transfer"]}
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


def _organisation_network(store: Store, prefixes: str, year: int | None = None) -> nx.Graph:
    graph = nx.Graph(kind="org")
    canonical = _canonical(store, prefixes)
    rows = _rows(store, prefixes, _ORGANISATIONS)
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
    nodes = list(graph)
    index = _merged_index(nodes, canonical)
    edges: dict[tuple[int, int], dict] = {}
    links = _organisation_links(_fetch(store, _link_queries(prefixes, year)), index)
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
            **_link_queries(prefixes, None),
        },
    )
    canonical = dict(rows.pop("canonical"))
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
                result.add_node(place, label=place, organisations=0)
            result.nodes[place]["organisations"] += 1
    for a, b, data in graph.edges(data=True):
        pa, pb = graph.nodes[a].get(attribute), graph.nodes[b].get(attribute)
        if pa and pb and pa != pb:
            weight = result.edges[pa, pb]["weight"] if result.has_edge(pa, pb) else 0
            result.add_edge(pa, pb, weight=weight + data["weight"])
    return result


def build_network(store: Store, coop_namespace: str, kind: str = "org", *, year: int | None = None) -> nx.Graph:
    """The network of `kind` (one of KINDS) from the store; with `year`, only the links of that year
    (projects running then, events held then; undated transfers are left out)."""
    if kind not in KINDS:
        raise KGError(f"unknown network kind '{kind}' (known: {', '.join(KINDS)})")
    if year is not None and kind not in ("org", "city", "country"):
        raise KGError(f"a network of one year is made for org, city and country networks, not '{kind}'")
    prefixes = _PREFIXES.format(coop=coop_namespace)
    if kind == "transfer":
        graph = nx.DiGraph(kind="transfer")
        for r in _rows(store, prefixes, _TRANSFERS):
            graph.add_node(r["from"], label=r["fromLabel"])
            graph.add_node(r["to"], label=r["toLabel"])
            if graph.has_edge(r["from"], r["to"]):
                edge = graph.edges[r["from"], r["to"]]
                edge["weight"] += 1
                edge["kinds"] = ",".join(sorted({*edge["kinds"].split(","), r["kind"]}))
            else:
                graph.add_edge(r["from"], r["to"], weight=1, kinds=r["kind"])
        return graph
    if kind == "bipartite":
        graph = nx.Graph(kind="bipartite")
        canonical = _canonical(store, prefixes)
        for r in _rows(store, prefixes, _MEMBERSHIPS):
            organisation = canonical.get(r["o"], r["o"])
            graph.add_node(organisation, bipartite=0)
            graph.add_node(r["p"], bipartite=1, label=r["acronym"])
            graph.add_edge(organisation, r["p"])
        for r in _rows(store, prefixes, _ORGANISATIONS):
            if r["o"] in graph:
                graph.nodes[r["o"]]["label"] = r["label"]
        return graph
    organisations = _organisation_network(store, prefixes, year)
    if kind == "org":
        return organisations
    return _aggregate(organisations, kind, kind)


def analyse_network(store: Store, coop_namespace: str, kind: str = "org", *, seed: int = 42) -> Analysis:
    """Every measure of `kg.network.metrics` for the network of `kind`; the organisation network goes straight into
    igraph, and its measures are kept beside the store for the same state of the data, so that large
    ones take seconds the first time and about one after."""
    if kind != "org":
        return analyse(build_network(store, coop_namespace, kind), seed=seed)

    def make() -> dict:
        graph, nodes, labels = organisation_igraph(store, coop_namespace)
        analysis = analyse_igraph(graph, nodes, labels, seed=seed)
        return {"rows": analysis.rows, "summary": analysis.summary, "parameters": analysis.parameters}

    saved = _json_cached(store, f"org-analysis {coop_namespace} {seed}", make)
    return Analysis(saved["rows"], saved["summary"], saved["parameters"])


def write_network(graph: nx.Graph, fmt: str, path: Path | None = None) -> str | None:
    """Write a network as GEXF, GraphML, node-link JSON or CSV (edges, then nodes); text when no path."""
    if fmt not in FORMATS:
        raise KGError(f"unknown network format '{fmt}' (known: {', '.join(FORMATS)})")
    if fmt in ("gexf", "graphml"):
        buffer = io.BytesIO()
        (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(graph, buffer)
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
