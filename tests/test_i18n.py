"""The interface in the reader's language (api.i18n): the choice of the language, the headers that keep
caches honest, and checks over every catalogue the switch offers and every template."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.i18n import DEFAULT, TRANSLATIONS, complete, read_catalogue

TEMPLATE = read_catalogue(TRANSLATIONS / "messages.pot")
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
TEMPLATES = sorted((Path(__file__).parent.parent / "api" / "templates").glob("*.html"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


class _Page(HTMLParser):
    """The `lang` of <html>, the hreflang alternates and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.alternates: dict[str, str] = {}
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.alternates[a["hreflang"]] = a["href"]
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _page(response) -> _Page:
    parsed = _Page()
    parsed.feed(response.get_data(as_text=True))
    return parsed


def test_lang_in_the_address_gives_italian(client):
    response = client.get("/?lang=it")
    page = _page(response)
    assert response.status_code == 200 and page.lang == "it"
    text = " ".join(page.text)
    assert "Un grafo aperto della conoscenza sui progetti di cooperazione europea" in text
    assert "An open knowledge graph" not in text


@pytest.mark.parametrize("spelling", ["IT", "it-IT", "it_IT", "it-CH", "It-it"])
def test_lang_in_the_address_is_matched_as_accept_language_is(client, spelling):
    response = client.get(f"/?lang={spelling}")
    assert response.status_code == 200 and _page(response).lang == "it"
    assert "lang=it;" in response.headers.get("Set-Cookie", "")  # the cookie holds the offered code


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asked=st.text(max_size=60))
def test_any_lang_value_gives_a_page(client, asked):
    response = client.get("/practices", query_string={"lang": asked})
    assert response.status_code == 200 and _page(response).lang in {DEFAULT, *(p.parts[-3] for p in CATALOGUES)}


