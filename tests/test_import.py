"""`kg import`: published layouts (CORDIS exports, Interreg-style partner lists) through the mapping sets.

The fixtures are written here in the published column layouts, with both delimiters in circulation.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from helpers import INNOCRAFTS, snapshot

from kg.cli import cli
from kg.config import Config
from kg.errors import DataError
from kg.ingest.loader import build, import_files
from kg.store import open_store

ID = "https://w3id.org/coopkg/id/"
PROJECT_COLUMNS = (
    "id acronym status title startDate endDate totalCost ecMaxContribution legalBasis topics ecSignatureDate "
    "frameworkProgramme masterCall subCall fundingScheme nature objective contentUpdateDate rcn grantDoi"
).split()
ORGANISATION_COLUMNS = (
    "projectID projectAcronym organisationID vatNumber name shortName SME activityType street postCode city "
    "country nutsCode geolocation organizationURL contactForm contentUpdateDate rcn order role ecContribution "
    "netEcContribution totalCost endOfParticipation active"
).split()
CONTACT = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/contact-form/12345"


def _project(pid: str, acronym: str, decimal: str, **changes) -> dict:
    row = dict.fromkeys(PROJECT_COLUMNS, "")
    row.update(
        id=pid,
        acronym=acronym,
        status="CLOSED",
        title=f"{acronym}; a project",
        startDate="2018-01-01",
        endDate="2020-12-31",
        totalCost=f"1200000{decimal}50",
        ecMaxContribution="1000000",
        fundingScheme="RIA",
        frameworkProgramme="H2020",
        grantDoi=f"10.3030/{pid}",
    )
    row.update(changes)
    return row


def _organisation(pid: str, oid: str, name: str, country: str, activity: str, role: str, decimal: str) -> dict:
    row = dict.fromkeys(ORGANISATION_COLUMNS, "")
    row.update(
        projectID=pid,
        organisationID=oid,
        name=name,
        activityType=activity,
        role=role,
        country=country,
        city="SOMEWHERE",
        street="Main street 1",
        contactForm=CONTACT,
        geolocation="43.7696,11.2558",
        ecContribution=f"500000{decimal}25",
        vatNumber=f"{country}0001{oid}",
    )
    return row


def write_cordis(folder: Path, delimiter: str, *, projects=None, organisations=None) -> Path:
    """A CORDIS-layout pair of files: two projects, four participations of three organisations."""
    decimal = "," if delimiter == ";" else "."
    folder.mkdir(parents=True, exist_ok=True)
    projects = projects or [_project("101001", "CRAFTLAB", decimal), _project("101002", "LOOMNET", decimal)]
    organisations = organisations or [
        _organisation("101001", "999001", "COMUNE DI FIRENZE", "IT", "PUB", "coordinator", decimal),
        _organisation("101001", "999002", "ATHENS CRAFTS CHAMBER", "EL", "OTH", "participant", decimal),
        _organisation("101002", "999001", "COMUNE DI FIRENZE", "IT", "PUB", "participant", decimal),
        _organisation("101002", "999003", "LONDON DESIGN COLLEGE", "UK", "HES", "thirdParty", decimal),
    ]
    for name, columns, rows in (
        ("project.csv", PROJECT_COLUMNS, projects),
        ("organization.csv", ORGANISATION_COLUMNS, organisations),
    ):
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, columns, delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def _rows(store, query: str) -> list[dict[str, str]]:
    from kg.namespaces import Namespaces
    from kg.store.rows import select_rows

    return select_rows(store, Namespaces().sparql_prefixes() + query)


@pytest.mark.slow
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_cordis_files_in_both_delimiters(built, tmp_path, delimiter):
    store, config = built
    report = import_files(store, config, "cordis", [write_cordis(tmp_path / "h2020", delimiter)])
    assert report.validation.conforms
    organisations = {
        r["o"]: r
        for r in _rows(
            store,
            """SELECT ?o ?name ?country ?type ?lat ?long WHERE {
            ?o a coop:Organisation ; rdfs:label ?name ; coop:country/coop:countryCode ?country ;
               org:classification/skos:notation ?type ; geo:lat ?lat ; geo:long ?long }""",
        )
        if "/cordis/" in r["o"]
    }
    assert set(organisations) == {f"{ID}cordis/organisation/{i}" for i in ("999001", "999002", "999003")}
    athens = organisations[f"{ID}cordis/organisation/999002"]
    assert athens["country"] == "GR" and athens["type"] == "other"  # EL -> GR, OTH -> other
    london = organisations[f"{ID}cordis/organisation/999003"]
    assert london["country"] == "GB" and london["type"] == "university"  # UK -> GB, HES -> university
    assert float(athens["lat"]) == pytest.approx(43.7696) and float(athens["long"]) == pytest.approx(11.2558)
    roles = {
        (r["o"].rsplit("/", 1)[-1], r["p"].rsplit("/", 1)[-1]): r["role"]
        for r in _rows(
            store,
            """SELECT ?o ?p ?role WHERE {
            ?x a coop:Participation ; org:member ?o ; org:organization ?p ; org:role/skos:notation ?role .
            ?o org:memberOf ?p FILTER(CONTAINS(STR(?o), "/cordis/"))
            # the file's own projects (999001 is Florence's municipality: in the merged view, record linkage
            # gives it the bundled partner's INNOCRAFTS and CRAFTS CODE too)
            FILTER(CONTAINS(STR(?p), "/cordis/")) }""",
        )
    }
    assert roles == {
        ("999001", "101001"): "lead-partner",
        ("999002", "101001"): "partner",
        ("999001", "101002"): "partner",  # one organisation, one IRI, in two projects
        ("999003", "101002"): "third-party",
    }
    budget = _rows(store, f"SELECT ?b WHERE {{ <{ID}project/cordis/101001> coop:totalBudget ?b }}")
    assert float(budget[0]["b"]) == pytest.approx(1200000.50)  # a decimal comma in the semicolon file
    contribution = _rows(
        store, f"SELECT ?c WHERE {{ <{ID}cordis/participation/101001/999001> coop:euContribution ?c }}"
    )
    assert float(contribution[0]["c"]) == pytest.approx(500000.25)
    everything = "\n".join(snapshot(store))
    assert CONTACT not in everything and "Main street 1" not in everything  # no personal or contact data


@pytest.mark.slow
def test_importing_again_gives_the_same_graph(built, tmp_path):
    store, config = built
    folder = write_cordis(tmp_path / "h2020", ",")
    import_files(store, config, "cordis", [folder])
    once = snapshot(store)
    import_files(store, config, "cordis", [folder])
    assert snapshot(store) == once


def _spoil_organisations(folder: Path, spoil) -> None:
    with (folder / "organization.csv").open(newline="", encoding="utf-8") as f:
        rows = spoil(list(csv.DictReader(f, delimiter=";")))
    with (folder / "organization.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


BAD_VALUES = {
    # spoil the first organisation row (line 2); what --strict says; what the report says without it
    "country": (lambda r: {**r, "country": "XX"}, "unknown country 'XX'", ("country", "XX", "dropped value")),
    "geolocation": (
        lambda r: {**r, "geolocation": "43.7"},
        "has 1 part(s); 2 are expected",
        ("geolocation", "43.7", "dropped value"),
    ),
    "role": (lambda r: {**r, "role": "sponsor"}, "unknown project-role 'sponsor'", ("role", "sponsor", "dropped row")),
}


def test_a_file_without_a_key_column_is_refused_and_nothing_changes(built, tmp_path):
    store, config = built
    folder = write_cordis(tmp_path / "h2020", ";")
    _spoil_organisations(folder, lambda rows: [{k: v for k, v in r.items() if k != "role"} for r in rows])
    before = snapshot(store)
    with pytest.raises(DataError, match=re.escape("missing column(s) role")) as error:
        import_files(store, config, "cordis", [folder])
    assert "organization.csv" in str(error.value)
    assert snapshot(store) == before


@pytest.mark.parametrize("case", BAD_VALUES)
def test_strict_refuses_a_bad_value_and_nothing_changes(built, tmp_path, case):
    store, config = built
    spoil, message, _ = BAD_VALUES[case]
    folder = write_cordis(tmp_path / "h2020", ";")
    _spoil_organisations(folder, lambda rows: [spoil(rows[0]), *rows[1:]])
    before = snapshot(store)
    with pytest.raises(DataError, match=re.escape(message)) as error:
        import_files(store, config, "cordis", [folder], strict=True)
    assert "organization.csv" in str(error.value)
    assert snapshot(store) == before


@pytest.mark.slow
@pytest.mark.parametrize("case", BAD_VALUES)
def test_a_bad_value_is_left_out_and_reported(built, tmp_path, case):
    store, config = built
    spoil, message, (column, value, action) = BAD_VALUES[case]
    folder = write_cordis(tmp_path / "h2020", ";")
    _spoil_organisations(folder, lambda rows: [spoil(rows[0]), *rows[1:]])
    report = import_files(store, config, "cordis", [folder])
    found = [i for i in report.quality.issues if i.column == column and i.value == value]
    assert found and all(i.line == 2 and i.file.endswith("organization.csv") for i in found), found
    assert {i.action for i in found} == {action} and message in found[0].reason
    florence = _rows(store, f"SELECT ?name WHERE {{ <{ID}cordis/organisation/999001> rdfs:label ?name }}")
    assert florence == [{"name": "COMUNE DI FIRENZE"}]  # the organisation is loaded (from its other rows too)
    participations = _rows(store, "SELECT ?x WHERE { ?x a coop:Participation FILTER(CONTAINS(STR(?x), '/cordis/')) }")
    assert len(participations) == (3 if action == "dropped row" else 4)


@pytest.mark.slow
def test_a_bad_date_names_file_row_and_value(built, tmp_path):
    store, config = built
    folder = write_cordis(
        tmp_path / "h2020",
        ",",
        projects=[_project("101001", "CRAFTLAB", ".", startDate="2018-13-01"), _project("101002", "LOOMNET", ".")],
    )
    before = snapshot(store)
    with pytest.raises(DataError) as error:
        import_files(store, config, "cordis", [folder], strict=True)
    text = str(error.value)
    assert "project.csv" in text and "line 2" in text and "2018-13-01" in text
    assert snapshot(store) == before
    report = import_files(store, config, "cordis", [folder])
    (issue,) = [i for i in report.quality.issues if i.value == "2018-13-01"]
    assert (issue.line, issue.column, issue.action) == (2, "startDate", "dropped value")
    assert _rows(store, f"SELECT ?a WHERE {{ <{ID}project/cordis/101001> coop:acronym ?a }}") == [{"a": "CRAFTLAB"}]


@pytest.mark.slow
def test_an_interreg_style_partner_list(runner, tmp_path):
    folder = tmp_path / "alpinecrafts"
    folder.mkdir()
    (folder / "partners.csv").write_text(
        "Project acronym,Project name,Partner name,Partner role,Partner type,Country,NUTS,City,Partner budget\n"
        "ALPCRAFT,Alpine crafts network,Region of Tyrol,LP,regional-authority,AT,AT33,Innsbruck,250000.00\n"
        'ALPCRAFT,Alpine crafts network,"Chamber of Crafts, Bolzano",PP,chamber-of-commerce,IT,ITH10,Bolzano,"1,5"\n'
        "ALPCRAFT,Alpine crafts network,Observatory of Crafts,AP,research-organisation,EL,EL30,Athens,\n",
        encoding="utf-8",
    )
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["import", "--mapping", "interreg", str(folder / "partners.csv")])
    assert result.exit_code == 0, result.output
    assert "(interreg-participation)" in result.output
    query = (
        "SELECT ?name ?role ?country WHERE { ?x org:member ?o ; org:organization ?p ; org:role/skos:notation ?role . "
        "?p coop:acronym 'ALPCRAFT' . ?o rdfs:label ?name ; coop:country/coop:countryCode ?country } ORDER BY ?name"
    )
    rows = runner.invoke(cli, ["query", "-f", "csv", query]).output.splitlines()
    assert rows[1:] == [
        '"Chamber of Crafts, Bolzano",partner,IT',
        "Observatory of Crafts,associated-partner,GR",
        "Region of Tyrol,lead-partner,AT",
    ]


@pytest.mark.slow
def test_a_file_of_no_known_layout_names_what_is_missing(runner, tmp_path):
    (tmp_path / "list.csv").write_text("projectID,name\n1,X\n", encoding="utf-8")
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["import", "-m", "cordis", str(tmp_path / "list.csv")])
    assert (
        result.exit_code == 1
        and "match no layout of 'cordis'" in result.output
        and "needs the missing column(s)" in result.output
    )
    assert "the file has projectID, name" in result.output  # the columns it found
    unknown = runner.invoke(cli, ["import", "-m", "nosuchset", str(tmp_path / "list.csv")])
    assert unknown.exit_code == 1 and "known: cordis, h2020, interreg, keep" in unknown.output


@pytest.mark.slow
@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x85", "\x00\x01\x02"])
def test_control_characters_in_a_name_are_removed_and_reported(built, tmp_path, control):
    store, config = built
    rows = [_organisation("101001", "999001", f"ATHENS{control} CRAFTS CHAMBER", "EL", "OTH", "coordinator", ".")]
    report = import_files(store, config, "cordis", [write_cordis(tmp_path / "h2020", ",", organisations=rows)])
    names = _rows(store, f"SELECT ?n WHERE {{ <{ID}cordis/organisation/999001> rdfs:label ?n }}")
    assert [r["n"] for r in names] == ["ATHENS CRAFTS CHAMBER"]
    cleaned = [i for i in report.quality.issues if i.category == "control-characters"]
    assert cleaned and all(i.line == 2 for i in cleaned)
    assert f"{len(control)} control character" in cleaned[0].reason


@pytest.mark.slow
def test_a_shared_vat_number_links_only_the_same_name_and_placeholders_link_nothing(built, tmp_path):
    store, config = built
    rows = [
        _organisation("101001", "999001", "COMUNE DI FIRENZE", "IT", "PUB", "coordinator", "."),
        _organisation("101001", "999002", "Comune di Firenze", "IT", "PUB", "participant", "."),
        _organisation("101002", "999003", "CITY OF FLORENCE", "IT", "PUB", "coordinator", "."),
        _organisation("101002", "999004", "ATHENS CRAFTS CHAMBER", "EL", "OTH", "participant", "."),
        _organisation("101002", "999005", "ATHENS DESIGN SCHOOL", "EL", "HES", "participant", "."),
    ]
    rows[0]["vatNumber"] = rows[1]["vatNumber"] = rows[2]["vatNumber"] = "IT01307110484"
    rows[3]["vatNumber"] = rows[4]["vatNumber"] = "MISSING"
    report = import_files(store, config, "cordis", [write_cordis(tmp_path / "h2020", ",", organisations=rows)])
    florence, twin, city, chamber, school = (
        f"{ID}cordis/organisation/{i}" for i in ("999001", "999002", "999003", "999004", "999005")
    )
    linkage = report.linkage
    same = [(link.left, link.right) for link in linkage.same if link.method.startswith("VAT")]
    assert same == [(florence, twin)]  # one VAT number, one name
    assert {(link.left, link.right) for link in linkage.close} == {(florence, city), (twin, city)}  # reported
    cordis = "FILTER(CONTAINS(STR(?a), '/cordis/organisation/') && CONTAINS(STR(?b), '/cordis/organisation/'))"
    linked = _rows(store, f"SELECT ?a ?b WHERE {{ ?a owl:sameAs ?b {cordis} }}")
    assert [(r["a"], r["b"]) for r in linked] == [(florence, twin)]
    assert not {chamber, school} & {r[k] for r in linked for k in "ab"}  # MISSING is no VAT number
    # one VAT group under different names: a weaker link, never the same organisation
    close = _rows(store, f"SELECT ?a ?b WHERE {{ ?a skos:closeMatch ?b {cordis} }}")
    assert {(r["a"], r["b"]) for r in close} == {(florence, city), (twin, city)}
    placeholders = [i for i in report.quality.issues if i.value == "MISSING"]
    assert len(placeholders) == 2 and {i.category for i in placeholders} == {"placeholder"}
    assert "1 by VAT number and name" in report.summary() and "under different names" in report.summary()


@pytest.mark.slow
def test_a_partner_list_exported_as_a_spreadsheet(runner, tmp_path):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["Project acronym", "Project name", "Partner name", "Partner role", "Partner type", "Country", "Start date"]
    )
    start = datetime.datetime(2020, 3, 1)
    sheet.append(["XLCRAFT", "Spreadsheet crafts", "Tallinn Crafts Union", "LP", "association", "EE", start])
    sheet.append(["XLCRAFT", "Spreadsheet crafts", "Tartu Makers", "PP", "enterprise", "EE", start])
    book.save(tmp_path / "partners.xlsx")
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["import", "-m", "interreg", str(tmp_path / "partners.xlsx")])
    assert result.exit_code == 0, result.output
    query = "SELECT ?start WHERE { ?p coop:acronym 'XLCRAFT' ; schema:startDate ?start }"
    assert runner.invoke(cli, ["query", "-f", "csv", query]).output.splitlines()[1:] == ["2020-03-01"]
    sheet.append(["XLCRAFT", "Spreadsheet crafts", "Narva Guild", "sponsor", "enterprise", "EE", None])
    book.save(tmp_path / "partners.xlsx")
    bad = runner.invoke(cli, ["import", "-m", "interreg", "--strict", str(tmp_path / "partners.xlsx")])
    assert bad.exit_code == 1 and "partners.xlsx, line 4" in bad.output and "sponsor" in bad.output
    kept = runner.invoke(
        cli, ["import", "-m", "interreg", "--report", str(tmp_path / "quality.csv"), str(tmp_path / "partners.xlsx")]
    )
    assert kept.exit_code == 0, kept.output
    assert "dropped row, unknown-code: 1" in kept.output and "partners.xlsx, line 4" in kept.output
    with (tmp_path / "quality.csv").open(newline="", encoding="utf-8") as f:
        entries = list(csv.DictReader(f))
    dropped = [e for e in entries if e["action"] == "dropped row"]
    assert [(e["line"], e["column"], e["value"]) for e in dropped] == [("4", "Partner role", "sponsor")]
    import json

    document = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))
    assert {"action": "dropped row", "category": "unknown-code", "count": 1} in document["totals"]
    assert len(document["issues"]) == len(entries)


@pytest.mark.slow
def test_participations_of_projects_not_imported_link_to_stubs(built, tmp_path):
    store, config = built
    folder = write_cordis(tmp_path / "h2020", ",")
    (folder / "project.csv").unlink()
    before = snapshot(store)
    with pytest.raises(DataError, match="unknown cordis-project '101001': no row of a cordis-project file"):
        import_files(store, config, "cordis", [folder], strict=True)
    assert snapshot(store) == before
    report = import_files(store, config, "cordis", [folder])
    stubs = [i for i in report.quality.issues if i.action == "linked to a stub"]
    assert sorted(i.value for i in stubs) == ["101001", "101002"]
    project = _rows(store, f"SELECT ?label WHERE {{ <{ID}project/cordis/101001> a coop:Project ; rdfs:label ?label }}")
    assert project == [{"label": "CORDIS project 101001"}]
    folder = write_cordis(tmp_path / "h2020", ",")  # the projects file arrives: the stubs give way
    import_files(store, config, "cordis", [folder])
    labels = _rows(store, f"SELECT ?label WHERE {{ <{ID}project/cordis/101001> rdfs:label ?label }}")
    assert labels == [{"label": "CRAFTLAB; a project"}]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("places.geojson.json", '{"type": "FeatureCollection", "features": []}', "a GeoJSON file"),
        ("object.json", '{"id": 1, "name": "x"}', "not an array of objects"),
        ("broken.json", '[{"id": 1,', "not valid JSON"),
        ("list.json", '[{"projectID": 1, "name": "X"}]', "the file has projectID, name"),
        ("notes.txt", "hello", "not a file type kg import reads"),
        ("broken.xlsx", "not a spreadsheet", "not a readable XLSX spreadsheet"),
        ("broken.zip", "not a zip", "not a readable zip archive"),
    ],
    ids=["geojson", "json-object", "json-syntax", "json-unknown-layout", "text", "xlsx", "zip"],
)
def test_files_of_no_readable_layout_say_what_they_are(built, tmp_path, name, content, message):
    store, config = built
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(DataError, match=re.escape(message)) as error:
        import_files(store, config, "cordis", [path])
    assert name in str(error.value) and "columns match no layout" not in str(error.value) or "list.json" == name
    assert snapshot(store) == before


@pytest.mark.slow
def test_real_data_oddities_are_warnings_with_the_line_and_the_files_column(built, tmp_path):
    """A lump-sum grant's total cost of 0 under an EU contribution (CORDIS publishes ERC proof of concept
    grants so) is a warning naming the file's line and column, and the import goes in."""
    store, config = built
    projects = [_project("101001", "CRAFTLAB", ".", totalCost="0"), _project("101002", "LOOMNET", ".")]
    report = import_files(store, config, "cordis", [write_cordis(tmp_path / "h2020", ",", projects=projects)])
    assert report.validation.conforms
    (warning,) = [w for w in report.validation.warnings if "exceeds the total budget" in w.message]
    assert "h2020/project.csv" in warning.line() and ", line 2:" in warning.line()
    assert warning.field == "ecMaxContribution"  # the CORDIS column, not the bundled data's


