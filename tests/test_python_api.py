"""The Python API researchers use (kg.open, kg.notebook; kg.pipeline) and its page, docs/python.md, whose python
examples run here in order, in one namespace, in a folder holding `store/`: a store of the bundled data."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import INNOCRAFTS

import kg
from kg import pipeline
from kg.config import Config
from kg.errors import KGError, QueryError

PAGE = Path(__file__).parent.parent / "docs" / "python.md"
HAS_PANDAS = importlib.util.find_spec("pandas") is not None


def examples() -> list[str]:
    """The page's ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), flags=re.S | re.M)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder with `store/`, the bundled INNOCRAFTS data built by the pipeline."""
    here = tmp_path_factory.mktemp("notebook")
    config = Config(store=f"oxigraph:{here / 'store'}", similarity="tfidf", link_review="none")
    pipeline.build(config, INNOCRAFTS)
    return here


@pytest.fixture
def in_folder(folder, monkeypatch) -> Path:
    monkeypatch.chdir(folder)
    for name in ("KG_STORE", "KG_BASE_IRI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KG_SIMILARITY", "tfidf")  # no model to load: the build made these vectors
    monkeypatch.setenv("KG_LINK_REVIEW", "none")
    return folder


def test_the_page_has_examples_for_each_part_of_the_api():
    code = "\n".join(examples())
    for call in ("kg.open(", "graph.query(", "saved_queries()", ".to_dataframe()", "graph.network(", "graph.edges(",
                 "graph.metrics(", "pipeline.import_("):  # fmt: skip
        assert call in code, f"docs/python.md shows no {call}"


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PANDAS, reason="pandas is an optional extra: pip install 'coopkg[dataframe]'")
def test_the_examples_of_the_page_run(in_folder, capsys):
    namespace: dict = {"__name__": "docs_python"}
    for number, block in enumerate(examples(), 1):
        try:
            exec(compile(block, f"docs/python.md, example {number}", "exec"), namespace)  # noqa: S102
        except Exception as e:
            pytest.fail(f"docs/python.md, example {number} fails: {type(e).__name__}: {e}\n{block}")
    printed = capsys.readouterr().out
    assert "<KnowledgeGraph oxigraph:store>" in printed and "Polish Tourism Development Agency" in printed


@pytest.mark.slow
def test_rows_are_plain_python_values(in_folder):
    with kg.open("oxigraph:store") as graph:
        rows = graph.query("SELECT ?p ?start WHERE { ?p a coop:Project ; schema:startDate ?start } LIMIT 1")
        assert isinstance(rows, list) and isinstance(rows[0], dict) and rows.variables == ["p", "start"]
        assert isinstance(rows[0]["p"], str) and isinstance(rows[0]["start"], dt.date)
        empty = graph.query("SELECT ?x ?y WHERE { OPTIONAL { ?x a coop:Nothing } }")
        assert empty == [{"x": None, "y": None}]


@pytest.mark.slow
def test_query_errors_are_the_projects_errors(in_folder):
    with kg.open("oxigraph:store") as graph:
        with pytest.raises(QueryError, match="has no parameter colour"):
            graph.query("partners-by-country", {"colour": "red"})
        with pytest.raises(QueryError, match="only go with a saved query"):
            graph.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"acronym": "X"})
        with pytest.raises(KGError):
            graph.query("SELECT WHERE {")


@pytest.mark.slow
def test_a_missing_pandas_says_what_to_install(in_folder, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with kg.open("oxigraph:store") as graph:
        rows = graph.query("projects-per-year")
        with pytest.raises(KGError, match=r"pip install 'coopkg\[dataframe\]'"):
            rows.to_dataframe()


def test_kg_opens_lazily():
    """`import kg` loads neither the store nor the notebook module; kg.open does when first used."""
    code = "import kg, sys; assert 'kg.notebook' not in sys.modules and 'pyoxigraph' not in sys.modules; kg.open"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "open" in dir(kg) and kg.open is kg.notebook.open
