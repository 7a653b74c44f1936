"""Networks restricted by programme, project, source and year; readable exports; time (issue #30, items 3 and 4)."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser

import networkx as nx
import pytest
from click.testing import CliRunner
from helpers import INNOCRAFTS, rows

from api.network import PHONE_LINKS
from kg.cli import cli
from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.build import build_network, write_network
from kg.network.metrics import node_metrics
from kg.query.saved import read_saved_queries
from kg.resources import resource_dir

NS = Namespaces()
DATA = resource_dir("data") / "innocrafts"


def _table(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _organisation(key: str) -> str:
    return f"{NS.id}innocrafts/organisation/{key}"


def _members(*projects: str) -> set[str]:
    """The IRIs of the bundled organisations taking part in these projects (by id), from the data files."""
    return {_organisation(r["organisation"]) for r in _table("participations.csv") if r["project"] in projects}


def _ivc_projects() -> list[str]:
    return [r["id"] for r in _table("projects.csv") if r["programme"] == "interreg-ivc"]


def _names() -> dict[str, str]:
    return {_organisation(r["id"]): r["name"] for r in _table("organisations.csv")}


@pytest.fixture(scope="module")
def default_cli(tmp_path_factory) -> tuple[CliRunner, list[str]]:
    """A store of everything `kg build` loads (INNOCRAFTS and URBACT), built once, and the CLI's store option."""
    runner = CliRunner()
    store = ["--store", f"oxigraph:{tmp_path_factory.mktemp('network-filters') / 'store'}"]
    result = runner.invoke(cli, [*store, "build", "-q"])
    assert result.exit_code == 0, result.output
    return runner, store


def test_programme_filter_keeps_its_projects_organisations_only(bundled_store):
    store, _ = bundled_store
    ivc = build_network(store, NS, programme="Interreg IVC")  # the label is INTERREG IVC
    expected = _members(*_ivc_projects())
    assert set(ivc) == expected
    only_elsewhere = _members("crafts-code", "crafting-europe") - expected
    assert only_elsewhere and not only_elsewhere & set(ivc)
    assert ivc.graph["selection"] == "programme Interreg IVC"
    # the same programme by id and by IRI
    assert set(build_network(store, NS, programme="interreg-ivc")) == expected
    assert set(build_network(store, str(NS.coop), programme=f"{NS.id}programme/interreg-ivc")) == expected
    # its links are those of its own projects: Florence and Artex share INNOCRAFTS only (not CRAFTS CODE)
    assert ivc.edges[_organisation("P01"), _organisation("T01")]["project"] == 1
    assert build_network(store, NS).edges[_organisation("P01"), _organisation("T01")]["project"] == 2


def test_project_filter_takes_several_by_acronym_id_or_iri(bundled_store):
    store, _ = bundled_store
    one = build_network(store, NS, projects=["innocrafts"])
    assert set(one) == _members("innocrafts")
    p04, p06 = _organisation("P04"), _organisation("P06")
    assert one.edges[p04, p06]["project"] == 1
    both = build_network(store, NS, projects=["INNOCRAFTS", f"{NS.id}project/regio-crafts"])
    assert set(both) == _members("innocrafts", "regio-crafts")
    assert both.edges[p04, p06]["project"] == 2
    # the places and the bipartite network follow the same projects
    assert set(build_network(store, NS, "bipartite", projects=["REGIO-CRAFTS"])) == _members("regio-crafts") | {
        f"{NS.id}project/regio-crafts"
    }
    countries = build_network(store, NS, "country", projects=["REGIO-CRAFTS"])
    assert countries.number_of_nodes() == len(
        {
            r["country"]
            for r in _table("organisations.csv")
            if r["id"] in {p["organisation"] for p in _table("participations.csv") if p["project"] == "regio-crafts"}
        }
    )


