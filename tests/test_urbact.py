"""URBACT's good practices, networks and memberships: imported as published, one city per GeoNames id
across sources, city and project pages, and the transfer networks linked to the practices they moved.

The files are the real ones, bundled unmodified in data/urbact/ (their README gives the source and sha256).
"""

from __future__ import annotations

import csv
import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import INNOCRAFTS, crawl

from kg.cli import cli
from kg.config import Config
from kg.ingest.loader import build
from kg.ingest.sources import sniff_delimiter
from kg.link.transfers import link_transfers
from kg.namespaces import Namespaces
from kg.resources import resource_dir
from kg.store import open_store
from kg.store.rows import select_rows

URBACT = resource_dir("data") / "urbact"
PRACTICES, NETWORKS, MEMBERS = (
    URBACT / "GoodPracticesURBACT_Corpus.csv",
    URBACT / "UrbactNetworks_complete_V2.csv",
    URBACT / "URBACT_Membership_GNidCorr_complete_V2.csv",
)
GOLD = Path(__file__).parents[1] / "bench" / "data" / "urbact-transfers-gold.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        delimiter = sniff_delimiter(f.readline())
        f.seek(0)
        return list(csv.DictReader(f, delimiter=delimiter))


def _select(store, query: str) -> list[dict[str, str]]:
    return select_rows(store, Namespaces().sparql_prefixes() + query)


def _count(store, pattern: str) -> int:
    return int(_select(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }}")[0]["n"])


