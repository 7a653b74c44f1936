"""What the linked-data pages show: one entity's facts, what refers to it, index lists and text search.

Everything here reads through a `Reader`, so that the same code serves the web pages (queries run in the
service's worker processes) and the command line or tests (queries run on a store in this process).
Rows are SPARQL JSON bindings (``{"type": "uri", "value": ...}``) because both sides can produce them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import FILLER_PATTERN, PRACTICE_SECTIONS, SAME_OR_BROADER, SAME_OR_NARROWER, Namespaces, one_of
from kg.rdf import GRAPH_TYPES, prefixed, serialise
from kg.store import Store

__all__ = [
    "Reader",
    "StoreReader",
    "Fact",
    "Entity",
    "describe",
    "entity_graph",
    "construct",
    "INDEXES",
    "list_entities",
    "Page",
    "PAGE_SIZE",
    "practice_filters",
    "search",
    "schema_org",
    "Membership",
    "taking_part",
    "Partner",
    "partners_of",
    "CREDITS",
    "concept_names",
]

#: What a page says when its facts come from a source that asks for credit, by the source's address.
CREDITS = {
    "https://urbact.eu/": "Facts and texts from URBACT (urbact.eu), the EU programme of city networks, reused with "
    "credit; the files are as published, read as the import report says.",
    "https://keep.eu/": "Facts from keep.eu, the database of Interreg projects, reused with credit.",
}

Row = dict[str, dict]
Bindings = Mapping[str, ox.NamedNode | ox.Literal]


class Reader(Protocol):
    """Runs read-only SPARQL for the pages: SELECT rows as SPARQL JSON bindings, graphs as bytes."""

    def select(self, sparql: str, bindings: Bindings | None = None) -> list[Row]: ...

    def graph(self, sparql: str, media_type: str, bindings: Bindings | None = None) -> bytes: ...


class StoreReader:
    """A Reader over a store in this process."""

    def __init__(self, store: Store):
        self.store = store

    def select(self, sparql: str, bindings: Bindings | None = None) -> list[Row]:
        out = io.BytesIO()
        self.store.query(sparql, substitutions=bindings).serialize(out, format=ox.QueryResultsFormat.JSON)
        return json.loads(out.getvalue())["results"]["bindings"]

    def graph(self, sparql: str, media_type: str, bindings: Bindings | None = None) -> bytes:
        out = io.BytesIO()
        self.store.query(sparql, substitutions=bindings).serialize(out, format=GRAPH_TYPES[media_type].oxigraph)
        return out.getvalue()


@dataclass
class Fact:
    """One statement about an entity, ready to show: the property and value with labels, and its source."""

    property: str
    property_label: str
    value: str
    is_iri: bool
    value_label: str
    graph: str
    #: the other IRI of the same organisation this fact is about ("" for the entity's own IRI)
    subject: str = ""
    #: the value's language tag, when it is a literal that has one
    lang: str = ""


@dataclass
class Entity:
    iri: str
    label: str
    types: list[tuple[str, str]]
    facts: list[Fact]
    #: (property IRI, property label) -> [(subject IRI, subject label)], what refers to this entity
    referenced_by: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    #: the links that make other IRIs this same organisation (record linkage): dicts of left, right,
    #: method, score, evidence; and those other IRIs with a label
    links: list[dict[str, str]] = field(default_factory=list)
    also: list[tuple[str, str]] = field(default_factory=list)

    def values(self, local_name: str) -> list[Fact]:
        """The facts whose property ends with `local_name` (after '#' or '/')."""
        return [f for f in self.facts if f.property.rsplit("#", 1)[-1].rsplit("/", 1)[-1] == local_name]

    def first(self, local_name: str) -> str:
        found = self.values(local_name)
        return found[0].value_label if found else ""

    def is_a(self, local_name: str) -> bool:
        return any(t.rsplit("#", 1)[-1] == local_name for t, _ in self.types)

    @property
    def sources(self) -> list[str]:
        """The public addresses the facts come from (dcterms:source)."""
        return sorted({f.value for f in self.values("source") if f.is_iri})

    @property
    def same_as(self) -> list[str]:
        """The same thing elsewhere: Wikidata, GeoNames, the EU's authority tables."""
        return sorted({f.value for f in self.values("sameAs") if f.is_iri})

    @property
    def pages_about(self) -> list[str]:
        """Pages about it elsewhere, not the thing itself: its CORDIS page, its grant's DOI, its website."""
        return sorted({f.value for name in ("page", "seeAlso", "homepage") for f in self.values(name) if f.is_iri})


