"""What record linkage compares of each organisation, read from the store: names, place, ids, website."""

from __future__ import annotations

import gc
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from kg.namespaces import Namespaces
from kg.store.rows import select_tuples

__all__ = ["Record", "read_records", "add_projects"]

# One query per kind of fact (a UNION of them all runs several times slower on Oxigraph): rows of
# organisation, graph and value. The projects an organisation took part in are read from any graph, and only
# for the records that need them (add_projects).
_ORGANISATION = "GRAPH ?g {{ ?o a coop:Organisation ; {path} ?v }}"
_FACTS = {
    "label": _ORGANISATION.format(path="rdfs:label"),
    "name": _ORGANISATION.format(path="skos:altLabel"),
    "acronym": _ORGANISATION.format(path="coop:acronym"),
    "town": _ORGANISATION.format(path="locn:postName"),
    "city": "GRAPH ?g { ?o a coop:Organisation ; coop:city ?place } ?place rdfs:label ?v",
    "country": "GRAPH ?g { ?o a coop:Organisation ; coop:country ?place } ?place coop:countryCode ?v",
    "nuts": _ORGANISATION.format(path="coop:nutsCode"),
    "website": _ORGANISATION.format(path="foaf:homepage"),
    "id": _ORGANISATION.format(path="dcterms:identifier"),
    "vat": _ORGANISATION.format(path="schema:vatID"),
}
_SOME_PROJECTS = "SELECT ?o ?v WHERE { VALUES ?o { {iris} } ?o org:memberOf/coop:acronym ?v }"


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

    @cached_property
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
    "label": "names",
    "name": "names",
    "city": "towns",
    "id": "ids",
    "vat": "vats",
    "project": "projects",
    "acronym": "acronyms",
    "town": "towns",
    "nuts": "nuts",
    "website": "websites",
}


def read_records(reader, ns: Namespaces, *, per_source: bool = False) -> list[Record]:
    """Every organisation with its facts, one record per IRI (all sources together), or with `per_source`
    one per IRI and source file, as each file describes it (the benchmark compares sources this way). The
    minimal entities of links to an organisation no file described (the stub graph) are left out. Their
    projects are left for `add_projects` to read."""
    skipped = {f"{ns.graph}stubs", ns.inferred_graph}
    prefixes = ns.sparql_prefixes()
    queries = {kind: f"{prefixes}SELECT ?o ?g ?v WHERE {{ {pattern} }}" for kind, pattern in _FACTS.items()}
    # pyoxigraph's result objects must be freed by the thread that made them, and a failed read leaves this
    # thread's results in garbage cycles (an exception's traceback holds their frames): collect them here,
    # before the pool starts, or a collection that a pool thread happens to start frees them there and fails
    # (seen after a load that a SPARQL server's death stopped, in tests/test_remote.py)
    gc.collect()
    with ThreadPoolExecutor(max_workers=2) as pool:  # Oxigraph evaluates queries outside the GIL
        futures = {kind: pool.submit(select_tuples, reader, query) for kind, query in queries.items()}
        rows = {kind: future.result() for kind, future in futures.items()}
    records: dict[tuple[str, str], Record] = {}
    graphs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind in ("label", *(k for k in _FACTS if k != "label")):  # labels first: the name shown
        for organisation, graph, value in rows[kind]:
            if graph in skipped:
                continue
            source = _source(graph, ns)
            key = (organisation, source if per_source else "")
            graphs[key].add(source)
            if (record := records.get(key)) is None:
                record = records[key] = Record(organisation, frozenset())
            _add(record, kind, value.strip())
    for key, record in records.items():
        record.sources = frozenset(graphs[key])
    return sorted(records.values(), key=lambda r: (r.iri, sorted(r.sources)))


def add_projects(reader, ns: Namespaces, records: list[Record], batch: int = 500) -> None:
    """Read the projects of these records (linkage asks only for those in a candidate pair: on a large
    store that is few of them, and all memberships are far more to read)."""
    by_iri: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_iri[record.iri].append(record)
    iris = sorted(by_iri)
    for start in range(0, len(iris), batch):
        values = " ".join(f"<{i}>" for i in iris[start : start + batch])
        for organisation, acronym in select_tuples(
            reader, ns.sparql_prefixes() + _SOME_PROJECTS.replace("{iris}", values)
        ):
            for record in by_iri[organisation]:
                _add(record, "project", acronym.strip())


def _add(record: Record, kind: str, value: str) -> None:
    if not value:
        return
    if kind == "country":
        record.country = record.country or value
        return
    values = getattr(record, _FIELDS[kind])
    if value not in values:
        values.append(value)


def _source(graph: str, ns: Namespaces) -> str:
    """The dataset (folder) a named graph belongs to: <base>graph/<dataset>/<file>."""
    return graph.removeprefix(str(ns.graph)).split("/", 1)[0]