def test_the_bundled_files_are_the_published_bytes():
    readme = (URBACT / "README.md").read_text(encoding="utf-8")
    for path in (PRACTICES, NETWORKS, MEMBERS):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """`kg import -m urbact` of the three files as published, into a store of the INNOCRAFTS data."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("urbact-import")
    location = f"oxigraph:{folder / 'store'}"
    with open_store(location, create=True) as store:
        build(store, Config(store=location), INNOCRAFTS)
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            location,
            "import",
            "-m",
            "urbact",
            str(NETWORKS),
            str(MEMBERS),
            str(PRACTICES),
            "--report",
            str(folder / "report"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    store = open_store(location)
    yield store, result.output, json.loads((folder / "report.json").read_text(encoding="utf-8"))
    store.close()


@pytest.mark.slow
def test_every_practice_network_and_membership_is_in(imported):
    store, _, _ = imported
    urbact = "dcterms:source <https://urbact.eu/>"
    assert _count(store, f"?s a coop:GoodPractice ; {urbact}") == len(_rows(PRACTICES))
    assert _count(store, f"?s a coop:CityNetwork ; {urbact}") == len(_rows(NETWORKS))
    assert _count(store, f"?s a coop:Participation ; {urbact}") == len(_rows(MEMBERS))


@pytest.mark.slow
def test_the_report_accounts_for_every_row_of_every_file(imported):
    _, output, report = imported
    files = report["files"]
    assert files, output
    rows = {p.name: len(_rows(p)) for p in (PRACTICES, NETWORKS, MEMBERS)}
    for f in files:
        name = next(n for n in rows if n in f["file"])
        assert f["rows_read"] == rows[name], f
        assert f["rows_loaded"] + f["rows_dropped"] + f["rows_skipped"] == f["rows_read"], f


@pytest.mark.slow
def test_free_text_ends_budgets_and_placeholders_are_reported_not_silent(imported):
    _, _, report = imported
    issues = report["issues"]
    by_column = {(i["column"], i["value"]) for i in issues}
    ends = {r["End"] for r in _rows(PRACTICES)}
    for end in ("Ongoing", "Annual", "not available"):
        assert end in ends and any(c == "End" and v == end for c, v in by_column), end
    assert any(c == "Budget" and v == "NA" for c, v in by_column)
    assert any(i["category"] == "decimal-comma" for i in issues)
    assert any(i["action"] == "column left out" and i["column"] == "AllText" for i in issues)


@pytest.mark.slow
def test_a_practice_keeps_its_sections_its_themes_and_its_free_end(imported):
    store, _, _ = imported
    row = next(r for r in _rows(PRACTICES) if r["End"].startswith("ended in"))
    found = _select(
        store,
        f"""SELECT ?solution ?end ?year ?theme WHERE {{ ?p dcterms:identifier "{row["CodePractices"]}" ;
            a coop:GoodPractice ; coop:solution ?solution ; coop:endDescription ?end ; coop:endYear ?year ;
            coop:theme ?theme }}""",
    )
    assert found
    assert found[0]["solution"] == row["Solution"].strip()
    assert found[0]["end"] == row["End"].strip() and found[0]["year"] == row["End"].split()[-1]
    first_theme = row["Kwords"].strip().splitlines()[0].strip()
    themes = _select(
        store,
        f"""SELECT ?label WHERE {{ ?p dcterms:identifier "{row["CodePractices"]}" ; a coop:GoodPractice ;
            coop:theme/skos:prefLabel ?label }}""",
    )
    assert first_theme.casefold() in {t["label"].casefold() for t in themes}


@pytest.mark.slow
def test_city_iris_are_one_per_geonames_id_across_sources(default_store):
    store, _ = default_store
    doubled = _select(
        store,
        """SELECT ?gn (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a coop:City ; owl:sameAs ?gn
           FILTER(STRSTARTS(STR(?gn), "https://sws.geonames.org/")) } GROUP BY ?gn HAVING (COUNT(DISTINCT ?c) > 1)""",
    )
    assert doubled == []
    ids = {r["geonameId"] for r in _rows(MEMBERS) if r["geonameId"].isdigit()}
    found = {
        r["gn"].rstrip("/").rsplit("/", 1)[-1]
        for r in _select(store, "SELECT ?gn WHERE { ?c a coop:City ; owl:sameAs ?gn }")
    }
    assert ids <= found
    # the bundled city keeps its IRI, and URBACT's spelling of it is an alternative name
    florence = _select(store, "SELECT ?c WHERE { ?c owl:sameAs <https://sws.geonames.org/3176959/> }")
    assert [r["c"] for r in florence] == ["https://w3id.org/coopkg/id/city/florence"]


@pytest.mark.slow
def test_a_district_is_its_own_municipality_in_its_city(default_store):
    store, _ = default_store
    rows = _select(
        store,
        """SELECT ?m ?label ?canonical WHERE { ?m a coop:Organisation ; rdfs:label ?label ;
           coop:city <https://w3id.org/coopkg/id/city/3054643> OPTIONAL { ?m coop:canonical ?canonical } }""",
    )
    if not rows:  # Budapest is a bundled city: its IRI is the bundled one
        rows = _select(
            store,
            """SELECT ?m ?label ?canonical WHERE { ?m a coop:Organisation ; rdfs:label ?label ;
               coop:city <https://w3id.org/coopkg/id/city/budapest> OPTIONAL { ?m coop:canonical ?canonical } }""",
        )
    by_label = {r["label"]: r for r in rows}
    assert "Municipality of Újbuda" in by_label and "Municipality of Budapest" in by_label
    one = by_label["Municipality of Újbuda"]["canonical"] or by_label["Municipality of Újbuda"]["m"]
    other = by_label["Municipality of Budapest"]["canonical"] or by_label["Municipality of Budapest"]["m"]
    assert one != other


@pytest.mark.slow
def test_the_bundled_municipality_and_urbacts_are_one_organisation_with_evidence(default_store):
    store, _ = default_store
    links = _select(
        store,
        """SELECT ?left ?right ?evidence WHERE { ?s rdf:subject ?left ; rdf:object ?right ;
           coop:linkMethod "municipality of one city" ; coop:linkEvidence ?evidence }""",
    )
    pairs = {frozenset((r["left"], r["right"])) for r in links}
    florence = "https://w3id.org/coopkg/id/innocrafts/organisation/P01"
    assert any(florence in pair and any("/urbact/municipality/3176959/" in x for x in pair) for pair in pairs)
    assert all("Florence" not in r["evidence"] or "Firenze" in r["evidence"] for r in links)


