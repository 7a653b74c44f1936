"""The mapping keys that programme exports need: one place per GeoNames id across sources (same_as,
on_match, geonames), free keywords beside a code list (split: lines, unmatched), stated date and decimal
forms, columns left out with a reason, dotted column names in subjects, and SSSOM crosswalks."""

from __future__ import annotations

import pytest
from helpers import INNOCRAFTS

from kg.errors import DataError
from kg.ingest.loader import import_files
from kg.ingest.sssom import read_sssom
from kg.store.rows import select_rows

CITIES = """\
Place.Code;Name;Country;lat;lon;Tags;Seen;Population
3176959;Firenze;IT;43,77925;11,24626;"Culture & Heritage
      Youth
                  crafts   shops";02/06/2017;380000
2988507;Paris;FR;48,85341;2,3488;Governance;31/12/2016;2100000
99999999;Nowhere;FR;45,315;2,5;"Youth
      crafts   shops";13/13/2016;1
"""

MAPPING = """\
mappings:
  - kind: test-city
    subject: "city/{Place.Code}"
    same_as: "https://sws.geonames.org/{}/"
    class: [coop:City]
    header: [Place.Code, Name]
    ignore: {Population: "a fact of another year"}
    fixed: {dcterms:source: "https://example.org/places"}
    columns:
      Place.Code: [{property: dcterms:identifier, required: true}, {property: owl:sameAs, iri: "https://sws.geonames.org/{}/"}]
      Name: {property: rdfs:label, lang: en, on_match: skos:altLabel}
      Country: {property: coop:country, link: country, required: true}
      lat: {property: geo:lat, datatype: xsd:decimal, decimal: ",", geonames: latitude}
      lon: {property: geo:long, datatype: xsd:decimal, decimal: ",", geonames: longitude}
      Tags: {property: coop:theme, concept: urbact-theme, split: lines, unmatched: schema:keywords}
      Seen: {property: coop:labelDate, datatype: xsd:date, date_form: "%d/%m/%Y"}
"""


@pytest.fixture
def imported(built, tmp_path):
    store, config = built
    folder = tmp_path / "places"
    folder.mkdir()
    (folder / "cities.csv").write_text(CITIES, encoding="utf-8")
    (tmp_path / "cities.yaml").write_text(MAPPING, encoding="utf-8")
    report = import_files(store, config, str(tmp_path / "cities.yaml"), [folder / "cities.csv"])
    return store, config, report


def _rows(store, config, query):
    return select_rows(store, config.ns.sparql_prefixes() + query)


@pytest.mark.slow
def test_a_city_the_store_has_by_geonames_id_keeps_its_iri_and_gains_the_spelling(imported):
    store, config, report = imported
    florence = _rows(store, config, "SELECT ?c WHERE { ?c owl:sameAs <https://sws.geonames.org/3176959/> }")
    assert [r["c"] for r in florence] == [f"{config.ns.id}city/florence"]
    names = _rows(store, config, f"SELECT ?n WHERE {{ <{config.ns.id}city/florence> skos:altLabel ?n }}")
    assert "Firenze" in {r["n"] for r in names}
    # the matched row added nothing else: still one latitude
    lats = _rows(store, config, f"SELECT ?l WHERE {{ <{config.ns.id}city/florence> geo:lat ?l }}")
    assert len(lats) == 1
    assert any(i.action == "matched" and i.value == "3176959" for i in report.quality.issues)


@pytest.mark.slow
def test_a_new_city_gets_an_iri_by_its_id_and_geonames_point(imported):
    store, config, report = imported
    nowhere = f"{config.ns.id}city/99999999"
    rows = _rows(store, config, f"SELECT ?lat ?label WHERE {{ <{nowhere}> geo:lat ?lat ; rdfs:label ?label }}")
    # not in the shipped GeoNames table: the file's value, with its declared decimal comma
    assert rows == [{"lat": "45.315", "label": "Nowhere"}]
    assert any(i.category == "decimal-comma" and i.value == "45,315" for i in report.quality.issues)


@pytest.mark.slow
def test_themes_and_free_keywords_are_split_on_lines_and_runs_of_spaces(imported):
    store, config, report = imported
    nowhere = f"<{config.ns.id}city/99999999>"
    keywords = _rows(store, config, f"SELECT ?k WHERE {{ {nowhere} schema:keywords ?k }}")
    assert {r["k"] for r in keywords} == {"crafts", "shops"}
    # the theme's English label (urbact-themes.ttl names it in the pages' languages too)
    query = f'SELECT ?l WHERE {{ {nowhere} coop:theme/skos:prefLabel ?l FILTER(LANG(?l) = "en") }}'
    themes = _rows(store, config, query)
    assert {r["l"] for r in themes} == {"Youth"}
    kept = {i.reason for i in report.quality.issues if i.category == "kept-as-keyword"}
    assert any("'crafts'" in reason for reason in kept) and any("'shops'" in reason for reason in kept)


@pytest.mark.slow
def test_stated_date_form_reads_the_day_first_and_a_bad_day_is_reported(imported):
    store, config, report = imported
    rows = _rows(
        store, config, "SELECT ?d WHERE { ?c owl:sameAs <https://sws.geonames.org/2988507/> ; coop:labelDate ?d }"
    )
    assert rows == []  # Paris is a bundled city: the matched row adds only its spelling
    nowhere = _rows(store, config, f"SELECT ?d WHERE {{ <{config.ns.id}city/99999999> coop:labelDate ?d }}")
    assert nowhere == []
    assert any(
        i.column == "Seen" and i.value == "13/13/2016" and i.action == "dropped value" for i in report.quality.issues
    )


