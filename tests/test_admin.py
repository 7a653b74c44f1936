"""Operations: health and readiness, structured request logs, read-only public mode and the admin mode."""

from __future__ import annotations

import time

import pytest
import requests
from helpers import INNOCRAFTS, LiveServer, wait_for

from kg.config import Config
from kg.errors import KGError
from kg.ingest.loader import build
from kg.store import open_store

TOKEN = "s3cret-for-tests"


def test_health_and_readiness(live):
    assert requests.get(live.url + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(live.url + "/readyz", timeout=10)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["store"] == body["version"]
    assert body["query_workers"]["workers"] == 2
    assert body["query_workers"]["idle"] + body["query_workers"]["busy"] >= 1


@pytest.fixture
def doomed(tmp_path):
    """A live server over a store of its own, which the test then breaks."""
    location = f"oxigraph:{tmp_path / 'store'}"
    config = Config(store=location, workers=1, spare_workers=0, serve_in_memory=False)
    with open_store(location, create=True) as store:
        build(store, config, INNOCRAFTS)
    server = LiveServer(config)
    yield server, tmp_path / "store"
    server.close()


@pytest.mark.slow
def test_readiness_fails_when_the_store_is_gone(doomed):
    server, folder = doomed
    (folder / "current").unlink()
    ready = requests.get(server.url + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert "cannot open" in ready.json()["store"]


def test_each_request_is_logged_as_one_json_line(live):
    def logged():
        return next((line for line in live.access_log() if line["request_id"] == "abc123"), None)

    r = requests.get(live.sparql, params={"query": "ASK {}"}, headers={"X-Request-Id": "abc123"}, timeout=10)
    entry = wait_for(logged, what="the access-log line on kg serve's standard error")
    assert r.headers["X-Request-Id"] == "abc123"
    assert entry["method"] == "GET" and entry["path"] == "/sparql" and entry["status"] == 200
    assert entry["ms"] > 0 and entry["bytes"] == len(r.content)


def test_the_public_mode_has_no_admin_surface(live):
    assert requests.post(live.url + "/admin/rebuild", timeout=10).status_code == 404
    assert requests.post(live.url + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_admin_mode_needs_a_token_in_the_configuration(tmp_path):
    with pytest.raises(KGError, match="KG_ADMIN_TOKEN"):
        from api import create_app

        create_app(Config(store=f"oxigraph:{tmp_path}", read_only=False))


@pytest.fixture(scope="module")
def admin(tmp_path_factory):
    root = tmp_path_factory.mktemp("admin")
    location = f"oxigraph:{root / 'store'}"
    config = Config(store=location, workers=1, spare_workers=0, read_only=False, admin_token=TOKEN)
    with open_store(location, create=True) as store:
        build(store, config, INNOCRAFTS)
    server = LiveServer(config)
    yield server, root
    server.close()


@pytest.mark.slow
@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic czNjcmV0", f"bearer {TOKEN}x"])
def test_admin_requests_without_the_token_are_refused(admin, header):
    server, _ = admin
    headers = {"Authorization": header} if header else {}
    for path in ("/admin/rebuild", "/admin/reload"):
        r = requests.post(server.url + path, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def _count(server) -> int:
    r = requests.get(
        server.sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "json"}, timeout=10
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _catalogued_triples(server) -> int:
    from rdflib import Graph
    from rdflib.namespace import VOID

    turtle = requests.get(server.url + "/catalog", headers={"Accept": "text/turtle"}, timeout=30).text
    catalog = Graph().parse(data=turtle, format="turtle")
    return max(int(n) for n in catalog.objects(None, VOID.triples))


@pytest.mark.slow
def test_reload_serves_a_store_changed_beside_the_server(admin, tmp_path):
    server, root = admin
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = _count(server)
    catalogued = _catalogued_triples(server)
    extra = tmp_path / "extra.ttl"
    extra.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    from kg.ingest.loader import load

    with open_store(f"oxigraph:{root / 'store'}") as store:
        load(store, server.config, [extra])
    assert _count(server) == before  # the workers still serve the data they loaded
    r = requests.post(server.url + "/admin/reload", headers=auth, timeout=60)
    assert r.status_code == 200 and r.json()["ok"]
    assert _count(server) == before + 1
    assert requests.get(server.url + "/readyz", timeout=10).json()["version"] == r.json()["version"]
    assert _catalogued_triples(server) == catalogued + 1  # the catalogue describes the reloaded data


@pytest.mark.slow
def test_rebuild_runs_in_the_background_and_then_serves_the_new_store(admin):
    server, _ = admin
    auth = {"Authorization": f"Bearer {TOKEN}"}
    old = requests.get(server.url + "/readyz", timeout=10).json()["version"]
    r = requests.post(server.url + "/admin/rebuild", headers=auth, timeout=10)
    assert r.status_code == 202
    assert requests.post(server.url + "/admin/rebuild", headers=auth, timeout=10).status_code == 409
    deadline = time.monotonic() + 120
    while (status := requests.get(server.url + "/admin/status", headers=auth, timeout=10).json())["running"]:
        assert _count(server) > 0  # queries are answered during the rebuild
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert status["last"]["ok"], status["last"]["output"]
    assert status["version"] != old
    assert requests.get(server.url + "/readyz", timeout=10).json()["version"] == status["version"]


@pytest.mark.slow
def test_reload_serves_the_similar_practices_of_the_new_data(admin, tmp_path):
    """Practices added beside the server are compared only once it reloads, never from stale vectors."""
    server, root = admin
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def nearest() -> str:
        r = requests.get(server.url + "/api/practices/IC-GP04/similar?top=1", timeout=30)
        return r.json()["similar"][0]["id"]

    before = nearest()
    extra = tmp_path / "more" / "practices.csv"
    extra.parent.mkdir()
    extra.write_text(
        "id,project,title,description,country,themes,target_groups,source_url\n"
        'XX-GP02,innocrafts,Craft incubator of Lyon,"A business incubator (couveuse) for new craft start-ups, '
        'as the couveuses of the National Institute of Arts and Crafts.",FR,T4,start-ups,https://example.org/lyon\n',
        encoding="utf-8",
    )
    from kg.ingest.loader import load

    with open_store(f"oxigraph:{root / 'store'}") as store:
        load(store, server.config, [extra])
    assert nearest() == before != "XX-GP02"  # the served version is still the old one
    assert requests.post(server.url + "/admin/reload", headers=auth, timeout=60).status_code == 200
    assert nearest() == "XX-GP02"


@pytest.mark.slow
def test_a_reload_never_serves_a_cached_or_validated_answer_of_the_old_data(admin, tmp_path):
    server, root = admin
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    accept = {"Accept": "application/sparql-results+json"}

    def ask(**headers):
        return requests.get(server.sparql, params=query, headers={**accept, **headers}, timeout=30)

    first = ask()
    count, tag = int(first.json()["results"]["bindings"][0]["n"]["value"]), first.headers["ETag"]
    assert ask(**{"If-None-Match": tag}).status_code == 304
    extra = tmp_path / "one-more.ttl"
    extra.write_text("<https://example.org/x> <https://example.org/y> <https://example.org/z> .\n")
    from kg.ingest.loader import load

    with open_store(f"oxigraph:{root / 'store'}") as store:
        load(store, server.config, [extra])
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.post(server.url + "/admin/reload", headers=auth, timeout=60).status_code == 200
    fresh = ask(**{"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag
    assert int(fresh.json()["results"]["bindings"][0]["n"]["value"]) == count + 1
    assert int(ask().json()["results"]["bindings"][0]["n"]["value"]) == count + 1
