"""The good-practice template goes out and comes back: `kg practices export` writes it, a partner fills it in,
and `kg import -m practice-template` reads it into the graph with the usual data-quality report.

The round trip is checked on the data itself: the practices of the bundled INNOCRAFTS data are exported,
imported into a store of the same data without its practices, and every fact about every practice is
compared, by SPARQL, with the original store's."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from helpers import INNOCRAFTS, bundled_rows

from kg.cli import cli
from kg.config import Config
from kg.ingest.loader import build
from kg.resources import resource_dir
from kg.store import open_store

NS = Config(store="memory").ns
PRACTICE = str(NS.id) + "innocrafts/practice/"

#: Every fact about every practice: (practice IRI, property IRI, value as N-Triples, so that a language tag
#: or a datatype that changed counts as a difference).
FACTS = (
    NS.sparql_prefixes()
    + "SELECT DISTINCT ?practice ?property ?value WHERE { ?practice a coop:GoodPractice ; ?property ?value }"
)

#: The fields of the template that the bundled practices fill, by the property each becomes.
TEMPLATE_PROPERTIES = [
    "rdfs:label",
    "dcterms:description",
    "dcterms:identifier",
    "coop:project",
    "coop:theme",
    "coop:sector",
    "coop:targetGroup",
    "coop:startYear",
    "coop:endYear",
    "coop:resourcesNeeded",
    "coop:evidenceOfSuccess",
    "coop:funding",
    "coop:owner",
    "coop:city",
    "coop:country",
    "coop:presentedAt",
    "dcterms:source",
    "coop:confidence",
    "coop:uncertainProperty",
    "skos:editorialNote",
]


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return NS.prefixes[prefix] + local


def facts(location: str) -> dict[str, set[tuple[str, str]]]:
    """Property IRI -> the (practice, value) pairs of the store at `location`."""
    by_property: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with open_store(location, read_only=True) as store:
        for row in store.query(FACTS):
            by_property[row["property"].value].add((row["practice"].value, str(row["value"])))
    return by_property


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> str:
    """An on-disk store of the bundled INNOCRAFTS data (what conftest's shared test stores hold)."""
    location = f"oxigraph:{tmp_path_factory.mktemp('original') / 'store'}"
    with open_store(location, create=True) as store:
        build(store, Config(store=location), INNOCRAFTS)
    return location


@pytest.fixture(scope="module")
def without_practices(tmp_path_factory) -> Path:
    """An on-disk store of the same data without its practices: the ontology, the countries, the projects,
    partners, cities and events that practices link to. (The transfers go too: they name practices.)"""
    root = tmp_path_factory.mktemp("without-practices")
    folder = root / "innocrafts"
    shutil.copytree(resource_dir("data") / "innocrafts", folder)
    for name in ("practices.csv", "transfers.csv"):
        (folder / name).unlink()
    location = f"oxigraph:{root / 'store'}"
    with open_store(location, create=True) as store:
        build(store, Config(store=location), [folder, *INNOCRAFTS[1:]])
    return root / "store"


@pytest.fixture
def fresh(without_practices, tmp_path) -> str:
    """A copy of the store without practices, for one test to import into."""
    shutil.copytree(without_practices, tmp_path / "fresh", symlinks=True)
    return f"oxigraph:{tmp_path / 'fresh'}"


def export(runner, store: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".")
    result = runner.invoke(cli, ["--store", store, "practices", "export", "-f", fmt, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def import_template(runner, store: str, path: Path, report: Path):
    result = runner.invoke(
        cli, ["--store", store, "import", "-q", "-m", "practice-template", str(path), "--report", str(report)]
    )
    assert result.exception is None and "Traceback" not in result.output, result.output
    assert result.exit_code == 0, result.output
    return result, json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_exported_template_imports_back_as_the_same_practices(runner, original, fresh, tmp_path, fmt):
    # saved in a folder named after the dataset, as the export's practices are ({dataset}/practice/{id})
    template = export(runner, original, tmp_path / "partner" / "innocrafts" / f"good-practices.{fmt}")
    _, report = import_template(runner, fresh, template, tmp_path / "quality")

    # every row loaded, nothing dropped or guessed: only several addresses in one Source cell (each kept)
    # and the name columns, read through their coopkg id columns, are in the report
    (table,) = report["files"]
    assert table["kind"] == "template-practice"
    assert table["rows_read"] == table["rows_loaded"] == bundled_rows("practices.csv")
    assert table["rows_dropped"] == table["rows_skipped"] == 0
    assert {(i["action"], i["category"]) for i in report["issues"]} <= {
        ("normalised", "several-values"),
        ("column left out", "column-ignored"),
    }

    before, after = facts(original), facts(fresh)
    # the same practices, by the same IRIs
    iris = {p for p, _ in before[expand("rdfs:label")]}
    assert len(iris) == bundled_rows("practices.csv") and all(i.startswith(PRACTICE) for i in iris)
    assert {p for p, _ in after[expand("rdfs:label")]} == iris
    # each field of the template, compared fact by fact (the comparison is not empty for any of them)
    for curie in TEMPLATE_PROPERTIES:
        prop = expand(curie)
        assert before[prop], f"no bundled practice has {curie}: the comparison would prove nothing"
        assert after[prop] == before[prop], f"{curie} differs after the round trip"
    # and nothing else was lost or added: the classes, and what the ontology's axioms infer, are the same too
    assert set(after) == set(before)
    for prop in before:
        assert after[prop] == before[prop], f"<{prop}> differs after the round trip"

    # the imported store gives the same template again, byte for byte
    first = export(runner, original, tmp_path / "first.csv").read_bytes()
    again = export(runner, fresh, tmp_path / "again.csv").read_bytes()
    assert again == first


@pytest.mark.slow
def test_a_partners_mistakes_are_reported_and_the_good_rows_load(runner, original, fresh, tmp_path):
    from openpyxl import load_workbook

    template = export(runner, original, tmp_path / "partner" / "innocrafts" / "good-practices.xlsx")
    book = load_workbook(template)
    sheet = book.active
    columns = [cell.value for cell in sheet[1]]
    given = {
        "Good practice title": "Craft voucher pilot",
        "Topic of the practice": "T9",  # no such theme: T1 to T4
        "Start date of the practice": "2015",
        "End date of the practice": "2016",
        "Good practice information (description)": "Vouchers for craft SMEs to buy design services.",
        "Resources needed": "One officer for a year.",
        "Evidence of success": "40 vouchers used.",
        "Potential for learning or transfer": "Any municipality with a crafts register.",
        "Difficulties encountered": "Slow payments to designers.",
        "Funding": "EUR 50,000",
        "Sectors": "Design-led crafts; textiles",  # a label and a code
        "Target groups": "Craft SMEs",
        "Source": "https://example.org/craft-vouchers",
        "Confidence": "medium",
        "coopkg practice id": "IC-GP90",
        "coopkg project id": "innocrafts",
        "coopkg owner id": "P01",
        "coopkg city id": "florence",
        "coopkg country code": "IT",
    }
    untitled = {**given, "Good practice title": "", "coopkg practice id": "IC-GP91", "Topic of the practice": "T2"}
    sheet.append([given.get(c, "") for c in columns])
    sheet.append([untitled.get(c, "") for c in columns])
    book.save(template)
    rows = bundled_rows("practices.csv")
    bad_theme_line, untitled_line = rows + 2, rows + 3

    result, report = import_template(runner, fresh, template, tmp_path / "quality")

    (table,) = report["files"]
    assert (table["rows_read"], table["rows_loaded"], table["rows_dropped"]) == (rows + 2, rows + 1, 1)
    issues = {(i["line"], i["column"], i["action"], i["category"]): i for i in report["issues"]}
    theme = issues[(bad_theme_line, "Topic of the practice", "kept as text", "unknown-code")]
    assert theme["value"] == "T9" and "T1" in theme["reason"]
    title = issues[(untitled_line, "Good practice title", "dropped row", "empty-required")]
    assert "required" in title["reason"]
    # the summary printed by the command says both
    assert "kept as text, unknown-code: 1" in result.output and "dropped row, empty-required: 1" in result.output
    assert f"line {bad_theme_line}, column 'Topic of the practice': 'T9'" in result.output

    after = facts(fresh)
    labelled = {p for p, _ in after[expand("rdfs:label")]}
    originals = {p for p, _ in facts(original)[expand("rdfs:label")]}
    new = PRACTICE + "IC-GP90"
    assert labelled == originals | {new}  # the good rows, the partner's new practice among them
    assert PRACTICE + "IC-GP91" not in {p for props in after.values() for p, _ in props}

    def values(curie: str) -> set[str]:
        return {v for p, v in after[expand(curie)] if p == new}

    assert values("coop:theme") == set() and values("coop:unmappedCode") == {'"T9"'}
    assert values("coop:potentialForTransfer") == {'"Any municipality with a crafts register."@en'}
    assert values("coop:difficultiesEncountered") == {'"Slow payments to designers."@en'}
    assert values("coop:startYear") == {f'"2015"^^<{expand("xsd:gYear")}>'}
    assert values("coop:endYear") == {f'"2016"^^<{expand("xsd:gYear")}>'}
    assert values("coop:sector") == {f"<{NS.concept('sector', 'design')}>", f"<{NS.concept('sector', 'textiles')}>"}
    assert values("coop:targetGroup") == {f"<{NS.concept('target-group', 'craft-smes')}>"}
    assert values("coop:owner") == {f"<{NS.id}innocrafts/organisation/P01>"}
    assert values("coop:project") == {f"<{NS.id}project/innocrafts>"}


@pytest.mark.slow
def test_a_template_without_the_coopkg_columns_is_refused_with_what_it_lacks(runner, fresh, tmp_path):
    path = tmp_path / "innocrafts" / "old.csv"
    path.parent.mkdir()
    path.write_text(
        "Good practice title,Good practice information (description),Source\n"
        "Craft vouchers,Vouchers for craft SMEs.,https://example.org/v\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["--store", fresh, "import", "-q", "-m", "practice-template", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "coopkg practice id" in result.output and "coopkg project id" in result.output
