"""Linked data over HTTP: entity IRIs in every format, pages for people, the dataset description, dumps.

The server is live (Waitress on a loopback port) over a store built from the bundled data plus a second
project that this module writes in the documented CSV format, with no code change.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pyshacl
import pytest
import requests
from helpers import LiveServer, not_blank
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, VOID

from kg.config import Config
from kg.ingest.loader import build
from kg.resources import resource_dir
from kg.store import open_store

ID = "https://w3id.org/coopkg/id/"
SCRIPT_TITLE = '<script>alert("boom")</script> Weaving lab'

SECOND_PROJECT = {
    "projects.csv": "id,acronym,title,start_date,end_date,source_url\n"
    "loom,LOOM,Looms of Europe,2020-01-01,2022-12-31,https://example.org/loom\n",
    "organisations.csv": "id,name,type,city,country,source_url\n"
    "L1,Textile Guild of Tampere,association,tampere,FI,https://example.org/loom\n"
    "L2,Lisbon Weavers Agency,public-body,lisbon,PT,https://example.org/loom\n",
    "cities.csv": "id,name,country,source_url\n"
    "tampere,Tampere,FI,https://example.org/loom\n"
    "lisbon,Lisbon,PT,https://example.org/loom\n",
    "participations.csv": "organisation,project,role,source_url\n"
    "L1,loom,lead-partner,https://example.org/loom\n"
    "L2,loom,partner,https://example.org/loom\n",
    "practices.csv": "id,project,title,description,owner,city,country,themes,source_url\n"
    f'LP1,loom,"{SCRIPT_TITLE.replace(chr(34), chr(34) * 2)}",Shared looms for young weavers,L1,tampere,FI,T2,'
    "https://example.org/loom\n",
}


@pytest.fixture(scope="module")
def second_project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("second") / "loom"
    folder.mkdir()
    for name, text in SECOND_PROJECT.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory, second_project):
    """A live server over the bundled data and the second project."""
    location = f"oxigraph:{tmp_path_factory.mktemp('site') / 'store'}"
    config = Config(store=location, workers=2)
    with open_store(location, create=True) as store:
        build(store, config, [resource_dir("data") / "innocrafts", second_project])
    server = LiveServer(config)
    yield server
    server.close()


def _store_triples(site: LiveServer, iri: str) -> set:
    with open_store(site.config.store, read_only=True) as store:
        text = store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        import io

        import pyoxigraph as ox

        out = io.BytesIO()
        text.serialize(out, format=ox.RdfFormat.N_TRIPLES)
    return set(Graph().parse(data=out.getvalue().decode(), format="nt"))


ENTITIES = {
    "practice": ID + "innocrafts/practice/IC-GP01",
    "organisation": ID + "innocrafts/organisation/P01",
    "city": ID + "city/florence",
    "country": ID + "country/IT",
    "project": ID + "project/innocrafts",
    "event": ID + "innocrafts/event/E02",
    "concept": "https://w3id.org/coopkg/scheme/theme/T2",
    "scheme": "https://w3id.org/coopkg/scheme/theme",
}
FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


def _path(iri: str) -> str:
    return iri.removeprefix("https://w3id.org/coopkg")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENTITIES)
@pytest.mark.parametrize("media_type", FORMATS)
def test_each_kind_of_entity_in_each_format_matches_the_store(site, kind, media_type):
    iri = ENTITIES[kind]
    suffix, rdflib_format = FORMATS[media_type]
    expected = _store_triples(site, iri)
    assert expected
    by_accept = requests.get(site.url + _path(iri), headers={"Accept": media_type}, timeout=30)
    by_suffix = requests.get(f"{site.url}{_path(iri)}.{suffix}", timeout=30)
    for response in (by_accept, by_suffix):
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(media_type)
        got = set(Graph().parse(data=response.content, format=rdflib_format))
        assert got == expected
    assert "Accept" in by_accept.headers["Vary"]


@pytest.mark.slow
def test_accept_headers_of_real_clients(site):
    url = site.url + _path(ENTITIES["city"])
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    assert requests.get(url, headers={"Accept": browser}, timeout=30).headers["Content-Type"].startswith("text/html")
    rdflib_like = "application/rdf+xml;q=0.9, text/turtle, application/ld+json;q=0.5"
    assert (
        requests.get(url, headers={"Accept": rdflib_like}, timeout=30).headers["Content-Type"].startswith("text/turtle")
    )
    assert requests.get(url, headers={"Accept": "*/*"}, timeout=30).headers["Content-Type"].startswith("text/html")
    refused = requests.get(url, headers={"Accept": "application/pdf"}, timeout=30)
    assert refused.status_code == 406


@pytest.mark.slow
def test_an_unknown_iri_gets_a_helpful_404(site):
    page = requests.get(site.url + "/id/innocrafts/practice/NOPE", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 404 and "text/html" in page.headers["Content-Type"]
    assert "Search" in page.text and "/practices" in page.text
    machine = requests.get(site.url + "/id/innocrafts/practice/NOPE.ttl", timeout=30)
    assert machine.status_code == 404 and "NOPE" in machine.text


@pytest.mark.slow
def test_a_practice_page_reads_like_the_template(site):
    html = requests.get(site.url + _path(ENTITIES["practice"]), timeout=30).text
    for heading in ("What", "Where", "Who", "When", "Resources", "Evidence of success", "Potential for transfer"):
        assert f"<h2>{heading}</h2>" in html
    assert 'href="/id/city/kilkenny"' in html and 'href="/id/innocrafts/organisation/P13"' in html
    assert "from innocrafts/practices.csv" in html  # the source of each fact
    assert "http://www.interreg4c.eu/good-practices/practice-details/" in html  # its public source
    assert '<script type="application/ld+json">' in html and '"@type": "CreativeWork"' in html
    for suffix in ("ttl", "jsonld", "nt", "rdf"):
        assert f'IC-GP01.{suffix}"' in html


@pytest.mark.slow
def test_referenced_by_and_outbound_links(site):
    html = requests.get(site.url + _path(ENTITIES["city"]), timeout=30).text
    assert "Referenced by" in html and "Municipality of Florence" in html  # an organisation in Florence
    assert "http://www.wikidata.org/entity/Q2044" in html and "https://sws.geonames.org/3176959/" in html
    country = requests.get(site.url + _path(ENTITIES["country"]), timeout=30).text
    assert "http://www.wikidata.org/entity/Q38" in country


@pytest.mark.slow
def test_data_from_the_files_is_escaped(site):
    rows = requests.get(site.url + "/search", params={"q": "Weaving lab"}, timeout=30).text
    assert "&lt;script&gt;alert" in rows and "<script>alert" not in rows
    page = requests.get(site.url + "/id/loom/practice/LP1", timeout=30).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;boom&#34;)&lt;/script&gt;" in page
    assert "\\u003cscript\\u003e" in page  # inside the embedded JSON-LD too


@pytest.mark.slow
def test_a_second_project_is_on_the_index_pages_without_code_changes(site):
    practices = requests.get(site.url + "/practices", timeout=30).text
    assert "Weaving lab" in practices and 'href="/id/loom/practice/LP1"' in practices
    partners = requests.get(site.url + "/partners", timeout=30).text
    assert "Textile Guild of Tampere" in partners and "Municipality of Florence" in partners
    theme = "https://w3id.org/coopkg/scheme/theme/T4"
    filtered = requests.get(site.url + "/practices", params={"theme": theme}, timeout=30).text
    assert "Weaving lab" not in filtered and "Bottega Scuola" in filtered
    finland = requests.get(site.url + "/practices", params={"country": ID + "country/FI"}, timeout=30).text
    assert "Weaving lab" in finland and "Bottega Scuola" not in finland
    bad = requests.get(site.url + "/practices", params={"theme": "not an iri>"}, timeout=30)
    assert bad.status_code == 400 and "takes an IRI" in bad.text
    for index in ("cities", "projects", "events", "vocabularies"):
        assert requests.get(f"{site.url}/{index}", timeout=30).status_code == 200
    assert (
        "LOOM" in requests.get(site.url + "/projects", timeout=30).text
        or "Looms of Europe" in requests.get(site.url + "/projects", timeout=30).text
    )


@pytest.mark.slow
def test_the_dataset_description_validates_against_dcat_ap(site):
    response = requests.get(site.url + "/catalog", headers={"Accept": "text/turtle"}, timeout=60)
    assert response.status_code == 200
    description = Graph().parse(data=response.text, format="turtle")
    shapes = Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl"):
        shapes.parse(Path(__file__).parent / "data" / "dcat-ap-3.0.1" / name, format="turtle")
    conforms, _, text = pyshacl.validate(description, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, text
    dataset = URIRef("https://w3id.org/coopkg/dataset")
    with open_store(site.config.store, read_only=True) as store:
        quads = store.count()
    assert (dataset, VOID.triples, Literal(quads)) in description
    void = Graph().parse(
        data=requests.get(site.url + "/.well-known/void", headers={"Accept": "application/ld+json"}, timeout=60).text,
        format="json-ld",
    )
    assert (dataset, RDF.type, VOID.Dataset) in void


@pytest.mark.slow
def test_dumps_hold_the_whole_graph_with_checksums(site):
    listing = requests.get(site.url + "/dumps/", timeout=30)
    assert "coopkg.nt.gz" in listing.text
    dump = requests.get(site.url + "/dumps/coopkg.nt.gz", timeout=60)
    assert dump.status_code == 200
    graph = Graph().parse(data=gzip.decompress(dump.content).decode(), format="nt")
    assert (URIRef(ID + "loom/practice/LP1"), RDF.type, None) in graph
    sums = dict(
        line.split()[::-1] for line in requests.get(site.url + "/dumps/SHA256SUMS", timeout=30).text.splitlines()
    )
    assert sums["coopkg.nt.gz"] == hashlib.sha256(dump.content).hexdigest()
    turtle = requests.get(site.url + "/dumps/coopkg.ttl.gz", timeout=60)
    assert len(Graph().parse(data=gzip.decompress(turtle.content).decode(), format="turtle")) == len(graph)
    assert requests.get(site.url + "/dumps/secrets.txt", timeout=30).status_code == 404


@pytest.mark.slow
def test_the_ontology_is_documented_and_served(site):
    html = requests.get(site.url + "/ontology", timeout=30).text
    assert "Classes" in html and 'id="GoodPractice"' in html
    turtle = requests.get(site.url + "/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef("https://w3id.org/coopkg/ontology#GoodPractice"), RDF.type, OWL.Class) in graph
    jsonld = requests.get(site.url + "/ontology.jsonld", timeout=30)
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


@pytest.mark.slow
def test_pages_do_not_write_to_the_store(site):
    store_location = site.config.store
    with open_store(store_location, read_only=True) as store:
        before = (store.version, store.count())
    for path in ("/", "/practices", "/search?q=craft", _path(ENTITIES["practice"]), "/catalog", "/dumps/coopkg.nt.gz"):
        assert requests.get(site.url + path, timeout=60).status_code == 200
        assert requests.post(site.url + path, timeout=30).status_code == 405
    with open_store(store_location, read_only=True) as store:
        assert (store.version, store.count()) == before


@pytest.mark.slow
def test_kg_release_writes_a_dated_folder(runner, tmp_path):
    from kg.cli import cli

    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["release", "--out", str(tmp_path / "rel"), "--date", "2026-01-31"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "rel" / "2026-01-31"
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    catalog = Graph().parse(folder / "catalog.ttl", format="turtle")
    assert len(list(catalog.objects(None, URIRef("http://spdx.org/rdf/terms#checksumValue")))) == 3
    again = runner.invoke(cli, ["release", "--out", str(tmp_path / "rel"), "--date", "2026-01-31"])
    assert again.exit_code == 1 and "already exists" in again.output
    shutil.rmtree(folder)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (make test does)")
def test_a_partner_follows_links_from_a_practice_in_a_browser(site, page, tmp_path):
    page.goto(site.url + _path(ENTITIES["practice"]))
    assert page.locator("h2").first.inner_text().startswith("FUSE")
    page.locator("section.template a", has_text="Kilkenny").first.click()
    page.wait_for_url("**/id/city/kilkenny")
    assert page.locator("h2").first.inner_text() == "Kilkenny"
    page.go_back()
    page.locator("section.template a", has_text="Crafts Council of Ireland").first.click()
    page.wait_for_url("**/id/innocrafts/organisation/P13")
    assert page.locator("h2").first.inner_text() == "Crafts Council of Ireland"
    assert not_blank(page.screenshot(path=str(tmp_path / "organisation.png"), full_page=True))


@pytest.mark.slow
def test_entity_pages_resolve_however_their_iris_are_escaped(tmp_path):
    """IRIs loaded from RDF may hold percent-escapes or non-ASCII letters; the links the site renders to
    them, and the addresses a browser makes of those links, all reach their pages."""
    from urllib.parse import quote

    from api import create_app
    from kg.query.executor import InlineExecutor

    location = f"oxigraph:{tmp_path / 'store'}"
    config = Config(store=location)
    extra = tmp_path / "escaped"
    extra.mkdir()
    names = {"Region%20of%20Tyrol": "Region of Tyrol", "Łódź": "Łódź crafts", "a%2Fb": "Slash inside"}
    org = "https://w3id.org/coopkg/id/escaped/organisation/"
    facts = (
        "a <https://w3id.org/coopkg/ontology#Organisation> ; <http://www.w3.org/2000/01/rdf-schema#label> "
        '"{}" ; <http://purl.org/dc/terms/source> <https://example.org/> .\n'
    )
    (extra / "orgs.ttl").write_text(
        "".join(f"<{org}{local}> " + facts.format(label) for local, label in names.items()), encoding="utf-8"
    )
    with open_store(location, create=True) as store:
        build(store, config, [extra], allow_invalid=True)
    app = create_app(config, executor=InlineExecutor(config))
    try:
        client = app.test_client()
        listing = client.get("/partners").get_data(as_text=True)
        for local, label in names.items():
            href = f"/id/escaped/organisation/{local}"
            assert f'href="{href}"' in listing  # the link the index renders
            browser = quote(href, safe="/%")  # what a browser sends for it
            page = client.get(browser)
            assert page.status_code == 200 and label in page.get_data(as_text=True), (browser, page.status_code)
            assert client.get(browser + ".ttl").status_code == 200
        assert client.get("/id/escaped/organisation/Region of Tyrol").status_code == 200  # typed with spaces
        assert client.get("/id/escaped/organisation/Region%20of%20Tirol").status_code == 404
    finally:
        app.extensions["coopkg"].close()