def test_accept_language_gives_french(client):
    response = client.get("/practices", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    page = _page(response)
    assert page.lang == "fr"
    assert "Bonnes pratiques" in " ".join(page.text)


def test_english_by_default_and_for_a_language_not_offered(client):
    for headers in ({}, {"Accept-Language": "xx, zz;q=0.8"}):
        assert _page(client.get("/", headers=headers)).lang == DEFAULT
    response = client.get("/?lang=xx", headers={"Accept-Language": "xx"})
    assert response.status_code == 200 and _page(response).lang == "en"
    assert "Set-Cookie" not in response.headers


def test_the_switch_remembers_the_language_over_accept_language(client):
    home = _page(client.get("/", headers={"Accept-Language": "fr"}))
    assert home.lang == "fr"
    chosen = client.get("/?lang=it", headers={"Accept-Language": "fr"})
    assert "lang=it" in chosen.headers["Set-Cookie"] and "SameSite=Lax" in chosen.headers["Set-Cookie"]
    assert "public" not in chosen.headers.get("Cache-Control", "")  # one reader's answer: no shared cache
    later = client.get("/practices", headers={"Accept-Language": "fr"})
    assert _page(later).lang == "it" and "Buone pratiche" in " ".join(_page(later).text)


def test_the_switch_links_to_every_offered_language(client):
    body = client.get("/practices?page=1").get_data(as_text=True)
    assert 'nav class="languages"' in body
    for name in ("English", "Italiano", "Français"):
        assert name in body
    assert "/practices?page=1&amp;lang=it" in body


@pytest.mark.slow
def test_hreflang_alternates_on_every_page(client):
    for path in ("/", "/practices", "/id/innocrafts/practice/CC-GP05", "/search?q=craft", "/no-such-page"):
        alternates = _page(client.get(path, headers={"Accept": "text/html"})).alternates
        assert {"en", "it", "fr", "x-default"} <= set(alternates), path
        assert alternates["it"].startswith("/") and alternates["it"].endswith("lang=it")  # no client-named host
        assert "lang=" not in alternates["x-default"]


def test_pages_vary_with_the_language(client):
    response = client.get("/practices")
    vary = {v.strip().lower() for v in response.headers["Vary"].split(",")}
    assert {"accept", "accept-language", "cookie"} <= vary


def test_two_languages_never_share_a_cached_page(client):
    italian = client.get("/", headers={"Accept-Language": "it"})
    french = client.get("/", headers={"Accept-Language": "fr"})
    tag_it, tag_fr = italian.headers.get("ETag"), french.headers.get("ETag")
    if tag_it is None:
        pytest.skip("this store names no version, so its pages carry no ETag")
    assert tag_it != tag_fr
    # a cache holding the Italian page asks whether it still serves a French reader: it does not
    again = client.get("/", headers={"Accept-Language": "fr", "If-None-Match": tag_it})
    assert again.status_code == 200 and _page(again).lang == "fr"
    same = client.get("/", headers={"Accept-Language": "it", "If-None-Match": tag_it})
    assert same.status_code == 304 and "accept-language" in same.headers["Vary"].lower()


def test_the_switch_offers_only_complete_catalogues(app):
    offered = app.extensions["coopkg_languages"].offered
    found = {po.parent.parent.name for po in CATALOGUES}
    assert set(offered) - {DEFAULT} <= found
    for po in CATALOGUES:
        lang = po.parent.parent.name
        assert (lang in offered) == complete(read_catalogue(po, lang), TEMPLATE), lang


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(text: str) -> list[str]:
    parser = _Tags()
    parser.feed(text)
    return sorted(parser.tags)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_with_its_placeholders_and_markup(po):
    lang = po.parent.parent.name
    catalogue = read_catalogue(po, lang)
    for message in TEMPLATE:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        assert translated is not None, f"{lang}: no entry for {message.id!r}"
        assert not translated.fuzzy, f"{lang}: fuzzy {message.id!r}"
        names = {n for i in _ids(message) for n in PLACEHOLDER.findall(i)}
        for string in _strings(translated):
            assert string.strip(), f"{lang}: empty translation of {message.id!r}"
            assert set(PLACEHOLDER.findall(string)) == names, f"{lang}: placeholders of {message.id!r}"
            assert _tags(string) == _tags(_ids(message)[0]), f"{lang}: markup of {message.id!r}"


#: Words a template may show untranslated: names of formats, standards, sites and files, the same in every
#: language.
NAMES = {"SPARQL", "IRI", "PNG", "SVG", "CSV", "XLSX", "Wikidata", "GeoNames", "CORDIS", "DOI", "coopkg", "SHA256SUMS"}


class _Visible(HTMLParser):
    """The text a person reads in a template with its Jinja parts taken out: text nodes and the attributes
    that browsers show or read aloud."""

    SHOWN = {"title", "alt", "placeholder", "aria-label", "label"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def _add(self, text: str) -> None:
        self.words += [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]+", text) if w not in NAMES]

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1
        for name, value in attrs:
            if name in self.SHOWN and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._add(data)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_show_no_english_outside_gettext(app, template):
    """Jinja's own lexer separates the template's literal HTML from its tags and expressions (where the
    `_()` calls are); an HTML parser then reads what a person would see of that literal HTML."""
    tokens = app.jinja_env.lex(template.read_text(encoding="utf-8"))
    literal = "".join(value if kind == "data" else " " for _, kind, value in tokens)
    visible = _Visible()
    visible.feed(literal)
    assert visible.words == [], f"{template.name}: words outside _(): {visible.words}"


def test_the_message_template_holds_every_message_of_the_templates():
    """messages.pot is extracted again after a template changes (docs/how-to/translations.md says how): a
    message added to a template but not to the .pot would never be translated, and one left in the .pot is work
    for nothing."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(__file__).parent.parent
    with (root / "api" / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}  # the words kg.publish marks for the pages (-k N_)
    found = set()
    for folder in (root / "api", root / "kg" / "publish"):  # the folders the manual's extract command reads
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map, options_map, keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    kept = {m.id if isinstance(m.id, str) else m.id[0] for m in TEMPLATE if m.id}
    gone = sorted(kept - found)
    assert found == kept, f"run pybabel extract (the translations guide): new {sorted(found - kept)}, gone {gone}"


def test_no_link_carries_the_host_the_client_named(client):
    html = client.get("/practices", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in html
    assert 'hreflang="it" href="/practices?lang=it"' in html


def test_compiled_catalogues_are_made_again_when_a_cleaner_took_them(tmp_path, monkeypatch):
    import shutil

    import api.i18n as i18n

    monkeypatch.setattr(i18n.tempfile, "tempdir", str(tmp_path))
    first = i18n._compile(TRANSLATIONS)
    assert "it" in first.offered and (first.directory / "it" / "LC_MESSAGES" / "messages.mo").is_file()
    shutil.rmtree(first.directory / "it")
    again = i18n._compile(TRANSLATIONS)
    assert again.directory == first.directory and (again.directory / "it" / "LC_MESSAGES" / "messages.mo").is_file()
    # a file where the shared folder should be (another user's doing) costs a private folder, not the start
    shutil.rmtree(tmp_path / f"coopkg-translations-{os.getuid()}")
    (tmp_path / f"coopkg-translations-{os.getuid()}").write_text("not a folder")
    private = i18n._compile(TRANSLATIONS)
    assert (private.directory / "it" / "LC_MESSAGES" / "messages.mo").is_file()
