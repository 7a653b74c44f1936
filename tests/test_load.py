"""Loading: the bundled data, idempotent reloads, RDF files, and bad input refused with the store unchanged."""

from __future__ import annotations

import csv

import pytest
from helpers import BACKENDS, INNOCRAFTS, bundled_rows, make_store, rows, snapshot

from kg.cli.output import GRAPH_FORMATS
from kg.errors import DataError, ValidationFailed
from kg.ingest.loader import build, load


def test_bundled_data_builds_and_conforms(bundled_store):
    store, config = bundled_store
    counts = {
        r["cls"].split("#")[-1]: int(r["n"])
        for r in rows(store.query("SELECT ?cls (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?cls } GROUP BY ?cls"))
    }
    assert counts["Organisation"] == bundled_rows("organisations.csv")
    assert counts["GoodPractice"] == bundled_rows("practices.csv")
    assert counts["Event"] == bundled_rows("events.csv")
    assert counts["Transfer"] == bundled_rows("transfers.csv")
    assert counts["Project"] == 6
    innocrafts = rows(
        store.query(
            config.ns.sparql_prefixes()
            + "SELECT (COUNT(*) AS ?n) WHERE { ?p org:organization ?proj . ?proj coop:acronym 'INNOCRAFTS' }"
        )
    )
    assert innocrafts == [{"n": "16"}]  # 15 partners and Artex as technical partner


def test_every_entity_keeps_its_source(bundled_store):
    store, config = bundled_store
    missing = rows(
        store.query(
            config.ns.sparql_prefixes()
            + """
        SELECT ?s WHERE {
          VALUES ?cls { coop:Organisation coop:GoodPractice coop:Event coop:Transfer coop:Participation coop:City }
          ?s a ?cls FILTER NOT EXISTS { ?s dcterms:source ?src } }"""
        )
    )
    assert missing == []


def test_uncertain_facts_stay_marked(bundled_store):
    store, config = bundled_store
    marked = rows(
        store.query(
            config.ns.sparql_prefixes()
            + """
        SELECT ?p WHERE { ?e dcterms:identifier "E01" ; coop:uncertainProperty ?p }"""
        )
    )
    assert {r["p"].rsplit("/", 1)[-1] for r in marked} == {"startDate", "endDate", "ontology#city"}


def test_no_personal_names_in_bundled_notes(bundled_store):
    store, _ = bundled_store
    text = "\n".join(r["o"] for r in rows(store.query("SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")))
    for name in ("Amerkis", "Giachi", "Bettarini", "Biagiotti", "Lamblin", "Phelan", "Germain", "Mitoraj"):
        assert name not in text


def test_cities_carry_coordinates_and_links(bundled_store):
    store, config = bundled_store
    florence = rows(
        store.query(
            config.ns.sparql_prefixes()
            + """
        SELECT ?lat ?long ?same WHERE { ?c dcterms:identifier "florence" ; geo:lat ?lat ; geo:long ?long ;
                                          owl:sameAs ?same }"""
        )
    )
    assert {r["same"] for r in florence} == {
        "https://sws.geonames.org/3176959/",
        "http://www.wikidata.org/entity/Q2044",
    }
    assert florence[0]["lat"].startswith("43.77")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_loading_the_same_files_twice_gives_the_same_graph(backend, request, tmp_path, dataset):
    store, config = make_store(backend, tmp_path, request)
    build(store, config, [dataset])
    before = snapshot(store)
    load(store, config, [dataset])
    load(store, config, [dataset / "practices.csv"])
    assert snapshot(store) == before


@pytest.mark.slow
def test_editing_a_file_and_reloading_replaces_its_graph(built, dataset):
    store, config = built
    _edit_csv(dataset / "practices.csv", "IC-GP01", "title", "FUSE, renamed")
    load(store, config, [dataset / "practices.csv"])
    titles = rows(
        store.query(config.ns.sparql_prefixes() + 'SELECT ?t WHERE { ?p dcterms:identifier "IC-GP01" ; rdfs:label ?t }')
    )
    assert titles == [{"t": "FUSE, renamed"}]


def _read_csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _edit_csv(path, row_id, column, value):
    lines = _read_csv(path)
    for line in lines:
        if line.get("id", line.get("organisation")) == row_id:
            line[column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)


