"""`kg serve --processes N`: several web processes with one state. A reload reaches every process, a
runaway query is stopped whichever process took it, and /metrics counts the requests of all of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from helpers import INNOCRAFTS, LiveServer, wait_for

from kg.cli.serve import PROCESS_MIB, default_processes
from kg.config import Config
from kg.ingest.loader import build, load
from kg.store import open_store

TOKEN = "s3cret-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "json"}
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize(
    "cores, memory, expected",
    [(8, 100 * PROCESS_MIB, 8), (8, 3 * PROCESS_MIB + 1, 3), (2, PROCESS_MIB // 2, 1), (1, 0, 1)],
)
def test_the_default_is_one_process_per_core_capped_by_memory(cores, memory, expected):
    assert default_processes(cores, memory) == expected


def test_a_setting_of_zero_means_the_default(monkeypatch):
    monkeypatch.setenv("KG_PROCESSES", "3")
    assert Config.from_env().processes == 3
    assert Config().processes == 0


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """`kg serve --processes 2` in admin mode over a store of its own (queries stop after 2 s)."""
    root = tmp_path_factory.mktemp("processes")
    location = f"oxigraph:{root / 'store'}"
    config = Config(store=location, processes=2, workers=1, query_timeout=2.0, read_only=False, admin_token=TOKEN)
    with open_store(location, create=True) as store:
        build(store, config, INNOCRAFTS)
    server = LiveServer(config)
    yield server, root
    server.close()


def _by_process(server, seen: dict[int, dict], want: int = 2, tries: int = 400) -> dict[int, dict]:
    """Ask /readyz on fresh connections until `want` web processes have answered; their answers by pid."""
    for _ in range(tries):
        body = requests.get(server.url + "/readyz", timeout=10).json()
        seen[body["process"]] = body
        if len(seen) >= want:
            return seen
    raise AssertionError(f"only {len(seen)} web processes answered in {tries} requests")


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of a sample of /metrics (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    samples = (s for family in text_string_to_metric_families(text) for s in family.samples)
    return sum(s.value for s in samples if s.name == name and s.labels == labels)


@pytest.mark.slow
def test_a_reload_reaches_every_process(two, tmp_path):
    server, root = two
    before = _by_process(server, {})
    assert len({b["version"] for b in before.values()}) == 1  # every process serves one version
    count = int(requests.get(server.sparql, params=COUNT, timeout=10).json()["results"]["bindings"][0]["n"]["value"])
    extra = tmp_path / "extra.ttl"
    extra.write_text("<https://example.org/x> <https://example.org/p> 'added beside the server' .\n")
    with open_store(server.config.store) as store:
        load(store, server.config, [extra])
    r = requests.post(server.url + "/admin/reload", headers=AUTH, timeout=120)
    assert r.status_code == 200, r.text
    assert r.json()["processes"] == 2
    new = r.json()["version"]
    assert new not in {b["version"] for b in before.values()}
    after = _by_process(server, {})  # every process answers the new version as soon as the reload has answered
    assert {pid: b["version"] for pid, b in after.items()} == {pid: new for pid in after}
    validators = set()
    for _ in range(20):  # and the new data, from whichever process answers, with the same validators
        answer = requests.get(server.sparql, params=COUNT, timeout=10)
        assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) == count + 1
        validators.add((answer.headers["ETag"], answer.headers["Last-Modified"]))
    assert len(validators) == 1
    status = requests.get(server.url + "/admin/status", headers=AUTH, timeout=10).json()
    assert status["running"] is None and status["last"]["version"] == new


@pytest.mark.slow
def test_a_second_admin_action_is_refused_whichever_process_takes_it(two):
    server, _ = two
    assert requests.post(server.url + "/admin/rebuild", headers=AUTH, timeout=10).status_code == 202
    refused = [requests.post(server.url + "/admin/reload", headers=AUTH, timeout=10).status_code for _ in range(6)]
    assert set(refused) == {409}  # six fresh connections: both processes answered some, if not all

    def done():
        status = requests.get(server.url + "/admin/status", headers=AUTH, timeout=10).json()
        return status if status["running"] is None else None

    status = wait_for(done, timeout=300, what="the rebuild ending")
    assert status["last"]["ok"], status["last"]["output"]
    assert {b["version"] for b in _by_process(server, {}).values()} == {status["last"]["version"]}


def _query_workers(server) -> dict[int, set[int]]:
    """The query worker processes of each web process (its descendants), by the web process's pid."""
    import psutil

    return {
        web.pid: {p.pid for p in web.children(recursive=True)}
        for web in psutil.Process(server.process.pid).children(recursive=False)
        if web.children()  # a granian worker holds a query worker pool; other children of kg serve do not
    }


@pytest.mark.slow
def test_a_runaway_query_is_stopped_whichever_process_took_it(two):
    import time

    server, _ = two
    _by_process(server, {})
    first = _query_workers(server)
    assert len(first) == 2
    stopped = 0
    metrics = requests.get(server.url + "/metrics", timeout=10).text
    before = _metric(metrics, "coopkg_queries_stopped_total")
    while any(first[pid] <= _query_workers(server).get(pid, set()) for pid in first):  # a process kept all
        assert stopped < 20, "twenty heavy queries never reached both web processes"
        started = time.monotonic()
        r = requests.post(server.sparql, data={"query": HEAVY}, timeout=30)
        assert r.status_code == 503 and time.monotonic() - started < 2.0 + 3
        stopped += 1
    metrics = requests.get(server.url + "/metrics", timeout=10).text
    assert _metric(metrics, "coopkg_queries_stopped_total") == before + stopped
    assert requests.get(server.sparql, params=COUNT, timeout=10).status_code == 200  # the pools healed


@pytest.mark.slow
def test_metrics_count_the_requests_of_every_process(two):
    server, _ = two
    labels = {"route": "/readyz", "method": "GET", "status": "200"}
    before = _metric(requests.get(server.url + "/metrics", timeout=10).text, "coopkg_http_requests_total", **labels)
    answered: dict[int, int] = {}
    for _ in range(60):
        pid = requests.get(server.url + "/readyz", timeout=10).json()["process"]
        answered[pid] = answered.get(pid, 0) + 1
    assert len(answered) == 2, answered  # both processes answered some of them
    after = _metric(requests.get(server.url + "/metrics", timeout=10).text, "coopkg_http_requests_total", **labels)
    assert after - before == 60
    text = requests.get(server.url + "/metrics", timeout=10).text
    assert _metric(text, "coopkg_query_workers", state="workers") == 2  # one each, summed


@pytest.mark.slow
def test_the_shared_folder_is_removed_when_the_server_stops(two):
    """The folder of the generation and the metrics, which every web process maps, goes with the server."""
    import psutil

    server, _ = two
    own = LiveServer(server.config.with_(read_only=True, processes=2))
    try:
        webs = psutil.Process(own.process.pid).children()
        mapped = {Path(m.path).parent for web in webs for m in web.memory_maps() if m.path.endswith("/generation")}
        assert len(webs) == 2 and len(mapped) == 1
        folder = mapped.pop()
        assert (folder / "metrics").is_dir()
    finally:
        own.close()
    assert own.process.returncode == 0 and not folder.exists()
