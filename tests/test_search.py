"""The keyword search (kg.publish.describe.search): any text is a string to look for, never query syntax."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.publish.describe import search
from kg.query.executor import ExecutorReader, InlineExecutor

#: What an attacker would type into the box: quotes, escapes, braces, line ends, SPARQL, IRIs, any character.
HOSTILE = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(['"', "'", '\\"', "\\", '"""', "\n", "\r", "}", '") } SELECT * WHERE { ?s ?p ?o } #', "<", "?q"]),
    st.sampled_from(["service\x01", "SERVICE <http://127.0.0.1/> {", "social services\u2028", "services\x00"]),
    st.lists(st.sampled_from(['"', "\\", "}", "{", "#", "\n", "craft", "?base", "'''", "u0022"]), min_size=1).map(
        "".join
    ),
)


@pytest.fixture(scope="module")
def reader(served_config):
    """The pages' reader: its queries go through the executor and its SERVICE policy, as a page's do."""
    executor = InlineExecutor(served_config)
    yield ExecutorReader(executor), served_config.ns
    executor.close()


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE)
def test_any_text_is_looked_for_as_it_is(reader, text):
    """The page of matches (its terms written into the query) and their count (bound by substitution) agree."""
    reader_, ns = reader
    page = search(reader_, ns, text, limit=20)
    assert len(page.rows) == min(page.total, 20)


@pytest.mark.parametrize("text", ["craft", "Florence", "CRAFT", "a"])
def test_each_entity_once_names_first(reader, text):
    reader_, ns = reader
    page = search(reader_, ns, text, limit=200)
    iris = [r["e"] for r in page.rows]
    assert iris and len(iris) == len(set(iris)) == min(page.total, 200)
    assert text.lower() in page.rows[0]["label"].lower()  # a match by name before one by description