def test_year_with_a_programme_keeps_the_programme_s_organisations(bundled_store):
    store, _ = bundled_store
    in_2013 = build_network(store, NS, programme="INTERREG IVC", year=2013)
    assert in_2013.edges[_organisation("P04"), _organisation("P06")]["project"] == 2
    in_2016 = build_network(store, NS, programme="INTERREG IVC", year=2016)
    assert set(in_2016) == _members(*_ivc_projects()) and in_2016.number_of_edges() == 0


@pytest.mark.slow
def test_source_filter_by_folder_or_graph_iri(default_store):
    store, config = default_store
    urbact = build_network(store, config.ns, source="urbact")
    innocrafts = build_network(store, config.ns, source="innocrafts")
    assert set(urbact) == set(build_network(store, config.ns, programme="URBACT"))  # every URBACT network
    assert set(innocrafts) == set(build_network(store, config.ns, projects=[r["id"] for r in _table("projects.csv")]))
    assert set(urbact) - set(innocrafts) and set(innocrafts) - set(urbact)
    by_iri = build_network(store, config.ns, source=f"{config.ns.graph}innocrafts/projects.csv")
    assert set(by_iri) == set(innocrafts)
    with pytest.raises(KGError, match="no project comes from the source 'innocraft'"):
        build_network(store, config.ns, source="innocraft")  # whole path segments only


@pytest.mark.slow
def test_a_programme_leaves_the_other_programme_out(default_store):
    store, config = default_store
    ivc = build_network(store, config.ns, programme="Interreg IVC")
    urbact = build_network(store, config.ns, programme="URBACT")
    assert set(ivc) == _members(*_ivc_projects())  # no URBACT city
    assert urbact.number_of_nodes() > 100
    # the bundled organisations that record linkage found among URBACT's cities are in both; no other is
    both = set(ivc) & set(urbact)
    assert both and all(urbact.nodes[n].get("same_as") for n in both)


def test_unknown_filter_values_name_what_exists(bundled_store):
    store, _ = bundled_store
    with pytest.raises(KGError, match=r"no programme .* 'Horizon 2020' \(known: .*INTERREG IVC"):
        build_network(store, NS, programme="Horizon 2020")
    with pytest.raises(KGError, match=r"no project .* 'NOPE' \(known: .*INNOCRAFTS"):
        build_network(store, NS, projects=["INNOCRAFTS", "NOPE"])
    with pytest.raises(KGError, match=r"no project comes from the source 'cordis' \(sources of projects: innocrafts"):
        build_network(store, NS, source="cordis")
    with pytest.raises(KGError, match="no project matches all of: programme Creative Europe; project INNOCRAFTS"):
        build_network(store, NS, programme="Creative Europe", projects=["INNOCRAFTS"])


@pytest.mark.slow
def test_kg_network_metrics_by_programme(default_cli):
    runner, store = default_cli
    result = runner.invoke(cli, [*store, "network", "metrics", "--programme", "Interreg IVC", "--top", "100"])
    assert result.exit_code == 0, result.output
    expected = _members(*_ivc_projects())
    assert "filters: programme Interreg IVC" in result.output
    assert f"nodes: {len(expected)}," in result.output
    names = _names()
    listed = {line[:58].strip() for line in result.output.splitlines()}
    assert {names[iri][:58] for iri in expected} <= listed
    assert not {names[iri][:58] for iri in _members("crafts-code", "crafting-europe") - expected} & listed
    everything = runner.invoke(cli, [*store, "network", "metrics", "--top", "3"])
    whole = int(re.search(r"nodes: (\d+)", everything.output).group(1))
    assert whole > 100 + len(expected)  # URBACT's cities are in the whole network, not in the programme's
    unknown = runner.invoke(cli, [*store, "network", "metrics", "--programme", "Horizon 2020"])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert "INTERREG IVC" in unknown.output and "URBACT" in unknown.output


