"""The ontology: every term has a label and a definition; mappings and shapes only use declared terms."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.ingest.schema import read_mappings
from kg.namespaces import EURIO, Namespaces
from kg.resources import mapping_files, ontology_files, shapes_file

NS = Namespaces()
ONTOLOGY = Graph()
for _path in ontology_files():
    ONTOLOGY.parse(_path, format="turtle")
TERMS = sorted(
    s
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for s in ONTOLOGY.subjects(RDF.type, kind)
    if str(s).startswith(str(NS.coop))
)
CONCEPTS = sorted(ONTOLOGY.subjects(RDF.type, SKOS.Concept))


@pytest.mark.parametrize("term", TERMS, ids=[t.split("#")[-1] for t in TERMS])
def test_every_term_has_a_label_and_a_definition(term):
    assert ONTOLOGY.value(term, RDFS.label), f"{term} has no rdfs:label"
    assert ONTOLOGY.value(term, SKOS.definition), f"{term} has no skos:definition"


def test_every_concept_has_notation_label_definition_and_scheme():
    assert len(CONCEPTS) > 50
    for c in CONCEPTS:
        for p in (SKOS.notation, SKOS.prefLabel, SKOS.definition, SKOS.inScheme):
            assert ONTOLOGY.value(c, p) is not None, f"{c} has no {p}"


def test_the_ontology_is_versioned():
    onto = URIRef(NS.ontology)
    assert (onto, RDF.type, OWL.Ontology) in ONTOLOGY
    assert str(ONTOLOGY.value(onto, OWL.versionIRI)).startswith(NS.ontology + "/")
    assert ONTOLOGY.value(onto, OWL.versionInfo)


def test_mappings_and_shapes_use_only_declared_terms():
    declared = set(TERMS)
    used = set()
    for mapping in read_mappings(mapping_files(), NS).values():
        used |= {URIRef(c) for c in mapping.classes}
        used |= {URIRef(c.property) for cols in mapping.columns.values() for c in cols if c.property}
    shapes = Graph().parse(shapes_file(), format="turtle")
    used |= set(shapes.objects()) | set(shapes.subjects())
    ours = {u for u in used if isinstance(u, URIRef) and str(u).startswith(str(NS.coop))}
    assert ours and ours <= declared, f"undeclared: {sorted(ours - declared)}"


@pytest.mark.parametrize(
    "ours, relation",
    [("Project", RDFS.subClassOf), ("Organisation", RDFS.subClassOf), ("Participation", SKOS.closeMatch)],
)
def test_project_organisation_and_participation_are_aligned_with_eurio(ours, relation):
    from pathlib import Path

    eurio = Graph().parse(Path(__file__).parent / "data" / "eurio" / "EURIO-v2.4.ttl", format="turtle")
    matches = [m for m in ONTOLOGY.objects(NS.coop[ours], relation) if str(m).startswith(str(EURIO))]
    assert matches, f"coop:{ours} has no EURIO match"
    for match in matches:
        assert (match, RDF.type, OWL.Class) in eurio, f"{match} is not a class of EURIO"


def test_the_mapping_sets_use_only_declared_terms():
    from kg.ingest.schema import read_mapping_set
    from kg.resources import mapping_sets

    declared = set(TERMS)
    for name, paths in mapping_sets().items():
        for mapping in read_mapping_set(paths, NS):
            used = {URIRef(c) for c in mapping.classes}
            used |= {URIRef(c.property) for cols in mapping.columns.values() for c in cols if c.property}
            ours = {u for u in used if str(u).startswith(str(NS.coop))}
            assert ours <= declared, f"{name}/{mapping.kind} uses undeclared {sorted(ours - declared)}"
