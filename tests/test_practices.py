"""Good practices for partners: similar practices, search by meaning, transfers, recommendations on the
organisation pages, and the catalogue in the good-practice template."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import bundled_rows

from kg.cli import cli
from kg.config import Config
from kg.ingest.loader import build, import_files
from kg.ingest.loader import load as load_files
from kg.practices.similarity import build_index, practice_index
from kg.practices.template import TEMPLATE_FIELDS
from kg.store import open_store

PRACTICE = "https://w3id.org/coopkg/id/innocrafts/practice/"
ORGANISATION = "https://w3id.org/coopkg/id/innocrafts/organisation/"
CORDIS = Path(__file__).parent / "data" / "eu-open-data" / "cordis-h2020-json-edvard-august"


@pytest.fixture(scope="module")
def index(bundled_store):
    store, config = bundled_store
    return practice_index(store, config.ns, config.similarity)


def test_similar_practices_leave_the_practice_itself_out_and_give_a_reason(index):
    result = index.similar("IC-GP04", top=5)
    ids = [m.id for m in result.matches]
    assert len(ids) == 5 and "IC-GP04" not in ids
    # the incubators of Florence and Vaasa are the closest to the French incubator project
    assert {"CC-GP01", "CC-GP09"} <= set(ids[:3])
    assert all(m.why for m in result.matches)
    assert "start-ups" in result.matches[0].why.lower()  # the shared target group, named
    assert [m.score for m in result.matches] == sorted((m.score for m in result.matches), reverse=True)


def test_similar_practices_are_the_same_for_the_same_data(bundled_store, index):
    store, config = bundled_store
    again = build_index(store, config.ns, config.similarity)
    for key in ("IC-GP01", "CC-GP12", "CC-GP09"):
        assert [(m.iri, round(m.score, 6)) for m in again.similar(key).matches] == [
            (m.iri, round(m.score, 6)) for m in index.similar(key).matches
        ]


@pytest.mark.slow
def test_a_practice_with_no_text_gets_a_message_not_an_error(index, runner):
    result = index.similar("CC-GP05")  # "Listed among Florence's CRAFTS CODE good practices. No details retrieved."
    assert result.matches == [] and "no description" in result.message
    assert "CC-GP05" not in {m.id for key in ("CC-GP07", "IC-GP01") for m in index.similar(key, top=40).matches}
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    shown = runner.invoke(cli, ["practices", "similar", "CC-GP05"])
    assert shown.exit_code == 0 and "no description" in shown.output
    unknown = runner.invoke(cli, ["practices", "similar", "NO-SUCH"])
    assert unknown.exit_code == 1 and "no practice has the id" in unknown.output and "Traceback" not in unknown.output


def test_search_by_meaning_finds_a_practice_described_in_other_words(index):
    # none of the query's words is in the voucher scheme's text ("online trading", "small businesses")
    found = [m.id for m in index.search("helping little shops sell over the internet", top=5)]
    assert "CC-GP12" in found
    found = [m.id for m in index.search("teaching children and teenagers traditional handiwork", top=5)]
    assert {"IC-GP02", "CC-GP13"} & set(found)
    assert index.search("   ") == []


def _kept(store, method):
    return sorted((store.content_cache_dir() / "similarity").glob(f"{method}-*.npz"))


@pytest.mark.slow
def test_vectors_are_made_at_build_kept_per_set_of_texts_and_follow_a_load(tmp_path):
    config = Config(store=f"oxigraph:{tmp_path / 'store'}", link_review="none")
    with open_store(config, create=True) as store:
        build(store, config)
        first = store.cache_dir()
        index = practice_index(store, config.ns, config.similarity)
        assert len(_kept(store, config.similarity)) == 1
        before = [m.id for m in index.similar("IC-GP04").matches]
        extra = tmp_path / "more" / "practices.csv"
        extra.parent.mkdir()
        extra.write_text(
            "id,project,title,description,country,themes,target_groups,source_url\n"
            "XX-GP01,innocrafts,Craft start-up incubator of Lyon,"
            '"A business incubator (couveuse) for new craft start-ups: a desk, mentoring and business training '
            'for artisans starting their firms, as the couveuses of the National Institute of Arts and Crafts.",'
            "FR,T4,start-ups,https://example.org/lyon\n",
            encoding="utf-8",
        )
        load_files(store, config, [extra])
        assert store.cache_dir() != first  # a new state of the data
        after = practice_index(store, config.ns, config.similarity)
        assert len(_kept(store, config.similarity)) == 2  # new texts: new vectors, beside the old ones
        assert len(after.practices) == len(index.practices) + 1
        got = [m.id for m in after.similar("IC-GP04").matches]
        assert got[0] == "XX-GP01" and got != before
        # the kept vectors are read back, not made again, and give the same answer
        kept = practice_index(store, config.ns, config.similarity)
        assert [m.id for m in kept.similar("IC-GP04").matches] == got


@pytest.mark.slow
def test_an_import_that_touches_no_practice_computes_no_vectors(tmp_path, monkeypatch):
    from kg.practices.encoders import ENCODERS

    config = Config(store=f"oxigraph:{tmp_path / 'store'}", link_review="none")
    with open_store(config, create=True) as store:
        build(store, config)
        made = practice_index(store, config.ns, config.similarity)
        first = store.cache_dir()
        partner = tmp_path / "more" / "organisations.csv"
        partner.parent.mkdir()
        partner.write_text(
            "id,name,type,country,source_url\nX1,Craft Guild of Lyon,association,FR,https://example.org/guild\n",
            encoding="utf-8",
        )
        load_files(store, config, [partner])
        assert store.cache_dir() != first  # a new state of the data, the same practices

        def refuse(self, corpus):
            raise AssertionError("the practices' vectors were computed again")

        for encoder in ENCODERS.values():
            monkeypatch.setattr(encoder, "fit_encode", refuse)
        kept = practice_index(store, config.ns, config.similarity)
        assert [m.id for m in kept.similar("IC-GP04").matches] == [m.id for m in made.similar("IC-GP04").matches]
        assert len(_kept(store, config.similarity)) == 1


def test_a_method_keeps_only_its_newest_vector_files(tmp_path):
    import kg.practices.similarity as similarity

    folder = tmp_path / "similarity"
    folder.mkdir()
    for k in range(5):
        f = folder / f"tfidf-{k}.npz"
        f.write_bytes(b"x")
        os.utime(f, (1000 + k, 1000 + k))
    (folder / "embedding-9.npz").write_bytes(b"x")
    similarity._prune(folder / "tfidf-4.npz")
    assert sorted(f.name for f in folder.iterdir()) == ["embedding-9.npz", "tfidf-2.npz", "tfidf-3.npz", "tfidf-4.npz"]


@pytest.mark.slow
def test_similarity_needs_no_network(tmp_path):
    """A fresh process with every socket refused makes the vectors and answers (the model is in the wheel)."""
    code = """
