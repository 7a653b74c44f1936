"""Real CORDIS and keep.eu files, exactly as published (tests/data/eu-open-data/, each with its PROVENANCE.md),
imported with the built-in sets and no edits. The expected counts are worked out here from the files
themselves with the standard library and openpyxl, independently of the importer.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import warnings
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from helpers import crawl

from kg.config import Config
from kg.ingest.loader import build, import_files
from kg.namespaces import Namespaces
from kg.store import open_store
from kg.store.rows import select_rows

pytestmark = pytest.mark.slow  # seven real exports, 30 s of imports

DATA = Path(__file__).parent / "data" / "eu-open-data"
NS = Namespaces()
#: What each sample is imported with, in this order (the CORDIS project files before the tables that link
#: to their projects).
SAMPLES = {
    "cordis-h2020-json-edvard-august": "cordis",
    "cordis-horizon-head100-voteveto2": "cordis",
    "cordis-fp7-projects-bowowzahoya": "cordis",
    "cordis-h2020-xml-erenaliaslangiray": "cordis",
    "cordis-horizon-xlsx-michaelcarloh": "cordis",
    "keep-eu-interreg-ivc-partners-pgourdongeo": "keep",
    "keep-eu-closed-2014-2020-pgourdongeo": "keep",
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """An on-disk store of the bundled data with every sample imported; each import's report, by sample."""
    root = tmp_path_factory.mktemp("real")
    config = Config(store=f"oxigraph:{root / 'store'}")
    reports = {}
    with open_store(config, create=True) as store:
        build(store, config)
        for folder, mapping in SAMPLES.items():
            copy = root / folder  # the folder name is the dataset name, as a user would have it
            shutil.copytree(DATA / folder, copy)
            reports[folder] = import_files(store, config, mapping, [copy])
    return config, reports


def _count(config, query: str) -> int:
    with open_store(config, read_only=True) as store:
        return int(select_rows(store, NS.sparql_prefixes() + query)[0]["n"])


def _in(folder: str, pattern: str, what: str = "?x") -> str:
    """COUNT(DISTINCT what) of `pattern` in the graphs of one sample."""
    return (
        f"SELECT (COUNT(DISTINCT {what}) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} "
        f"FILTER(STRSTARTS(STR(?g), '{NS.graph}{folder}/')) }}"
    )


def _roles(config, folder: str) -> dict[str, int]:
    """Participations of one sample by role."""
    query = f"""SELECT ?r (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x org:role ?role }}
        ?role skos:notation ?r FILTER(STRSTARTS(STR(?g), '{NS.graph}{folder}/')) }} GROUP BY ?r"""
    with open_store(config, read_only=True) as store:
        return {r["r"]: int(r["n"]) for r in select_rows(store, NS.sparql_prefixes() + query)}


def _totals(report) -> Counter:
    return Counter({f"{a}/{c}": n for (a, c), n in report.quality.totals().items()})


# -- CORDIS JSON (H2020)


def test_cordis_json(imported):
    config, reports = imported
    folder = "cordis-h2020-json-edvard-august"
    projects = json.loads((DATA / folder / "project.json").read_text())
    rows = json.loads((DATA / folder / "organization.json").read_text())
    first: dict = {}
    for row in rows:
        first.setdefault(row["organisationID"], row)
    pairs = {(r["projectID"], r["organisationID"]) for r in rows}
    assert _count(config, _in(folder, "?x a coop:Project")) == len({p["id"] for p in projects}) == 26
    assert _count(config, _in(folder, "?x a coop:Organisation")) == len(first)
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(pairs) == len(rows) - 1
    totals = _totals(reports[folder])
    assert totals["dropped row/duplicate-key"] == len(rows) - len(pairs)  # one organisation, two roles
    no_scheme = sum(
        1
        for r in first.values()
        for part in re.split(r"\s*[;|]\s*|\s+/\s+|\s+", str(r["organizationURL"]).strip())
        if part and not part.startswith(("http://", "https://"))
    )
    assert totals["normalised/url-scheme-added"] == no_scheme > 300
    doubled = sum(1 for r in first.values() for c in ("activityType", "country") if re.fullmatch(r"(\w+);\1", r[c]))
    assert totals["normalised/doubled-code"] == doubled == 2
    assert totals["kept as text/unknown-code"] == 0  # PRC;PRC is read as PRC
    placeholders = sum(1 for r in rows if str(r["vatNumber"]).upper() in ("MISSING", "NOTAPPLICABLE"))
    assert totals["dropped value/placeholder"] == placeholders
    vat = _count(
        config, "SELECT (COUNT(*) AS ?n) WHERE { ?o schema:vatID ?v FILTER(?v IN ('MISSING', 'NOTAPPLICABLE')) }"
    )
    assert vat == 0  # a placeholder is no VAT number, so it links nothing
    five_digits = set("DE FR IT ES FI GR EL HR EE MA US MX TR UA DZ TN KH MY".split())  # postcodes of 5 digits
    short = sum(
        1
        for r in first.values()
        if isinstance(r["postCode"], int) and r["country"] in five_digits and r["postCode"] < 10000
    )
    assert totals["flagged/postcode-leading-zeros"] == short > 50


