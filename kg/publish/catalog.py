"""The dataset's description for catalogues and other projects: VoID and DCAT-AP 3.

Its statistics are computed from the store by SPARQL; its addresses (catalogue, SPARQL endpoint, dumps) are
all under the configured base IRI, which is the server's address once deployed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS, XSD

from kg.namespaces import DCAT, EURIO, SCHEMA, SPDX, VCARD, VOID, Namespaces
from kg.publish.describe import Reader
from kg.rdf import serialise

IANA = "http://www.iana.org/assignments/media-types/"


FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


LICENCE = "http://creativecommons.org/licenses/by/4.0/"


DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"


LANGUAGE = "http://publications.europa.eu/resource/authority/language/"


CONTINENT = "http://publications.europa.eu/resource/authority/continent/"


#: The titles and descriptions of the catalogue and of the dataset.
CATALOG_TEXT = (
    "EU cooperation knowledge graph",
    "Good practices, partners, events and transfers of practice of European cooperation projects, "
    "starting with INNOCRAFTS (INTERREG IVC) and CRAFTS CODE (Interreg Europe).",
)
DATASET_TEXT = (
    "Knowledge graph of European cooperation projects",
    "Projects, partner organisations, cities, regions and countries, good practices (with the fields "
    "of the Interreg good-practice template), events and transfers of practice between places, each "
    "fact with the public source it comes from.",
)
#: The EU's data themes that fit: regions and cities; economy and finance.
THEMES = {"REGI": "Regions and cities", "ECON": "Economy and finance"}


@dataclass(frozen=True)
class Dump:
    suffix: str
    format: str  # a kg.store.FILE_FORMATS name
    media_type: str
    file_type: str  # the EU's file-type authority code
    title: str


DUMPS: tuple[Dump, ...] = (
    Dump("nt.gz", "ntriples", "application/n-triples", "RDF_N_TRIPLES", "N-Triples"),
    Dump("ttl.gz", "turtle", "text/turtle", "RDF_TURTLE", "Turtle"),
    Dump("jsonld.gz", "jsonld", "application/ld+json", "JSON_LD", "JSON-LD"),
)


DUMP_NAME = "coopkg"


def _count(reader: Reader, ns: Namespaces, query: str) -> int:
    rows = reader.select(ns.sparql_prefixes() + query)
    return int(rows[0]["n"]["value"]) if rows else 0


@dataclass(frozen=True)
class _Nodes:
    """The description's own nodes, all under the base IRI."""

    base: str
    catalog: URIRef
    dataset: URIRef
    service: URIRef
    publisher: URIRef
    licence: URIRef
    endpoint: URIRef
    contact: URIRef
    today: Literal

    @classmethod
    def under(cls, base: str, modified: date) -> _Nodes:
        return cls(
            base=base,
            catalog=URIRef(base + "catalog"),
            dataset=URIRef(base + "dataset"),
            service=URIRef(base + "sparql-service"),
            publisher=URIRef(base + "id/publisher"),
            licence=URIRef(LICENCE),
            endpoint=URIRef(base + "sparql"),
            contact=URIRef(base + "id/contact"),
            today=Literal(modified.isoformat(), datatype=XSD.date),
        )


def dataset_description(
    reader: Reader, ns: Namespaces, *, version: str, modified: date, checksums: dict[str, str] | None = None
) -> Graph:
    """VoID and DCAT-AP 3 in one graph: the catalogue, the dataset with its statistics, one distribution
    per dump and one for the SPARQL endpoint (a data service). `checksums` (file name -> SHA-256) are
    added to the dump distributions of a release."""
    g = Graph()
    for prefix, iri in ns.prefixes.items():  # the project's prefixes, no generated ns1:
        g.bind(prefix, iri)
    n = _Nodes.under(ns.base, modified)
    _catalog(g, n)
    _dataset(g, n, ns, version)
    _statistics(g, n.dataset, reader, ns)
    _dumps(g, n, checksums or {})
    _sparql_service(g, n)
    return g


