"""The merged view: every fact of a linked record restated of its cluster's canonical IRI, and every link to
a linked record restated as a link to the canonical IRI, in one graph per source graph
(`Namespaces.merged_graph`), so each such fact keeps its source (the graph says `prov:wasDerivedFrom` it).

Queried over the union of graphs, the canonical IRI of an organisation, project or programme then has the
union of its members' facts: `?o coop:city ?city` finds the city a keep.eu record gave it (a member's
rdfs:label becomes a skos:altLabel: the canonical IRI keeps its own name). To count each
cluster once, leave out the other members: they are the IRIs with `coop:mergedInto`
(`FILTER NOT EXISTS { ?x coop:mergedInto [] }`). The graphs are derived: rebuilt with the data, left out of
SHACL validation (a participation there names both a member and its canonical organisation).
"""

from __future__ import annotations

from collections import defaultdict

from rdflib.namespace import OWL, PROV, RDFS, SKOS

from kg.namespaces import Namespaces
from kg.rdf import iri
from kg.validate import derived_graphs

__all__ = ["rebuild_merged", "clear_merged", "MERGED_LEFT_OUT"]

#: What a member says of its cluster (not of the organisation or project): not restated
MERGED_LEFT_OUT = ("canonical", "mergedInto")

_OF_MEMBERS = "SELECT ?g ?s ?p ?o WHERE {{ VALUES ?{side} {{ {iris} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def clear_merged(writer, ns: Namespaces) -> None:
    """Empty the merged view's graphs, so that linkage reads only what the sources state (a fact restated of
    a canonical IRI must not become evidence for the next linkage)."""
    for graph in derived_graphs(writer, ns)[1:]:
        writer.replace_graph(graph, [])


def rebuild_merged(writer, ns: Namespaces, canonical: dict[str, str], *, derived: set[str]) -> int:
    """Write the merged view's graphs (emptied before linkage by clear_merged) from `canonical` (member ->
    canonical IRI, all clusters); `derived`
    are the graphs made from others (inferred, links), which the view does not restate. Returns how many
    facts the view holds."""
    members = {m: c for m, c in canonical.items() if m != c}
    left_out = {str(OWL.sameAs), *(str(ns.coop[name]) for name in MERGED_LEFT_OUT)}
    label, alt_label = str(RDFS.label), iri(str(SKOS.altLabel))
    by_graph: dict[str, set[str]] = defaultdict(set)
    order = sorted(members)
    for start in range(0, len(order), 400):
        iris = " ".join(iri(m) for m in order[start : start + 400])
        for side in ("s", "o"):
            for row in writer.query(_OF_MEMBERS.format(side=side, iris=iris)):
                graph, s, p, o = (row[k] for k in ("g", "s", "p", "o"))
                if graph.value in derived or graph.value.startswith(ns.merged_graphs) or p.value in left_out:
                    continue
                if str(s).startswith("_:") or str(o).startswith("_:"):
                    continue  # a blank node is the store's own: it cannot be named in another graph
                subject = members.get(s.value, s.value)
                value = iri(members.get(o.value, o.value)) if str(o).startswith("<") else str(o)
                # a member's name is another name of the canonical IRI, which keeps its own rdfs:label
                predicate = alt_label if p.value == label and subject != s.value else str(p)
                by_graph[graph.value].add(f"{iri(subject)} {predicate} {value} .\n")
    derived_from, merged_into = iri(str(PROV.wasDerivedFrom)), iri(str(ns.coop.mergedInto))
    # a fact the data already states (of the canonical IRI itself), or another source restates, is not repeated
    seen = _stated(writer, {line for lines in by_graph.values() for line in lines}, derived | {ns.merged_graphs})
    written = 0
    for source, found in sorted(by_graph.items()):
        lines = found - seen
        seen |= lines
        if not lines:
            continue
        graph = ns.merged_graph(source)
        written += len(lines)
        head = f"{iri(graph)} {derived_from} {iri(source)} .\n"
        writer.replace_graph(graph, [head, "".join(sorted(lines))])
    index = "".join(f"{iri(m)} {merged_into} {iri(c)} .\n" for m, c in sorted(members.items()))
    writer.replace_graph(ns.merged_graphs + "members", [index])
    return written


def _stated(writer, lines: set[str], derived: set[str]) -> set[str]:
    """Those of `lines` (N-Triples) that a graph other than the `derived` ones (and those under a derived
    prefix) already states."""
    ordered = sorted(lines)
    found: set[str] = set()
    for start in range(0, len(ordered), 500):
        rows = " ".join(f"({line.rstrip().removesuffix('.').rstrip()})" for line in ordered[start : start + 500])
        query = f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        for row in writer.query(query):
            if not any(row["g"].value == d or row["g"].value.startswith(d) for d in derived):
                found.add(f"{row['s']} {row['p']} {row['o']} .\n")
    return found