def test_cordis_projects_link_to_their_cordis_page_and_nothing_is_the_same_as_a_page(imported):
    config, _ = imported
    folder = "cordis-h2020-json-edvard-august"
    ids = {str(p["id"]) for p in json.loads((DATA / folder / "project.json").read_text())}
    with open_store(config, read_only=True) as store:
        pages = select_rows(
            store,
            NS.sparql_prefixes()
            + f"SELECT ?id ?page WHERE {{ GRAPH ?g {{ ?p a coop:Project ; dcterms:identifier ?id ; foaf:page ?page }} "
            f"FILTER(STRSTARTS(STR(?g), '{NS.graph}{folder}/')) }}",
        )
        assert {r["page"] for r in pages} == {f"https://cordis.europa.eu/project/id/{i}" for i in ids}
        # a CORDIS page or a grant's DOI is about the project, not the project itself
        same = select_rows(
            store,
            "SELECT ?o WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o "
            "FILTER(CONTAINS(STR(?o), 'cordis.europa.eu') || CONTAINS(STR(?o), 'doi.org')) }",
        )
        assert same == []


# -- Horizon Europe tables (CSV, decimal commas)


def test_horizon_csv(imported):
    config, reports = imported
    folder = "cordis-horizon-head100-voteveto2"
    with (DATA / folder / "project_df_100.csv").open(encoding="utf-8") as f:
        projects = list(csv.DictReader(f))
    with (DATA / folder / "organization_df_100.csv").open(encoding="utf-8") as f:
        organisations = list(csv.DictReader(f))
    assert _count(config, _in(folder, "?x a coop:Project")) == len(projects) == 100
    assert _count(config, _in(folder, "?x a coop:Organisation")) == len({r["organisationID"] for r in organisations})
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(organisations) == 100
    commas = sum(1 for p in projects for c in ("totalCost", "ecMaxContribution") if re.fullmatch(r"\d+,\d+", p[c]))
    assert _totals(reports[folder])["normalised/decimal-comma"] == commas == 29
    names = {
        "coordinator": "lead-partner",
        "participant": "partner",
        "thirdParty": "third-party",
        "associatedPartner": "associated-partner",
    }
    assert _roles(config, folder) == dict(Counter(names[o["role"]] for o in organisations))
    zero = _count(config, _in(folder, "?x coop:totalBudget ?b FILTER(?b = 0)"))
    assert zero == sum(1 for p in projects if p["totalCost"] in ("0", "0.0"))  # lump sums load: a warning only


# -- FP7 (semicolons, every field quoted, BOM, legacy status codes)


def test_fp7_projects_with_legacy_statuses(imported):
    config, reports = imported
    folder = "cordis-fp7-projects-bowowzahoya"
    with (DATA / folder / "fp7_test_projects.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    statuses = Counter({"ONG": "signed", "CLO": "closed", "CAN": "terminated"}[r["status"]] for r in rows)
    assert _count(config, _in(folder, "?x a coop:Project")) == len(rows) == 59
    found = select_rows(
        open_store(config, read_only=True),
        NS.sparql_prefixes()
        + f"SELECT ?s (COUNT(?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x coop:projectStatus ?c }} ?c skos:notation ?s "
        f"FILTER(STRSTARTS(STR(?g), '{NS.graph}{folder}/')) }} GROUP BY ?s",
    )
    assert {r["s"]: int(r["n"]) for r in found} == statuses
    assert _totals(reports[folder])["kept as text/unknown-code"] == 0


# -- CORDIS XML archive


def test_cordis_xml_archive(imported):
    config, _ = imported
    folder = "cordis-h2020-xml-erenaliaslangiray"
    ns = "{http://cordis.europa.eu}"
    projects, organisations, pairs = set(), set(), set()
    with zipfile.ZipFile(DATA / folder / "Dataset_Example.zip") as archive:
        for name in archive.namelist():
            if name.endswith(".xml") and not name.startswith("__MACOSX/"):
                root = ElementTree.fromstring(archive.read(name))
                reference = root.findtext(f"{ns}reference")
                projects.add(reference)
                for org in root.iter(f"{ns}organization"):
                    key = (org.findtext(f"{ns}legalName"), org.findtext(f"{ns}address/{ns}country"))
                    organisations.add(key)
                    pairs.add((reference, key))
    assert _count(config, _in(folder, "?x a coop:Project")) == len(projects) == 54
    assert _count(config, _in(folder, "?x a coop:Organisation")) == len(organisations)
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(pairs)


# -- Horizon Europe topics and legal bases (XLSX with a wrong declared dimension)


def _sheet(path: Path) -> list[tuple]:
    with warnings.catch_warnings():  # the Commission's files lack openpyxl's default style
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path)  # normal mode reads past the wrong dimension
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return rows[1:]