import socket
def refuse(*args, **kwargs):
    raise OSError("no network here")
socket.socket.connect = refuse
socket.create_connection = refuse
from kg.config import Config
from kg.ingest.loader import build
from kg.practices.similarity import build_index
from kg.store import open_store
config = Config(store="memory", link_review="none")
store = open_store("memory")
build(store, config)
index = build_index(store, config.ns, "hybrid")
print(index.similar("IC-GP04").matches[0].id, index.search("selling on the internet")[0].id)
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0].startswith(("CC-GP", "IC-GP"))


@pytest.mark.slow
def test_api_similar_and_search(client):
    r = client.get("/api/practices/IC-GP04/similar?top=3")
    assert r.status_code == 200
    assert r.json["practice"]["iri"] == PRACTICE + "IC-GP04"
    assert len(r.json["similar"]) == 3 and all(m["why"] for m in r.json["similar"])
    assert PRACTICE + "IC-GP04" not in {m["iri"] for m in r.json["similar"]}
    assert client.get("/api/practices/CC-GP05/similar").json["message"]
    assert client.get("/api/practices/NO-SUCH/similar").status_code == 404
    assert client.get("/api/practices/IC-GP04/similar?top=0").status_code == 400
    r = client.get("/api/practices/search?q=teaching+children+traditional+handiwork")
    assert r.status_code == 200 and r.json["practices"]
    assert client.get("/api/practices/search").status_code == 400


