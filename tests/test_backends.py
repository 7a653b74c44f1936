"""The web service works the same on each backend: the live server over Oxigraph on disk and over two
SPARQL servers (Virtuoso and Oxigraph's own, through the sparql: backend) answers every surface with the
same data, or degrades with a message."""

from __future__ import annotations

import csv
import io
import re

import pytest
import rdflib
import requests
from helpers import INNOCRAFTS, LiveServer, make_store

from kg.ingest.loader import build

SURFACES = [
    "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D&format=csv",
    "/api/queries/partners-by-country?format=csv",
    "/api/queries/practices-by-theme?theme=T2&format=csv",
    "/api/queries/transfers?format=csv",
    "/id/innocrafts/organisation/P13.ttl",
    "/practices",
    "/search?q=craft",
]


REMOTE = ["virtuoso", "oxigraph-server"]


def _serve(kind: str, request, tmp_path_factory) -> LiveServer:
    store, config = make_store(kind, tmp_path_factory.mktemp(kind), request)
    build(store, config, INNOCRAFTS)
    store.close()
    return LiveServer(config.with_(workers=1, spare_workers=0))


@pytest.fixture(scope="module")
def reference(request, tmp_path_factory):
    """The live server over Oxigraph on disk: what every backend must answer."""
    server = _serve("disk", request, tmp_path_factory)
    yield server
    server.close()


@pytest.fixture(scope="module", params=["disk", *(pytest.param(r, marks=pytest.mark.remote) for r in REMOTE)])
def served(request, tmp_path_factory, reference):
    if request.param == "disk":
        yield "disk", reference
        return
    server = _serve(request.param, request, tmp_path_factory)
    yield request.param, server
    server.close()


def _answer(server: LiveServer, path: str):
    """A surface's answer in a form that does not depend on the engine's choices (order, HTML layout)."""
    r = requests.get(server.url + path, headers={"Accept": "text/html"} if "." not in path else {}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.text
    if path.endswith(".ttl"):
        graph = rdflib.Graph().parse(data=body, format="turtle")
        return sorted(graph.serialize(format="nt").splitlines())
    if "format=csv" in path:  # GROUP_CONCAT's order is the engine's choice: compare its parts as sets
        return sorted([sorted(re.split(r", | \| ", cell)) for cell in row] for row in csv.reader(io.StringIO(body)))
    if path.startswith(("/practices", "/search")):  # the entities the page links to
        return sorted(set(re.findall(r'href="(/id/[^"#?]+)"', body)))
    return body


@pytest.mark.slow
@pytest.mark.parametrize("path", SURFACES)
def test_every_surface_answers_the_same_on_each_backend(served, reference, path):
    _, server = served
    answer = _answer(server, path)
    assert answer, f"{path} answered nothing"
    if path.startswith(("/practices", "/search")):
        assert "/id/innocrafts/practice/IC-GP01" in answer, answer  # FUSE: a craft practice, found and listed
    assert answer == _answer(reference, path)


@pytest.mark.slow
def test_network_and_map_views(served):
    _, server = served
    network = requests.get(server.url + "/api/network", timeout=120).json()
    assert len(network["nodes"]) > 10 and network["edges"]
    places = requests.get(server.url + "/api/map", timeout=120).json()
    assert places
    assert requests.get(server.url + "/network", timeout=30).status_code == 200


@pytest.mark.slow
def test_dumps_need_a_store_on_disk(served):
    backend, server = served
    r = requests.get(server.url + "/dumps/SHA256SUMS", timeout=120)
    if backend in REMOTE:
        assert r.status_code == 503 and "dumps need a store on disk" in r.text
    else:
        assert r.status_code == 200 and "coopkg.nt.gz" in r.text


def _graph_names(server: LiveServer) -> set[str]:
    r = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=60)
    assert r.status_code == 200, r.text
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    return {str(n) for n in rdflib.Graph().parse(data=r.text, format="turtle").objects(None, sd.name)}


@pytest.mark.slow
def test_the_service_description_names_the_same_graphs_on_each_backend(served, reference):
    _, server = served
    names = _graph_names(server)
    assert any(n.endswith("/graph/ontology/coop.ttl") for n in names), names
    assert names == _graph_names(reference)
