"""RDF as other projects' tools read it: entity pages, the ontology and the catalogue written with the
project's prefixes (no generated ns1:), JSON-LD with the published @context, and every document and dump
parsed by a second parser (rdflib) to the same triples as Oxigraph's."""

from __future__ import annotations

import gzip
import json
import re

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.namespaces import Namespaces
from kg.rdf import GRAPH_TYPES

NS = Namespaces()
#: One entity of each kind (and a concept): the sample whose pages are read in every format.
SAMPLE = [
    "id/innocrafts/organisation/P01",
    "id/project/innocrafts",
    "id/innocrafts/practice/IC-GP01",
    "id/city/florence",
    "id/country/IT",
    "scheme/theme/T1",
]
FORMATS = {f.name: f for f in GRAPH_TYPES.values()}
GENERATED_PREFIX = re.compile(rb"(@prefix|xmlns:)\s*ns\d+[:=]")


def _oxigraph(body: bytes, fmt) -> Graph:
    """Oxigraph's reading of a document, as an rdflib graph (to compare with rdflib's own reading)."""
    nt = ox.serialize(ox.parse(body, format=fmt.oxigraph), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=nt, format="nt")


def _both(body: bytes, fmt) -> Graph:
    ours = Graph().parse(data=body, format=fmt.rdflib)
    theirs = _oxigraph(body, fmt)
    assert len(ours) > 0
    assert isomorphic(ours, theirs), f"rdflib and Oxigraph read different triples from this {fmt.name}"
    return ours


@pytest.mark.parametrize("path", SAMPLE)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_entity_documents_parse_alike_in_both_parsers(client, path, name):
    fmt = FORMATS[name]
    r = client.get(f"/{path}.{fmt.suffix}")
    assert r.status_code == 200, r.text
    graph = _both(r.data, fmt)
    assert (None, None, None) in graph
    subjects = {str(s) for s in graph.subjects()}
    assert subjects == {NS.base + path}


@pytest.mark.parametrize("path", [*SAMPLE, "ontology"])
def test_turtle_uses_the_project_prefixes_and_only_those_it_needs(client, path):
    body = client.get(f"/{path}.ttl").data
    assert not GENERATED_PREFIX.search(body), body[:500]
    declared = dict(re.findall(rb"@prefix (\w+): <([^>]+)>", body))
    assert declared, "no prefixes"
    for prefix, iri in declared.items():
        assert NS.prefixes[prefix.decode()] == iri.decode()  # the project's prefix for that namespace
        assert re.search(rb"[\s(\[^]" + prefix + rb":\w", body), f"{prefix} declared but not used"
    if path.startswith("id/"):
        assert b"coop:" in body


def test_the_catalogue_has_no_generated_prefixes(client):
    for accept in ("text/turtle", "application/rdf+xml"):
        body = client.get("/catalog", headers={"Accept": accept}).data
        assert not GENERATED_PREFIX.search(body), body[:800]
        assert b"dcat:" in body and b"vcard:" in body
    _both(client.get("/catalog", headers={"Accept": "text/turtle"}).data, FORMATS["turtle"])


@pytest.mark.parametrize("path", ["/id/innocrafts/organisation/P01.jsonld", "/catalog"])
def test_jsonld_uses_the_published_context(client, path):
    published = client.get("/context.jsonld")
    assert published.status_code == 200
    assert published.headers["Content-Type"].startswith("application/ld+json")
    context = published.get_json(force=True)["@context"]
    assert context["coop"] == str(NS.coop) and context["org"] == "http://www.w3.org/ns/org#"
    doc = json.loads(client.get(path, headers={"Accept": "application/ld+json"}).data)
    assert doc["@context"] == context
    assert any(key.startswith("coop:") or key.startswith("dcat:") for key in json.dumps(doc).split('"'))
    _both(json.dumps(doc).encode(), FORMATS["jsonld"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coopkg.nt.gz", "coopkg.ttl.gz", "coopkg.jsonld.gz"])
def test_every_dump_parses_alike_in_both_parsers(client, served_config, name):
    from kg.store import open_store

    r = client.get(f"/dumps/{name}")
    assert r.status_code == 200
    body = gzip.decompress(r.data)
    r.close()
    fmt = FORMATS[{"nt": "ntriples", "ttl": "turtle", "jsonld": "jsonld"}[name.split(".")[1]]]
    graph = _both(body, fmt)
    with open_store(served_config, read_only=True) as store:
        distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        assert len(graph) == int(next(iter(store.query(distinct)))["n"].value)