_LABEL = "rdfs:label|skos:prefLabel|schema:name"
#: A property's names: its one English rdfs:label (coop.ttl) and its skos:prefLabels in the pages' other
#: languages (coop-labels.ttl); a property with neither shows its IRI's last part.
_PROPERTY_LABEL = "rdfs:label|skos:prefLabel"

#: The language the labels are chosen in when a caller names none (the data's own language).
DEFAULT_LANGUAGE = "en"
#: A language tag as the pages pass it (`hu`, `pt-BR`); anything else is read as the default.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def _language(lang: str | None) -> str:
    """The language to choose labels in: `lang` when it is a language tag, else English. It is written into
    the query text, so it is checked here."""
    return lang if lang and _LANGUAGE_TAG.fullmatch(lang) else DEFAULT_LANGUAGE


def _label_rank(var: str, lang: str) -> str:
    """A SPARQL expression ranking a label by how well the reader reads it: "0" in the reader's language,
    "1" English, "2" untagged, "3" any other language."""
    return (
        f'IF(LANGMATCHES(LANG({var}), "{lang}"), "0", IF(LANGMATCHES(LANG({var}), "en"), "1", '
        f'IF(LANG({var}) = "", "2", "3")))'
    )


def best_label(var: str, lang: str | None) -> str:
    """A SPARQL aggregate: the one label among `var`'s values that the reader reads best (the reader's
    language, else English, else untagged, else any; the first by text among equals), as a plain string;
    unbound when `var` has none."""
    return f"SUBSTR(MIN(CONCAT({_label_rank(var, _language(lang))}, STR({var}))), 2)"


def _rank_of(tag: str, lang: str) -> int:
    """The same ranking as `_label_rank`, for a label already read."""
    tag = tag.lower()
    for rank, wanted in enumerate((lang.lower(), "en")):
        if tag == wanted or tag.startswith(wanted + "-"):
            return rank
    return 2 if not tag else 3


def _facts(lang: str) -> str:
    return f"""
SELECT ?s ?merged ?p ?o ?g ({best_label("?pl", lang)} AS ?plabel) ({best_label("?ol", lang)} AS ?olabel)
       (SAMPLE(LANG(?o)) AS ?olang) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), STR(?merged)))
  OPTIONAL {{ ?p {_PROPERTY_LABEL} ?pl }}
  OPTIONAL {{ ?o {_LABEL} ?ol }}
}} GROUP BY ?s ?merged ?p ?o ?g ORDER BY ?p ?o"""


def _referenced_by(lang: str) -> str:
    return f"""
SELECT ?o ?inferred ?merged ?s ?p ({best_label("?sl", lang)} AS ?slabel) ({best_label("?pl", lang)} AS ?plabel)
WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?s) && ?g != ?inferred && !STRSTARTS(STR(?g), STR(?merged)))
  OPTIONAL {{ ?s {_LABEL} ?sl }}
  OPTIONAL {{ ?p {_PROPERTY_LABEL} ?pl }}
}} GROUP BY ?o ?inferred ?merged ?s ?p ORDER BY ?p ?slabel LIMIT 2000"""


_CANONICAL_OF = "SELECT ?m ?c WHERE { ?m coop:canonical ?c FILTER(?c != ?m) }"

_CLUSTER = """
SELECT DISTINCT ?c ?left ?right ?method ?score ?evidence WHERE {
  ?m coop:canonical ?c .
  { ?s rdf:subject ?m } UNION { ?s rdf:object ?m }
  ?s rdf:subject ?left ; rdf:object ?right ; coop:linkMethod ?method ; coop:linkScore ?score ;
     coop:linkEvidence ?evidence .
} ORDER BY ?left ?right"""


def _prefixes(ns: Namespaces) -> str:
    return ns.sparql_prefixes()


