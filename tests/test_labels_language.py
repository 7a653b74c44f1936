"""The data's labels in the reader's language: countries named from pycountry's translations, the
vocabularies' concepts in the pages' languages, and the pages choosing the reader's language, else English,
else untagged, else any (one label per thing)."""

from __future__ import annotations

import gettext
import html
from html.parser import HTMLParser
from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.publish.describe import StoreReader, best_label, describe, list_entities, practice_filters

ID = "https://w3id.org/coopkg/id/"
SCHEME = "https://w3id.org/coopkg/scheme/"
#: IC-GP02, Bottega Scuola: a practice in Florence, Italy, on theme T4, for young people
PRACTICE = "/id/innocrafts/practice/IC-GP02"
VOCABULARIES = Graph().parse(Path(__file__).parent.parent / "ontology" / "vocabularies.ttl")
URBACT_THEMES = Graph().parse(Path(__file__).parent.parent / "ontology" / "urbact-themes.ttl")
#: an URBACT practice (Bucharest's public utility park) and one of its themes
URBACT_PRACTICE = "/id/urbact/practice/41"
PAGE_LANGUAGES = "bg el es fi fr hu it lt lv nl pt ro sk".split()


def _country(name: str, lang: str) -> str:
    """A country's name in `lang` from pycountry's catalogue (the source of the reference data)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext(name)


def _concept(path: str, lang: str) -> str:
    labels = [str(o) for o in VOCABULARIES.objects(URIRef(SCHEME + path), SKOS.prefLabel) if o.language == lang]
    assert len(labels) == 1, (path, lang, labels)
    return labels[0]


def _urbact_theme(name: str, lang: str) -> str:
    theme = URIRef(SCHEME + "urbact-theme/" + name)
    labels = [str(o) for o in URBACT_THEMES.objects(theme, SKOS.prefLabel) if o.language == lang]
    assert len(labels) == 1, (name, lang, labels)
    return labels[0]


class _Page(HTMLParser):
    """A page's option texts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.options: list[str] = []
        self._in_option = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option":
            self._in_option, self.options = True, [*self.options, ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._in_option = False

    def handle_data(self, data: str) -> None:
        if self._in_option:
            self.options[-1] += data


def _options(page: str) -> list[str]:
    return _Page(page).options


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["hu", "it"])
def test_practice_page_shows_country_and_themes_in_the_reader_language(client, lang):
    page = _text(client.get(f"{PRACTICE}?lang={lang}"))
    assert _country("Italy", lang) in page
    assert _country("Italy", lang) != "Italy"
    for concept in ("theme/T4", "sector/crafts-general", "target-group/young-people"):
        assert _concept(concept, lang) in page
    assert "Entrepreneurship of target groups" not in page.split("<details")[0]  # the profile: no English


def test_english_page_is_unchanged(client):
    for request in ({"path": f"{PRACTICE}?lang=en"}, {"path": PRACTICE, "headers": {"Accept-Language": "en"}}):
        page = _text(client.get(request["path"], headers=request.get("headers", {})))
        assert "Italy" in page and "Entrepreneurship of target groups" in page
        assert _country("Italy", "hu") not in page and _concept("theme/T4", "hu") not in page


def test_accept_language_picks_the_labels_too(client):
    page = _text(client.get(PRACTICE, headers={"Accept-Language": "hu"}))
    assert _country("Italy", "hu") in page


def test_a_thing_without_a_label_in_the_language_falls_back_to_english(client):
    # Kosovo is not in ISO 3166-1: pycountry has no names for it, so it keeps its English label
    page = _text(client.get("/id/country/XK?lang=hu"))
    assert "<title>Kosovo" in page or "<h1>Kosovo" in page or ">Kosovo<" in page


def test_index_and_filters_show_labels_in_the_reader_language(client):
    page = _text(client.get("/practices?lang=hu"))
    assert _country("Italy", "hu") in page and _concept("theme/T4", "hu") in page
    english = _text(client.get("/practices?lang=en"))
    assert "Entrepreneurship of target groups" in english and _concept("theme/T4", "hu") not in english


