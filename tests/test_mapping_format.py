"""The mapping format for partner lists nobody has a set for: row filters, defaults, composite keys, value
maps, order checks, and clear errors for every mapping mistake (never a traceback)."""

from __future__ import annotations

import pytest

from kg.errors import DataError
from kg.ingest.loader import import_files
from kg.store.rows import select_rows

PARTNERS = """\
Programme;Acronym;Partner;Type;Country;Role;Joined;Left
Interreg Europe;CRAFTNET;Municipality of Łódź;municipality;PL;LP;2017-01-01;2020-12-31
Interreg Europe;CRAFTNET;Κέντρο Χειροτεχνίας Θάσου;;GR;PP;2017-01-01;2020-12-31
Interreg Europe;CRAFTNET;;association;IT;PP;2017-01-01;2020-12-31
Interreg Europe;CRAFTNET;Crafts Council Bruxelles;;BE;PP;2027-02-31;2020-12-31
Interreg Europe;CRAFTNET;Atelier Lyon;enterprise;FR;PP;2019-03-01;2019-02-28
Interreg Central Europe;CRAFTNET;Municipality of Łódź;municipality;PL;PP;2018-05-01;2021-04-30
Interreg Central Europe;CRAFTNET;;;;;;
Interreg Central Europe;CRAFTNET;   ;other;AT;PP;2018-05-01;2021-04-30
Interreg Central Europe;CRAFTNET;Vienna Design Week;design-firm;AT;PP;2018-05-01;2021-04-30
"""

MAPPING = """\
mappings:
  - kind: list-project
    subject: "list/project/{Programme}/{Acronym}"
    class: [coop:Project]
    header: [Programme, Acronym, Partner]
    other_columns: ignore
    repeats: true
    fixed: {dcterms:source: "https://example.org/partners"}
    columns:
      Programme: {}
      Acronym: [{property: coop:acronym, required: true}, {property: rdfs:label}]
  - kind: list-partner
    subject: "{dataset}/organisation/{Partner}"
    class: [coop:Organisation]
    header: [Programme, Acronym, Partner]
    other_columns: ignore
    repeats: true
    skip: [{column: Partner, empty: true}]
    fixed: {dcterms:source: "https://example.org/partners"}
    columns:
      Partner: {property: rdfs:label, required: true}
      Type:
        property: org:classification
        concept: organisation-type
        default: other
        values: {design-firm: enterprise}
      Country: {property: coop:country, link: country}
  - kind: list-participation
    subject: "{dataset}/participation/{Programme}/{Acronym}/{Partner}"
    class: [coop:Participation]
    header: [Programme, Acronym, Partner]
    other_columns: ignore
    skip: [{column: Partner, empty: true}]
    fixed: {dcterms:source: "https://example.org/partners"}
    order: [[Joined, Left]]
    columns:
      Programme: {}
      Acronym:
        property: org:organization
        link: list-project
        key: {Programme: Programme, Acronym: Acronym}
        required: true
      Partner: {property: org:member, link: list-partner, required: true}
      Role: {property: org:role, concept: project-role, values: {LP: lead-partner, PP: partner}, required: true}
      Joined: {property: schema:startDate, datatype: xsd:date}
      Left: {property: schema:endDate, datatype: xsd:date}
"""


@pytest.fixture
def partner_list(tmp_path):
    folder = tmp_path / "craftnet"
    folder.mkdir()
    (folder / "partners.csv").write_text(PARTNERS, encoding="utf-8")
    (tmp_path / "list.yaml").write_text(MAPPING, encoding="utf-8")
    return folder / "partners.csv", tmp_path / "list.yaml"


def _issues(report, action: str) -> dict[int, str]:
    return {i.line: i.column for i in report.quality.issues if i.action == action}