@pytest.mark.slow
def test_violations_already_in_the_store_do_not_block_a_valid_load(built, tmp_path):
    from kg.errors import ValidationFailed
    from kg.ingest.loader import load

    store, config = built
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    (bad / "org.ttl").write_text(
        "<https://w3id.org/coopkg/id/bad/organisation/Z1> a <https://w3id.org/coopkg/ontology#Organisation> .\n"
    )
    (good / "extra.ttl").write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    with pytest.raises(ValidationFailed):
        load(store, config, [bad])
    load(store, config, [bad], allow_invalid=True)  # the user lets it in
    report = load(store, config, [good])  # a later, valid load is not blocked by the old violations
    quad = "<https://example.org/a> <https://example.org/b> <https://example.org/c>"
    assert f"{quad} <https://w3id.org/coopkg/graph/good/extra.ttl> ." in snapshot(store)
    assert report.validation is not None
    import_files(store, config, "cordis", [write_cordis(tmp_path / "h2020", ",")])  # nor a valid import


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["sp ace", "a#b", "q?x", 'lt<gt>"{|}^`', "100%zz"])
def test_a_folder_or_file_name_no_iri_can_hold_still_imports(folder, tmp_path):
    """The folder and file names make the file's named graph: a name an IRI cannot hold, or that would make a
    fragment or a query of it, loads under a readable slug instead of ending in a traceback."""
    config = Config(store="memory", link_review="none")
    store = open_store(config)
    build(store, config, INNOCRAFTS)
    (tmp_path / folder).mkdir()
    partners = tmp_path / folder / f"{folder[:3]} partners.csv"
    partners.write_text(
        "Programme,Acronym,Project Partner,Lead Partner,Town,Country,Country code\n"
        "ProgX,ACRX,Partner X,Yes,Rome,Italy,IT\n",
        encoding="utf-8",
    )
    import_files(store, config, "keep", [partners])
    graphs = [g for g in store.graphs() if "partners.csv" in g or "partners-csv" in g]
    assert graphs and all("#" not in g and "?" not in g for g in graphs)
    names = store.query("SELECT ?n WHERE { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?n }")
    assert "Partner X" in {row["n"].value for row in names}