def _local(iri: str) -> str:
    """A readable fallback label: the last part of an IRI."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _value(row: Row, name: str) -> str:
    return row[name]["value"] if name in row else ""


def canonical_of(reader: Reader, ns: Namespaces, iri: str) -> str | None:
    """The canonical IRI of the organisation, project or programme `iri` names, when record linkage found it
    under several IRIs and `iri` is not that one."""
    rows = reader.select(_prefixes(ns) + _CANONICAL_OF, {"m": ox.NamedNode(iri)})
    return _value(rows[0], "c") if rows else None


def describe(reader: Reader, ns: Namespaces, iri: str, lang: str | None = None) -> Entity | None:
    """The entity with its facts (grouped by named graph, i.e. source file) and inverse links, or None when
    the graph says nothing about it. An organisation found under several IRIs (record linkage) also gets
    the facts and inverse links of its other IRIs, each fact marked with the IRI it is about. Its label, the
    labels of what it links to and the names of the properties (coop-labels.ttl names the ontology's) are
    those in `lang` where there are, else English, else untagged."""
    entity = _describe_one(reader, ns, iri, lang)
    if entity is None:
        return None
    links = reader.select(_prefixes(ns) + _CLUSTER, {"c": ox.NamedNode(iri)})
    found = {(_value(r, "left"), _value(r, "right")): r for r in links}  # a link between two members: once
    entity.links = [{k: _value(r, k) for k in ("left", "right", "method", "score", "evidence")} for r in found.values()]
    for other in sorted({x for link in entity.links for x in (link["left"], link["right"])} - {iri}):
        if (member := _describe_one(reader, ns, other, lang)) is None:
            continue
        entity.also.append((other, member.label))
        canonical = str(ns.coop.canonical)  # each member's pointer to this page: no fact about the organisation
        entity.facts += [replace(f, subject=other) for f in member.facts if f.property != canonical]
        for key, subjects in member.referenced_by.items():
            known = entity.referenced_by.setdefault(key, [])
            known += [s for s in subjects if s not in known]
    return entity


def _describe_one(reader: Reader, ns: Namespaces, iri: str, lang: str | None = None) -> Entity | None:
    lang = _language(lang)
    # the merged view's graphs restate the facts of a linked record: its page shows them from their sources
    bound = {"s": ox.NamedNode(iri), "merged": ox.NamedNode(ns.merged_graphs)}
    rows = reader.select(_prefixes(ns) + _facts(lang), bound)
    if not rows:
        return None
    facts = [
        Fact(
            property=_value(r, "p"),
            property_label=_value(r, "plabel") or _local(_value(r, "p")),
            value=_value(r, "o"),
            is_iri=r["o"]["type"] == "uri",
            value_label=_value(r, "olabel")
            # an IRI with no label: its prefixed name (foaf:Project and schema:Project are not one "Project")
            or (
                prefixed(r["o"]["value"], ns.prefixes) or _local(r["o"]["value"])
                if r["o"]["type"] == "uri"
                else r["o"]["value"]
            ),
            graph=_value(r, "g"),
            lang=_value(r, "olang"),
        )
        for r in rows
    ]
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    # the types its sources state; the standard types the ontology entails stay among the facts
    types = sorted({(f.value, f.value_label) for f in facts if f.property == rdf_type and f.graph != ns.inferred_graph})
    labels = [f for f in facts if f.property.endswith(("#label", "#prefLabel", "/name")) and not f.is_iri]
    # one label: the reader's language, else English, else untagged, else any (the first of equals)
    label = min(labels, key=lambda f: _rank_of(f.lang, lang)).value if labels else _local(iri)
    entity = Entity(iri=iri, label=label, types=types, facts=facts)
    inverse = {
        "o": ox.NamedNode(iri),
        "inferred": ox.NamedNode(ns.inferred_graph),
        "merged": ox.NamedNode(ns.merged_graphs),
    }
    for r in reader.select(_prefixes(ns) + _referenced_by(lang), inverse):
        key = (_value(r, "p"), _value(r, "plabel") or _local(_value(r, "p")))
        entity.referenced_by.setdefault(key, []).append((_value(r, "s"), _value(r, "slabel") or _local(_value(r, "s"))))
    return entity


@dataclass(frozen=True)
class Membership:
    """One project or network that a place's organisation (or an organisation) took part in, with its role."""

    project: str
    project_label: str
    role: str
    organisation: str
    organisation_label: str
    programme: str
    programme_label: str
    years: str = ""


def _taking_part(lang: str | None) -> str:
    labels = " ".join(f"({best_label(f'?{v}l', lang)} AS ?{v}label)" for v in "oprg")
    return f"""
SELECT ?place ?org ?project ?role ?programme {labels} (SAMPLE(?start) AS ?from) (SAMPLE(?end) AS ?to) WHERE {{
  ?org coop:city ?place .
  ?m org:member ?org ; org:organization ?project ; org:role ?role .
  OPTIONAL {{ ?project coop:programme ?programme OPTIONAL {{ ?programme {_LABEL} ?gl }} }}
  OPTIONAL {{ ?org {_LABEL} ?ol }} OPTIONAL {{ ?project {_LABEL} ?pl }}
  OPTIONAL {{ ?role {_LABEL} ?rl }}
  OPTIONAL {{ ?project coop:startYear|schema:startDate ?start }}
  OPTIONAL {{ ?project coop:endYear|schema:endDate ?end }}
}} GROUP BY ?place ?org ?project ?role ?programme"""


def _partners(lang: str | None) -> str:
    labels = " ".join(f"({best_label(f'?{v}l', lang)} AS ?{v}label)" for v in "orc")
    return f"""
SELECT ?project ?org ?role {labels} WHERE {{
  ?m org:organization ?project ; org:member ?org ; org:role ?role .
  OPTIONAL {{ ?org {_LABEL} ?ol }}
  OPTIONAL {{ ?role {_LABEL} ?rl }}
  OPTIONAL {{ ?org coop:city ?city . ?city {_LABEL} ?cl }}
}} GROUP BY ?project ?org ?role"""


@dataclass(frozen=True)
class Partner:
    """An organisation of a project, with its role and city."""

    organisation: str
    label: str
    role: str
    city: str


def partners_of(reader: Reader, ns: Namespaces, iri: str, lang: str | None = None) -> list[Partner]:
    """A project's partners by name and role (labels in `lang` where there are), the lead first."""
    rows = reader.select(_prefixes(ns) + _partners(lang), {"project": ox.NamedNode(iri)})
    lead = ns.concept("project-role", "lead-partner")
    found = [
        (
            _value(r, "role") != lead,
            Partner(
                _value(r, "org"),
                _value(r, "olabel") or _local(_value(r, "org")),
                _value(r, "rlabel") or _local(_value(r, "role")),
                _value(r, "clabel"),
            ),
        )
        for r in rows
    ]
    return [p for _, p in sorted(found, key=lambda x: (x[0], x[1].label.casefold(), x[1].organisation))]


def taking_part(
    reader: Reader, ns: Namespaces, iri: str, lang: str | None = None
) -> list[tuple[str, list[Membership]]]:
    """The projects and networks of every source that a city's organisations took part in, grouped by
    programme (most first), each with the organisation and its role (labels in `lang` where there are)."""
    rows = reader.select(_prefixes(ns) + _taking_part(lang), {"place": ox.NamedNode(iri)})
    by_programme: dict[str, list[Membership]] = {}
    for r in rows:
        years = "-".join(dict.fromkeys(v[:4] for v in (_value(r, "from"), _value(r, "to")) if v))
        m = Membership(
            project=_value(r, "project"),
            project_label=_value(r, "plabel") or _local(_value(r, "project")),
            role=_value(r, "rlabel") or _local(_value(r, "role")),
            organisation=_value(r, "org"),
            organisation_label=_value(r, "olabel") or _local(_value(r, "org")),
            programme=_value(r, "programme"),
            programme_label=_value(r, "glabel") or "",
            years=years,
        )
        by_programme.setdefault(m.programme_label, []).append(m)
    for members in by_programme.values():
        members.sort(key=lambda m: (m.years, m.project_label.casefold(), m.organisation_label))
    return sorted(by_programme.items(), key=lambda item: (-len(item[1]), item[0]))


def concept_names(reader: Reader, lang: str | None) -> dict[str, str]:
    """Each concept's English name -> its name in `lang`, where the vocabularies give one: the reasons of
    recommendations and similar practices name the themes, sectors and target groups they share in English
    (kg.reasons), and a page says them in its reader's language. One name where two concepts share an English
    name (the first by text)."""
    lang = _language(lang)
    if lang == DEFAULT_LANGUAGE:
        return {}
    rows = reader.select(
        f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?en (MIN(STR(?name)) AS ?named) WHERE {{
          ?c skos:prefLabel ?en FILTER(LANGMATCHES(LANG(?en), "en"))
          ?c skos:prefLabel ?name FILTER(LANGMATCHES(LANG(?name), "{lang}"))
        }} GROUP BY ?en"""
    )
    return {_value(r, "en"): _value(r, "named") for r in rows}


def exists(reader: Reader, iri: str) -> bool:
    """Whether the graph says anything about `iri` (as a subject): one cheap lookup."""
    return bool(reader.select("SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 1", {"s": ox.NamedNode(iri)}))


def entity_graph(reader: Reader, ns: Namespaces, iri: str, media_type: str) -> bytes:
    """Every triple with the entity as subject, as `media_type` (one of kg.rdf.GRAPH_TYPES) written with
    the project's prefixes."""
    return construct(reader, ns, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", media_type, {"s": ox.NamedNode(iri)})


def construct(reader: Reader, ns: Namespaces, sparql: str, media_type: str, bindings: Bindings | None = None) -> bytes:
    """A CONSTRUCT query's triples as a readable document (kg.rdf.serialise with the project's prefixes)."""
    triples = ox.parse(reader.graph(sparql, "application/n-triples", bindings), format=ox.RdfFormat.N_TRIPLES)
    return serialise(triples, media_type, ns.prefixes)


@dataclass(frozen=True)
class Index:
    """An index page: the class it lists and a line of text about it."""

    title: str
    cls: str  # a prefixed name
    intro: str


def N_(message: str) -> str:
    """Marks words a page shows, for the web layer's translation catalogue (`pybabel extract -k N_`); kg itself
    knows no language, so the message stays as it is here and the page translates it."""
    return message


INDEXES: dict[str, Index] = {
    "practices": Index(N_("Good practices"), "coop:GoodPractice", N_("Practices the partners identified and shared.")),
    "partners": Index(N_("Partners"), "coop:Organisation", N_("Organisations that took part in the projects.")),
    "cities": Index(N_("Cities"), "coop:City", N_("Places where partners, practices and events are.")),
    "projects": Index(N_("Projects"), "coop:Project", N_("The cooperation projects.")),
    "events": Index(
        N_("Events"), "coop:Event", N_("Meetings, study visits, conferences and other events of the projects.")
    ),
    "vocabularies": Index(
        N_("Vocabularies"),
        "skos:ConceptScheme",
        N_("The code lists: themes, sectors, target groups, types, roles, kinds."),
    ),
}

#: Filters of the practices index: request parameter -> (ontology property, what the value is)
PRACTICE_FILTERS: dict[str, tuple[str, str]] = {
    "theme": ("theme", N_("Theme")),
    "sector": ("sector", N_("Sector")),
    "target_group": ("targetGroup", N_("Target group")),
    "country": ("country", N_("Country")),
}


#: Entries on one page of an index or of search results.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Page:
    """One page of an index or of search results: its rows, where they start, and how many there are."""

    rows: list[dict[str, str]]
    offset: int
    total: int
    size: int = PAGE_SIZE

    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


#: The practices filters whose values are concepts that a crosswalk maps between programmes.
_CONCEPT_FILTERS = ("theme", "sector", "targetGroup")


def _filter_pattern(prop: str, var: str) -> str:
    """A practice with the filter's value: itself, or (a concept filter) a concept of another programme's list
    that the crosswalk says is the same or narrower (filtering by URBACT's Economy finds INNOCRAFTS' business
    support practices)."""
    if prop not in _CONCEPT_FILTERS:
        return f"?e coop:{prop} {var} ."
    own = one_of(f"?own_{prop}", "coop:theme|coop:sector|coop:targetGroup")
    narrower, broader = one_of(f"?n_{prop}", SAME_OR_NARROWER), one_of(f"?b_{prop}", SAME_OR_BROADER)
    return (
        f"{{ ?e coop:{prop} {var} }} "
        f"UNION {{ ?e ?own_{prop} ?c_{prop} . {own} ?c_{prop} ?n_{prop} {var} . {narrower} }} "
        f"UNION {{ ?e ?own_{prop} ?c_{prop} . {own} {var} ?b_{prop} ?c_{prop} . {broader} }}"
    )


def _index_pattern(ns: Namespaces, index: str, filters: Mapping[str, str] | None) -> tuple[str, dict]:
    """The WHERE part that picks an index's entities, and its bound filter values."""
    cls = INDEXES[index].cls
    patterns, bindings = [], {}
    for name, value in (filters or {}).items():
        if name in PRACTICE_FILTERS and value:
            patterns.append(_filter_pattern(PRACTICE_FILTERS[name][0], f"?filter_{name}"))
            try:
                bindings[f"filter_{name}"] = ox.NamedNode(value)
            except ValueError:
                raise QueryError(f"the {name} filter takes an IRI, not '{value}'") from None
    # an organisation, project or programme found under several IRIs is listed once, by its canonical IRI
    one = "FILTER NOT EXISTS { ?e coop:mergedInto [] }"
    return f"?e a {cls} ; {_LABEL} ?l . {' '.join(patterns)} {one}", bindings


#: A section of a practice's record that says something: one of the good-practice template's text fields
#: (PRACTICE_SECTIONS) with more than the bundled data's filler ("No further details retrieved").
_FILLED_SECTION = (
    "?e ?section ?text . VALUES ?section { "
    + " ".join(PRACTICE_SECTIONS)
    + ' } FILTER(REGEX(REPLACE(STR(?text), "'
    + FILLER_PATTERN.replace("\\", "\\\\")
    + '", "", "i"), "[^\\\\s\\\\p{Z}]"))'
)


def list_entities(
    reader: Reader,
    ns: Namespaces,
    index: str,
    filters: Mapping[str, str] | None = None,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    lang: str | None = None,
) -> Page:
    """One page of an index: entities with a label, a place and a line of description, by label, and how
    many there are in all. `filters` (practices only) map PRACTICE_FILTERS names to the IRIs the practice
    must have. Labels (the entity's, its place's and country's) are those in `lang` where there are, else
    English, else untagged."""
    where, bindings = _index_pattern(ns, index, filters)
    bound = " ".join(f"?{name}" for name in bindings)  # a substituted variable must be projected
    # practices come by how complete their record is (the template's sections that say something), then by name
    sections, order, ranked = "(0 AS ?filled)", "?key ?e", where
    if index == "practices":
        ranked = f"{where} OPTIONAL {{ {_FILLED_SECTION} }}"
        sections, order = "(COUNT(DISTINCT ?section) AS ?filled)", "DESC(?filled) ?key ?e"
    # the page's entities first (sorting labels is cheap), then their places and descriptions
    query = f"""{_prefixes(ns)}
SELECT ?e {bound} ?label ({best_label("?pl", lang)} AS ?place) ({best_label("?cl", lang)} AS ?country)
       (SAMPLE(?d) AS ?description) ?key ?filled
WHERE {{
  {{ SELECT ?e {bound} ({best_label("?l", lang)} AS ?label) (LCASE({best_label("?l", lang)}) AS ?key) {sections}
    WHERE {{ {ranked} }}
    GROUP BY ?e {bound} ORDER BY {order} LIMIT {int(limit)} OFFSET {max(0, int(offset))} }}
  OPTIONAL {{ ?e coop:city/rdfs:label ?pl }}
  OPTIONAL {{ ?e coop:country/rdfs:label ?cl }}
  OPTIONAL {{ ?e dcterms:description ?d }}
}} GROUP BY ?e {bound} ?label ?key ?filled ORDER BY {order}"""
    rows = [
        {k: _value(r, k) for k in ("e", "label", "place", "country", "description", "filled")}
        for r in reader.select(query, bindings)
    ]
    count = f"{_prefixes(ns)} SELECT {bound} (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {where} }} GROUP BY {bound}"
    found = reader.select(count if bound else count.replace(" GROUP BY ", ""), bindings)
    return Page(rows, max(0, offset), int(found[0]["n"]["value"]) if found else 0, limit)


def practice_filters(reader: Reader, ns: Namespaces, lang: str | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """The values each practices filter can take (those some practice has), as (IRI, label, the code list's
    name), by code list then label: a theme filter offers INNOCRAFTS' and URBACT's themes apart. Labels
    are those in `lang` where there are, else English, else untagged."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    for name, (prop, _) in PRACTICE_FILTERS.items():
        query = f"""{_prefixes(ns)}
SELECT ?v ({best_label("?l", lang)} AS ?label) ({best_label("?sl", lang)} AS ?scheme) WHERE {{
  ?p a coop:GoodPractice ; coop:{prop} ?v . OPTIONAL {{ ?v {_LABEL} ?l }}
  OPTIONAL {{ ?v skos:inScheme/skos:prefLabel ?sl }}
}} GROUP BY ?v"""
        rows = [
            (_value(r, "v"), _value(r, "label") or _local(_value(r, "v")), _value(r, "scheme"))
            for r in reader.select(query)
        ]
        result[name] = sorted(rows, key=lambda r: (r[2], r[1].lower(), r[0]))
    return result


def search(
    reader: Reader, ns: Namespaces, text: str, *, offset: int = 0, limit: int = PAGE_SIZE, lang: str | None = None
) -> Page:
    """Entities whose label or description contains `text` (case-insensitive), labels first: one page, and
    how many there are in all. Each is shown by its label in `lang` where it has one, else English, else
    untagged."""

    # an organisation found under several IRIs (record linkage) is found by any of their names, once, as
    # its canonical IRI
    def where(q: str, base: str) -> str:
        return f"""?m rdfs:label ?l . OPTIONAL {{ ?m dcterms:description ?d }}
  BIND(CONTAINS(LCASE(STR(?l)), LCASE({q})) AS ?inLabel)
  FILTER(?inLabel || CONTAINS(LCASE(STR(COALESCE(?d, ""))), LCASE({q})))
  FILTER(STRSTARTS(STR(?m), STR({base})))
  OPTIONAL {{ ?m coop:canonical ?c }} BIND(COALESCE(?c, ?m) AS ?e)"""

    # a control character is no text to look for, and Oxigraph would write it as a \u escape, which the query
    # policy refuses in a query that mentions SERVICE (as a search for "social services" does)
    q, base = ox.Literal("".join(c if c.isprintable() else " " for c in text)), ox.NamedNode(ns.base)
    # the matches first, one row each, then their labels and types (joined to every match row, they made
    # labels x types rows per row: 1.5 s for a page on the bundled data). A subquery is evaluated on its own,
    # before any binding from outside it (a SPARQL server's VALUES), so its two terms are written into it, as
    # Oxigraph writes them (escaped), not pasted text
    matches = where(str(q), str(base))
    query = f"""{_prefixes(ns)}
SELECT ?e ({best_label("?el", lang)} AS ?label) (SAMPLE(?tl) AS ?type) (MAX(?matched) AS ?rank)
       (LCASE({best_label("?el", lang)}) AS ?key) WHERE {{
  {{ SELECT ?e (MAX(?inLabel) AS ?matched) WHERE {{ {matches} }} GROUP BY ?e }}
  ?e rdfs:label ?el .
  OPTIONAL {{ ?e a ?t . ?t rdfs:label ?tl FILTER(LANGMATCHES(LANG(?tl), "en")) }}
}} GROUP BY ?e ORDER BY DESC(?rank) ?key ?e LIMIT {int(limit)} OFFSET {max(0, int(offset))}"""
    rows = [{k: _value(r, k) for k in ("e", "label", "type")} for r in reader.select(query)]
    counted = where("?q", "?base")
    count = f"{_prefixes(ns)} SELECT ?q ?base (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {counted} }} GROUP BY ?q ?base"
    found = reader.select(count, {"q": q, "base": base})
    return Page(rows, max(0, offset), int(found[0]["n"]["value"]) if found else 0, limit)


#: schema.org types for search engines, by the local name of our class.
_SCHEMA_TYPES = {
    "GoodPractice": "CreativeWork",
    "Organisation": "Organization",
    "City": "City",
    "Country": "Country",
    "Region": "AdministrativeArea",
    "Project": "Project",
    "Event": "Event",
    "Programme": "CreativeWork",
    "Concept": "DefinedTerm",
    "ConceptScheme": "DefinedTermSet",
}


def schema_org(entity: Entity, ns: Namespaces) -> dict:
    """The entity in schema.org terms, as JSON-LD to embed in its page for search engines."""
    kinds = [_SCHEMA_TYPES[_local(t)] for t, _ in entity.types if _local(t) in _SCHEMA_TYPES]
    data: dict = {"@context": "https://schema.org", "@id": entity.iri, "@type": kinds[0] if kinds else "Thing"}
    data["name"] = entity.label
    if description := entity.first("description") or entity.first("definition"):
        data["description"] = description
    if entity.same_as:
        data["sameAs"] = entity.same_as
    if places := [f.value_label for f in entity.values("city")] + [f.value_label for f in entity.values("country")]:
        data["location" if data["@type"] != "Organization" else "address"] = ", ".join(places)
    for ours, theirs in (("startDate", "startDate"), ("endDate", "endDate")):
        if value := entity.first(ours):
            data[theirs] = value
    if entity.sources:
        data["isBasedOn"] = entity.sources
    return data
