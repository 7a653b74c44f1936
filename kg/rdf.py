"""RDF formats and terms: the one table of formats (names, media types, suffixes, parsers), and the
N-Triples writers that the mappers and the network code make triples with."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal as Kind

import pyoxigraph as ox

__all__ = [
    "Format",
    "FORMATS",
    "GRAPH_TYPES",
    "RESULT_TYPES",
    "FILE_FORMATS",
    "FORMAT_NAMES",
    "MEDIA_ALIASES",
    "graph_format",
    "literal",
    "iri",
    "prefixed",
    "serialise",
    "used_prefixes",
]


@dataclass(frozen=True)
class Format:
    """One serialisation: its name, media type, file suffix, other names, and how Oxigraph and rdflib call it."""

    name: str
    media_type: str
    suffix: str
    kind: Kind["graph", "dataset", "results"]
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat
    aliases: tuple[str, ...] = ()
    rdflib: str = ""


#: Every format the tool reads or writes, preferred first within each kind.
FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", "graph", ox.RdfFormat.TURTLE, ("ttl",), "turtle"),
    Format("ntriples", "application/n-triples", "nt", "graph", ox.RdfFormat.N_TRIPLES, ("nt",), "nt"),
    Format("jsonld", "application/ld+json", "jsonld", "graph", ox.RdfFormat.JSON_LD, ("json-ld",), "json-ld"),
    Format("rdfxml", "application/rdf+xml", "rdf", "graph", ox.RdfFormat.RDF_XML, ("rdf", "rdf+xml"), "xml"),
    Format("nquads", "application/n-quads", "nq", "dataset", ox.RdfFormat.N_QUADS, ("nq",), "nquads"),
    Format("trig", "application/trig", "trig", "dataset", ox.RdfFormat.TRIG, (), "trig"),
    Format("json", "application/sparql-results+json", "srj", "results", ox.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", "srx", "results", ox.QueryResultsFormat.XML),
    Format("csv", "text/csv", "csv", "results", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", "tsv", "results", ox.QueryResultsFormat.TSV),
)

#: Graph formats (CONSTRUCT and DESCRIBE answers, entity descriptions) by media type, preferred first.
GRAPH_TYPES: dict[str, Format] = {f.media_type: f for f in FORMATS if f.kind == "graph"}
#: SELECT and ASK result formats by media type, preferred first.
RESULT_TYPES: dict[str, Format] = {f.media_type: f for f in FORMATS if f.kind == "results"}
#: RDF files by name or suffix (what `kg load` reads and `kg export` writes); .xml and .owl are RDF/XML.
FILE_FORMATS: dict[str, ox.RdfFormat] = {
    **{key: f.oxigraph for f in FORMATS if f.kind != "results" for key in (f.name, f.suffix, *f.aliases)},
    "xml": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
}
#: The short names that stand in for a media type (`format=` on the web, `-f` on the command line).
FORMAT_NAMES: dict[str, str] = {
    **{key: f.media_type for f in FORMATS if f.kind != "dataset" for key in (f.name, *f.aliases)},
    "n3": "text/turtle",  # SPARQLWrapper's name; Turtle is N3
}
#: Other media types clients send for the same formats.
MEDIA_ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json+ld": "application/ld+json",
}


def graph_format(name: str) -> Format:
    """A graph format by its name or an alias (turtle, ttl, nt, jsonld ...); KeyError if there is none."""
    for f in FORMATS:
        if f.kind == "graph" and name in (f.name, *f.aliases):
            return f
    raise KeyError(name)


_ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*$")


def literal(value: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal in N-Triples syntax."""
    text = '"' + value.translate(_ECHAR) + '"'
    if lang:
        return f"{text}@{lang}"
    return f"{text}^^<{datatype}>" if datatype else text


def iri(value: str) -> str:
    """An IRI in N-Triples syntax, checked: raises ValueError for what is not an absolute IRI."""
    if not _IRI.match(value):
        raise ValueError(f"'{value}' is not a valid IRI (an absolute address with no spaces or <>\"{{}}|\\^`)")
    return f"<{value}>"


_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
#: Datatypes that Turtle writes with no name: "text", 12, 1.5, 1.5E0, true.
_WRITTEN_BARE = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("string", "integer", "decimal", "double", "boolean")}


def prefixed(iri: str, prefixes: Mapping[str, str]) -> str | None:
    """`iri` as a plain prefixed name (`foaf:Project`), or None when no prefix shortens it to one."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return None


def used_prefixes(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes that shorten some IRI of `triples` to a plain prefixed name (`coop:acronym`, not
    `id:org\\/P01`): what a readable Turtle or RDF/XML document declares."""
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"  # Turtle writes it `a`
    iris = {t.value for triple in triples for t in triple if isinstance(t, ox.NamedNode)} - {rdf_type}
    iris |= {t.datatype.value for triple in triples if isinstance(t := triple.object, ox.Literal) and not t.language}
    iris -= _WRITTEN_BARE
    used = {name.split(":", 1)[0] for i in iris if (name := prefixed(i, prefixes))}
    return {prefix: namespace for prefix, namespace in prefixes.items() if prefix in used}


def serialise(triples: Iterable[ox.Triple], media_type: str, prefixes: Mapping[str, str]) -> bytes:
    """Triples as a document for people and other tools: Turtle and RDF/XML declare the prefixes they use,
    JSON-LD is compacted with `prefixes` as its @context (the one the server publishes), N-Triples as is."""
    triples = list(triples)
    fmt = GRAPH_TYPES[media_type]
    if fmt.name == "jsonld":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
        return graph.serialize(format="json-ld", context=dict(prefixes), encoding="utf-8")
    if fmt.name == "ntriples":
        return ox.serialize(triples, format=fmt.oxigraph)
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=used_prefixes(triples, prefixes))
