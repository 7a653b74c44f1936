"""One organisation, one IRI: merges by VAT number and candidate duplicates by name and place.

Organisations with the same stable identifier get the same IRI when they are mapped (the CORDIS
organisationID, the PIC). Two IRIs that carry the same real VAT number and the same name are the same
organisation too: they are linked with owl:sameAs in a named graph of their own, rebuilt on every import.
A placeholder (MISSING, NOTAPPLICABLE, N/A ...) links nothing, and a VAT number shared under different names
(the companies of one VAT group) is only a skos:closeMatch, never owl:sameAs. Organisations whose names
match (ignoring case, spaces and punctuation) in the same city (or country, when neither has a city) are
only reported as candidates: a person decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from kg.namespaces import Namespaces
from kg.store.rows import select_rows

__all__ = ["Candidate", "vat_merges", "candidates", "merge_graph"]

_SAME_VAT = """
SELECT ?a ?b ?vat WHERE {
  ?a a coop:Organisation ; schema:vatID ?vat . ?b a coop:Organisation ; schema:vatID ?vat .
  FILTER(STR(?a) < STR(?b))
}"""

_LABELS = """
SELECT ?o ?name WHERE { ?o a coop:Organisation ; schema:vatID ?vat ; rdfs:label ?name }"""

_NAMES = """
SELECT ?o ?name ?place ?country WHERE {
  ?o a coop:Organisation ; rdfs:label ?name .
  OPTIONAL { ?o coop:city/rdfs:label ?cityName }
  OPTIONAL { ?o locn:postName ?postName }
  OPTIONAL { ?o coop:country/coop:countryCode ?country }
  BIND(COALESCE(?cityName, ?postName, "") AS ?place)
}"""


@dataclass(frozen=True)
class Candidate:
    """Organisations that may be one: their IRIs and names, and why."""

    iris: tuple[str, ...]
    names: tuple[str, ...]
    why: str


def merge_graph(ns: Namespaces) -> str:
    return f"{ns.graph}merges/vat"


#: VAT cells that say there is no VAT number (CORDIS writes MISSING and NOTAPPLICABLE).
PLACEHOLDER_VAT = re.compile(r"^(missing|not ?applicable|n/?a|none|null|unknown|-+|0+|x+|\.+)?$", re.IGNORECASE)


def vat_merges(source, ns: Namespaces) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Organisations that share a real VAT number (never a placeholder), as (IRI, IRI, VAT): those with the
    same name, to link with owl:sameAs, and those with different names (one VAT group, or a data error),
    only to report. `source` is a store or writer."""
    names: dict[str, set[str]] = defaultdict(set)
    for r in select_rows(source, ns.sparql_prefixes() + _LABELS):
        names[r["o"]].add(_key(r["name"]))
    same, different = [], []
    for r in select_rows(source, ns.sparql_prefixes() + _SAME_VAT):
        if PLACEHOLDER_VAT.match(r["vat"].strip()):
            continue
        (same if names[r["a"]] & names[r["b"]] else different).append((r["a"], r["b"], r["vat"]))
    return same, different


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def candidates(source, ns: Namespaces, *, merged: set[frozenset[str]] | None = None) -> list[Candidate]:
    """Groups of organisations with the same name in the same place that are not already one IRI or
    linked by a shared VAT number."""
    groups: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for r in select_rows(source, ns.sparql_prefixes() + _NAMES):
        place = _key(r["place"]) or f"country:{r['country']}"
        groups[(_key(r["name"]), place)].setdefault(r["o"], r["name"])
    found = []
    for (_, place), members in sorted(groups.items()):
        if len(members) < 2 or (merged and frozenset(members) in merged):
            continue
        where = f"in the country {place[8:]}" if place.startswith("country:") else "in the same city"
        found.append(
            Candidate(tuple(sorted(members)), tuple(members[i] for i in sorted(members)), f"same name {where}")
        )
    return found
