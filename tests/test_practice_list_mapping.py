"""A list of good practices published by another platform, imported with a mapping written from the docs: the
file's own themes become a SKOS scheme, the programme is named in the mapping, countries are given by name,
IRIs come from part of the page address, repeated rows that disagree are reported, the SHACL failures are
summarised with their fix, and the built-in `practice-list` example imports such a file as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import INNOCRAFTS

from kg.errors import DataError, ValidationFailed
from kg.ingest.loader import import_files
from kg.resources import mapping_sets
from kg.store.rows import select_rows

#: A platform's export: English country names, themes by "; " or one a line, a theme with a comma in it,
#: one organisation on two rows that give it two cities, and page addresses with a slash or a query after.
PRACTICES = (
    "Title,Summary,URL,Country,Themes,Organisation,City\n"
    "Craft hubs in old mills,Old mills become shared workshops for makers.,"
    "https://example.eu/good-practices/craft-hubs-in-old-mills-123,Italy,"
    "Culture & heritage; SME competitiveness,Comune di Prato,Prato\n"
    "Green roofs for schools,Schools grow gardens on their roofs.,"
    "https://example.eu/good-practices/green-roofs-456,Czech Republic,"
    '"Environment, energy\nCulture & heritage",Brno City Municipality,Brno\n'
    "Digital craft skills,Courses that bring makers online.,"
    "https://example.eu/good-practices/digital-craft-skills-789/,Slovakia,"
    "SME competitiveness,Bratislava Self-Governing Region,Bratislava\n"
    "Makers' markets,Monthly markets for local makers.,"
    "https://example.eu/good-practices/makers-markets-101?lang=en,Czech Republic,"
    '"Culture & Heritage;Environment, energy",Brno City Municipality,Brno-střed\n'
)

EXAMPLE = str(mapping_sets()["practice-list"][0])


@pytest.fixture
def practice_file(tmp_path):
    folder = tmp_path / "platform"
    folder.mkdir()
    path = folder / "good-practices.csv"
    path.write_text(PRACTICES, encoding="utf-8")
    return path


@pytest.fixture
def imported(built, practice_file):
    store, config = built
    report = import_files(store, config, EXAMPLE, [practice_file])
    return store, config, report


def _rows(store, config, query):
    return select_rows(store, config.ns.sparql_prefixes() + query)


def _mapping(**changes: str) -> str:
    """The example mapping with some of its text replaced."""
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


# 1. the file's own code list


@pytest.mark.slow
def test_the_files_own_themes_become_concepts_of_a_scheme_named_in_the_mapping(imported):
    store, config, report = imported
    scheme = str(config.ns.scheme["example-themes"])
    concepts = _rows(
        store,
        config,
        f"SELECT ?c ?label WHERE {{ ?c a skos:Concept ; skos:inScheme <{scheme}> ; skos:prefLabel ?label }}",
    )
    assert {(r["c"].rsplit("/", 1)[-1], r["label"]) for r in concepts} == {
        ("culture-heritage", "Culture & heritage"),
        ("sme-competitiveness", "SME competitiveness"),
        ("environment-energy", "Environment, energy"),  # a comma inside a theme: one theme
    }
    assert _rows(store, config, f"SELECT ?l WHERE {{ <{scheme}> a skos:ConceptScheme ; skos:prefLabel ?l }}") == [
        {"l": "Themes of the example platform"}
    ]
    themes = _rows(
        store,
        config,
        "SELECT ?t WHERE { ?p a coop:GoodPractice ; rdfs:label 'Green roofs for schools'@en ; "
        "coop:theme/skos:notation ?t }",
    )
    assert {r["t"] for r in themes} == {"environment-energy", "culture-heritage"}  # split on a line break
    assert not _rows(store, config, "SELECT ?v WHERE { ?p coop:unmappedCode ?v }")
    assert not [i for i in report.quality.issues if i.category == "unknown-code"]


@pytest.mark.slow
def test_another_spelling_of_a_theme_is_the_same_concept_with_an_alternative_label(imported):
    store, config, _ = imported
    alt = _rows(store, config, "SELECT ?l WHERE { ?c skos:notation 'culture-heritage' ; skos:altLabel ?l }")
    assert [r["l"] for r in alt] == ["Culture & Heritage"]


@pytest.mark.slow
def test_the_practice_index_theme_filter_offers_the_files_themes(imported):
    from kg.publish.describe import StoreReader, practice_filters

    store, config, _ = imported
    themes = practice_filters(StoreReader(store), config.ns)["theme"]
    assert ("Environment, energy", "Themes of the example platform") in {(label, s) for _, label, s in themes}


@pytest.mark.slow
def test_the_files_themes_are_the_practices_theme_facets_for_similarity(imported):
    from kg.practices.text import read_practices

    store, config, _ = imported
    facets = {p.title: p.facets.get("themes", set()) for p in read_practices(store, config.ns)}
    assert facets["Green roofs for schools"] == {"Environment, energy", "Culture & heritage"}
    assert facets["Digital craft skills"] == {"SME competitiveness"}


def test_a_scheme_of_the_ontology_cannot_be_made_again(built, practice_file, tmp_path):
    store, config = built
    (tmp_path / "m.yaml").write_text(_mapping(**{"name: example-themes": "name: theme"}), encoding="utf-8")
    with pytest.raises(DataError, match="concept: theme"):
        import_files(store, config, str(tmp_path / "m.yaml"), [practice_file])


# 2. no hand-made project


@pytest.mark.slow
def test_the_programme_named_in_the_mapping_is_made_and_every_practice_comes_from_it(imported):
    store, config, _ = imported
    found = _rows(
        store,
        config,
        "SELECT DISTINCT ?g ?label WHERE { ?p a coop:GoodPractice ; coop:programme ?g . ?g a coop:Programme ; "
        "rdfs:label ?label ; dcterms:source ?s }",
    )
    assert found == [
        {"g": str(config.ns.id) + "programme/example-platform", "label": "Example platform for good practices"}
    ]


@pytest.mark.slow
def test_the_programme_is_made_even_when_no_row_is_kept(built, tmp_path):
    store, config = built
    folder = tmp_path / "platform"
    folder.mkdir()
    empty = folder / "good-practices.csv"
    empty.write_text("Title,Summary,URL,Country,Themes,Organisation,City\n,,,,,,\n", encoding="utf-8")
    import_files(store, config, EXAMPLE, [empty])
    found = _rows(store, config, "SELECT ?label WHERE { ?g a coop:Programme ; rdfs:label ?label }")
    assert "Example platform for good practices" in {r["label"] for r in found}


@pytest.mark.slow
def test_a_practice_without_project_or_programme_fails_with_the_way_to_fix_it(built, practice_file, tmp_path):
    store, config = built
    text = _mapping()
    start = text.index("    programme:\n")
    end = text.index("    missing:", start)
    (tmp_path / "m.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        import_files(store, config, str(tmp_path / "m.yaml"), [practice_file])
    assert "programme: {id: ID, label: NAME}" in str(failed.value)


def test_a_made_programme_needs_a_source(built, practice_file, tmp_path):
    store, config = built
    (tmp_path / "m.yaml").write_text(
        _mapping(**{'      source: "https://example.eu/good-practices"\n': ""}), encoding="utf-8"
    )
    with pytest.raises(DataError, match="needs a source address"):
        import_files(store, config, str(tmp_path / "m.yaml"), [practice_file])


# 3. countries by name


@pytest.mark.slow
def test_countries_given_by_name_link_to_the_country(imported):
    store, config, report = imported
    found = _rows(
        store,
        config,
        f"SELECT ?t ?c WHERE {{ ?p coop:programme <{config.ns.id}programme/example-platform> ; rdfs:label ?t ; "
        "coop:country/coop:countryCode ?c }",
    )
    assert {(r["t"], r["c"]) for r in found} == {
        ("Craft hubs in old mills", "IT"),
        ("Green roofs for schools", "CZ"),
        ("Digital craft skills", "SK"),
        ("Makers' markets", "CZ"),
    }
    assert any(i.category == "country-name" and i.value == "Czech Republic" for i in report.quality.issues)


@pytest.mark.parametrize(
    "name, code",
    [
        ("Czechia", "CZ"),
        ("Italia", "IT"),
        ("Deutschland", "DE"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Greece", "GR"),
        ("EL", "GR"),
        ("The Netherlands", "NL"),
        ("it", "IT"),
    ],
)
def test_a_country_name_or_code_is_its_iso_code(name, code):
    from kg.ingest.clean import country_code

    assert country_code(name)[0] == code


@pytest.mark.slow
def test_an_unknown_country_name_is_reported_with_the_nearest_names(built, practice_file):
    store, config = built
    practice_file.write_text(PRACTICES.replace(",Slovakia,", ",Slovakiia,"), encoding="utf-8")
    report = import_files(store, config, EXAMPLE, [practice_file])
    bad = [i for i in report.quality.issues if i.value == "Slovakiia" and i.category == "unknown-country"]
    assert bad and "Slovakia (SK)" in bad[0].reason


# 5. repeated rows that disagree


@pytest.mark.slow
def test_a_repeated_organisation_whose_rows_disagree_is_reported(imported):
    _, _, report = imported
    differs = [i for i in report.quality.issues if i.category == "repeat-differs"]
    assert [(i.column, i.value, i.line) for i in differs] == [("City", "Brno-střed", 6)]
    assert "Brno City Municipality" in differs[0].reason and "'Brno'" in differs[0].reason
    assert differs[0].action == "kept the first"


# 4. readable IRIs from part of a value; a key column needs no spec


@pytest.mark.slow
def test_the_subject_takes_the_last_segment_of_the_page_address(imported):
    store, config, _ = imported
    found = _rows(store, config, "SELECT ?p WHERE { ?p a coop:GoodPractice }")
    base = str(config.ns.id) + "platform/practice/"
    assert {r["p"] for r in found if r["p"].startswith(base)} == {
        base + "craft-hubs-in-old-mills-123",
        base + "green-roofs-456",
        base + "digital-craft-skills-789",
        base + "makers-markets-101",
    }
    cities = _rows(store, config, "SELECT ?c WHERE { ?c a coop:City ; rdfs:label 'Brno' }")
    assert [r["c"] for r in cities] == [str(config.ns.id) + "platform/city/CZ/Brno"]  # {Country|country}


@pytest.mark.slow
def test_a_column_named_only_in_the_subject_needs_no_spec(built, tmp_path):
    store, config = built
    (tmp_path / "list.csv").write_text("Code,Name\nA-1,First\nB-2,Second\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        'kind: t-project\nsubject: "t/project/{Code|slug}"\nclass: [coop:Project]\n'
        'fixed: {dcterms:source: "https://example.org/list"}\n'
        "columns:\n  Name: {property: rdfs:label, required: true}\n",
        encoding="utf-8",
    )
    import_files(store, config, str(tmp_path / "m.yaml"), [tmp_path / "list.csv"], allow_invalid=True)
    found = _rows(store, config, "SELECT ?p WHERE { ?p rdfs:label 'First' }")
    assert [r["p"] for r in found] == [str(config.ns.id) + "t/project/a-1"]


def test_an_unknown_form_of_a_key_names_the_known_ones(built, practice_file, tmp_path):
    store, config = built
    (tmp_path / "m.yaml").write_text(_mapping(**{"{URL|last_segment}": "{URL|last_segmnt}"}), encoding="utf-8")
    with pytest.raises(DataError, match="did you mean 'last_segment'"):
        import_files(store, config, str(tmp_path / "m.yaml"), [practice_file])


def test_an_empty_split_separator_is_a_mapping_error(built, practice_file, tmp_path):
    store, config = built
    (tmp_path / "m.yaml").write_text(_mapping(**{'split: [";", lines]': 'split: [";", ""]'}), encoding="utf-8")
    with pytest.raises(DataError, match="not an empty one"):
        import_files(store, config, str(tmp_path / "m.yaml"), [practice_file])


@pytest.mark.parametrize("code", ["XX", "EU", "ZZ"])
def test_two_letters_that_name_no_country_are_refused(code):
    from kg.ingest.clean import country_code

    with pytest.raises(ValueError, match=f"unknown country '{code}'"):
        country_code(code)


@pytest.mark.parametrize("address", ["https://x.eu/gp/..", "https://x.eu/gp/.", "https://x.eu/"])
def test_an_address_whose_last_part_names_no_page_is_its_own_key(address):
    from kg.ingest.clean import last_segment

    assert last_segment(address) == address


# 7. the built-in example, from the command line


@pytest.mark.slow
def test_the_example_mapping_imports_a_practice_list_into_a_fresh_store_and_validates(runner, practice_file):
    from kg.cli import cli

    assert runner.invoke(cli, ["build", "--quiet", *map(str, INNOCRAFTS)]).exit_code == 0
    shown = runner.invoke(cli, ["import", "--show", "practice-list"])
    assert shown.exit_code == 0 and "scheme:" in shown.output
    done = runner.invoke(cli, ["import", "-q", "-m", "practice-list", str(practice_file)])
    assert done.exit_code == 0, done.output
    assert "does NOT conform" not in done.output


# 6. a SHACL failure summarised, with the fix first


@pytest.mark.slow
def test_a_failed_import_summarises_the_violations_with_the_fix_first(runner, practice_file, tmp_path):
    from kg.cli import cli

    assert runner.invoke(cli, ["build", "--quiet", *map(str, INNOCRAFTS)]).exit_code == 0
    text = _mapping()
    start = text.index("    programme:\n")
    (tmp_path / "m.yaml").write_text(text[:start] + text[text.index("    missing:", start) :], encoding="utf-8")
    done = runner.invoke(cli, ["import", "-q", "-m", str(tmp_path / "m.yaml"), str(practice_file)])
    assert done.exit_code == 1 and "Traceback" not in done.output
    out = done.output
    assert "4 x" in out and "programme: {id: ID, label: NAME}" in out
    assert out.index("programme: {id: ID") < out.index("--allow-invalid")
    assert out.count("comes from no project or programme") == 1, out  # once for the group, not once a practice