@pytest.mark.slow
def test_a_messy_partner_list_imports_with_a_mapping_of_documented_keys(bundled_store, partner_list):
    store, config = bundled_store[0].in_memory(), bundled_store[1]
    data, mapping = partner_list
    report = import_files(store, config, str(mapping), [data])
    assert _issues(report, "skipped row") == {4: "Partner", 8: "Partner", 9: "Partner"}  # no partner name
    assert {line for line, column in _issues(report, "defaulted").items() if column == "Type"} == {3, 5}
    dropped = {(i.line, i.column, i.category) for i in report.quality.issues if i.action == "dropped value"}
    assert (5, "Joined", "invalid-date") in dropped  # 2027-02-31
    assert (6, "Left", "end-before-start") in dropped  # left a day before joining: both dates left out
    rows = select_rows(
        store,
        config.ns.sparql_prefixes()
        + """SELECT ?p ?name ?role (COALESCE(STR(?s), "") AS ?start) WHERE { ?x a coop:Participation ;
           org:member/rdfs:label ?name ; org:role/skos:notation ?role ; org:organization ?p .
           OPTIONAL { ?x schema:startDate ?s } FILTER(CONTAINS(STR(?x), "/craftnet/")) } ORDER BY ?p ?name""",
    )
    projects = {r["p"] for r in rows}
    assert len(projects) == 2  # one acronym in two programmes: two projects (the composite key)
    assert len(rows) == 6
    by_name = {(r["p"].split("/")[-2], r["name"]): r for r in rows}
    assert by_name[("interreg-europe-" + _digest("Interreg Europe"), "Municipality of Łódź")]["role"] == "lead-partner"
    assert by_name[("interreg-europe-" + _digest("Interreg Europe"), "Crafts Council Bruxelles")]["start"] == ""
    types = select_rows(
        store,
        config.ns.sparql_prefixes()
        + """SELECT ?name ?type WHERE { ?o a coop:Organisation ; rdfs:label ?name ;
           org:classification/skos:notation ?type FILTER(CONTAINS(STR(?o), "/craftnet/")) } ORDER BY ?name""",
    )
    assert {r["name"]: r["type"] for r in types}["Vienna Design Week"] == "enterprise"  # a value map fixed it
    assert {r["name"]: r["type"] for r in types}["Κέντρο Χειροτεχνίας Θάσου"] == "other"  # the default
    iris = {
        r["o"] for r in select_rows(store, "SELECT ?o WHERE { ?o a <https://w3id.org/coopkg/ontology#Organisation> }")
    }
    assert any(
        i.endswith("/craftnet/organisation/kentro-cheirotechnias-thasoy-" + _digest("Κέντρο Χειροτεχνίας Θάσου"))
        for i in iris
    )  # a readable ASCII IRI
    assert all(i.isascii() and " " not in i for i in iris)


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:8]


MISTAKES = {
    "mapping-key": (
        ("    repeats: true\n", "    repeat: true\n"),
        "unknown key 'repeat' in the mapping; did you mean 'repeats'?",
    ),
    "column-key": (
        ("default: other", "defualt: other"),
        "unknown key 'defualt' in column 'Type'; did you mean 'default'?",
    ),
    "column-name": (
        ("Country: {property: coop:country", "Countyr: {property: coop:country"),
        "'Countyr', which is not in the file; the nearest is 'Country'",
    ),
    "composite-key": (
        ("key: {Programme: Programme, Acronym: Acronym}", "key: {Programme: Programme}"),
        "does not fill 'Acronym'",
    ),
    "key-column": (
        ("key: {Programme: Programme, Acronym: Acronym}", "key: {Programme: Programme, Acronym: Acronm}"),
        "names the column 'Acronm', which it does not have; did you mean 'Acronym'?",
    ),
    "skip-column": (
        ("skip: [{column: Partner, empty: true}]", "skip: [{column: Partners, empty: true}]"),
        "did you mean 'Partner'?",
    ),
    "bad-pattern": (
        ("      Country: {property: coop:country, link: country}", "      Country: {pattern: '(['}"),
        "the pattern is not a regular expression",
    ),
    "valid": (("", ""), None),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", MISTAKES)
def test_mapping_mistakes_are_clear_errors(bundled_store, partner_list, case):
    store, config = bundled_store[0].in_memory(), bundled_store[1]
    data, mapping = partner_list
    change, message = MISTAKES[case]
    text = MAPPING.replace(*change, 1) if change[0] else MAPPING
    assert text != MAPPING or message is None
    mapping.write_text(text, encoding="utf-8")
    if message is None:
        import_files(store, config, str(mapping), [data])
        return
    with pytest.raises(DataError) as error:
        import_files(store, config, str(mapping), [data])
    assert message in str(error.value)