@pytest.mark.slow
def test_a_column_left_out_is_reported_with_its_reason(imported):
    _, _, report = imported
    left = [i for i in report.quality.issues if i.action == "column left out"]
    assert [(i.column, i.reason) for i in left] == [("Population", "a fact of another year")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "change, message",
    [
        ("geonames: latitude}", "geonames is latitude or longitude"),
        ('same_as: "https://sws.geonames.org/{}/"\n    subject: "city/{Place.Code}/{Name}"', "exactly one"),
    ],
)
def test_a_mapping_mistake_is_an_error_naming_it(built, tmp_path, change, message):
    store, config = built
    mapping = MAPPING
    if change.startswith("geonames"):
        mapping = mapping.replace("geonames: latitude}", "geonames: height}")
    else:
        mapping = mapping.replace('subject: "city/{Place.Code}"', 'subject: "city/{Place.Code}/{Name}"')
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "cities.csv").write_text(CITIES, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        import_files(store, config, str(tmp_path / "m.yaml"), [tmp_path / "cities.csv"])


SSSOM = """\
#curie_map:
#  a: https://example.org/a/
#  b: https://example.org/b/
#mapping_set_id: https://example.org/set
subject_id\tpredicate_id\tobject_id\tmapping_justification\tcomment
a:one\tskos:relatedMatch\tb:two\tsemapv:ManualMappingCuration\tbecause they are near
"""


def test_an_sssom_crosswalk_gives_the_skos_triple_and_its_reason(tmp_path):
    path = tmp_path / "x.sssom.tsv"
    path.write_text(SSSOM, encoding="utf-8")
    text = read_sssom(path)
    assert (
        "<https://example.org/a/one> <http://www.w3.org/2004/02/skos/core#relatedMatch> <https://example.org/b/two> ."
        in text
    )
    assert '"because they are near"@en' in text


@pytest.mark.parametrize(
    "bad, where",
    [
        (
            "a:one\thttp://www.w3.org/2002/07/owl#sameAs\tb:two\tsemapv:ManualMappingCuration\tx",
            "not a SKOS mapping property",
        ),
        ("zz:one\tskos:closeMatch\tb:two\tsemapv:ManualMappingCuration\tx", "neither an IRI nor a CURIE"),
        ("a:one\tskos:closeMatch\tb:two two\tsemapv:ManualMappingCuration\tx", "line 7"),
    ],
)
def test_a_bad_crosswalk_row_names_the_file_and_line(tmp_path, bad, where):
    path = tmp_path / "x.sssom.tsv"
    path.write_text(SSSOM + bad + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=where) as caught:
        read_sssom(path)
    assert "x.sssom.tsv" in str(caught.value)


def test_import_show_prints_a_built_in_set_that_reads_back(runner):
    import yaml

    from kg.cli import cli

    result = runner.invoke(cli, ["import", "--show", "urbact"])
    assert result.exit_code == 0, result.output
    specs = [yaml.safe_load(part.split("\n", 1)[1]) for part in result.output.split("# ---- ")[1:]]
    kinds = {m["kind"] for spec in specs for m in spec["mappings"]}
    assert {"urbact-network", "urbact-membership", "urbact-practice"} <= kinds
    wrong = runner.invoke(cli, ["import", "--show", "no-such-set"])
    assert wrong.exit_code == 2 and "urbact" in wrong.output and "Traceback" not in wrong.output


@pytest.mark.slow
def test_an_unknown_column_names_the_way_to_read_past_it_and_placeholders_can_be_per_column(built, tmp_path):
    store, config = built
    (tmp_path / "list.csv").write_text("Name;Budget;Extra\nA;0;x\nB;-;y\n", encoding="utf-8")
    mapping = """\
kind: t-project
subject: "t/project/{Name}"
class: [coop:Project]
fixed: {dcterms:source: "https://example.org/list"}
columns:
  Name: {property: rdfs:label, required: true}
  Budget: {property: coop:totalBudget, datatype: xsd:decimal, missing: ["-"]}
"""
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    with pytest.raises(DataError, match="other_columns: ignore"):
        import_files(store, config, str(tmp_path / "m.yaml"), [tmp_path / "list.csv"])
    (tmp_path / "m.yaml").write_text(mapping.replace("columns:", "ignore: {Extra: a note}\ncolumns:"), encoding="utf-8")
    report = import_files(store, config, str(tmp_path / "m.yaml"), [tmp_path / "list.csv"])
    budgets = _rows(store, config, "SELECT ?n ?b WHERE { ?p a coop:Project ; rdfs:label ?n ; coop:totalBudget ?b }")
    assert {(r["n"], r["b"]) for r in budgets if r["n"] in "AB"} == {("A", "0")}
    assert any(i.value == "-" and i.category == "placeholder" for i in report.quality.issues)


@pytest.mark.slow
def test_the_report_is_written_even_when_the_import_fails(runner, tmp_path):
    import json

    from kg.cli import cli

    assert runner.invoke(cli, ["build", "--quiet", *map(str, INNOCRAFTS)]).exit_code == 0
    networks = tmp_path / "UrbactNetworks.csv"
    # a network file whose Type column names a network type no list has, and a row whose key is empty
    networks.write_text(
        "Code_Network;Name;Phase;Type;Start;End\n1;A;Urbact III;Transfer;2019;2021\n;B;Urbact III;Transfer;2019;x\n",
        encoding="utf-8",
    )
    done = runner.invoke(cli, ["import", "-m", "urbact", "--strict", str(networks), "--report", str(tmp_path / "r")])
    assert done.exit_code == 1 and "Traceback" not in done.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(f["file"].endswith("UrbactNetworks.csv") for f in report["files"])
    assert "the data-quality report" in done.output
