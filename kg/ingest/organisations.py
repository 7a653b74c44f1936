"""One organisation, one IRI: merges by VAT number and candidate duplicates by name and place.

Organisations with the same stable identifier get the same IRI when they are mapped (the CORDIS
organisationID, the PIC). Two IRIs that carry the same VAT number are the same organisation too: they are
linked with owl:sameAs in a named graph of their own, rebuilt on every import. Organisations whose names
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


def vat_merges(source, ns: Namespaces) -> list[tuple[str, str, str]]:
    """(IRI, IRI, VAT number) for organisations that share a VAT number; `source` is a store or writer."""
    return [(r["a"], r["b"], r["vat"]) for r in select_rows(source, ns.sparql_prefixes() + _SAME_VAT)]


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
