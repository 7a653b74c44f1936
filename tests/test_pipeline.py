"""kg.pipeline: one call per command (build, load, import), each doing what the command did (loader, practice
vectors, review file) and returning what it did; the command line only prints it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import INNOCRAFTS

from kg import pipeline
from kg.config import Config
from kg.errors import KGError

CORDIS = Path(__file__).parent / "data" / "eu-open-data" / "cordis-horizon-head100-voteveto2"


@pytest.fixture(scope="module")
def built_on_disk(tmp_path_factory) -> tuple[Config, pipeline.PipelineResult]:
    """The INNOCRAFTS data built by the pipeline into a store on disk, which keeps the practice vectors."""
    folder = tmp_path_factory.mktemp("pipeline")
    config = Config(store=f"oxigraph:{folder / 'store'}", similarity="tfidf", link_review=str(folder / "review.csv"))
    return config, pipeline.build(config, INNOCRAFTS)


@pytest.fixture
def saves(monkeypatch) -> list[Path]:
    """Every set of practice vectors computed (and kept) while the test runs."""
    from kg.practices.similarity import SimilarityIndex

    saved: list[Path] = []
    original = SimilarityIndex.save

    def save(self, path: Path) -> None:
        saved.append(path)
        original(self, path)

    monkeypatch.setattr(SimilarityIndex, "save", save)
    return saved


@pytest.mark.slow
def test_build_returns_the_report_the_vectors_and_the_counts(built_on_disk):
    config, result = built_on_disk
    assert result.command == "build" and result.store.endswith("store")
    assert result.report.validation is not None and result.report.validation.conforms
    assert result.practices is not None and result.practices.error is None
    assert result.practices.practices > 0 and result.practices.kept and result.practices.method == "tfidf"
    counts = result.counts
    assert counts["quads"] == result.report.total_quads > 0 and counts["files"] > 0 and counts["rows"] > 0
    lines = result.lines()
    assert lines[0] == result.report.summary() and f"store: {result.store}" in lines
    assert any(line.startswith("practice similarity:") for line in lines) and result.warnings == []


@pytest.mark.slow
def test_an_import_that_touches_no_practice_computes_no_vectors(built_on_disk, saves):
    config, built = built_on_disk
    result = pipeline.import_(config, sorted(CORDIS.glob("*.csv")), "cordis")
    assert result.command == "import" and result.counts["quads"] > built.counts["quads"]
    assert result.practices is not None and result.practices.practices == built.practices.practices
    assert saves == []  # read back by the practices' texts: none computed
    assert result.report.quality.summary() in result.lines()


@pytest.mark.slow
def test_a_load_that_changes_a_practice_computes_them_again(built_on_disk, saves, tmp_path):
    config, _ = built_on_disk
    practice = tmp_path / "practice.ttl"
    practice.write_text(
        "@prefix coop: <https://w3id.org/coopkg/ontology#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/coopkg/id/test/practice/P1> a coop:GoodPractice ;\n"
        '    dcterms:title "Repair cafés in every district"@en ;\n'
        '    dcterms:description "Volunteers mend household objects with their owners."@en .\n',
        encoding="utf-8",
    )
    result = pipeline.load(config, [practice], allow_invalid=True)
    assert result.command == "load" and not any(line.startswith("store:") for line in result.lines())
    assert len(saves) == 1


@pytest.mark.slow
def test_a_failed_import_keeps_the_store_and_names_its_quality_report(built_on_disk, tmp_path):
    config, _ = built_on_disk
    bad = tmp_path / "UrbactNetworks.csv"  # a network type no list has, and a row whose key is empty
    bad.write_text(
        "Code_Network;Name;Phase;Type;Start;End\n1;A;Urbact III;Transfer;2019;2021\n;B;Urbact III;Transfer;2019;x\n",
        encoding="utf-8",
    )
    with pytest.raises(KGError) as failed:
        pipeline.import_(config, [bad], "urbact", strict=True, report_path=tmp_path / "r")
    assert (tmp_path / "r.json").exists()
    assert any("the data-quality report" in note for note in getattr(failed.value, "__notes__", []))


@pytest.mark.slow
def test_an_open_store_is_written_and_left_open():
    from kg.store import open_store

    config = Config(store="memory", similarity="tfidf", link_review="none")
    store = open_store("memory")
    result = pipeline.build(config, INNOCRAFTS, store=store)
    assert result.review is None and not result.practices.kept
    assert store.count() == result.report.total_quads  # still open
