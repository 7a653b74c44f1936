"""What record linkage compares of each organisation, read from the store: names, place, ids, website."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kg.namespaces import Namespaces
from kg.store.rows import select_rows

__all__ = ["Record", "read_records"]

# One row per organisation, graph and value; the placeholder names of minimal entities (a link to an
# organisation no file described) are in the stub graph, which is left out.
_FACTS = """
SELECT ?o ?g ?p ?v WHERE {
  GRAPH ?g { ?o a coop:Organisation }
  FILTER(?g NOT IN (<{stubs}>, <{inferred}>))
  { GRAPH ?g { ?o rdfs:label ?v } BIND("label" AS ?p) }
  UNION { GRAPH ?g { ?o skos:altLabel ?v } BIND("name" AS ?p) }
  UNION { GRAPH ?g { ?o coop:acronym ?v } BIND("acronym" AS ?p) }
  UNION { GRAPH ?g { ?o coop:city ?city } ?city rdfs:label ?v BIND("town" AS ?p) }
  UNION { GRAPH ?g { ?o locn:postName ?v } BIND("town" AS ?p) }
  UNION { GRAPH ?g { ?o coop:country ?country } ?country coop:countryCode ?v BIND("country" AS ?p) }
  UNION { GRAPH ?g { ?o coop:nutsCode ?v } BIND("nuts" AS ?p) }
  UNION { GRAPH ?g { ?o foaf:homepage ?v } BIND("website" AS ?p) }
  UNION { GRAPH ?g { ?o dcterms:identifier ?v } BIND("id" AS ?p) }
  UNION { GRAPH ?g { ?o schema:vatID ?v } BIND("vat" AS ?p) }
  UNION { ?o org:memberOf/coop:acronym ?v BIND("project" AS ?p) }
}"""


@dataclass
class Record:
    """One organisation as one source (or all of them) describes it."""

    iri: str
    sources: frozenset[str]
    names: list[str] = field(default_factory=list)
    acronyms: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    country: str = ""
    nuts: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    vats: list[str] = field(default_factory=list)
    #: the acronyms of the projects it took part in
    projects: list[str] = field(default_factory=list)

    @property
    def scheme(self) -> str:
        """The id scheme of an organisation that has an id of its source (the IRI's folder, such as
        id:cordis/organisation/): two organisations of one scheme with different IRIs are different."""
        return self.iri.rsplit("/", 1)[0] if self.ids else ""

    @property
    def label(self) -> str:
        return self.names[0] if self.names else self.iri

    @property
    def place(self) -> str:
        return ", ".join(v for v in (self.towns[0] if self.towns else "", self.country) if v)


_FIELDS = {
    "name": "names",
    "project": "projects",
    "acronym": "acronyms",
    "town": "towns",
    "nuts": "nuts",
    "website": "websites",
}


def read_records(reader, ns: Namespaces, *, per_source: bool = False) -> list[Record]:
    """Every organisation with its facts, one record per IRI (all sources together), or with `per_source`
    one per IRI and source file, as each file describes it (the benchmark compares sources this way)."""
    stubs = f"{ns.graph}stubs"
    query = ns.sparql_prefixes() + _FACTS.replace("{stubs}", stubs).replace("{inferred}", ns.inferred_graph)
    records: dict[tuple[str, str], Record] = {}
    graphs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in select_rows(reader, query):
        source = _source(row["g"], ns)
        key = (row["o"], source if per_source else "")
        graphs[key].add(source)
        record = records.setdefault(key, Record(row["o"], frozenset()))
        value, kind = row["v"].strip(), row["p"]
        if not value:
            continue
        if kind == "label":
            record.names.insert(0, value)
        elif kind == "country":
            record.country = record.country or value
        elif kind in ("id", "vat"):
            values = record.ids if kind == "id" else record.vats
            if value not in values:
                values.append(value)
        elif value not in (values := getattr(record, _FIELDS[kind])) or kind == "name":
            values.append(value)
    for key, record in records.items():
        record.sources = frozenset(graphs[key])
        record.names = list(dict.fromkeys(record.names))  # the labels first, then the other names
    return sorted(records.values(), key=lambda r: (r.iri, sorted(r.sources)))


def _source(graph: str, ns: Namespaces) -> str:
    """The dataset (folder) a named graph belongs to: <base>graph/<dataset>/<file>."""
    return graph.removeprefix(str(ns.graph)).split("/", 1)[0]