def test_topics_and_legal_bases(imported):
    config, reports = imported
    folder = "cordis-horizon-xlsx-michaelcarloh"
    topics = _sheet(DATA / folder / "topics.xlsx")
    bases = _sheet(DATA / folder / "legalBasis.xlsx")
    assert len(topics) == 15341 and len(bases) == 20512
    assert _count(config, _in(folder, "?p coop:topic ?t", "*")) == len({(p, t) for p, t, _ in topics})
    assert _count(config, _in(folder, "?p coop:legalBasis ?b", "*")) == len({(r[0], r[1]) for r in bases})
    assert _count(config, _in(folder, "?t a skos:Concept ; skos:notation ?c", "?t")) == len(
        {t for _, t, _ in topics}
    ) + len({r[1] for r in bases})
    earlier = set()
    for other in ("cordis-h2020-json-edvard-august", "cordis-horizon-head100-voteveto2"):
        with open_store(config, read_only=True) as store:
            earlier |= {
                r["id"]
                for r in select_rows(
                    store,
                    NS.sparql_prefixes()
                    + f"SELECT ?id WHERE {{ GRAPH ?g {{ ?p a coop:Project ; dcterms:identifier ?id }} "
                    f"FILTER(STRSTARTS(STR(?g), '{NS.graph}{other}/')) }}",
                )
            }
    projects = {str(p) for p, _, _ in topics} | {str(r[0]) for r in bases}
    assert _totals(reports[folder])["linked to a stub/missing-target"] == len(projects - earlier) > 15000


# -- keep.eu


def _key(*parts) -> tuple:
    return tuple(str(p).strip() for p in parts)