def test_label_choice_in_the_publishing_layer(bundled_store):
    store, config = bundled_store
    reader, ns = StoreReader(store), config.ns
    italy = ID + "country/IT"
    assert describe(reader, ns, italy, "hu").label == _country("Italy", "hu")
    assert describe(reader, ns, italy).label == "Italy"
    # a language the data has no labels in: English
    assert describe(reader, ns, italy, "de").label == "Italy"
    # one label per thing, in the reader's language
    rows = list_entities(reader, ns, "practices", lang="it").rows
    assert _country("Italy", "it") in {r["country"] for r in rows}
    options = practice_filters(reader, ns, "fi")["theme"]
    assert len({iri for iri, _, _ in options}) == len(options)
    assert _concept("theme/T4", "fi") in {label for _, label, _ in options}
    # anything that is not a language tag is read as English (the language is written into the query)
    assert '"en"' in best_label("?l", 'hu") } DROP ALL #')


def test_labels_are_in_the_data(bundled_store):
    store, _ = bundled_store
    query = f"SELECT ?l WHERE {{ <{ID}country/IT> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    labels = {r["l"].get("xml:lang", ""): r["l"]["value"] for r in StoreReader(store).select(query)}
    assert set(labels) == {"en", *PAGE_LANGUAGES}
    assert labels["hu"] == _country("Italy", "hu")
    for scheme in ("theme", "sector", "target-group", "organisation-type", "project-role"):
        concepts = list(VOCABULARIES.subjects(SKOS.inScheme, URIRef(SCHEME + scheme)))
        assert concepts
        for concept in concepts:
            langs = {o.language for o in VOCABULARIES.objects(concept, SKOS.prefLabel)}
            assert langs == {"en", *PAGE_LANGUAGES}, concept
        notes = [str(n) for n in VOCABULARIES.objects(URIRef(SCHEME + scheme), SKOS.editorialNote)]
        assert any("AI model" in n and "reviewed by no one" in n for n in notes)
    assert Literal("Lead partner", lang="en") in set(
        VOCABULARIES.objects(URIRef(SCHEME + "project-role/lead-partner"), SKOS.prefLabel)
    )


@pytest.mark.parametrize("lang", ["hu", "it"])
def test_urbact_themes_are_in_the_reader_language(default_client, lang):
    for path in ("/practices", "/"):  # the theme filter of the practices list and of the home page
        options = _options(_text(default_client.get(f"{path}?lang={lang}")))
        assert _urbact_theme("circular-economy", lang) in options, path
        assert "Circular economy" not in options and "Climate adaptation" not in options, path
    page = _text(default_client.get(f"{URBACT_PRACTICE}?lang={lang}"))
    assert _urbact_theme("climate-adaptation", lang) in page
    # the similar practices' reasons too: kg gives them the English names, the page says them in its language
    assert "Climate adaptation" not in page and "shares" not in page


def test_urbact_themes_stay_english_on_the_english_pages(default_client):
    options = _options(_text(default_client.get("/practices?lang=en")))
    assert "Circular economy" in options and _urbact_theme("circular-economy", "hu") not in options
    page = _text(default_client.get(URBACT_PRACTICE))
    assert "Climate adaptation" in page and _urbact_theme("climate-adaptation", "hu") not in page


def test_urbact_themes_have_a_label_in_each_page_language():
    scheme = URIRef(SCHEME + "urbact-theme")
    concepts = list(URBACT_THEMES.subjects(SKOS.inScheme, scheme))
    assert len(concepts) == 68
    assert _urbact_theme("integrated-urban-development", "hu") == "Integrált városfejlesztés"
    english: dict[str, URIRef] = {}  # what the import looks a cell up by: notation, English and other labels
    for concept in concepts:
        langs = sorted(o.language for o in URBACT_THEMES.objects(concept, SKOS.prefLabel))
        assert langs == sorted(["en", *PAGE_LANGUAGES]), concept
        for o in (*URBACT_THEMES.objects(concept, SKOS.notation), *URBACT_THEMES.objects(concept, SKOS.altLabel)):
            english[str(o).casefold()] = concept
        english.update(
            {str(o).casefold(): concept for o in URBACT_THEMES.objects(concept, SKOS.prefLabel) if o.language == "en"}
        )
    # a translation never names another theme as URBACT's files write it (the concept index ignores language)
    for concept in concepts:
        for label in URBACT_THEMES.objects(concept, SKOS.prefLabel):
            assert english.get(str(label).casefold(), concept) == concept, (concept, label)
    notes = [str(n) for n in URBACT_THEMES.objects(scheme, SKOS.editorialNote)]
    assert any("AI model" in n and "reviewed by no one" in n for n in notes)
