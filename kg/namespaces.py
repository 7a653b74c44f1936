"""Every IRI the code uses comes from here: standard vocabularies and the project's own, under one base.

The project's IRIs (ontology terms, concept schemes, entities, named graphs) all live under one base IRI.
Files shipped with the project are written with DEFAULT_BASE; `Namespaces.rebase` moves them to a
configured base, so that a deployment's IRIs resolve on its own server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.config import DEFAULT_BASE

SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEOSPARQL = Namespace("http://www.opengis.net/ont/geosparql#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
GEONAMES = Namespace("https://sws.geonames.org/")
EURIO = Namespace("http://data.europa.eu/s66#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "org": str(ORG),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "geosparql": str(GEOSPARQL),
    "locn": str(LOCN),
    "sh": str(SH),
    "dcat": str(DCAT),
    "void": str(VOID),
    "wd": str(WIKIDATA),
    "eurio": str(EURIO),
    "vcard": str(VCARD),
    "spdx": str(SPDX),
}


#: SPARQL paths of the crosswalk between two programmes' code lists (data/crosswalk/*.sssom.tsv), read from
#: a concept `?c` a practice has to a concept `?f` it also counts as having. A filter follows the exact ones:
#: `?c` is the same as `?f` or narrower (``c SAME_OR_NARROWER f`` or ``f SAME_OR_BROADER c``).
#: Similarity and recommendations share a facet more loosely, also when one is the broader (``CROSSWALK``);
#: a related match is too loose for either.
SAME_OR_NARROWER = "skos:exactMatch|skos:closeMatch|skos:broadMatch"
SAME_OR_BROADER = "skos:exactMatch|skos:closeMatch|skos:narrowMatch"
CROSSWALK = "skos:exactMatch|skos:closeMatch|skos:narrowMatch|skos:broadMatch"


def one_of(var: str, alternatives: str) -> str:
    """`VALUES ?var { ... }` over the properties of an alternative path ("a|b|c"): written `?s ?var ?o` with
    this, a pattern runs as one join, where Oxigraph evaluates the path itself per row (19 s against 0.02 s
    for the recommendations' themes on a store with CORDIS data)."""
    return f"VALUES {var} {{ {' '.join(alternatives.split('|'))} }}"


#: The good-practice template's text sections as properties (the title aside), in the template's order.
PRACTICE_SECTIONS = (
    "dcterms:description",
    "dcterms:abstract",
    "coop:solution",
    "coop:approach",
    "coop:stakeholderInvolvement",
    "coop:evidenceOfSuccess",
    "coop:resourcesNeeded",
    "coop:potentialForTransfer",
    "coop:difficultiesEncountered",
)
#: What the bundled data writes in a section of a practice known only by name: it says nothing of the practice.
#: (In the regular-expression syntax Python and SPARQL share, so a query can leave it out too.)
FILLER_PATTERN = r"No (further )?details retrieved\.?|\(title not given\)|Listed (by|among) [^.]*good practices\."


@dataclass(frozen=True)
class Namespaces:
    """The project's namespaces under one base IRI (ending in '/')."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            raise ValueError(f"the base IRI must end with '/': {self.base}")

    @cached_property
    def coop(self) -> Namespace:
        """Ontology terms (classes and properties)."""
        return Namespace(self.base + "ontology#")

    @cached_property
    def ontology(self) -> str:
        return self.base + "ontology"

    @cached_property
    def scheme(self) -> Namespace:
        """SKOS concept schemes and their concepts: scheme/<scheme>/<notation>."""
        return Namespace(self.base + "scheme/")

    @cached_property
    def id(self) -> Namespace:
        """Entities of the data: id/<kind>/<key>."""
        return Namespace(self.base + "id/")

    @cached_property
    def graph(self) -> Namespace:
        """Named graphs, one per loaded source file."""
        return Namespace(self.base + "graph/")

    @cached_property
    def inferred_graph(self) -> str:
        """The graph of what the ontology entails from the data (standard types), rebuilt with the data."""
        return self.base + "graph/inferred"

    @cached_property
    def merged_graphs(self) -> str:
        """Where the merged view's graphs live: the facts of linked records restated of their canonical IRI,
        one graph per source graph (kg.link.merged)."""
        return self.base + "graph/merged/"

    def merged_graph(self, source: str) -> str:
        """The merged view's graph of the facts taken from the named graph `source`."""
        graphs = str(self.graph)
        if source.startswith(graphs) and not source.startswith(self.merged_graphs):
            return self.merged_graphs + source[len(graphs) :]
        return self.merged_graphs + "other/" + hashlib.sha1(source.encode()).hexdigest()[:16]

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """Prefix map for mappings, queries and serialisations."""
        return {
            **STANDARD_PREFIXES,
            "coop": str(self.coop),
            "coops": str(self.scheme),
            "id": str(self.id),
        }

    def concept(self, scheme: str, notation: str) -> str:
        return f"{self.scheme}{scheme}/{notation}"

    def rebase(self, text: str) -> str:
        """Move IRIs written under DEFAULT_BASE (in a shipped file or query) to this base."""
        return text if self.base == DEFAULT_BASE else text.replace(DEFAULT_BASE, self.base)

    def sparql_prefixes(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items())
