"""Standard types in the data: what the ontology's rdfs:subClassOf and rdfs:subPropertyOf axioms entail
from the data, written to one named graph that is rebuilt whenever the data changes.

The store does no reasoning, so a query in ORG, FOAF, schema.org, PROV or EURIO terms finds our entities
only if these triples are in it. The axioms come from the store itself (the ontology graphs, and any
vocabulary a user loaded); the entailed triples are computed from every graph but this one, so an entity
whose source graph was replaced loses its inferred types with it.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib.namespace import RDF

from kg.namespaces import Namespaces
from kg.store import Writer

__all__ = ["materialise"]

_AXIOMS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?term ?super WHERE {{ ?term rdfs:{axiom} ?super . FILTER(isIRI(?term) && isIRI(?super)) }}"""


def _closure(writer: Writer, axiom: str) -> dict[str, set[str]]:
    """Each term's super-terms by the axiom, transitively (computed here: not every SPARQL server runs a
    `+` path with neither end bound)."""
    direct: dict[str, set[str]] = defaultdict(set)
    for row in writer.query(_AXIOMS.format(axiom=axiom)):
        direct[row["term"].value].add(row["super"].value)
    closure: dict[str, set[str]] = {}
    for term in direct:
        seen, todo = set(), list(direct[term])
        while todo:
            sup = todo.pop()
            if sup not in seen and sup != term:
                seen.add(sup)
                todo.extend(direct.get(sup, ()))
        closure[term] = seen
    return {t: s for t, s in closure.items() if s}


def _values(terms) -> str:
    return " ".join(f"<{t}>" for t in sorted(terms))


def _entailed_types(writer: Writer, graph: str, supers: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each subject's types that a subclass axiom entails and no other graph states."""
    if not supers:
        return {}
    # one pass over the stated types of every class involved: those that entail more, and the entailed
    # ones (a type some graph states already is not written again)
    classes = set(supers).union(*supers.values())
    rows = writer.query(
        f"SELECT ?s ?c WHERE {{ VALUES ?c {{ {_values(classes)} }} GRAPH ?g {{ ?s a ?c }} "
        f"FILTER(isIRI(?s) && ?g != <{graph}>) }}"
    )
    stated: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        stated[row["s"].value].add(row["c"].value)
    return {s: set().union(*(supers.get(c, set()) for c in cs)) - cs for s, cs in stated.items()}


def materialise(writer: Writer, ns: Namespaces) -> int:
    """Replace the inferred graph with the types and super-properties the store's axioms entail; returns
    how many triples it holds."""
    graph = ns.inferred_graph
    rdf_type = f"<{RDF.type}>"
    lines = [
        f"<{subject}> {rdf_type} <{t}> .\n"
        for subject, types in _entailed_types(writer, graph, _closure(writer, "subClassOf")).items()
        for t in sorted(types)
    ]
    for prop, supers in _closure(writer, "subPropertyOf").items():
        rows = writer.query(
            f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{prop}> ?o }} FILTER(isIRI(?s) && ?g != <{graph}>) }}"
        )
        pairs = [(row["s"], row["o"]) for row in rows if not _blank(row["o"])]
        for sup in sorted(supers):
            lines.extend(f"{s} <{sup}> {o} .\n" for s, o in pairs)
    writer.replace_graph(graph, _chunks(lines))
    return len(lines)


def _blank(term) -> bool:
    return str(term).startswith("_:")


def _chunks(lines: list[str], size: int = 20_000):
    for start in range(0, len(lines), size):
        yield "".join(lines[start : start + size])