def _titled(g: Graph, n: _Nodes, node: URIRef, title: str, description: str) -> None:
    """What the catalogue and the dataset both say of themselves: title, description, publisher, licence, date."""
    g.add((node, DCTERMS.title, Literal(title, lang="en")))
    g.add((node, DCTERMS.description, Literal(description, lang="en")))
    g.add((node, DCTERMS.publisher, n.publisher))
    g.add((node, DCTERMS.license, n.licence))
    g.add((node, DCTERMS.modified, n.today))


def _catalog(g: Graph, n: _Nodes) -> None:
    """The publisher, the licence and the catalogue."""
    g.add((n.publisher, RDF.type, FOAF.Agent))
    g.add((n.publisher, FOAF.name, Literal("The coopkg project", lang="en")))
    g.add((n.licence, RDF.type, DCTERMS.LicenseDocument))

    g.add((n.catalog, RDF.type, DCAT.Catalog))
    _titled(g, n, n.catalog, *CATALOG_TEXT)
    g.add((n.catalog, FOAF.homepage, _typed(g, URIRef(n.base), FOAF.Document)))
    g.add((n.catalog, DCAT.dataset, n.dataset))
    g.add((n.catalog, DCAT.service, n.service))


def _dataset(g: Graph, n: _Nodes, ns: Namespaces, version: str) -> None:
    """The dataset: title, themes, places, contact point and the VoID basics."""
    g.add((n.dataset, RDF.type, DCAT.Dataset))
    g.add((n.dataset, RDF.type, VOID.Dataset))
    _titled(g, n, n.dataset, *DATASET_TEXT)
    g.add((n.dataset, DCAT.version, Literal(version)))
    g.add((n.dataset, DCAT.landingPage, _typed(g, URIRef(n.base + "practices"), FOAF.Document)))
    for word in ("European territorial cooperation", "Interreg", "good practices", "crafts", "partner networks"):
        g.add((n.dataset, DCAT.keyword, Literal(word, lang="en")))
    for theme, label in THEMES.items():
        g.add((n.dataset, DCAT.theme, _typed(g, URIRef(DATA_THEME + theme), SKOS.Concept)))
        g.add((URIRef(DATA_THEME + theme), SKOS.prefLabel, Literal(label, lang="en")))
    taxonomy = _typed(g, URIRef(DATA_THEME.rstrip("/")), SKOS.ConceptScheme)
    g.add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((n.catalog, DCAT.themeTaxonomy, taxonomy))
    g.add((n.catalog, DCTERMS.language, _typed(g, URIRef(LANGUAGE + "ENG"), DCTERMS.LinguisticSystem)))
    europe = _typed(g, URIRef(CONTINENT + "EUROPE"), DCTERMS.Location)
    g.add((n.catalog, DCTERMS.spatial, europe))
    g.add((n.dataset, DCTERMS.spatial, europe))
    g.add((n.contact, RDF.type, VCARD.Kind))
    g.add((n.contact, RDF.type, VCARD.Organization))
    g.add((n.contact, VCARD.fn, Literal("The coopkg project", lang="en")))
    g.add((n.contact, VCARD.hasURL, URIRef(n.base)))
    g.add((n.dataset, DCAT.contactPoint, n.contact))
    g.add((n.dataset, VOID.uriSpace, Literal(str(ns.id))))
    g.add((n.dataset, VOID.sparqlEndpoint, n.endpoint))
    g.add((n.dataset, VOID.rootResource, URIRef(n.base + "practices")))
    # the vocabularies the data is written in, and those its inferred types answer to
    for vocabulary in (ns.coop, ns.scheme, ORG, FOAF, SCHEMA, PROV, EURIO, SKOS, DCTERMS):
        g.add((n.dataset, VOID.vocabulary, URIRef(str(vocabulary))))


