"""Standard types in the data: queries written only in ORG, FOAF, schema.org and EURIO terms count the
same organisations, projects and practices as the coop: queries, and the inferred graph follows the data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import INNOCRAFTS

from kg.ingest.loader import import_files, load
from kg.store.rows import select_rows

DATA = Path(__file__).parent / "data" / "eu-open-data"

#: Each kind of entity in coop: terms, and the same set in each standard vocabulary's own terms.
STANDARD = {
    "organisations": (
        "?x a coop:Organisation",
        {
            "ORG": "?x a org:FormalOrganization",
            "FOAF": "?x a foaf:Organization",
            # schema.org's Project is an Organization: its partner organisations are the others
            "schema.org": "?x a schema:Organization FILTER NOT EXISTS { ?x a schema:Project }",
            "EURIO": "?x a eurio:Organisation",
        },
    ),
    "projects": (
        "?x a coop:Project",
        {
            "ORG": "?x a org:OrganizationalCollaboration",
            "FOAF": "?x a foaf:Project",
            "schema.org": "?x a schema:Project",
            "EURIO": "?x a eurio:Project",
        },
    ),
    "practices": ("?x a coop:GoodPractice", {"schema.org": "?x a schema:CreativeWork"}),
}
CASES = [(kind, vocabulary) for kind, (_, queries) in STANDARD.items() for vocabulary in queries]


def _count(store, ns, pattern: str) -> int:
    return int(
        select_rows(store, ns.sparql_prefixes() + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")[0]["n"]
    )


def _mismatches(store, ns) -> dict[str, tuple[int, int]]:
    """Each (kind, vocabulary) whose standard-term count differs from the coop: count, with both counts."""
    found = {}
    for kind, vocabulary in CASES:
        ours, theirs = STANDARD[kind][0], STANDARD[kind][1][vocabulary]
        expected, got = _count(store, ns, ours), _count(store, ns, theirs)
        if got != expected or not expected:
            found[f"{kind} in {vocabulary}"] = (expected, got)
    return found


def test_standard_terms_count_what_the_coop_terms_count(built):
    # one build per backend (on a SPARQL server a build is the slow part), every vocabulary checked on it
    store, config = built
    assert _mismatches(store, config.ns) == {}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The bundled data with a real CORDIS sample and a real keep.eu partner list imported as published."""
    from kg.config import Config
    from kg.ingest.loader import build
    from kg.store import open_store

    root = tmp_path_factory.mktemp("imported")
    config = Config(store="memory")
    store = open_store(config)
    build(store, config, INNOCRAFTS)
    before = {kind: _count(store, config.ns, ours) for kind, (ours, _) in STANDARD.items()}
    for folder, mapping in (
        ("cordis-horizon-head100-voteveto2", "cordis"),
        ("keep-eu-interreg-ivc-partners-pgourdongeo", "keep"),
    ):
        shutil.copytree(DATA / folder, root / folder)
        import_files(store, config, mapping, [root / folder])
    return store, config, before


@pytest.mark.slow
@pytest.mark.parametrize("kind, vocabulary", CASES, ids=[f"{k}-{v}" for k, v in CASES])
def test_standard_terms_count_the_same_after_a_real_import(imported, kind, vocabulary):
    store, config, before = imported
    ours, theirs = STANDARD[kind][0], STANDARD[kind][1][vocabulary]
    expected = _count(store, config.ns, ours)
    if kind != "practices":  # the EU's files hold no good practices
        assert expected > before[kind], "the import added no entities of this kind"
    assert _count(store, config.ns, theirs) == expected


@pytest.mark.slow
def test_the_inferred_types_follow_a_load_that_replaces_a_file(built, tmp_path):
    store, config = built
    extra = tmp_path / "extra"
    extra.mkdir()
    org = "https://w3id.org/coopkg/id/extra/organisation/Y1"
    (extra / "org.ttl").write_text(
        f"""@prefix coop: <https://w3id.org/coopkg/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        <{org}> a coop:Organisation ; rdfs:label "Y1" ; dcterms:source <https://example.org/y1> ;
            coop:country <https://w3id.org/coopkg/id/country/IT> ."""
    )
    load(store, config, [extra], allow_invalid=True)
    ask = config.ns.sparql_prefixes() + f"ASK {{ <{org}> a foaf:Organization ; dcterms:spatial ?c }}"
    assert store.query(ask)
    # the same file with the organisation gone: its inferred types and properties go with it
    (extra / "org.ttl").write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    load(store, config, [extra], allow_invalid=True)
    assert not store.query(config.ns.sparql_prefixes() + f"ASK {{ <{org}> ?p ?o }}")


def test_the_inferred_graph_states_only_what_no_other_graph_does(built):
    store, config = built
    inferred = config.ns.inferred_graph
    twice = f"""SELECT (COUNT(*) AS ?n) WHERE {{
      GRAPH <{inferred}> {{ ?s a ?t }} GRAPH ?g {{ ?s a ?t }} FILTER(?g != <{inferred}>) }}"""
    assert select_rows(store, twice)[0]["n"] == "0"
    assert _count(store, config.ns, f"GRAPH <{config.ns.inferred_graph}> {{ ?x a ?t }}") > 0


@pytest.mark.slow
def test_every_place_property_answers_as_dcterms_spatial(built, imported):
    for store, config, *_ in (built, imported):
        pairs = "?x coop:city|coop:country|coop:region ?place"
        assert _count(store, config.ns, pairs) > 0
        missing = f"{pairs} FILTER NOT EXISTS {{ ?x dcterms:spatial ?place }}"
        assert _count(store, config.ns, missing) == 0
