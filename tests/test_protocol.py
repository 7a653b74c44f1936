"""The W3C SPARQL 1.1 Protocol test cases, run from their manifest against a live server.

The manifest describes each HTTP request (method, path under /sparql/, headers, body) and the expected
response (status class, result format, boolean). The cases that update the store do not apply to a
read-only endpoint; they are listed in NOT_APPLICABLE with the reason, and in docs/explanation/security.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from helpers import LiveServer
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from kg.config import Config
from kg.store import open_store

HERE = Path(__file__).parent / "data" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

NOT_APPLICABLE = {
    name: "the endpoint is read-only: SPARQL Update is refused (403), so a successful update cannot be shown"
    for name in (
        "update_dataset_default_graph",
        "update_dataset_default_graphs",
        "update_dataset_named_graphs",
        "update_dataset_full",
        "update_post_form",
        "update_post_direct",
        "update_base_uri",
    )
}

MANIFEST = Graph().parse(HERE / "manifest.ttl", format="turtle", publicID=(HERE / "manifest.ttl").as_uri())
_ROOT = next(MANIFEST.subjects(RDF.type, MF.Manifest))
CASES = list(Collection(MANIFEST, MANIFEST.value(_ROOT, MF.entries)))


def _name(case) -> str:
    return str(case).rsplit("#", 1)[-1]


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory) -> LiveServer:
    """A live server over the manifest's test data, each file in the named graph the manifest gives it."""
    graphs = {}
    for data in MANIFEST.objects(None, UT.graphData):
        graphs[str(MANIFEST.value(data, RDFS.label))] = Path(
            str(MANIFEST.value(data, UT.graph)).removeprefix("file://")
        )
    location = f"oxigraph:{tmp_path_factory.mktemp('protocol') / 'store'}"
    with open_store(location, create=True) as store, store.transaction(fresh=True) as writer:
        for name, path in graphs.items():
            writer.replace_graph(name, [path.read_text(encoding="utf-8")])
    server = LiveServer(Config(store=location, query_timeout=5.0, workers=1))
    yield server
    server.close()


def _request(server: LiveServer, request) -> requests.Response:
    method = str(MANIFEST.value(request, HT.methodName))
    path = str(MANIFEST.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {}
    header_list = MANIFEST.value(request, HT.headers)
    if header_list is not None:
        for h in Collection(MANIFEST, header_list):
            headers[str(MANIFEST.value(h, HT.fieldName))] = str(MANIFEST.value(h, HT.fieldValue))
    body = MANIFEST.value(request, HT.body)
    data = None
    if body is not None:
        encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(MANIFEST.value(body, CNT.chars)).encode(encoding)
    return requests.request(method, server.url + path, headers=headers, data=data, timeout=30, allow_redirects=False)


def _check(response: requests.Response, expected) -> None:
    classes = {str(s).removeprefix(HTS) for s in MANIFEST.objects(expected, MF.expectedStatus)}
    assert f"{response.status_code // 100}xx" in classes, f"status {response.status_code}: {response.text[:300]}"
    fmt = MANIFEST.value(expected, MF.expectedFormat)
    content_type = response.headers.get("Content-Type", "").split(";")[0]
    if fmt is not None and str(fmt) == "boolean":
        assert content_type in ("application/sparql-results+json", "application/sparql-results+xml")
    elif fmt is not None and str(fmt) == "tabular":
        assert content_type in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        )
    elif fmt is not None and str(fmt) == "RDF":
        assert content_type in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
        Graph().parse(
            data=response.content,
            format={
                "text/turtle": "turtle",
                "application/n-triples": "nt",
                "application/ld+json": "json-ld",
                "application/rdf+xml": "xml",
            }[content_type],
        )
    boolean = MANIFEST.value(expected, MF.expectedBoolean)
    if boolean is not None:
        if content_type == "application/sparql-results+json":
            assert json.loads(response.text)["boolean"] is boolean.toPython()
        else:
            assert f"<boolean>{str(boolean.toPython()).lower()}</boolean>" in response.text


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
def test_w3c_protocol_case(case, protocol_server):
    if _name(case) in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[_name(case)])
    action = MANIFEST.value(case, MF.action)
    for request in Collection(MANIFEST, MANIFEST.value(action, HT.requests)):
        response = _request(protocol_server, request)
        _check(response, MANIFEST.value(request, HT.resp))


def test_every_case_is_run_or_explained():
    names = {_name(c) for c in CASES}
    assert len(names) == 34
    assert set(NOT_APPLICABLE) <= names