def _drop_column(path, column):
    lines = _read_csv(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[c for c in lines[0] if c != column], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(lines)


BAD_INPUT = {
    # name: (spoil the dataset folder, file named in the error, line, words in the reason)
    "missing required column": (
        lambda d: _drop_column(d / "organisations.csv", "type"),
        "organisations.csv",
        1,
        "missing required column(s): type",
    ),
    "wrong date": (
        lambda d: _edit_csv(d / "events.csv", "E03", "start_date", "2013-13-16"),
        "events.csv",
        4,
        "'2013-13-16' is not a valid date",
    ),
    "dates in the wrong order": (
        lambda d: _edit_csv(d / "events.csv", "E02", "end_date", "2012-11-01"),
        "events.csv",
        3,
        "start_date 2012-11-21 is after end_date 2012-11-01",
    ),
    "unknown country code": (
        lambda d: _edit_csv(d / "organisations.csv", "P05", "country", "XX"),
        "organisations.csv",
        6,
        "unknown country 'XX'",
    ),
    "unknown partner id": (
        lambda d: _edit_csv(d / "participations.csv", "P07", "organisation", "P99"),
        "participations.csv",
        8,
        "unknown organisation 'P99'",
    ),
    "unknown theme": (
        lambda d: _edit_csv(d / "practices.csv", "IC-GP02", "themes", "T9"),
        "practices.csv",
        3,
        "unknown theme 'T9' (allowed: T1, T2, T3, T4)",
    ),
    "broken Turtle": (
        lambda d: (d / "extra.ttl").write_text('<a> <b> "unterminated .\n<c> <d> <e> .\n'),
        "extra.ttl",
        1,
        "not valid Turtle: Parser error",
    ),
    "broken CSV quoting": (
        lambda d: (d / "regions.csv").write_text('id,name,country,source_url\n"x,y,IT,http://a\n'),
        "regions.csv",
        None,
        "malformed CSV",
    ),
    "unknown file name": (
        lambda d: (d / "partners.csv").write_text("id,name\nP1,x\n"),
        "partners.csv",
        None,
        "no mapping reads a file of this name",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
@pytest.mark.parametrize("command", ["load", "build"])
def test_bad_input_is_refused_and_the_store_is_unchanged(case, command, built, dataset):
    store, config = built
    before = snapshot(store)
    spoil, file, line, reason = BAD_INPUT[case]
    spoil(dataset)
    with pytest.raises(DataError) as caught:
        (load if command == "load" else build)(store, config, [dataset])
    error = caught.value
    assert error.path.endswith(file)
    if line is not None:
        assert error.line == line
    assert reason in str(error)
    assert snapshot(store) == before


VIOLATING_TTL = """
@prefix coop: <https://w3id.org/coopkg/ontology#> .
<https://w3id.org/coopkg/id/extra/organisation/Z1> a coop:Organisation .
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_shacl_violation_fails_unless_allowed(backend, request, tmp_path):
    store, config = make_store(backend, tmp_path, request)
    build(store, config, INNOCRAFTS)
    before = snapshot(store)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "org.ttl").write_text(VIOLATING_TTL)
    with pytest.raises(ValidationFailed) as caught:
        load(store, config, [extra])
    assert "extra/org.ttl" in str(caught.value)
    assert "has no name" in str(caught.value) and "has no source address" in str(caught.value)
    assert snapshot(store) == before
    report = load(store, config, [extra], allow_invalid=True)
    assert not report.validation.conforms
    added = snapshot(store) - before
    inferred = f"<{config.ns.inferred_graph}> ."
    assert len([q for q in added if not q.endswith(inferred)]) == 1
    # the standard types follow the new organisation
    z1 = "<https://w3id.org/coopkg/id/extra/organisation/Z1>"
    assert {q.split()[2] for q in added if q.startswith(z1) and q.endswith(inferred)} >= {
        "<http://www.w3.org/ns/org#FormalOrganization>",
        "<http://xmlns.com/foaf/0.1/Organization>",
        "<https://schema.org/Organization>",
        "<http://data.europa.eu/s66#Organisation>",
    }


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))  # every graph format the CLI offers
def test_rdf_files_load_in_every_format(fmt, tmp_path, bundled_store):
    from kg.store import open_store

    source, config = bundled_store
    triples = source.query(config.ns.sparql_prefixes() + "CONSTRUCT { ?s ?p ?o } WHERE { ?s a coop:Project ; ?p ?o }")
    rdf_format = GRAPH_FORMATS[fmt]
    folder = tmp_path / "projects"
    folder.mkdir()
    (folder / f"projects.{rdf_format.file_extension}").write_bytes(triples.serialize(format=rdf_format))
    store = open_store("memory")
    build(store, config, [folder], allow_invalid=True)
    n = rows(store.query(config.ns.sparql_prefixes() + "SELECT (COUNT(*) AS ?n) WHERE { ?s a coop:Project }"))
    assert n == [{"n": "6"}]


@pytest.mark.slow
def test_a_new_project_can_be_added_by_dropping_files(built, tmp_path):
    store, config = built
    folder = tmp_path / "newproject"
    folder.mkdir()
    (folder / "projects.csv").write_text(
        "id,acronym,title,programme,start_date,end_date,source_url\n"
        "newproj,NEWPROJ,A new project,interreg-europe,2020-01-01,2022-12-31,https://example.org/p\n"
    )
    (folder / "organisations.csv").write_text(
        "id,name,type,city,country,source_url\n"
        "A1,Example Crafts Agency,enterprise-agency,florence,IT,https://example.org/a\n"
    )
    (folder / "participations.csv").write_text(
        "organisation,project,role,source_url\nA1,newproj,lead-partner,https://example.org/a\n"
    )
    report = load(store, config, [folder])
    assert report.validation.conforms
    found = rows(
        store.query(
            config.ns.sparql_prefixes()
            + """
        SELECT ?name ?city WHERE { ?o org:memberOf ?p . ?p coop:acronym "NEWPROJ" .
                                   ?o rdfs:label ?name ; coop:city/rdfs:label ?city }"""
        )
    )
    assert found == [{"name": "Example Crafts Agency", "city": "Florence"}]


@pytest.mark.slow
def test_the_gazetteer_fills_missing_coordinates(built, tmp_path):
    store, config = built
    folder = tmp_path / "places"
    folder.mkdir()
    (folder / "cities.csv").write_text("id,name,country,source_url\nmatera,Matera,IT,https://example.org/m\n")
    load(store, config, [folder])
    found = rows(
        store.query(
            config.ns.sparql_prefixes()
            + """
        SELECT ?lat ?same WHERE { ?c dcterms:identifier "matera" ; geo:lat ?lat ; owl:sameAs ?same }"""
        )
    )
    assert found and 40.0 < float(found[0]["lat"]) < 41.0
    assert found[0]["same"].startswith("https://sws.geonames.org/")


@pytest.mark.slow
def test_a_folder_can_bring_its_own_mapping(built, tmp_path):
    store, config = built
    folder = tmp_path / "keep"
    folder.mkdir()
    (folder / "partners.mapping.yaml").write_text("""
kind: keep-partner
file: partners.csv
subject: "{dataset}/organisation/{code}"
class: [coop:Organisation]
columns:
  code: {property: dcterms:identifier, required: true}
  partner_name: {property: rdfs:label, required: true}
  kind: {property: org:classification, concept: organisation-type, required: true}
  nation: {property: coop:country, link: country}
  url: {property: dcterms:source, iri: "{}", required: true}
""")
    (folder / "partners.csv").write_text(
        "code;partner_name;kind;nation;url\nK1;Keep Org;association;BE;https://example.org/k\n"
    )
    report = load(store, config, [folder])
    assert report.validation.conforms
    found = rows(
        store.query(
            config.ns.sparql_prefixes()
            + 'SELECT ?n WHERE { ?o dcterms:identifier "K1" ; rdfs:label ?n ; coop:country/coop:countryCode "BE" }'
        )
    )
    assert found == [{"n": "Keep Org"}]


@pytest.mark.slow
def test_an_import_declaration_names_its_mapping_relative_to_its_folder(built, tmp_path, monkeypatch):
    store, config = built
    folder = tmp_path / "declared"
    folder.mkdir()
    (folder / "import.yaml").write_text("mapping: mappings/list.yaml\n")
    (folder / "mappings").mkdir()
    (folder / "mappings" / "list.yaml").write_text("""
kind: listed-partner
header: [code, partner_name]
subject: "{dataset}/organisation/{code}"
class: [coop:Organisation]
columns:
  code: {property: dcterms:identifier, required: true}
  partner_name: {property: rdfs:label, required: true}
  url: {property: dcterms:source, iri: "{}", required: true}
""")
    (folder / "any-name.csv").write_text("code,partner_name,url\nD1,Declared Org,https://example.org/d\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the mapping is found from the declaration's folder, not from where this runs
    load(store, config, [folder])
    found = rows(
        store.query(config.ns.sparql_prefixes() + 'SELECT ?n WHERE { ?o dcterms:identifier "D1" ; rdfs:label ?n }')
    )
    assert found == [{"n": "Declared Org"}]


@pytest.mark.slow
def test_a_configured_base_moves_every_iri(tmp_path):
    from kg.config import Config
    from kg.store import open_store

    config = Config(store="memory", base_iri="http://localhost:5000/")
    store = open_store("memory")
    build(store, config)
    iris = {r["s"] for r in rows(store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"))}
    ours = [i for i in iris if "coopkg" in i]
    assert ours == []
    assert "http://localhost:5000/id/innocrafts/organisation/P01" in iris
    assert "http://localhost:5000/ontology#Organisation" in iris