@pytest.mark.slow
def test_florences_page_shows_innocrafts_and_its_urbact_networks(default_client):
    page = default_client.get("/id/city/florence", headers={"Accept": "text/html"}).get_data(as_text=True)
    codes = {r["Code_Network"] for r in _rows(MEMBERS) if r["geonameId"] == "3176959"}
    names = {r["Name"].strip() for r in _rows(NETWORKS) if r["Code_Network"] in codes}
    assert len(names) == 3
    for name in names:
        assert name in page
    assert "INNOvating entrepreneurship policies in the CRAFTS sector" in page
    assert "URBACT" in page and "INTERREG IVC" in page


def _listed(client, **filters) -> set[str]:
    """The ids of the practices the practices index lists with these filters (every page's JSON)."""
    ids, url, query = set(), "/practices.json", filters
    while url:
        page = client.get(url, query_string=query).get_json()
        ids |= {r["iri"].rsplit("/", 1)[-1] for r in page["rows"]}
        url, query = page["next"], None
    return ids


@pytest.mark.slow
def test_the_practice_index_filters_by_either_programmes_themes_through_the_crosswalk(default_client):
    economy, t2 = "https://w3id.org/coopkg/scheme/urbact-theme/economy", "https://w3id.org/coopkg/scheme/theme/T2"
    tagged_economy = {r["CodePractices"] for r in _rows(PRACTICES) if "Economy" in r["Kwords"].split("\n")}
    by_economy, by_t2 = _listed(default_client, theme=economy), _listed(default_client, theme=t2)
    # URBACT's Economy is broader than INNOCRAFTS' access to innovation: its practices come too
    assert "IC-GP01" in by_economy and tagged_economy <= by_economy
    # ... but not the other way round: a practice about the economy is not thereby about design funding
    assert "IC-GP01" in by_t2 and not by_t2 & tagged_economy
    page = default_client.get("/practices", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<optgroup label="URBACT themes">' in page and '<optgroup label="INNOCRAFTS exchange themes">' in page


@pytest.mark.slow
def test_recommendations_share_themes_across_programmes_and_say_so(default_store):
    from kg.network.recommend import recommend_practices

    store, config = default_store
    owner = "https://w3id.org/coopkg/id/innocrafts/organisation/P13"  # owns IC-GP01, an INNOCRAFTS T2 practice
    found = recommend_practices(store, str(config.ns.coop), owner, top=500)
    urbact = [r for r in found if "/urbact/practice/" in r.iri]
    assert urbact, "no URBACT practice is recommended to an INNOCRAFTS partner"
    crossed = [r for r in urbact if "by the crosswalk" in r.why]
    themes = "SELECT ?l WHERE { ?t skos:inScheme coops:theme ; skos:prefLabel ?l }"
    innocrafts = {r["l"] for r in _select(store, themes)}
    assert crossed and all(any(label in r.why for label in innocrafts) for r in crossed)


@pytest.mark.slow
def test_a_network_page_lists_its_partners_by_name_and_role_and_credits_urbact(default_client):
    row = next(r for r in _rows(NETWORKS) if r["Type"] == "Transfer")
    page = default_client.get(f"/id/urbact/network/{row['Code_Network']}", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    lead = next(
        r for r in _rows(MEMBERS) if r["Code_Network"] == row["Code_Network"] and r["City.Statut"] == "Lead Partner"
    )
    assert f"Municipality of {lead['NameCity']}</a>, lead partner" in text
    assert "urbact.eu" in text and "reused with credit" in text


@pytest.mark.slow
def test_each_transfer_network_gets_the_practice_the_gold_list_gives(default_store):
    store, config = default_store
    ids = {
        r["s"]: r["id"]
        for r in _select(
            store, "SELECT ?s ?id WHERE { ?s dcterms:identifier ?id ; dcterms:source <https://urbact.eu/> }"
        )
    }
    found = {ids[t.network]: (ids[t.practice] if t.practice else "") for t in link_transfers(store, config.ns)}
    with GOLD.open(newline="", encoding="utf-8") as f:
        gold = {r["code_network"]: r["code_practice"] for r in csv.DictReader(f)}
    assert set(gold) <= set(found)
    wrong = {n: (found[n], p) for n, p in gold.items() if found[n] != p}
    assert not wrong


@pytest.mark.slow
def test_transfers_are_written_like_innocrafts_and_show_on_the_practice_page(default_client, default_store):
    store, _ = default_store
    row = _select(
        store,
        """SELECT ?t ?practice ?target WHERE { ?t a coop:Transfer ; coop:sourcePractice ?practice ;
           coop:targetOrganisation ?target ; coop:project/coop:networkType ?type } LIMIT 1""",
    )[0]
    practice = row["practice"].removeprefix("https://w3id.org/coopkg/")
    text = default_client.get(f"/{practice}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Transferred in a transfer network" in text
    transfers = default_client.get("/transfers", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Transferred in a transfer network" in transfers


class _Sections(HTMLParser):
    """The good-practice sections of a page: each h2 heading of `section.template` with the text under it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside section.template: the nesting depth of sections
        self.heading: str | None = None
        self.in_heading = False
        self.sections: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "section" and (self.depth or "template" in (dict(attrs).get("class") or "").split()):
            self.depth += 1
        elif self.depth and tag == "h2":
            self.in_heading = True
            self.sections.append(["", ""])

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1
        elif tag == "h2":
            self.in_heading = False

    def handle_data(self, data):
        if self.depth and self.sections:
            self.sections[-1][0 if self.in_heading else 1] += data


@pytest.mark.slow
def test_a_crawl_of_the_default_site_finds_no_dead_link_and_no_empty_practice_section(default_client, default_store):
    visited = crawl(default_client, limit=400)
    assert len(visited) >= 400
    store, _ = default_store
    practices = [r["p"] for r in _select(store, "SELECT ?p WHERE { ?p a coop:GoodPractice } ORDER BY ?p")]
    assert len(practices) == len(_rows(PRACTICES)) + len(_rows(INNOCRAFTS[0] / "practices.csv"))
    for iri in practices:
        page = default_client.get("/" + iri.removeprefix("https://w3id.org/coopkg/"), headers={"Accept": "text/html"})
        assert page.status_code == 200, iri
        parser = _Sections()
        parser.feed(page.get_data(as_text=True))
        assert parser.sections, iri
        empty = [heading.strip() for heading, text in parser.sections if not text.strip()]
        assert not empty, (iri, empty)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "starts"),
    [("innocrafts/practice/IC-GP13", "Shared in "), ("innocrafts/practice/IC-GP01", "Owned by ")],
)
def test_who_made_a_practice_reads_as_a_sentence(default_client, path, starts):
    page = default_client.get(f"/id/{path}", headers={"Accept": "text/html"}).get_data(as_text=True)
    who = page.split("<h2>Who</h2><p>", 1)[1].split("</p>", 1)[0]
    assert who.startswith(starts) and not who.startswith(";") and "&lt;a" not in who


@pytest.mark.slow
def test_who_labelled_an_urbact_practice(default_client):
    code = _rows(PRACTICES)[0]["CodePractices"]
    page = default_client.get(f"/id/urbact/practice/{code}", headers={"Accept": "text/html"}).get_data(as_text=True)
    who = page.split("<h2>Who</h2><p>", 1)[1].split("</p>", 1)[0]
    assert who.startswith("Owned by <a") and "; labelled a good practice by <a" in who and "URBACT" in who
