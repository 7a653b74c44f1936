"""Hostile input, generated: property-based tests (hypothesis) over every HTTP surface and every loader
input format, and schemathesis over the OpenAPI document of the saved queries. No 500s, no hangs, no
unescaped output; bad files are refused with a clear error and change nothing.

The number of cases tried is printed at the end of the run (see FUZZ in conftest.py)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
import requests
import schemathesis
from helpers import FUZZ, INNOCRAFTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KGError, ValidationFailed
from kg.ingest.loader import import_files, load

pytestmark = pytest.mark.slow  # generated cases by the thousand; kills and mounts

# derandomize: the same cases on every run (CI stays reproducible); raise max_examples to search wider.
HTTP = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
FILES = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

ACCEPT = st.one_of(
    st.sampled_from(
        [
            "*/*",
            "text/html",
            "application/sparql-results+json",
            "text/turtle;q=0.5, application/ld+json",
            "application/x-nonsense",
            "text/*;q=0",
            "",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip),
)
TEXT = st.text(max_size=200)
# Header values and URLs carry Latin-1 / percent-encoded text; requests encodes the query string.
HEADER = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(str.strip)


def _get(url: str, **kwargs) -> requests.Response:
    FUZZ["HTTP requests"] += 1
    return requests.get(url, timeout=30, **kwargs)


def _no_server_error(r: requests.Response) -> None:
    # 503 is the documented answer to a query stopped at the time limit; nothing else 5xx is allowed
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, r.text[:300])


@HTTP
@given(query=TEXT, accept=ACCEPT)
def test_sparql_get_with_any_query_and_accept(live, query, accept):
    _no_server_error(_get(live.sparql, params={"query": query}, headers={"Accept": accept}))


@HTTP
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/sparql-query",
            "application/x-www-form-urlencoded",
            "application/sparql-update",
            "text/plain",
            "application/json",
            "multipart/form-data; boundary=x",
        ]
    ),
)
def test_sparql_post_with_any_body(live, body, content_type):
    FUZZ["HTTP requests"] += 1
    r = requests.post(live.sparql, data=body, headers={"Content-Type": content_type}, timeout=30)
    _no_server_error(r)


@HTTP
@given(
    path=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
    suffix=st.sampled_from(["", ".ttl", ".jsonld", ".nt", ".rdf", ".html", ".xyz"]),
    accept=ACCEPT,
)
def test_any_entity_path_and_format(live, path, suffix, accept):
    for prefix in ("/id/", "/scheme/", "/ontology/"):
        _no_server_error(_get(live.url + prefix + requests.utils.quote(path) + suffix, headers={"Accept": accept}))


@HTTP
@given(
    params=st.dictionaries(
        st.sampled_from(["kind", "project", "country", "city", "theme", "year", "ego", "radius", "other"]),
        TEXT,
        max_size=5,
    )
)
def test_network_and_map_json_with_any_filters(live, params):
    for path in ("/api/network", "/api/map", "/api/network/options"):
        r = _get(live.url + path, params=params)
        _no_server_error(r)
        assert r.status_code in (200, 400)


MARK = "<x-fuzz>"


@HTTP
@given(
    text=TEXT,
    page=st.sampled_from(["/search", "/practices", "/partners", "/network", "/map", "/sparql"]),
    key=st.sampled_from(["q", "theme", "sector", "target_group", "country", "query"]),
)
def test_pages_never_echo_markup_unescaped(live, text, page, key):
    r = _get(live.url + page, params={key: MARK + text}, headers={"Accept": "text/html"})
    _no_server_error(r)
    if r.headers.get("Content-Type", "").startswith("text/html"):
        assert MARK not in r.text


@HTTP
@given(accept=ACCEPT, header=HEADER)
def test_descriptions_and_health_with_any_headers(live, accept, header):
    for path in ("/catalog", "/.well-known/void", "/healthz", "/readyz", "/api/queries", "/api/openapi.json", "/"):
        _no_server_error(_get(live.url + path, headers={"Accept": accept, "X-Request-Id": header}))


def test_oversized_requests_are_refused(live):
    assert requests.get(live.sparql, params={"query": "#" * 70_000}, timeout=30).status_code == 414
    big = requests.post(
        live.sparql, data=b"ASK {}" + b" " * 2_000_000, headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    assert big.status_code == 413


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_url(live.url + "/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_saved_query_api_matches_its_openapi_document(case):
    FUZZ["schemathesis cases"] += 1
    case.call_and_validate(timeout=30)


# -- loaders: every input format, with generated content


def _unchanged(store, before: tuple[int, list[str]]) -> None:
    assert (store.count(), store.graphs()) == before


CSV_CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@FILES
@given(
    rows=st.lists(st.lists(CSV_CELL, min_size=1, max_size=8), max_size=6),
    raw=st.binary(max_size=200),
    kind=st.sampled_from(["csv-rows", "csv-bytes"]),
)
def test_dataset_csv_files_load_or_fail_clearly(built_fuzz_store, tmp_path_factory, rows, raw, kind):
    store, config, base = built_fuzz_store
    folder = tmp_path_factory.mktemp("fuzzed") / "innocrafts"
    folder.mkdir()
    path = folder / "organisations.csv"
    if kind == "csv-rows":
        text = io.StringIO()
        import csv

        csv.writer(text).writerows([["id", "name", "type", "country", "source_url"], *rows])
        path.write_text(text.getvalue(), encoding="utf-8")
    else:
        path.write_bytes(b"id,name,type,country,source_url\n" + raw)
    _load_or_clear_error(store, base, lambda: load(store, config, [path]), path)


@FILES
@given(
    raw=st.one_of(st.binary(max_size=300), TEXT.map(str.encode)),
    suffix=st.sampled_from([".ttl", ".nt", ".jsonld", ".rdf", ".nq"]),
)
def test_rdf_files_load_or_fail_clearly(built_fuzz_store, tmp_path_factory, raw, suffix):
    store, config, base = built_fuzz_store
    path = tmp_path_factory.mktemp("fuzzed") / f"data{suffix}"
    path.write_bytes(raw)
    _load_or_clear_error(store, base, lambda: load(store, config, [path]), path)


CORDIS_HEADER = "projectID;organisationID;vatNumber;name;shortName;activityType;role;country;city;geolocation\n"


@FILES
@given(raw=st.binary(max_size=300), text=TEXT, kind=st.sampled_from(["csv", "csv.gz", "xlsx"]))
def test_imported_files_load_or_fail_clearly(built_fuzz_store, tmp_path_factory, raw, text, kind):
    store, config, base = built_fuzz_store
    path = tmp_path_factory.mktemp("fuzzed") / f"organization.{kind}"
    content = CORDIS_HEADER.encode() + text.encode() + b"\n" + raw
    path.write_bytes(gzip.compress(content) if kind == "csv.gz" else raw if kind == "xlsx" else content)
    _load_or_clear_error(store, base, lambda: import_files(store, config, "cordis", [path]), path)


def _load_or_clear_error(store, _, run, path: Path) -> None:
    FUZZ["loader inputs"] += 1
    base = (store.count(), store.graphs())
    try:
        run()
    except KGError as e:
        assert str(e).strip(), "an error with no message"
        # a bad file is named; a file that parses but breaks the graph gets the SHACL report, by file
        assert path.name in str(e) or isinstance(e, ValidationFailed), str(e)
        _unchanged(store, base)
        FUZZ["loader inputs refused with a clear error"] += 1
        return
    FUZZ["loader inputs loaded"] += 1


@pytest.fixture(scope="module")
def built_fuzz_store():
    """One in-memory store of the bundled data, shared by the loader cases (each compares with the state
    just before it)."""
    from kg.config import Config
    from kg.ingest.loader import build
    from kg.store import open_store

    config = Config(store="memory")
    store = open_store("memory")
    build(store, config, INNOCRAFTS)
    return store, config, (store.count(), store.graphs())
