"""Golden files: for each built-in mapping set (kg/ingest/mappings/sets/, `kg import --show SET` prints one), a
few rows cut from a real file and the exact quads their import must give.

Each folder tests/golden/<set>/ holds the input files (header and first records of a real file, byte for byte:
see its SOURCE.md and tests/golden/cut.py), SOURCE.md (where the rows come from) and expected.nq. The test
imports the inputs with `kg import -m <set>`'s function (kg.pipeline.import_) into a fresh store that holds
only the ontology and the reference data (and the bundled datasets that the set's BASE file names, for a set
that adds to them: the practice template), takes every quad the import added, and compares them with
expected.nq as datasets: graph by named graph, isomorphic (rdflib.compare), so blank-node labels and the
order of lines do not matter. An import must add quads only: one that removes any fails.

Left out of the comparison, as what legitimately changes from run to run: the times of the import records
(prov:generatedAtTime, prov:startedAtTime, prov:endedAtTime, dcterms:created, dcterms:modified in the
`.../import` graphs). The imports write none of them today; the rule keeps the files stable if they come.

To regenerate after a deliberate change of a mapping, the loader or the ontology, run

    KG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

which rewrites every expected.nq (sorted N-Quads), then read `git diff tests/golden/` before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg import pipeline
from kg.config import Config
from kg.ingest.loader import build
from kg.resources import mapping_sets, resource_dir
from kg.store import Store, open_store

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KG_UPDATE_GOLDEN", "") not in ("", "0")
SETS = sorted(p.name for p in GOLDEN.iterdir() if (p / "SOURCE.md").is_file())
#: the times of an import record: left out of the comparison (see the module's text)
PER_RUN = {
    "http://www.w3.org/ns/prov#generatedAtTime",
    "http://www.w3.org/ns/prov#startedAtTime",
    "http://www.w3.org/ns/prov#endedAtTime",
    "http://purl.org/dc/terms/created",
    "http://purl.org/dc/terms/modified",
}
_NOT_INPUT = {".md", ".nq", ".py", ""}  # "" : the BASE file


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """A store with the ontology, the reference data and the bundled datasets a set's BASE file names (none
    for most: a build of an empty folder), built once per module for each such list."""
    config = Config(store="memory", similarity="tfidf", link_review="none")
    made: dict[tuple[str, ...], Store] = {}

    def base(name: str) -> tuple[Store, Config]:
        listed = GOLDEN / name / "BASE"
        folders = tuple(listed.read_text(encoding="utf-8").split()) if listed.is_file() else ()
        if folders not in made:
            store = open_store("memory")
            paths = [resource_dir("data") / f for f in folders] or [tmp_path_factory.mktemp("nothing")]
            build(store, config, paths)
            made[folders] = store
        return made[folders], config

    return base


def _inputs(name: str) -> list[Path]:
    return sorted(p for p in (GOLDEN / name).rglob("*") if p.is_file() and p.suffix not in _NOT_INPUT)


def _quads(store: Store) -> set[str]:
    out = io.BytesIO()
    store.dump(out, format=ox.RdfFormat.N_QUADS)
    return set(out.getvalue().decode("utf-8").splitlines())


def _kept(line: str) -> bool:
    quad = next(ox.parse(input=line.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    graph = quad.graph_name
    per_run = isinstance(graph, ox.NamedNode) and graph.value.endswith("/import")
    return not (per_run and quad.predicate.value in PER_RUN)


def _graphs(text: str) -> dict[str, Graph]:
    """The quads of N-Quads text as one rdflib graph per named graph."""
    triples: dict[str, list[str]] = {}
    for q in ox.parse(input=text.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        triples.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
    return {name: Graph().parse(data="\n".join(lines), format="nt") for name, lines in triples.items()}


def _differences(expected: Graph, actual: Graph, limit: int = 12) -> str:
    _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"  - {' '.join(t.n3() for t in triple)}" for triple in sorted(missing)[:limit]]
    lines += [f"  + {' '.join(t.n3() for t in triple)}" for triple in sorted(extra)[:limit]]
    return "\n".join(lines)


def test_every_built_in_mapping_set_has_a_golden_file():
    assert SETS == sorted(mapping_sets())
    for name in SETS:
        assert _inputs(name), f"tests/golden/{name}/ has no input file"
        assert (GOLDEN / name / "expected.nq").is_file() or UPDATE, f"tests/golden/{name}/expected.nq is missing"


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_an_import_gives_exactly_the_golden_quads(bases, name):
    template, config = bases(name)
    store = template.in_memory()
    before = _quads(store)
    pipeline.import_(config, _inputs(name), name, store=store, practices=False)
    after = _quads(store)
    assert not before - after, f"the {name} import removed quads: {sorted(before - after)[:5]}"
    added = "".join(f"{line}\n" for line in sorted(after - before) if _kept(line))
    path = GOLDEN / name / "expected.nq"
    if UPDATE:
        path.write_text(added, encoding="utf-8")
        return
    expected, actual = _graphs(path.read_text(encoding="utf-8")), _graphs(added)
    assert sorted(actual) == sorted(expected), f"{name}: the named graphs differ from tests/golden/{name}/expected.nq"
    wrong = {g: _differences(expected[g], actual[g]) for g in expected if not isomorphic(expected[g], actual[g])}
    assert not wrong, f"{name}: quads differ from tests/golden/{name}/expected.nq (- expected, + given):\n" + "\n".join(
        f"{g}\n{diff}" for g, diff in wrong.items()
    )