def test_keep_interreg_ivc_partner_list(imported):
    config, reports = imported
    folder = "keep-eu-interreg-ivc-partners-pgourdongeo"
    with (DATA / folder / "interreg_ivc_2007_2013_partners.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    partners = {_key(r["Project.Partner"], r["Town"] or "(no town)", r["Country"]) for r in rows}
    assert _count(config, _in(folder, "?x a coop:Project")) == len({r["Acronym"] for r in rows}) == 204
    assert _count(config, _in(folder, "?x a coop:Organisation")) == len(partners)
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(rows) == 2250
    innocrafts = _count(
        config,
        f"""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x org:organization ?p }}
        ?p coop:acronym 'INNOCRAFTS' FILTER(STRSTARTS(STR(?g), '{NS.graph}{folder}/')) }}""",
    )
    assert innocrafts == sum(1 for r in rows if r["Acronym"] == "INNOCRAFTS") == 15
    leads = _roles(config, folder)["lead-partner"]
    assert leads == sum(1 for r in rows if r["Lead.Partner"] == "Yes") == 204
    totals = _totals(reports[folder])
    assert totals["defaulted/default"] == 2 * sum(1 for r in rows if not r["Town"])  # partner and participation
    first = {}  # a partner's cells are read from its first row
    for r in rows:
        first.setdefault(_key(r["Project.Partner"], r["Town"] or "(no town)", r["Country"]), r)
    nuts = sum(1 for r in first.values() if re.match(r"^\s*[A-Z]{2}[A-Z0-9]{0,3}\s+/", r["NUTS3..or.equivalent."]))
    codes = sum(1 for r in first.values() if re.match(r"^[A-Z]{2} ", r["Country.code"]))
    assert totals["normalised/code-from-text"] == nuts + codes


def test_keep_export_of_closed_projects(imported):
    config, reports = imported
    folder = "keep-eu-closed-2014-2020-pgourdongeo"
    book = openpyxl.load_workbook(DATA / folder / "keep_closed_1420.xlsx", read_only=True)
    projects = list(book["Projects (lead partners)"].iter_rows(values_only=True))[1:]
    partners = list(book["Partners"].iter_rows(values_only=True))[1:]
    calls = list(book["Calls"].iter_rows(values_only=True))[1:]
    book.close()
    keys = Counter(_key(p[0], p[1]) for p in projects)
    assert len(projects) == 1891 and sum(n - 1 for n in keys.values()) == 39
    assert _count(config, _in(folder, "?x a coop:Project ; coop:totalBudget ?b")) == len(keys)
    totals = _totals(reports[folder])
    assert totals["dropped row/duplicate-key"] >= 39  # the second of each duplicate key, reported
    thousands = sum(1 for p in projects if isinstance(p[11], str) and "," in p[11])
    assert thousands == 1891  # every Budget is text with thousands commas, all read as numbers
    with (DATA / folder / "Keep_ClosedProject_Calls.csv").open(encoding="utf-8") as f:
        csv_calls = list(csv.DictReader(f, delimiter=";"))
    assert _count(config, _in(folder, "?x a coop:Call")) == len(
        {_key(c[0], str(c[1])) for c in calls} | {_key(c["Programme"], c["Serial Number"]) for c in csv_calls}
    )
    participations = {_key(p[0], p[1], p[2], p[6] or "(no town)", p[7]) for p in partners}
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(participations)
    assert _count(config, _in(folder, "?x a coop:Participation")) == len(partners) - (
        len(partners) - len(participations)
    )
    read = (2, 5, 6, 7, 10, 11, 14)  # the Partners columns the keep-partner mapping reads
    n_a = sum(1 for p in partners for i in read if str(p[i] or "").strip().casefold() in ("n/a", "none"))
    placeholders = [i for i in reports[folder].quality.issues if "[Partners]" in i.file and i.category == "placeholder"]
    assert len(placeholders) == n_a > 600


def test_every_import_records_its_quality_totals_in_the_store(imported):
    config, reports = imported
    for folder, report in reports.items():
        for file_report in report.quality.files:
            query = f"""SELECT (SUM(?c) AS ?n) WHERE {{ GRAPH <{file_report.graph}/import> {{
                <{file_report.graph}#import> coop:qualityCount/coop:count ?c }} }}"""
            with open_store(config, read_only=True) as store:
                found = select_rows(store, NS.sparql_prefixes() + query)[0]["n"]
            assert int(found or 0) == len(file_report.issues), (folder, file_report.file)


# -- every page the site links to resolves


def test_every_link_of_the_site_resolves(imported):
    """After the real samples are in: no link on the site answers 404 or 500. Every local IRI used as an
    object is also described; every IRI whose characters need escaping, and a sample of the others, answers
    through its web address; and a crawl from the home page (every page of every index, then entity pages)
    finds no link that fails (three pages of each list, then entity pages)."""
    import re as regex
    from urllib.parse import quote

    from api import create_app
    from kg.query.executor import InlineExecutor

    config, _ = imported
    ns = config.ns
    local = f"FILTER(isIRI(?x) && (STRSTARTS(STR(?x), '{ns.id}') || STRSTARTS(STR(?x), '{ns.scheme}')))"
    with open_store(config, read_only=True) as store:
        dead = select_rows(store, f"SELECT DISTINCT ?x WHERE {{ ?s ?p ?x {local} FILTER NOT EXISTS {{ ?x ?q ?o }} }}")
        iris = sorted(r["x"] for r in select_rows(store, f"SELECT DISTINCT ?x WHERE {{ ?x ?p ?o {local} }}"))
    assert dead == []
    app = create_app(config, executor=InlineExecutor(config))
    client = app.test_client()
    try:
        escaped = [i for i in iris if not regex.fullmatch(r"[A-Za-z0-9/:._~-]+", i)]
        sample = escaped + iris[:: max(1, len(iris) // 400)]
        for iri in sample:
            path = "/" + quote(iri[len(ns.base) :], safe="/:@!$&'()*+,;=~-._%")
            r = client.get(path, headers={"Accept": "text/turtle"})
            assert r.status_code == 200, (iri, r.status_code)
        # an organisation found under several IRIs (record linkage) is one entry
        partners = _count(
            config,
            "SELECT (COUNT(DISTINCT ?one) AS ?n) WHERE { ?o a coop:Organisation ; rdfs:label ?l "
            "OPTIONAL { ?o coop:canonical ?c } BIND(COALESCE(?c, ?o) AS ?one) }",
        )
        assert partners < _count(config, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a coop:Organisation }")
        first, last = (client.get(f"/partners?page={n}").get_data(as_text=True) for n in (1, -(-partners // 100)))
        assert f"1–100 of {partners} entries" in first and 'rel="next"' in first  # no silent cap at 500
        assert 'rel="next"' not in last and 'rel="prev"' in last and f"of {partners} entries" in last
        assert len(crawl(client, limit=800)) >= 800  # the home page, three pages of each list, entity pages
    finally:
        app.extensions["coopkg"].close()
