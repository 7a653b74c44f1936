"""Saved queries: headers, parameters bound safely, every query runs on the bundled data."""

from __future__ import annotations

import pytest
from helpers import bundled_rows, rows

from kg.errors import QueryError
from kg.namespaces import Namespaces
from kg.query.saved import read_saved_queries
from kg.resources import resource_dir

SAVED = read_saved_queries(Namespaces())


@pytest.mark.parametrize("name", sorted(SAVED))
def test_every_saved_query_is_documented_and_answers(name, bundled_store):
    store, _ = bundled_store
    q = SAVED[name]
    assert q.title and q.description and q.tags
    result = rows(store.query(q.text, substitutions=q.bindings({})))
    assert result, f"{name} returned nothing on the bundled data"


def test_parameters_are_bound_not_pasted(bundled_store):
    store, _ = bundled_store
    q = SAVED["partners-by-country"]
    hostile = 'INNOCRAFTS" } UNION { ?organisation ?p ?o } #'
    assert rows(store.query(q.text, substitutions=q.bindings({"acronym": hostile}))) == []
    crafts_code = rows(store.query(q.text, substitutions=q.bindings({"acronym": "CRAFTS CODE"})))
    assert len(crafts_code) == 8


def test_unknown_parameter_and_value_outside_enum_are_refused():
    with pytest.raises(QueryError, match="has no parameter colour"):
        SAVED["events"].bindings({"colour": "red"})
    with pytest.raises(QueryError, match="not one of T1, T2, T3, T4"):
        SAVED["practices-by-theme"].bindings({"theme": "T7"})


def test_optional_parameter_left_empty_matches_all(bundled_store):
    store, _ = bundled_store
    q = SAVED["events"]
    assert len(rows(store.query(q.text, substitutions=q.bindings({})))) == bundled_rows("events.csv")
    assert len(rows(store.query(q.text, substitutions=q.bindings({"acronym": "CRAFTS CODE"})))) == sum(
        1
        for line in (resource_dir("data") / "innocrafts" / "events.csv").read_text().splitlines()
        if line.startswith("CC-E")
    )