def test_a_practice_page_shows_similar_practices_its_transfers_and_the_template(client):
    page = client.get("/id/innocrafts/practice/CC-GP10", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Practices like this one" in page and page.count('class="why"') >= 5
    assert "Where it travelled" in page
    # BCDE went into Spain's action plan, and that plan's policy instrument is named
    assert "Spanish CRAFTS CODE action plan" in page and "Spanish Pluriregional Operational Programme" in page
    assert "Action-plan measure" in page and "Interest shown" in page
    assert "/api/practices/CC-GP10/template.xlsx" in page
    quiet = client.get("/id/innocrafts/practice/CC-GP05", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "no description" in quiet and "No transfer of this practice is recorded yet" in quiet


def test_the_transfers_page_filters_by_project_theme_and_country(client):
    every = client.get("/transfers").get_data(as_text=True)
    assert every.count('<figure class="transfer"') == bundled_rows("transfers.csv")
    spain = client.get("/transfers?country=ES").get_data(as_text=True)
    shown = spain.count('<figure class="transfer"')
    assert 0 < shown < bundled_rows("transfers.csv") and "Talleres Abiertos" in spain
    assert "Festival of Folk Arts" not in spain
    theme = client.get("/transfers?theme=https://w3id.org/coopkg/scheme/theme/T1").get_data(as_text=True)
    assert 0 < theme.count('<figure class="transfer"') < bundled_rows("transfers.csv")
    innocrafts = client.get("/transfers?project=https://w3id.org/coopkg/id/project/innocrafts").get_data(as_text=True)
    assert innocrafts.count('<figure class="transfer"') == 1  # TR10, the transferability assessment
    assert "/map?project=" in every


def test_an_organisation_page_and_the_api_recommend_practices_and_partners(client):
    r = client.get("/api/organisations/P09/recommendations")
    assert r.status_code == 200
    assert r.json["practices"] and r.json["partners"]
    assert all(x["why"] for x in r.json["practices"] + r.json["partners"])
    owned = {PRACTICE + "CC-GP09"}  # Muova's own practice is never recommended to it
    assert not owned & {x["iri"] for x in r.json["practices"]}
    page = client.get("/id/innocrafts/organisation/P09", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "What to study next" in page and "Potential new partners" in page
    assert r.json["partners"][0]["label"] in page
    assert client.get("/api/organisations/NO-SUCH/recommendations").status_code == 404


def test_an_organisation_page_shows_its_profile_before_its_recommendations(client):
    """What, where, who and when an organisation is comes first; what it could study and whom it could
    partner with comes after (issue #31)."""
    page = client.get("/id/innocrafts/organisation/P09", headers={"Accept": "text/html"}).get_data(as_text=True)
    profile, recommendations = page.index('<section class="profile"'), page.index('<section class="next"')
    assert profile < recommendations
    headings = [page.index(f"<h2>{h}</h2>", profile) for h in ("What", "Where", "Who", "When")]
    assert headings == sorted(headings) and headings[-1] < recommendations
    facts = page[profile:recommendations]
    assert "University or college" in facts and "(Muova)" in facts  # its type and acronym
    assert 'href="/id/city/vaasa"' in facts and 'href="/id/country/FI"' in facts
    assert 'href="/id/project/innocrafts"' in facts and "CreAction Hub" in facts  # a project, its own practice
    assert 'href="/id/innocrafts/event/E04"' in facts  # the event it hosted


def test_the_reasons_on_the_pages_are_in_the_reader_s_language(client):
    """The reasons come from kg as codes and numbers; the pages say them in the reader's language, the JSON
    answers in English."""
    english = ("shares the theme", "already transferred", "its owner is", "partners (", "closest passage", "shares ")
    page = client.get("/id/innocrafts/organisation/P09?lang=hu").get_data(as_text=True)
    reasons = " ".join(re.findall(r'<span class="why">(.*?)</span>', page))
    assert reasons and not any(e in reasons for e in english), reasons
    assert "közös téma: " in reasons and "már 2 alkalommal átvették" in reasons and "közös partner (" in reasons
    practice = client.get("/id/innocrafts/practice/IC-GP04?lang=bg").get_data(as_text=True)
    reasons = " ".join(re.findall(r'<span class="why">(.*?)</span>', practice))
    assert "най-близък откъс: „" in reasons and not any(e in reasons for e in english), reasons
    answer = client.get("/api/organisations/P09/recommendations?lang=hu").json
    assert any("already transferred" in r["why"] for r in answer["practices"])


@pytest.mark.slow
def test_recommendations_work_on_imported_eu_data(tmp_path):
    """A CORDIS organisation, with no practice of its own, still gets partners through its projects, the
    same as networkx's Adamic-Adar on the same network."""
    import networkx as nx

    from kg.network.build import build_network
    from kg.network.recommend import Network, recommend_partners, recommend_practices
    from kg.store.rows import select_rows

    config = Config(store="memory", link_review="none")
    store = open_store("memory")
    build(store, config)
    import_files(store, config, "cordis", [CORDIS])
    coop = str(config.ns.coop)
    network = Network.read(store, coop)
    graph = build_network(store, coop)
    cordis = [
        r["o"]
        for r in select_rows(
            store,
            config.ns.sparql_prefixes()
            + "SELECT ?o WHERE { ?o a coop:Organisation FILTER NOT EXISTS { ?p coop:owner ?o } "
            "FILTER(STRSTARTS(STR(?o), 'https://w3id.org/coopkg/id/cordis')) }",
        )
    ]
    with_partners = sorted(o for o in cordis if o in graph and graph.degree(o))
    suggested = [o for o in with_partners if recommend_partners(store, coop, o, network=network)]
    assert suggested, "no CORDIS organisation got a partner suggestion"
    for o in suggested[:10]:
        got = recommend_partners(store, coop, o, top=3, network=network)
        assert all(not graph.has_edge(o, r.iri) for r in got)
        expected = dict(((b, s) for _, b, s in nx.adamic_adar_index(graph, [(o, r.iri) for r in got])))
        assert [r.score for r in got] == pytest.approx([expected[r.iri] for r in got], abs=1e-3)
    assert isinstance(recommend_practices(store, coop, suggested[0], network=network), list)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_catalogue_opens_as_a_spreadsheet_with_the_template_fields(client, fmt):
    r = client.get(f"/practices/template.{fmt}")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    columns = [c for c, _ in TEMPLATE_FIELDS]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(r.data), read_only=True).active
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == columns
    assert len(rows) - 1 == bundled_rows("practices.csv")
    fuse = next(dict(zip(columns, row, strict=True)) for row in rows[1:] if row[0].startswith("FUSE"))
    assert fuse["Project acronym"] == "INNOCRAFTS" and fuse["Location: country"] == "Ireland"
    assert fuse["Evidence of success"].startswith("26 craftspeople") and fuse["Funding"] == "EUR 20,000"
    assert fuse["coopkg IRI"] == PRACTICE + "IC-GP01"
    one = client.get(f"/api/practices/IC-GP01/template.{fmt}")
    assert one.status_code == 200 and len(one.data) < len(r.data)


@pytest.mark.slow
def test_kg_practices_export_writes_the_template(runner):
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    out = runner.invoke(cli, ["practices", "export", "IC-GP01"])
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert len(rows) == 1 and rows[0]["Good practice title"].startswith("FUSE")
    written = runner.invoke(cli, ["practices", "export", "-f", "xlsx", "-o", "catalogue.xlsx"])
    assert written.exit_code == 0 and Path("catalogue.xlsx").stat().st_size > 0
    refused = runner.invoke(cli, ["practices", "export", "-f", "xlsx"])
    assert refused.exit_code != 0 and "give -o FILE" in refused.output
    similar = runner.invoke(cli, ["practices", "similar", "IC-GP04", "--top", "2"])
    assert similar.exit_code == 0 and similar.output.count("\n        ") == 2


@pytest.mark.browser
def test_a_partner_learns_from_a_practice_in_the_browser(live, page):
    """In Chromium: a practice page shows similar practices and the transfer diagram; the owner's page
    recommends a partner, whose page opens; a search in plain words finds a practice."""
    page.goto(live.url + "/id/innocrafts/practice/CC-GP10")
    similar = page.locator("section.similar li")
    assert similar.count() == 5 and similar.first.locator(".why").is_visible()
    diagram = page.locator("section.travelled figure.transfer").first
    assert diagram.is_visible() and diagram.locator(".stage").count() == 3
    assert diagram.locator(".arrow").first.is_visible()
    box = [s.bounding_box() for s in diagram.locator(".stage").all()]
    assert box[0]["x"] < box[1]["x"] < box[2]["x"]  # the stages read left to right on a wide screen
    page.locator("section.template a", has_text="Crafts Council of Ireland").first.click()
    page.wait_for_url("**/organisation/P13")
    partner = page.locator("section.next ol").nth(1).locator("a").first
    name = partner.inner_text()
    partner.click()
    page.wait_for_load_state()
    assert page.locator("h2").first.inner_text() == name
    page.goto(live.url + "/")
    page.fill("header input[name=q]", "helping little shops sell over the internet")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    meaning = page.locator("section.meaning li a")
    assert "Trading Online Voucher Scheme" in meaning.all_inner_texts()
    page.emulate_media(media="print")
    page.goto(live.url + "/id/innocrafts/practice/CC-GP10")
    assert (
        not any(nav.is_visible() for nav in page.locator("header nav").all())
        and page.locator("section.template").is_visible()
    )
    page.emulate_media(media="screen")


@pytest.mark.slow
def test_a_missing_model_leaves_the_build_working_and_says_why(runner, monkeypatch):
    import kg.practices.encoders as encoders
    from kg.errors import KGError

    def missing():
        raise KGError("the embedding model is not installed")

    monkeypatch.setattr(encoders, "_wordllama", missing)
    result = runner.invoke(cli, ["build", "-q"])
    assert result.exit_code == 0 and "SHACL: the data conforms" in result.output
    assert "practice similarity: not prepared: the embedding model is not installed" in result.stderr
    tfidf = runner.invoke(cli, ["practices", "similar", "IC-GP04"], env={"KG_SIMILARITY": "tfidf"})
    assert tfidf.exit_code == 0 and "CC-GP01" in tfidf.output  # the baseline needs no model
    broken = runner.invoke(cli, ["practices", "similar", "IC-GP04"])
    assert broken.exit_code == 1 and "not installed" in broken.output and "Traceback" not in broken.output


@pytest.mark.parametrize("method", ["hybrid", "tfidf", "embedding"])
@pytest.mark.parametrize("texts", [[], ["the and of"], ["", ""]], ids=["no practices", "stop words", "empty"])
def test_a_catalogue_with_nothing_to_compare_answers_empty(method, texts):
    from kg.practices.encoders import encoder_for
    from kg.practices.similarity import SimilarityIndex
    from kg.practices.text import Practice

    practices = [
        Practice(f"urn:p{i}", f"P{i}", f"P{i}", {"title": f"P{i}", "description": t}) for i, t in enumerate(texts)
    ]
    index = SimilarityIndex(practices, encoder_for(method))
    if not texts or method == "tfidf":  # nothing, or no word TF-IDF can weigh: no hit, and no error
        assert index.search("craft incubator") == []
    for p in practices:
        assert isinstance(index.similar(p.iri).matches, list)


def test_an_id_that_two_practices_share_asks_for_the_iri():
    from kg.errors import AmbiguousId, NotFound
    from kg.practices.text import Practice, resolve_practice

    twins = [Practice("urn:a/GP1", "GP1"), Practice("urn:b/GP1", "GP1")]
    assert resolve_practice(twins, "urn:b/GP1").iri == "urn:b/GP1"
    with pytest.raises(AmbiguousId, match="give the IRI"):
        resolve_practice(twins, "GP1")
    with pytest.raises(NotFound):
        resolve_practice(twins, "GP2")


def test_the_compared_fields_are_the_templates_sections():
    from kg.namespaces import PRACTICE_SECTIONS
    from kg.practices.text import FIELDS

    assert [f for f in FIELDS if f != "title"] == [s.split(":")[1] for s in PRACTICE_SECTIONS]


def test_the_practices_index_lists_complete_records_first_and_marks_stubs(served_config):
    from kg.namespaces import FILLER_PATTERN
    from kg.publish.describe import StoreReader, list_entities
    from kg.resources import resource_dir

    with open_store(served_config, read_only=True) as store:
        page = list_entities(StoreReader(store), served_config.ns, "practices", limit=500)
    filled = [int(r["filled"]) for r in page.rows]
    assert filled == sorted(filled, reverse=True) and filled[0] >= 2
    by_label = {r["label"]: int(r["filled"]) for r in page.rows}
    # a practice known only by name ("No further details retrieved") has nothing filled; a described one has
    with (resource_dir("data") / "innocrafts" / "practices.csv").open(newline="", encoding="utf-8") as f:
        practices = list(csv.DictReader(f))
    others = ("resources_needed", "evidence_of_success", "potential_for_transfer", "difficulties_encountered")
    stubs = [
        r
        for r in practices
        if not re.sub(FILLER_PATTERN, "", r["description"], flags=re.I).strip() and not any(r[c] for c in others)
    ]
    assert stubs and all(by_label[r["title"]] == 0 for r in stubs)
    assert by_label["FUSE (Crafts Council of Ireland design & innovation programme)"] >= 1


def test_the_practices_page_says_how_it_is_ordered_and_marks_the_names_only(client):
    html = client.get("/practices").get_data(as_text=True)
    assert "most complete records come first" in html
    row = html[html.index(">Tuscan Collections</a>") :].split("</td>", 1)[0]
    assert "name only" in row
    assert "name only" not in html[html.index(">FUSE (Crafts Council") :].split("</td>", 1)[0]
    italian = client.get("/practices?lang=it").get_data(as_text=True)
    assert "solo il nome" in italian and "name only" not in italian


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 cut short", b"not a zip at all"])
def test_a_damaged_vector_file_is_made_again_not_an_error(tmp_path, damage):
    from kg.practices.encoders import encoder_for
    from kg.practices.similarity import SimilarityIndex

    kept = tmp_path / "tfidf-abc.npz"
    kept.write_bytes(damage)
    assert SimilarityIndex.load(kept, [], encoder_for("tfidf")) is None
    assert not kept.exists()  # gone, so the next request writes a good one


def test_the_vectors_key_follows_every_field_not_only_the_joined_text():
    from kg.practices.similarity import _digest
    from kg.practices.text import Practice

    split = Practice("x", texts={"title": "Craft hubs", "description": "Makers share."})
    joined = Practice("x", texts={"title": "Craft hubs\nMakers share."})
    assert split.body == joined.body and _digest([split]) != _digest([joined])


class _Forms(HTMLParser):
    """The forms of a page: each one's action and its selects' names and option values; and every link."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "selects": {}})
        elif tag == "select" and self.forms:
            self._select = a["name"]
            self.forms[-1]["selects"][self._select] = []
        elif tag == "option" and self._select and a.get("value"):
            self.forms[-1]["selects"][self._select].append(a["value"])
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


@pytest.mark.parametrize("lang", ["en", "hu"])
def test_the_home_page_offers_three_ways_in_that_lead_to_practices(client, lang):
    """By theme and by country (forms that list practices), and the map; the machine links come last."""
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    page = _Forms()
    page.feed(html)
    ways = {name: form for form in page.forms for name in form["selects"] if form["action"] == "/practices"}
    assert set(ways) == {"theme", "country"} and "/map" in page.links
    for name, form in ways.items():
        values = form["selects"][name]
        assert values, name
        listed = client.get("/practices", query_string={name: values[0], "lang": lang}).get_data(as_text=True)
        assert listed.count('<td><a href="') >= 1, (name, values[0])  # the choice finds practices
    assert html.index('class="ways-in"') < html.index('class="for-machines"')
    assert html.index("text/turtle") > html.index('class="for-machines"')  # RDF words at the foot
