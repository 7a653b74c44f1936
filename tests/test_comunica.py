"""A real client no one here wrote: Comunica (npm @comunica/query-sparql, installed by `make comunica`)
against the live server, in two ways: SPARQL over /sparql as a `sparql@` source, and entity IRIs given as
plain documents that it dereferences with content negotiation. Its answers must be pyoxigraph's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kg.namespaces import Namespaces
from kg.store import open_store

COMUNICA = Path(__file__).parent / "comunica" / "node_modules" / ".bin" / "comunica-sparql"
NS = Namespaces()
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

pytestmark = [
    pytest.mark.client,
    pytest.mark.skipif(
        not COMUNICA.exists() or shutil.which("node") is None,
        reason="Comunica is not installed: run `make comunica` (npm) first",
    ),
]


def _comunica(*sources: str, query: str) -> list[dict]:
    done = subprocess.run(
        [str(COMUNICA), *sources, "-q", query, "-t", "application/sparql-results+json", "--httpTimeout", "30000"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["results"]["bindings"]


def _term(binding: dict) -> tuple:
    """A binding's term, written the same whoever wrote it (a plain literal is an xsd:string)."""
    kind = "literal" if binding["type"] in ("literal", "typed-literal") else binding["type"]
    datatype = binding.get("datatype", XSD_STRING if kind == "literal" and "xml:lang" not in binding else "")
    return kind, binding["value"], datatype, binding.get("xml:lang", "").lower()


def _answers(rows: list[dict]) -> set[tuple]:
    return {tuple(sorted((name, _term(b)) for name, b in row.items())) for row in rows}


def _pyoxigraph(config, query: str) -> list[dict]:
    import io

    import pyoxigraph as ox

    with open_store(config, read_only=True) as store:
        out = io.BytesIO()
        store.query(query).serialize(out, format=ox.QueryResultsFormat.JSON)
    return json.loads(out.getvalue())["results"]["bindings"]


QUERIES = {
    "organisations in FOAF and ORG terms": """
        PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?o ?name WHERE { ?o a foaf:Organization , org:FormalOrganization ; rdfs:label ?name }""",
    "projects in schema.org and EURIO terms, counted": """
        PREFIX schema: <https://schema.org/> PREFIX eurio: <http://data.europa.eu/s66#>
        SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:Project , eurio:Project }""",
    "practices with their themes": """
        PREFIX coop: <https://w3id.org/coopkg/ontology#>
        SELECT ?practice ?theme WHERE { ?practice a coop:GoodPractice ; coop:theme ?theme }""",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_comunica_over_the_sparql_endpoint_answers_as_pyoxigraph(live, served_config, name):
    query = QUERIES[name]
    expected = _answers(_pyoxigraph(served_config, query))
    assert expected
    assert _answers(_comunica(f"sparql@{live.sparql}", query=query)) == expected


#: Entity documents Comunica reads as plain documents, in the formats the server negotiates and by suffix.
DOCUMENTS = [
    "id/innocrafts/organisation/P01",
    "id/innocrafts/organisation/P09",
    "id/project/innocrafts",
    "id/innocrafts/practice/IC-GP01",
    "id/city/florence",
]


@pytest.mark.parametrize("suffix", ["", ".ttl", ".jsonld", ".rdf", ".nt"])
def test_comunica_dereferences_entity_iris_as_documents(live, served_config, suffix):
    sources = [f"{live.url}/{path}{suffix}" for path in DOCUMENTS]
    values = " ".join(f"<{NS.base}{path}>" for path in DOCUMENTS)
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    expected = _answers(_pyoxigraph(served_config, f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"))
    assert len(expected) > 50
    assert _answers(_comunica(*sources, query=query)) == expected