def _statistics(g: Graph, subject: URIRef, reader: Reader, ns: Namespaces) -> None:
    """VoID statistics, counted by SPARQL: triples, subjects, properties, entities, class partitions."""
    triples = _count(reader, ns, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    g.add((subject, VOID.triples, Literal(triples)))
    g.add(
        (
            subject,
            VOID.distinctSubjects,
            Literal(_count(reader, ns, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")),
        )
    )
    g.add(
        (subject, VOID.properties, Literal(_count(reader, ns, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")))
    )
    g.add(
        (
            subject,
            VOID.entities,
            Literal(
                _count(
                    reader,
                    ns,
                    f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?s), '{ns.id}')) }}",
                )
            ),
        )
    )
    classes = reader.select(
        ns.sparql_prefixes() + "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
    )
    g.add((subject, VOID.classes, Literal(len(classes))))
    for row in classes:
        if row["c"]["type"] != "uri" or not row["c"]["value"].startswith(str(ns.coop)):
            continue
        partition = BNode()
        g.add((subject, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(row["c"]["value"])))
        g.add((partition, VOID.entities, Literal(int(row["n"]["value"]))))


def _dumps(g: Graph, n: _Nodes, checksums: dict[str, str]) -> None:
    """One distribution per dump file, with its checksum in a release."""
    for dump in DUMPS:
        name = f"{DUMP_NAME}.{dump.suffix}"
        url = URIRef(f"{n.base}dumps/{name}")
        distribution = URIRef(f"{n.base}dumps/{name}#distribution")
        g.add((n.dataset, DCAT.distribution, distribution))
        g.add((n.dataset, VOID.dataDump, url))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(f"The whole graph as gzipped {dump.title}", lang="en")))
        g.add(
            (
                distribution,
                DCTERMS.description,
                Literal(
                    f"Every named graph's triples in one gzipped {dump.title} file, made from the store by kg export.",
                    lang="en",
                ),
            )
        )
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.mediaType, _typed(g, URIRef(IANA + dump.media_type), DCTERMS.MediaType)))
        g.add((distribution, DCAT.compressFormat, _typed(g, URIRef(IANA + "application/gzip"), DCTERMS.MediaType)))
        g.add((distribution, DCTERMS.format, _typed(g, URIRef(FILE_TYPE + dump.file_type), DCTERMS.MediaTypeOrExtent)))
        g.add((distribution, DCTERMS.license, n.licence))
        g.add((distribution, DCTERMS.modified, n.today))
        if name in checksums:
            checksum = BNode()
            g.add((distribution, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(checksums[name], datatype=XSD.hexBinary)))


def _sparql_service(g: Graph, n: _Nodes) -> None:
    """The SPARQL endpoint as a distribution and as a data service."""
    sparql = URIRef(n.base + "sparql#distribution")
    g.add((n.dataset, DCAT.distribution, sparql))
    g.add((sparql, RDF.type, DCAT.Distribution))
    g.add((sparql, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    g.add(
        (
            sparql,
            DCTERMS.description,
            Literal("Queries over the union of all graphs, by the SPARQL 1.1 Protocol; read-only.", lang="en"),
        )
    )
    g.add((sparql, DCAT.accessURL, n.endpoint))
    g.add((sparql, DCAT.accessService, n.service))
    g.add((sparql, DCTERMS.license, n.licence))

    g.add((n.service, RDF.type, DCAT.DataService))
    g.add((n.service, DCTERMS.title, Literal("SPARQL 1.1 endpoint of the EU cooperation knowledge graph", lang="en")))
    g.add((n.service, DCAT.endpointURL, n.endpoint))
    g.add((n.service, DCAT.endpointDescription, n.endpoint))
    g.add((n.service, DCAT.servesDataset, n.dataset))
    g.add(
        (n.service, DCTERMS.conformsTo, _typed(g, URIRef("https://www.w3.org/TR/sparql11-protocol/"), DCTERMS.Standard))
    )
    g.add((n.service, DCAT.contactPoint, n.contact))
    g.add((n.service, DCTERMS.publisher, n.publisher))
    g.add((n.service, DCTERMS.license, n.licence))


def _typed(g: Graph, node: URIRef, cls: URIRef) -> URIRef:
    g.add((node, RDF.type, cls))
    return node


def description_document(description: Graph, media_type: str, ns: Namespaces) -> bytes:
    """The description as `media_type` (one of kg.rdf.GRAPH_TYPES), written as every document of the
    server is (kg.rdf.serialise: the project's prefixes, JSON-LD with the published @context)."""
    triples = ox.parse(description.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return serialise(triples, media_type, ns.prefixes)
