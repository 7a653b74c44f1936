"""Entity pages for a reader of another language: the type badge and the names of the facts in the reader's
language (the classes' and properties' skos:prefLabels in ontology/coop-labels.ttl), and the IRI and formats
folded at the foot, below the profile."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.resources import ontology_files

COOP = "https://w3id.org/coopkg/ontology#"
ONTOLOGY = Path(__file__).parent.parent / "ontology"
LABELS = Graph().parse(ONTOLOGY / "coop-labels.ttl")
PAGE_LANGUAGES = "bg el es fi fr hu it lt lv nl pt ro sk".split()
#: an entity page of each kind a city official opens, and the class of its badge
PAGES = {
    "practice": ("/id/innocrafts/practice/IC-GP01", "GoodPractice"),
    "organisation": ("/id/innocrafts/organisation/P01", "Organisation"),
    "city": ("/id/city/florence", "City"),
}
MACHINES = '<details class="machines">'


def _label(cls: str, lang: str) -> str:
    """The class's (or property's) English rdfs:label in coop.ttl, or its skos:prefLabel in `lang` in
    coop-labels.ttl."""
    graph, term = (Graph().parse(ONTOLOGY / "coop.ttl"), RDFS.label) if lang == "en" else (LABELS, SKOS.prefLabel)
    labels = [str(o) for o in graph.objects(URIRef(COOP + cls), term) if o.language == lang]
    assert len(labels) == 1, (cls, lang, labels)
    return labels[0]


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def _badges(page: str) -> list[str]:
    return re.findall(r'<span class="badge">([^<]*)</span>', page)


def _fact_names(page: str) -> list[str]:
    """The names of the page's facts and of what refers to it ("All facts")."""
    return re.findall(r"<dt>([^<]*)</dt>", page)


#: properties the practice page has facts of, and the ones the organisation page is referred to by
PRACTICE_FACTS = ("targetGroup", "sector", "evidenceOfSuccess", "startYear", "presentedAt")
REFERRING = ("owner", "sourceOrganisation", "targetOrganisation")


@pytest.mark.parametrize("lang", ["hu", "it"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_type_badge_is_in_the_reader_language(client, kind, lang):
    path, cls = PAGES[kind]
    badges = _badges(_page(client, f"{path}?lang={lang}"))
    assert badges == [_label(cls, lang)]
    assert _label(cls, "en") not in badges


def test_the_badges_read_as_a_city_official_says_them():
    assert _label("GoodPractice", "hu") == "jó gyakorlat" and _label("GoodPractice", "it") == "buona pratica"
    assert _label("City", "hu") == "város" and _label("Organisation", "it") == "organizzazione"


@pytest.mark.parametrize("lang", ["hu", "it", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_iri_and_formats_are_folded_below_the_profile(client, kind, lang):
    path, _ = PAGES[kind]
    page = _page(client, f"{path}?lang={lang}")
    iri = "https://w3id.org/coopkg" + path
    line = f"IRI <code>{iri}</code>"
    assert page.count(line) == 1 and page.count(MACHINES) == 1
    folded = page[page.index(MACHINES) : page.index("</details>", page.index(MACHINES))]
    assert line in folded
    for suffix in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="{path}.{suffix}"' in folded
    # the profile first: the name, the badge, what the page tells a person, then the fold
    assert page.index("<h2>") < page.index('<span class="badge">') < page.index(MACHINES)
    if kind == "practice":
        assert page.index('<section class="template"') < page.index(MACHINES)
    # the machine formats are still announced in the head
    assert page.index(f'<link rel="alternate" type="text/turtle" href="{path}.ttl">') < page.index("</head>")


def test_the_english_page_keeps_its_english_badges_and_facts(client):
    for kind, (path, cls) in PAGES.items():
        for page in (_page(client, f"{path}?lang=en"), _page(client, path)):
            assert _badges(page) == [_label(cls, "en")], kind
            assert "<h3>All facts</h3>" in page and "For machines and other projects" in page


@pytest.mark.parametrize("lang", ["hu", "it"])
def test_the_facts_are_named_in_the_reader_language(client, lang):
    names = _fact_names(_page(client, f"{PAGES['practice'][0]}?lang={lang}"))
    for prop in PRACTICE_FACTS:
        assert _label(prop, lang) in names, prop
        assert _label(prop, "en") not in names, prop
    # what refers to an organisation: "<property> of", in the reader's language too
    names = _fact_names(_page(client, f"{PAGES['organisation'][0]}?lang={lang}"))
    for prop in REFERRING:
        assert any(n.startswith(_label(prop, lang)) for n in names), prop
        assert not any(n.startswith(_label(prop, "en")) for n in names), prop


def test_the_fact_names_read_as_a_city_official_says_them():
    assert _label("targetGroup", "hu") == "célcsoport" and _label("targetGroup", "it") == "gruppo destinatario"
    assert _label("evidenceOfSuccess", "hu") == "a siker bizonyítékai" and _label("startYear", "it") == "anno di inizio"


def test_the_english_page_keeps_its_english_fact_names(client):
    path = PAGES["practice"][0]
    for page in (_page(client, f"{path}?lang=en"), _page(client, path)):
        names = _fact_names(page)
        for prop in PRACTICE_FACTS:
            assert _label(prop, "en") in names and _label(prop, "hu") not in names, prop


def test_every_property_has_one_english_label_and_one_in_each_page_language():
    ontology = Graph()
    for path in ontology_files():
        ontology.parse(path)
    coop = Graph().parse(ONTOLOGY / "coop.ttl")
    properties = {
        s
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in coop.subjects(RDF.type, kind)
        if str(s).startswith(COOP) and coop.value(s, RDFS.label)
    }
    assert len(properties) >= 60
    for prop in properties:
        assert [o.language for o in ontology.objects(prop, RDFS.label)] == ["en"], prop
        assert [o.language for o in coop.objects(prop, SKOS.prefLabel)] == [], prop
        assert sorted(o.language for o in ontology.objects(prop, SKOS.prefLabel)) == PAGE_LANGUAGES, prop
    notes = [str(n) for n in LABELS.objects(URIRef(COOP.rstrip("#")), SKOS.editorialNote)]
    assert any("classes and properties" in n for n in notes)


@pytest.mark.slow
def test_every_class_has_one_english_label_and_one_in_each_page_language():
    """One rdfs:label a class (English, in coop.ttl): a query reading them gets a row a class, as before."""
    ontology = Graph()
    for path in ontology_files():
        ontology.parse(path)
    coop = Graph().parse(ONTOLOGY / "coop.ttl")
    classes = {s for s in coop.subjects(RDF.type, OWL.Class) if str(s).startswith(COOP)}
    assert len(classes) >= 20
    for cls in classes:
        assert [o.language for o in ontology.objects(cls, RDFS.label)] == ["en"], cls
        assert [o.language for o in coop.objects(cls, SKOS.prefLabel)] == [], cls
        assert sorted(o.language for o in ontology.objects(cls, SKOS.prefLabel)) == PAGE_LANGUAGES, cls
    for lang in PAGE_LANGUAGES:  # no two classes share a name in one language
        names = [str(o) for cls in classes for o in LABELS.objects(cls, SKOS.prefLabel) if o.language == lang]
        assert len(names) == len(set(names)), lang
    notes = [str(n) for n in LABELS.objects(URIRef(COOP.rstrip("#")), SKOS.editorialNote)]
    assert any("AI model" in n and "reviewed by no one" in n for n in notes)
