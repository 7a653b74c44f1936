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
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.results import select_rows
from kg.store import Store

__all__ = ["KINDS", "FORMATS", "MEASURES", "build_network", "write_network", "save_metrics"]

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

_TRANSFERS = """
SELECT ?x ?kind ?from ?fromLabel ?to ?toLabel WHERE {
  ?x a coop:Transfer ; coop:transferKind/skos:notation ?kind .
  { ?x coop:sourcePlace ?from } UNION { ?x coop:sourcePractice/coop:city ?from }
  { ?x coop:targetPlace ?to } UNION { ?x coop:targetOrganisation ?to }
  ?from rdfs:label ?fromLabel . ?to rdfs:label ?toLabel .
  FILTER(?from != ?to)
}"""

_MEMBERSHIPS = """
SELECT ?o ?p ?acronym WHERE { ?o org:memberOf ?p . ?p coop:acronym ?acronym }"""


def _rows(store: Store, prefixes: str, query: str) -> list[dict[str, str]]:
    return select_rows(store, prefixes + query)


def _pairs_in_groups(rows: Iterable[dict[str, str]]) -> Counter[tuple[str, str]]:
    """How many groups each pair of members shares (counted here: a SPARQL self-join with GROUP BY over
    hundreds of thousands of pairs is far slower than counting in Python)."""
    members: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        members[r["x"]].add(r["m"])
    counts: Counter[tuple[str, str]] = Counter()
    for group in members.values():
        ordered = sorted(group)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                counts[(a, b)] += 1
    return counts


def _organisation_network(store: Store, prefixes: str, year: int | None = None) -> nx.Graph:
    graph = nx.Graph(kind="org")
    for r in _rows(store, prefixes, _ORGANISATIONS):
        graph.add_node(r["o"], label=r["label"], country=r["country"], city=r["city"], type=r["type"])
    during = on = ""
    if year is not None:
        during = (
            f"?x schema:startDate ?start ; schema:endDate ?end . "
            f"FILTER(YEAR(?start) <= {int(year)} && YEAR(?end) >= {int(year)})"
        )
        on = f"?x schema:startDate ?day . FILTER(YEAR(?day) = {int(year)})"
    links = {
        link: _pairs_in_groups(_rows(store, prefixes, query.replace("{during}", during).replace("{on}", on)))
        for link, query in _GROUPS.items()
    }
    if year is None:  # transfers carry no date
        transfers: Counter[tuple[str, str]] = Counter()
        for x in {(r["x"], r["a"], r["b"]) for r in _rows(store, prefixes, _TRANSFER_PAIRS)}:
            transfers[(x[1], x[2])] += 1
        links["transfer"] = transfers
    for link, counts in links.items():
        for (a, b), n in counts.items():
            if graph.has_edge(a, b):
                edge = graph.edges[a, b]
                edge["weight"] += n
                edge[link] = n
                edge["kinds"] = ",".join(sorted({*edge["kinds"].split(","), link}))
            else:
                graph.add_edge(a, b, weight=n, kinds=link, **{link: n})
    return graph


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
        for r in _rows(store, prefixes, _MEMBERSHIPS):
            graph.add_node(r["o"], bipartite=0)
            graph.add_node(r["p"], bipartite=1, label=r["acronym"])
            graph.add_edge(r["o"], r["p"])
        for r in _rows(store, prefixes, _ORGANISATIONS):
            if r["o"] in graph:
                graph.nodes[r["o"]]["label"] = r["label"]
        return graph
    organisations = _organisation_network(store, prefixes, year)
    if kind == "org":
        return organisations
    return _aggregate(organisations, kind, kind)


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
    from kg.mapping import iri, literal

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