@pytest.mark.slow
def test_saving_the_measures_of_a_part_of_the_network_is_refused(default_cli):
    runner, store = default_cli
    result = runner.invoke(cli, [*store, "network", "metrics", "--programme", "URBACT", "--save"])
    assert result.exit_code == 2 and "leave out the filters" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_metrics_carry_a_normalised_degree(bundled_store, runner):
    store, _ = bundled_store
    graph = build_network(store, NS, programme="Interreg IVC")
    expected = nx.degree_centrality(graph)
    for row in node_metrics(graph):
        assert row["degree_centrality"] == pytest.approx(expected[row["node"]])
        assert row["degree_centrality"] == pytest.approx(row["degree"] / (graph.number_of_nodes() - 1))
    assert runner.invoke(cli, ["build", "-q", *map(str, INNOCRAFTS)]).exit_code == 0
    result = runner.invoke(cli, ["network", "metrics", "--project", "INNOCRAFTS", "--project", "regio-crafts"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("node "))
    assert header.split()[1:3] == ["deg", "ndeg"]
    assert "an edge's weight is the number of links between the two organisations" in result.output


def test_exports_label_nodes_with_names_and_say_what_a_weight_counts(bundled_store, tmp_path):
    store, _ = bundled_store
    countries = build_network(store, NS, "country")
    path = tmp_path / "countries.gexf"
    write_network(countries, "gexf", path)
    back = nx.read_gexf(path)
    assert back.nodes["IT"]["label"] == "Italy" and back.nodes["IE"]["label"] == "Ireland"
    assert all(data["label"] != node for node, data in back.nodes(data=True))  # every country has a name
    text = path.read_text(encoding="utf-8")
    assert re.search(r"<description>country network .*edge weight: the sum of the weights", text)
    organisations = build_network(store, NS, "org", programme="interreg-ivc")
    graphml = tmp_path / "org.graphml"
    write_network(organisations, "graphml", graphml)
    read = nx.read_graphml(graphml)
    assert read.graph["edge_weight"].startswith("the number of links between the two organisations")
    assert read.graph["selection"] == "programme interreg-ivc"
    assert read.nodes[_organisation("P01")]["label"] == "Municipality of Florence"
    gexf = tmp_path / "org.gexf"
    write_network(organisations, "gexf", gexf)
    assert nx.read_gexf(gexf).nodes[_organisation("P01")]["label"] == "Municipality of Florence"
    assert "filters: programme interreg-ivc" in gexf.read_text(encoding="utf-8")


@pytest.mark.slow
def test_kg_network_export_takes_the_filters(runner, tmp_path):
    assert runner.invoke(cli, ["build", "-q", *map(str, INNOCRAFTS)]).exit_code == 0
    out = tmp_path / "ivc.graphml"
    result = runner.invoke(cli, ["network", "-f", "graphml", "--programme", "INTERREG IVC", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert set(nx.read_graphml(out)) == _members(*_ivc_projects())
    wrong = runner.invoke(cli, ["network", "--kind", "transfer", "--year", "2013"])
    assert wrong.exit_code == 1 and "not 'transfer'" in wrong.output


def _undated_projects() -> list[str]:
    return [r["acronym"] for r in _table("projects.csv") if not r["start_date"]]


@pytest.mark.slow
def test_timeline_says_what_it_counts_and_lists_the_undated_projects(runner):
    assert runner.invoke(cli, ["build", "-q", *map(str, INNOCRAFTS)]).exit_code == 0
    result = runner.invoke(cli, ["network", "timeline"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = {line.split()[0]: line.split() for line in lines[1:] if line[:4].isdigit()}
    assert lines[0].split()[:3] == ["year", "projects", "linked"]
    assert table["2013"][1] == "2" and table["2016"][1] == "0"  # INNOCRAFTS and REGIO-CRAFTS ran 2012-2014
    assert "projects: projects running that year" in result.output
    undated = _undated_projects()
    total = len(_table("projects.csv"))
    assert undated and f"not placed in time (no start date or year): {len(undated)} of {total} projects" in (
        result.output
    )
    listed = lines[lines.index(next(x for x in lines if x.startswith("not placed in time"))) + 1 :]
    assert {line.split("  <")[0].strip() for line in listed if line.startswith("  ")} == set(undated)


def _expected_projects_per_year() -> dict[int, int]:
    counts: dict[int, int] = {}
    for r in _table("projects.csv"):
        if r["start_date"]:
            first, last = int(r["start_date"][:4]), int((r["end_date"] or r["start_date"])[:4])
            for year in range(first, last + 1):
                counts[year] = counts.get(year, 0) + 1
    return counts


def test_saved_query_counts_projects_in_every_year_they_ran(bundled_store):
    store, _ = bundled_store
    query = read_saved_queries(NS)["projects-per-year"]
    got = {int(r["year"]): int(r["projects"]) for r in rows(store.query(query.text, substitutions=query.bindings({})))}
    assert got == _expected_projects_per_year()
    assert got[2013] == 2  # INNOCRAFTS and REGIO-CRAFTS, 2012-2014, count in the year between too


@pytest.mark.slow
def test_saved_query_and_timeline_agree_on_urbact_s_years(default_store):
    from kg.network.timeline import network_timeline

    store, config = default_store
    query = read_saved_queries(config.ns)["projects-per-year"]
    got = {int(r["year"]): int(r["projects"]) for r in rows(store.query(query.text, substitutions=query.bindings({})))}
    timeline = {r["year"]: r["projects"] for r in network_timeline(store, config.ns).rows if r["projects"]}
    assert got == timeline and got[2000] > 10  # URBACT's networks have years (coop:startYear), not days


def test_doctests_of_the_filters_and_the_builder():
    import doctest

    import kg.network.build
    import kg.network.select

    assert doctest.testmod(kg.network.select).failed == 0 and doctest.testmod(kg.network.build).failed == 0


@pytest.mark.parametrize(
    "text, year", [("2013-05-01", 2013), ("2021", 2021), ("0201", None), ("9999-01-01", None), ("", None)]
)
def test_a_year_no_project_runs_in_is_no_date(text, year):
    from kg.network.select import _year

    assert _year(text) == year


@pytest.mark.slow
@pytest.mark.parametrize("source", ["https://", "https:", "http://", "/", "https://w3id.org", "GRAPH", "{graph}"])
def test_a_source_every_graph_starts_with_chooses_nothing(default_store, source):
    store, config = default_store
    with pytest.raises(KGError, match="no project comes from the source"):
        build_network(store, config.ns, source=source.format(graph=config.ns.graph))


@pytest.mark.slow
def test_web_filters_offer_programmes_and_sources_by_readable_labels(default_client):
    options = default_client.get("/api/network/options").get_json()
    programmes, sources = options["programmes"], options["sources"]
    assert len({o["label"] for o in programmes}) == len(programmes)  # no two read the same
    assert {"INTERREG IVC", "innocrafts", "urbact"} <= {o["label"] for o in programmes + sources}
    assert {o["value"] for o in sources} == {"innocrafts", "urbact"}
    assert any(o["label"].startswith("URBACT") for o in programmes)
    assert all(o["value"].startswith("http") for o in programmes)  # an IRI: exact, never a part of a name
    acronyms = [o["label"] for o in options["projects"]]
    assert len(set(acronyms)) == len(acronyms)


@pytest.mark.slow
def test_web_filters_by_programme_and_source_narrow_the_network_and_the_map(default_client, default_store):
    store, config = default_store
    options = default_client.get("/api/network/options").get_json()
    ivc = next(o["value"] for o in options["programmes"] if o["label"] == "INTERREG IVC")
    by_programme = default_client.get("/api/network", query_string={"programme": ivc}).get_json()
    assert {n["id"] for n in by_programme["nodes"]} == _members(*_ivc_projects())
    by_source = default_client.get("/api/network", query_string={"source": "urbact"}).get_json()
    expected = set(build_network(store, config.ns, source="urbact"))
    assert by_source["aggregated"] or {n["id"] for n in by_source["nodes"]} == expected
    in_2013 = default_client.get("/api/network", query_string={"programme": ivc, "year": "2013"}).get_json()
    assert {n["id"] for n in in_2013["nodes"]} == _members(*_ivc_projects())
    italy = default_client.get("/api/network", query_string={"source": "innocrafts", "country": "IT"}).get_json()
    assert italy["nodes"] and {n["country"] for n in italy["nodes"]} == {"IT"}
    assert default_client.get("/api/map", query_string={"programme": ivc}).get_json()["places"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "params, message",
    [
        ({"programme": "Horizon 2020"}, "no programme has the id, IRI or label 'Horizon 2020'"),
        ({"source": "cordis"}, "no project comes from the source 'cordis'"),
        ({"source": "innocrafts", "programme": "URBACT"}, "no project matches all of"),
    ],
)
def test_unknown_web_filter_values_are_a_400_with_a_clear_message(default_client, params, message):
    for path in ("/api/network", "/api/map"):
        answer = default_client.get(path, query_string=params)
        assert answer.status_code == 400 and message in answer.get_data(as_text=True)
        assert "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.slow
def test_transfers_narrow_to_a_source_or_programme(default_client, default_store):
    store, config = default_store
    every = default_client.get("/api/network", query_string={"kind": "transfer"}).get_json()
    for params in ({"source": "innocrafts"}, {"source": "urbact"}):
        answer = default_client.get("/api/network", query_string={"kind": "transfer", **params})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        edges = {(e["source"], e["target"]) for e in answer.get_json()["edges"]}
        expected = build_network(store, config.ns, "transfer", **params)
        assert edges == set(expected.edges) and 0 < len(edges) < len(every["edges"])


@pytest.mark.slow
@pytest.mark.parametrize("path, items", [("/api/network", "edges"), ("/api/map", "links")])
def test_strongest_sends_the_heaviest_links_and_counts_them_all(default_client, path, items):
    """A phone asks for the strongest links only (`strongest=N`): the N heaviest of what it would get otherwise,
    with the number of all of them, so that the page can say how many of how many it draws."""
    every = default_client.get(path).get_json()
    assert every["drawn"] == {"links": len(every[items]), "of": every["drawn"]["of"]}
    assert every["drawn"]["of"] >= len(every[items]) > 100
    few = default_client.get(path, query_string={"strongest": "100"}).get_json()
    weights = sorted((link["weight"] for link in every[items]), reverse=True)
    assert len(few[items]) == 100 and (few["drawn"]["links"], few["drawn"]["of"]) == (100, every["drawn"]["of"])
    assert sorted((link["weight"] for link in few[items]), reverse=True) == weights[:100]
    assert {(link["source"], link["target"]) for link in few[items]} <= {
        (x["source"], x["target"]) for x in every[items]
    }
    if items == "edges":  # the nodes and their measures are those of the whole network
        joined = {e["source"] for e in few["edges"]} | {e["target"] for e in few["edges"]}
        assert few["nodes"] == [n for n in every["nodes"] if n["id"] in joined]  # with their whole network's measures
        assert few["drawn"] == {
            "links": 100,
            "of": every["drawn"]["of"],
            "nodes": len(joined),
            "of_nodes": len(every["nodes"]),
        }
        assert (
            f"100 strongest of {every['drawn']['of']:,} links are drawn, between {len(joined)} of the" in few["message"]
        )


def _spellings_of_no_count() -> list[str]:
    """What is not a count of links from 1 to 5,000, as an attacker (or a typo) would write it."""
    numbers = ["0", "-1", "+5", "1e3", "10.0", "0x10", " 10", "10 ", "5001", "9" * 7, "9" * 40]
    unicode_digits = [
        "\u0661\u0660",
        "\u0967\u0966",
        "\uff11\uff10",
        "\u00b9",
        "\u2460",
    ]  # Arabic, Devanagari, fullwidth, ¹, ①
    return numbers + unicode_digits + ["ten", "1;DROP", "%00", "\x00"]


@pytest.mark.slow
@pytest.mark.parametrize("value", _spellings_of_no_count())
def test_strongest_takes_a_count_of_links_or_says_what_is_wrong(default_client, value):
    for path in ("/api/network", "/api/map"):
        answer = default_client.get(path, query_string={"strongest": value})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and "strongest takes" in text and "Traceback" not in text, (path, value)
        assert len(text) < 200  # the value is echoed cut short


@pytest.mark.slow
def test_the_map_page_s_own_links_switch_is_not_the_data_s_strongest(default_client):
    """`links=0` on /map hides the collaboration links (the page's switch); it is no count for the data."""
    page = default_client.get("/map?links=0&country=IT")
    assert page.status_code == 200
    preloads = _Preloads()
    preloads.feed(page.get_data(as_text=True))
    assert [media for _, media in preloads.data] == ["not all and (max-width: 40rem)", "(max-width: 40rem)"]
    (wide, _), (small, _) = preloads.data
    assert (
        wide == "/api/map?country=IT" and small == f"/api/map?country=IT&strongest={PHONE_LINKS}"
    )  # as the script asks
    assert default_client.get(small).status_code == 200


class _Preloads(HTMLParser):
    """The data a page preloads: (address, media) of each `<link rel=preload as=fetch media=...>`."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "preload" and found.get("as") == "fetch" and "media" in found:
            self.data.append((found["href"] or "", found["media"] or ""))


def test_a_phone_s_view_is_cut_from_the_wide_one_without_a_second_analysis(default_client, monkeypatch):
    """The measures of a network take the time; a phone's answer (fewer links) is made from the wide screen's."""
    import kg.network.view_data as view_data

    default_client.application.extensions["coopkg"].responses.clear()  # nothing an earlier test left

    analysed = []
    original = view_data.analyse
    monkeypatch.setattr(view_data, "analyse", lambda graph, *a, **k: analysed.append(1) or original(graph, *a, **k))
    wide = default_client.get("/api/network", query_string={"country": "IT", "kind": "city"}).get_json()
    before = len(analysed)
    phone = default_client.get("/api/network", query_string={"country": "IT", "kind": "city", "strongest": "3"})
    assert phone.status_code == 200 and len(analysed) == before
    assert len(phone.get_json()["edges"]) == min(3, len(wide["edges"]))
    assert {n["id"] for n in phone.get_json()["nodes"]} <= {n["id"] for n in wide["nodes"]}


def test_a_phone_s_ego_network_keeps_its_organisation_and_its_own_links_first(default_client):
    """Asked for one organisation's network, a phone's few links are its own first: the strongest links of the
    network alone would often leave the organisation out."""
    every = default_client.get("/api/network").get_json()
    linked = [n for n in every["nodes"] if n["weighted_degree"] > 0]
    weakest = min(linked, key=lambda n: (n["weighted_degree"], n["id"]))["id"]
    ego = {"ego": weakest, "radius": "2"}
    whole = default_client.get("/api/network", query_string=ego).get_json()
    own = [e for e in whole["edges"] if weakest in (e["source"], e["target"])]
    assert own and len(whole["edges"]) > len(own) + 1
    few = default_client.get("/api/network", query_string={**ego, "strongest": str(len(own) + 1)}).get_json()
    assert weakest in {n["id"] for n in few["nodes"]}
    assert sorted(map(str, own)) == sorted(str(e) for e in few["edges"] if weakest in (e["source"], e["target"]))
    assert len(few["edges"]) == len(own) + 1


def test_counts_of_links_other_than_a_phone_s_are_not_kept(default_client):
    """Every count from 1 to 5,000 is a valid `strongest`: kept, they would push the views out of the cache."""
    responses = default_client.application.extensions["coopkg"].responses
    responses.clear()
    default_client.get("/api/network", query_string={"country": "FR"})
    default_client.get("/api/map", query_string={"country": "FR"})
    kept = len(responses._items)
    for count in range(2001, 2031):
        for path in ("/api/network", "/api/map"):
            answer = default_client.get(path, query_string={"country": "FR", "strongest": str(count)})
            assert answer.status_code == 200
    assert len(responses._items) == kept
    default_client.get("/api/network", query_string={"country": "FR", "strongest": str(PHONE_LINKS)})
    assert len(responses._items) == kept + 1  # a phone's own count is kept
