"""The store interface: atomic transactions on both backends, generations on disk, clear errors."""

from __future__ import annotations

import pytest
from helpers import BACKENDS, make_store, snapshot

from kg.errors import StoreError
from kg.store import open_store

G = "https://w3id.org/coopkg/graph/test/g"


def triple(n: int) -> str:
    return f'<http://example.org/s{n}> <http://example.org/p> "{n}" .\n'


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_transaction_writes_nothing(backend, request, tmp_path):
    store, _ = make_store(backend, tmp_path, request)
    with store.transaction() as w:
        w.replace_graph(G, [triple(1), triple(2)])
    before = snapshot(store)

    def failing():
        yield triple(3)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError), store.transaction() as w:
        w.replace_graph(G, failing())
    assert snapshot(store) == before
    with store.transaction() as w:  # and the store still takes writes afterwards
        w.replace_graph(G, [triple(4)])
    assert store.count() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_replace_graph_replaces_only_that_graph(backend, request, tmp_path):
    store, _ = make_store(backend, tmp_path, request)
    other = '<http://example.org/x> <http://example.org/p> "x" .\n'
    with store.transaction() as w:
        w.replace_graph("https://w3id.org/coopkg/graph/test/other", [other])
        w.replace_graph(G, [triple(1)])
    with store.transaction() as w:
        w.replace_graph(G, [triple(2)])
    assert store.graphs() == [G, "https://w3id.org/coopkg/graph/test/other"]
    assert store.count() == 2


@pytest.mark.slow
def test_disk_store_keeps_two_generations_and_reopens(tmp_path):
    path = tmp_path / "store"
    store = open_store(f"oxigraph:{path}", create=True)
    for n in range(4):
        with store.transaction(fresh=True) as w:
            w.replace_graph(G, [triple(n)])
    gens = sorted(p.name for p in path.glob("gen-*"))
    assert len(gens) == 2
    assert (path / "current").resolve().name == gens[-1]
    store.close()
    reopened = open_store(str(path))
    assert reopened.count() == 1
    reader = open_store(str(path), read_only=True)
    assert reader.count() == 1
    with pytest.raises(StoreError, match="read-only"), reader.transaction():
        pass


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="run `kg build` first"):
        open_store(str(tmp_path / "nothing"))


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = open_store(str(blocker / "store"), create=True)
    with pytest.raises(StoreError, match="cannot write the store"), store.transaction():
        pass


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("keyword", ["ask", "insert", "construct"])
def test_a_select_with_a_prefix_named_like_a_keyword_runs_as_a_select(backend, keyword, request, tmp_path):
    store, _ = make_store(backend, tmp_path, request)
    with store.transaction() as writer:
        writer.replace_graph(G, [triple(1)])
    query = f"PREFIX {keyword}: <http://example.org/> SELECT ?s WHERE {{ ?s ?p ?o }}"
    rows = list(store.query(query))
    assert [r["s"].value for r in rows] == ["http://example.org/s1"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_predeclared_prefixes_and_the_query_own_work_together(backend, request, tmp_path):
    store, _ = make_store(backend, tmp_path, request)
    with store.transaction() as writer:
        writer.replace_graph(G, [triple(1)])
    prefixes = {"ex": "http://example.org/", "other": "http://other.example/"}
    query = 'PREFIX other: <http://example.org/> SELECT ?o WHERE { ex:s1 other:p ?o FILTER(?o != "prefix") }'
    assert [r["o"].value for r in store.query(query, prefixes=prefixes)] == ["1"]
