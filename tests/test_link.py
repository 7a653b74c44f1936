"""Record linkage (kg.link): one IRI per real organisation, rules before scores, a person's review honoured,
and a linked cluster counted as one organisation by networks and pages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import INNOCRAFTS

from kg.cli import cli
from kg.config import Config
from kg.errors import DataError, KGError
from kg.ingest.loader import build, import_files
from kg.link.linker import link_organisations
from kg.link.names import name_key, words
from kg.link.review import read_decisions
from kg.network.build import build_network
from kg.rdf import iri, literal
from kg.store import open_store

DATA = Path(__file__).parent / "data" / "eu-open-data"
IVC = DATA / "keep-eu-interreg-ivc-partners-pgourdongeo" / "interreg_ivc_2007_2013_partners.csv"
ID = "https://w3id.org/coopkg/id/"


def _store_of(organisations: list[dict]):
    """A store in memory holding just these organisations, each in its source's graph (dict keys: iri,
    source, name, country, town, vat, id)."""
    config = Config(store="memory", link_review="none")
    store = open_store(config)
    ns = config.ns
    by_source: dict[str, list[str]] = {}
    for o in organisations:
        s = iri(o["iri"])
        lines = [
            f"{s} {iri('http://www.w3.org/1999/02/22-rdf-syntax-ns#type')} {iri(str(ns.coop.Organisation))} .",
            f"{s} {iri('http://www.w3.org/2000/01/rdf-schema#label')} {literal(o['name'])} .",
        ]
        if o.get("town"):
            lines.append(f"{s} {iri('http://www.w3.org/ns/locn#postName')} {literal(o['town'])} .")
        if o.get("vat"):
            lines.append(f"{s} {iri('https://schema.org/vatID')} {literal(o['vat'])} .")
        if o.get("id"):
            lines.append(f"{s} {iri('http://purl.org/dc/terms/identifier')} {literal(o['id'])} .")
        if o.get("country"):
            country = iri(f"{ns.id}country/{o['country']}")
            lines.append(f"{s} {iri(str(ns.coop.country))} {country} .")
            lines.append(f"{country} {iri(str(ns.coop.countryCode))} {literal(o['country'])} .")
        by_source.setdefault(o["source"], []).extend(lines)
    with store.transaction() as writer:
        for source, lines in by_source.items():
            writer.replace_graph(f"{ns.graph}{source}/organisations.csv", ["\n".join(lines) + "\n"])
    return store, config


def _link(store, config, decisions=None):
    return link_organisations(store, config.ns, decisions or read_decisions(None))


def test_names_written_another_way_give_the_same_words():
    assert name_key("Lunds Universitet") == name_key("Lund University") == "lund university"
    assert words("AALTO-KORKEAKOULUSAATIO SR") == ("aalto", "korkeakoulusaatio")  # the legal form goes
    assert name_key("Regional Association of Municipalities “Central Stara Planina”") == name_key(
        'Regional Association of Municipalities "Central Stara Planina"'
    )
    assert name_key("Universität Wien GmbH") == name_key("UNIVERSITAET WIEN") == "university wien"


def test_placeholder_vat_numbers_never_link():
    """17 organisations of a real CORDIS export share the VAT 'MISSING': they are 17 organisations."""
    towns = (
        "Prato Siena Pisa Lucca Arezzo Livorno Pistoia Grosseto Massa Carrara Empoli Viareggio Fiesole Cortona Volterra"
    )
    names = ["UNIVERSITA DEGLI STUDI DI FIRENZE", "ACME INDUSTRIAL COMPANY SPA"] + [
        f"{town} CERAMICS SRL" for town in towns.split()
    ]
    organisations = [
        {"iri": f"{ID}x/organisation/{i}", "source": "x", "name": n, "country": "IT", "vat": "MISSING"}
        for i, n in enumerate(names)
    ]
    organisations[5]["vat"] = "NOTAPPLICABLE"
    organisations[6]["vat"] = "  n/a "
    store, config = _store_of(organisations)
    linkage = _link(store, config)
    assert not [link for link in linkage.same if link.method.startswith("VAT")]
    assert not linkage.close and not linkage.canonical  # nothing made one organisation


def test_a_vat_group_of_differently_named_companies_is_not_the_same_organisation():
    organisations = [
        {"iri": f"{ID}x/organisation/1", "source": "x", "name": "Siemens Mobility GmbH", "country": "DE"},
        {"iri": f"{ID}x/organisation/2", "source": "x", "name": "Siemens Healthcare GmbH", "country": "DE"},
        {"iri": f"{ID}y/organisation/3", "source": "y", "name": "SIEMENS MOBILITY GMBH", "country": "DE"},
    ]
    for o in organisations:
        o["vat"] = "DE 129273398"
    organisations[2]["vat"] = "DE129273398"  # the same number written without the space
    store, config = _store_of(organisations)
    linkage = _link(store, config)
    same = {(link.left, link.right): link.method for link in linkage.same}
    assert same == {(f"{ID}x/organisation/1", f"{ID}y/organisation/3"): "VAT number and name"}
    assert {(link.left, link.right) for link in linkage.close} == {
        (f"{ID}x/organisation/1", f"{ID}x/organisation/2"),
        (f"{ID}x/organisation/2", f"{ID}y/organisation/3"),
    }
    graph = config.ns.graph
    asked = store.query(f"ASK {{ GRAPH <{graph}links> {{ ?a <http://www.w3.org/2002/07/owl#sameAs> ?b }} }}")
    assert not bool(asked)  # link_organisations decides; relink (build, load, import, kg link) writes


def test_two_ids_of_one_source_are_never_joined_by_a_score():
    """Two bundled partners (or two CORDIS PICs) are two organisations, however alike their names."""
    organisations = [
        {"iri": f"{ID}org/P1", "source": "a", "name": "Chamber of Commerce of Cremona", "town": "Cremona", "id": "P1"},
        {"iri": f"{ID}org/P2", "source": "a", "name": "Cremona Chamber of Commerce", "town": "Cremona", "id": "P2"},
        {"iri": f"{ID}keep/o/3", "source": "k", "name": "CHAMBER OF COMMERCE CREMONA", "town": "CREMONA"},
    ]
    for o in organisations:
        o["country"] = "IT"
    store, config = _store_of(organisations)
    linkage = _link(store, config)
    clusters = list(linkage.clusters.values())
    assert len(clusters) == 1 and len(clusters[0]) == 2 and f"{ID}keep/o/3" in clusters[0]
    assert len(linkage.conflicts) == 1  # the other link would have joined P1 and P2


def test_a_university_is_not_the_region_it_is_in():
    organisations = [
        {"iri": f"{ID}a/1", "source": "a", "name": "University of Crete", "town": "Heraklion", "country": "GR"},
        {"iri": f"{ID}b/2", "source": "b", "name": "Region of Crete", "town": "Heraklion", "country": "GR"},
        {"iri": f"{ID}b/3", "source": "b", "name": "Lunds Universitet", "town": "Lund", "country": "SE"},
        {"iri": f"{ID}a/4", "source": "a", "name": "Lund University", "town": "LUND", "country": "SE"},
    ]
    store, config = _store_of(organisations)
    linkage = _link(store, config)
    assert [(link.left, link.right) for link in linkage.same] == [(f"{ID}a/4", f"{ID}b/3")]
    assert not any({f"{ID}a/1", f"{ID}b/2"} == {r.left, r.right} for r in linkage.review)  # not even a question


@pytest.fixture
def innocrafts_rows(tmp_path) -> Path:
    """The real keep.eu partner rows of INNOCRAFTS, as published (a slice of the Interreg IVC list)."""
    lines = IVC.read_text(encoding="utf-8").splitlines()
    chosen = [lines[0]] + [line for line in lines[1:] if ";INNOCRAFTS;" in line]
    assert len(chosen) == 16
    path = tmp_path / "keep" / "innocrafts_partners.csv"
    path.parent.mkdir()
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _same_as(runner, query_filter: str = "") -> set[tuple[str, str]]:
    query = f"SELECT ?a ?b WHERE {{ GRAPH ?g {{ ?a owl:sameAs ?b }} {query_filter} }}"
    result = runner.invoke(cli, ["query", "-f", "csv", query])
    assert result.exit_code == 0, result.output
    return {tuple(line.split(",")) for line in result.output.splitlines()[1:]}


@pytest.mark.slow
def test_the_review_file_decides_on_every_later_import(runner, innocrafts_rows, monkeypatch):
    monkeypatch.setenv("KG_LINK_THRESHOLD", "0.95")  # Aalto's 0.88 falls in the grey zone
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    assert runner.invoke(cli, ["import", "-q", "-m", "keep", str(innocrafts_rows)]).exit_code == 0
    linked = runner.invoke(cli, ["link"])
    assert linked.exit_code == 0, linked.output
    assert "to decide: set decision to accept or reject" in linked.output
    review = Path("kg-link-review.csv")
    rows = _read(review)
    aalto = next(r for r in rows if r["left"].endswith("/P09") or r["right"].endswith("/P09"))
    pair = (aalto["left"], aalto["right"])
    assert pair not in _same_as(runner)
    florence = next(p for p in _same_as(runner) if p[0].endswith("/P01"))
    # a person accepts Aalto and rejects the (scored 1.0) link of Florence
    for row in rows:
        row["decision"] = "accept" if row is aalto else ""
    rows.append({**aalto, "decision": "reject", "left": florence[0], "right": florence[1], "score": "1.0"})
    with review.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = runner.invoke(cli, ["import", "-q", "-m", "keep", str(innocrafts_rows)])
    assert again.exit_code == 0, again.output
    same = _same_as(runner)
    assert pair in same and florence not in same
    assert "1 pair(s) rejected in the review file" in again.output
    report = runner.invoke(cli, ["link", "--report"])
    assert "review" in report.output and aalto["left_name"] in report.output
    # kg link keeps the decisions it found, and adds no row twice
    assert runner.invoke(cli, ["link", "-q"]).exit_code == 0
    kept = _read(review)
    assert {(r["left"], r["right"]): r["decision"] for r in kept if r["decision"]} == {
        pair: "accept",
        florence: "reject",
    }
    assert len({(r["left"], r["right"]) for r in kept}) == len(kept)
    assert pair in _same_as(runner) and florence not in _same_as(runner)


@pytest.mark.slow
def test_a_review_file_that_cannot_be_read_names_the_line_and_changes_nothing(runner, innocrafts_rows):
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    Path("kg-link-review.csv").write_text(
        f"decision,left,right\naccept,{ID}a,{ID}b\nperhaps,{ID}c,{ID}d\n", encoding="utf-8"
    )
    before = runner.invoke(cli, ["stats"]).output
    result = runner.invoke(cli, ["import", "-q", "-m", "keep", str(innocrafts_rows)])
    assert result.exit_code == 1 and "kg-link-review.csv, line 3" in result.output and "perhaps" in result.output
    assert "Traceback" not in result.output
    assert runner.invoke(cli, ["stats"]).output == before  # nothing imported


def test_link_thresholds_are_checked():
    with pytest.raises(KGError, match="link thresholds"):
        Config(link_threshold=0.5, link_review_threshold=0.7)
    with pytest.raises(DataError):
        path = Path(__file__).parent / "data" / "eu-open-data" / "README.md"  # not a review file
        read_decisions(path)


@pytest.fixture(scope="module")
def linked_store(tmp_path_factory):
    """The bundled data with the whole real keep.eu Interreg IVC partner list imported (and linked)."""
    location = f"oxigraph:{tmp_path_factory.mktemp('linked') / 'store'}"
    config = Config(store=location, link_review="none")
    with open_store(config, create=True) as store:
        build(store, config, INNOCRAFTS)
        report = import_files(store, config, "keep", [IVC])
    return config, report


GOLD = Path(__file__).parents[1] / "bench" / "data" / "linkage-gold-innocrafts-keep.csv"


@pytest.mark.slow
def test_every_innocrafts_partner_is_linked_to_its_keep_eu_row_and_no_two_partners_are_one(linked_store):
    config, report = linked_store
    linkage = report.linkage
    with open_store(config, read_only=True) as store:
        keep_iris = {
            (r["name"].value, r["town"].value): r["o"].value
            for r in store.query(
                "SELECT ?o ?name ?town WHERE { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?name ; "
                "<http://www.w3.org/ns/locn#postName> ?town FILTER(CONTAINS(STR(?o), '/keep/')) }"
            )
        }
    gold = [r for r in _read(GOLD) if r["bundled"].startswith("P")]
    for row in gold:
        bundled = f"{ID}innocrafts/organisation/{row['bundled']}"
        keep = keep_iris[(row["keep_name"], row["keep_town"])]
        if row["relation"] == "partner-row":
            assert linkage.canonical.get(keep) == bundled, row
    for members in linkage.clusters.values():
        assert len([m for m in members if "/innocrafts/organisation/" in m]) <= 1, members


@pytest.mark.slow
def test_a_linked_cluster_is_one_node_in_the_network_and_one_entry_in_the_partners(linked_store):
    config, report = linked_store
    canonical = report.linkage.canonical
    florence = next(m for m, c in canonical.items() if c.endswith("/P01") and m != c)
    with open_store(config, read_only=True) as store:
        graph = build_network(store, str(config.ns.coop), "org")
    assert f"{ID}innocrafts/organisation/P01" in graph and florence not in graph
    assert not [m for m, c in canonical.items() if m != c and m in graph]
    assert florence in graph.nodes[f"{ID}innocrafts/organisation/P01"]["same_as"]

    from api import create_app
    from kg.query.executor import InlineExecutor

    app = create_app(config, executor=InlineExecutor(config))
    try:
        client = app.test_client()
        network = client.get("/api/network").get_json()
        ids = {n["id"] for n in network["nodes"]}
        assert f"{ID}innocrafts/organisation/P01" in ids and florence not in ids
        member_page = client.get("/" + florence.removeprefix("https://w3id.org/coopkg/"))
        assert member_page.status_code == 303 and member_page.location.endswith("/id/innocrafts/organisation/P01")
        page = client.get("/id/innocrafts/organisation/P01").get_data(as_text=True)
        assert "One organisation, several records" in page and florence in page
        assert "keep-eu-interreg-ivc-partners-pgourdongeo" in page  # the keep.eu row's facts, with their source
        partners = client.get("/partners.json?page=1").get_json()
        assert partners["total"] == len({canonical.get(o, o) for o in _organisations(config)})
        assert florence not in {row["iri"] for row in partners["rows"]}
        # the machine formats of a member still describe the member, with its canonical IRI
        turtle = client.get("/" + florence.removeprefix("https://w3id.org/coopkg/") + ".ttl")
        assert turtle.status_code == 200 and "coop:canonical" in turtle.get_data(as_text=True)
    finally:
        app.extensions["coopkg"].close()


def _organisations(config) -> set[str]:
    with open_store(config, read_only=True) as store:
        query = (
            f"SELECT DISTINCT ?o WHERE {{ ?o a <{config.ns.coop.Organisation}> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        )
        return {r["o"].value for r in store.query(query)}


@pytest.mark.slow
def test_the_saved_queries_count_a_linked_organisation_once(linked_store):
    from kg.namespaces import Namespaces
    from kg.query.saved import read_saved_queries

    config, report = linked_store
    saved = read_saved_queries(Namespaces())
    with open_store(config, read_only=True) as store:
        query = saved["partners-per-country"]
        counted = sum(
            int(r["partners"].value) for r in store.query(query.text, substitutions=query.bindings({}))
        )  # the default acronym: INNOCRAFTS, the bundled project and keep.eu's record of it
        members = {
            r["m"].value
            for r in store.query(
                "SELECT DISTINCT ?m WHERE { ?p <https://w3id.org/coopkg/ontology#acronym> 'INNOCRAFTS' . "
                "?m <http://www.w3.org/ns/org#memberOf> ?p }"
            )
        }
        several = saved["organisations-in-several-projects"]
        bridges = [r["organisation"].value for r in store.query(several.text, substitutions=several.bindings({}))]
    one_each = {report.linkage.canonical.get(m, m) for m in members}
    assert counted == len(one_each) < len(members)  # 15 partners, not their 30 IRIs
    assert not [b for b in bridges if report.linkage.canonical.get(b, b) != b]  # members appear as their cluster


@pytest.mark.slow
def test_a_partner_opens_a_keep_eu_record_and_reads_the_one_organisation(linked_store, page):
    """In Chromium: the keep.eu IRI of Florence's municipality leads to one page with both records' facts,
    and the partners index lists the municipality once."""
    from helpers import LiveServer

    config, report = linked_store
    florence = next(m for m, c in report.linkage.canonical.items() if c.endswith("/P01") and m != c)
    server = LiveServer(config.with_(workers=1, spare_workers=0))
    try:
        page.goto(server.url + "/" + florence.removeprefix("https://w3id.org/coopkg/"))
        assert page.url.endswith("/id/innocrafts/organisation/P01")
        assert page.locator("h3", has_text="One organisation, several records").is_visible()
        assert page.locator("table.links td", has_text="same town").count() >= 1
        page.locator("details.machines summary").click()  # every raw fact, with its graph, is folded there
        assert page.get_by_text("keep-eu-interreg-ivc-partners-pgourdongeo", exact=False).first.is_visible()
        page.goto(server.url + "/search?q=Municipality+of+Florence")
        assert page.locator("main a", has_text="Municipality of Florence").count() == 1
        page.goto(server.url + "/search?q=Aalto+University+School+of+Art+and+Design")  # keep.eu's spelling
        assert page.locator("main a", has_text="Muova").count() == 1  # found as the bundled partner, P09
    finally:
        server.close()


@pytest.mark.slow
def test_the_next_build_honours_the_review_file(runner):
    """A person decides two bundled records are one (the tool never would: both have ids of their own)."""
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    pair = (f"{ID}innocrafts/organisation/P02", f"{ID}innocrafts/organisation/T01")
    assert pair not in _same_as(runner)
    Path("kg-link-review.csv").write_text(f"decision,left,right\naccept,{pair[0]},{pair[1]}\n", encoding="utf-8")
    rebuilt = runner.invoke(cli, ["build", "-q"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert pair in _same_as(runner) and "1 by review" in rebuilt.output
    gone = f"reject,{ID}keep/organisation/gone,{pair[1]}"
    Path("kg-link-review.csv").write_text(
        f"decision,left,right\nreject,{pair[0]},{pair[1]}\n{gone}\n", encoding="utf-8"
    )
    again = runner.invoke(cli, ["build", "-q"])
    assert again.exit_code == 0 and pair not in _same_as(runner)
    assert "1 decided pair(s) of the review file name an IRI no longer in the store" in again.output
