"""SHACL validation: a readable report naming entity, field and source file; sampling of large classes."""

from __future__ import annotations

import pytest
from rdflib.namespace import RDF

from kg.namespaces import SH
from kg.store import open_store
from kg.validate import validate

BAD_EVENT = """
@prefix coop: <https://w3id.org/coopkg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/coopkg/id/extra/event/X> a coop:Event ; rdfs:label "Backwards" ;
    dcterms:source <https://example.org/x> ;
    coop:project <https://w3id.org/coopkg/id/project/innocrafts> ;
    coop:eventKind <https://w3id.org/coopkg/scheme/theme/T1> ;
    schema:startDate "2014-05-02"^^xsd:date ; schema:endDate "2014-05-01"^^xsd:date .
"""


def _load_extra(built, tmp_path, text):
    from kg.ingest.loader import load

    store, config = built
    folder = tmp_path / "extra"
    folder.mkdir(exist_ok=True)
    (folder / "event.ttl").write_text(text)
    return load(store, config, [folder], allow_invalid=True).validation


@pytest.mark.slow
def test_report_names_entity_field_problem_and_file(built, tmp_path):
    report = _load_extra(built, tmp_path, BAD_EVENT)
    assert not report.conforms
    lines = [v.line() for v in report.errors]
    assert any(
        "extra/event.ttl" in line
        and "Backwards" in line
        and "field 'start_date'" in line
        and "not after its end date" in line
        for line in lines
    ), lines
    assert any("field 'kinds'" in line and "not an event kind" in line for line in lines), lines
    assert (None, RDF.type, SH.ValidationReport) in report.graph


@pytest.mark.slow
def test_bundled_data_conforms_with_warnings_only(bundled_store):
    store, config = bundled_store
    report = validate(store, config)
    assert report.conforms and not report.errors
    assert all(w.severity == "Warning" for w in report.warnings)


@pytest.mark.slow
def test_large_classes_are_sampled_and_small_ones_checked_whole(tmp_path, monkeypatch):
    from kg import validate as validation
    from kg.config import Config
    from kg.ingest.loader import build

    monkeypatch.setattr(validation, "FULL_CHECK_LIMIT", 20)

    config = Config(store="memory", shacl_sample=40)
    store = open_store("memory")
    build(store, config)
    report = validate(store, config)
    assert report.sampled["https://w3id.org/coopkg/ontology#Country"] == (40, 250)
    assert "Event" not in " ".join(report.sampled)  # 12 events: all checked
    assert "a sample of the largest classes" in report.headline()
