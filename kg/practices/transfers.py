"""Where practices travelled: every transfer with its three stages (where it came from, who took it up, the
action plan and policy instrument it fed), its kind and its sources, for the practice pages and /transfers."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.namespaces import Namespaces
from kg.rdf import iri
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["Link", "Transfer", "read_transfers", "transfer_filters"]

_QUERY = """SELECT ?t ?p ?o ?label ?acronym WHERE {
  ?t a coop:Transfer ; ?p ?o . __ONE__
  OPTIONAL { ?o coop:acronym ?acronym }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?l FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) }
  BIND(COALESCE(?l, "") AS ?label)
}"""
#: What the stages need beyond the transfer's own triples: each source practice's owner, place and themes,
#: each action plan's policy instrument, each place's country.
_CONTEXT = """SELECT ?s ?p ?o ?label WHERE {
  ?t a coop:Transfer . __ONE__
  { ?t coop:sourcePractice ?s . ?s ?p ?o . VALUES ?p { coop:owner coop:city coop:country coop:theme } }
  UNION { ?t coop:targetActionPlan ?s . ?s coop:addressesInstrument ?o . BIND(coop:addressesInstrument AS ?p) }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?l FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) }
  BIND(COALESCE(?l, "") AS ?label)
}"""


@dataclass(frozen=True)
class Link:
    """Something a diagram names: its IRI and label."""

    iri: str
    label: str


@dataclass
class Transfer:
    iri: str
    id: str = ""
    kind: Link | None = None
    project: Link | None = None
    practices: list[Link] = field(default_factory=list)
    source_text: str = ""
    sources: list[Link] = field(default_factory=list)  # organisations the practice came from
    source_places: list[Link] = field(default_factory=list)
    targets: list[Link] = field(default_factory=list)  # adopting organisations
    target_places: list[Link] = field(default_factory=list)
    target_text: str = ""
    action_plan: Link | None = None
    instruments: list[Link] = field(default_factory=list)
    themes: list[Link] = field(default_factory=list)
    confidence: str = ""
    notes: str = ""
    urls: list[str] = field(default_factory=list)

    @property
    def countries(self) -> set[str]:
        """The ISO codes of every place the transfer touches (for the country filter)."""
        return {p.iri.rsplit("/", 1)[-1] for p in self.source_places + self.target_places if "/country/" in p.iri}


def _add(items: list[Link], link: Link) -> None:
    if link.iri not in {i.iri for i in items}:
        items.append(link)


def read_transfers(store: Store, ns: Namespaces, *, practice: str | None = None) -> list[Transfer]:
    """Every transfer (or those of one source practice), in id order, each with its stages filled in."""
    coop = str(ns.coop)
    prefixes = ns.sparql_prefixes()
    # one practice's page reads only its transfers (iri() refuses what is not an IRI)
    one = f"?t coop:sourcePractice {iri(practice)} ." if practice is not None else ""
    found: dict[str, Transfer] = {}
    for r in select_rows(store, prefixes + _QUERY.replace("__ONE__", one)):
        t = found.setdefault(r["t"], Transfer(r["t"]))
        p, o, link = r["p"], r["o"], Link(r["o"], r["label"] or r["o"].rsplit("/", 1)[-1])
        match p.removeprefix(coop):
            case "transferKind":
                t.kind = link
            case "project":
                t.project = Link(o, r["acronym"] or link.label)
            case "sourcePractice":
                _add(t.practices, link)
            case "sourceOrganisation":
                _add(t.sources, link)
            case "sourcePlace":
                _add(t.source_places, link)
            case "targetOrganisation":
                _add(t.targets, link)
            case "targetPlace":
                _add(t.target_places, link)
            case "targetActionPlan":
                t.action_plan = link
            case "sourceDescription":
                t.source_text = o
            case "targetDescription":
                t.target_text = o
            case "confidence":
                t.confidence = r["label"]
        if p == "http://purl.org/dc/terms/identifier":
            t.id = o
        elif p == "http://purl.org/dc/terms/source" and o not in t.urls:
            t.urls.append(o)
        elif p == "http://www.w3.org/2004/02/skos/core#editorialNote":
            t.notes = o
    context: dict[str, dict[str, list[Link]]] = {}
    for r in select_rows(store, prefixes + _CONTEXT.replace("__ONE__", one)):
        label = r["label"] or r["o"].rsplit("/", 1)[-1]
        _add(context.setdefault(r["s"], {}).setdefault(r["p"].removeprefix(coop), []), Link(r["o"], label))
    for t in found.values():
        for p in t.practices:
            facts = context.get(p.iri, {})
            for theme in facts.get("theme", []):
                _add(t.themes, theme)
            if not t.sources:  # the transfer names no source organisation: the practice's owner is it
                for owner in facts.get("owner", []):
                    _add(t.sources, owner)
            if not t.source_places:
                for place in facts.get("city", []) + facts.get("country", []):
                    _add(t.source_places, place)
        if t.action_plan is not None:
            t.instruments = context.get(t.action_plan.iri, {}).get("addressesInstrument", [])
    return sorted(found.values(), key=lambda t: (t.id, t.iri))


def transfer_filters(transfers: list[Transfer]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the /transfers filters, from the transfers themselves: (value, label) pairs."""
    projects = {t.project.iri: t.project.label for t in transfers if t.project}
    themes = {th.iri: th.label for t in transfers for th in t.themes}
    countries = {
        p.iri.rsplit("/", 1)[-1]: p.label
        for t in transfers
        for p in t.source_places + t.target_places
        if "/country/" in p.iri
    }
    return {
        name: sorted(values.items(), key=lambda kv: kv[1].lower())
        for name, values in (("project", projects), ("theme", themes), ("country", countries))
    }
