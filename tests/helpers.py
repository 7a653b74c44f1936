"""Helpers the tests import: the bundled data's folders and sizes, stores of each backend, a live `kg serve`,
and small readers of results, dumps, screenshots and pages. The fixtures that use them are in conftest.py."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import Config
from kg.resources import resource_dir
from kg.store import Store, open_store

#: The SPARQL servers that the sparql: backend is tested on (started by the fixtures of the same names).
REMOTE = ("virtuoso", "oxigraph-server")


#: Every backend-parametrised test runs on each backend of KG_TEST_BACKENDS (default: all): Oxigraph in memory
#: and on disk, and through the sparql: backend two real SPARQL servers, Virtuoso and Oxigraph's own server,
#: so that the remote backend is shown on more than one engine. The remote ones carry the `remote` marker.
BACKENDS = [
    pytest.param(name, marks=pytest.mark.remote, id=name) if name in REMOTE else pytest.param(name, id=name)
    for name in os.environ.get("KG_TEST_BACKENDS", "memory,disk," + ",".join(REMOTE)).split(",")
    if name.strip()
]


#: Cases the fuzz tests tried, by kind; printed at the end of the run.
FUZZ: Counter = Counter()


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest | None = None) -> tuple[Store, Config]:
    """An empty store of the given backend and its config."""
    if kind in ("virtuoso", "oxigraph-server"):
        assert request is not None, f"the {kind} backend needs the test's request"
        server = request.getfixturevalue(kind.replace("-", "_"))
        config = Config(store=server.location, remote_retries=2)
        if kind == "virtuoso":  # Oxigraph's server takes updates without credentials
            config = config.with_(remote_user="dba", remote_password="dba", remote_auth="digest")
        store = open_store(config)
        with store.transaction(fresh=True):  # empty: a build that writes nothing drops every graph
            pass
        return store, config
    location = "memory" if kind == "memory" else f"oxigraph:{tmp_path / 'store'}"
    config = Config(store=location)
    return open_store(location, create=True), config


#: The INNOCRAFTS data and the crosswalk without URBACT's 20,000 rows: what the shared test stores hold, so
#: that a module's build takes a second; the session's served store and the URBACT tests hold everything.
INNOCRAFTS = [resource_dir("data") / "innocrafts", resource_dir("data") / "crosswalk"]


def bundled_rows(name: str) -> int:
    """How many rows a file of the bundled dataset has (so that tests follow the data as it grows)."""
    import csv

    with (resource_dir("data") / "innocrafts" / name).open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def query_results_left_in_cycles(action) -> list:
    """The pyoxigraph query results that `action()` leaves in reference cycles. Such a result is freed by
    whichever thread runs the next garbage collection, and one freed on another thread than its own fails
    ("unsendable") and is lost: there must be none."""
    import gc

    import pyoxigraph as ox

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        action()
        gc.collect()
        return [o for o in gc.garbage if isinstance(o, ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def wait_for(condition, *, timeout: float = 30.0, what: str = "the condition"):
    """Poll `condition` until it returns something true, and return that; fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:g} s"
        time.sleep(0.05)
    return value


def snapshot(store: Store) -> set[str]:
    """Every quad of the store, as N-Quads lines, to compare before and after."""
    out = store_dump(store)
    return set(out.decode().splitlines())


def store_dump(store: Store) -> bytes:
    import io

    buffer = io.BytesIO()
    store.dump(buffer, format=ox.RdfFormat.N_QUADS)
    return buffer.getvalue()


def rows(result) -> list[dict[str, str]]:
    """SELECT results as plain dicts of strings."""
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


class LiveServer:
    """`kg serve` (granian, query worker processes) in a process of its own on a loopback port, with the
    settings of `config`; what it writes to standard error (granian's lines, the access log) is kept."""

    def __init__(self, config: Config, *, ready: float = 120.0):
        import socket
        import subprocess
        import sys
        import tempfile

        import requests

        self.config = config
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.mkstemp(prefix="kg-serve-", suffix=".log")[1])
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("KG_")}, **config.environment()}
        if not config.processes:  # one web process unless a test asks for more (tests/test_processes.py)
            env["KG_PROCESSES"] = "1"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg", "serve", "--port", str(port), "--threads", "8"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

        def up():
            assert self.process.poll() is None, f"kg serve stopped: {self.log()[-2000:]}"
            try:
                return requests.get(self.url + "/healthz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(up, timeout=ready, what="kg serve answering /healthz")

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def access_log(self) -> list[dict]:
        """The access log's JSON lines so far."""
        import json

        return [json.loads(line) for line in self.log().splitlines() if line.startswith('{"time"')]

    def close(self) -> None:
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)


def not_blank(png: bytes) -> bool:
    """A screenshot with many different colours: something was drawn."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((160, 120))
    return len(set(image.tobytes()[i : i + 3] for i in range(0, 160 * 120 * 3, 3))) > 50


def crawl(client, *, limit: int) -> dict[str, int]:
    """Visit the site's pages from the home page (the lists first, three pages of each, then entity pages up
    to `limit` pages in all) and check that every link found on them answers; the pages visited, by path."""
    import re as regex
    from collections import deque

    navigation, entities = deque(["/", "/search?q=crafts"]), deque()
    seen, checked, pages = set(navigation), {}, Counter()
    while navigation or (entities and len(checked) < limit):
        path = navigation.popleft() if navigation else entities.popleft()
        r = client.get(path, follow_redirects=True)  # a linked organisation's other IRIs lead (303) to its page
        checked[path] = r.status_code
        assert r.status_code == 200, (path, r.status_code)
        if not r.content_type.startswith("text/html"):
            continue
        for link in regex.findall(r'href="(/[^"#]*)"', r.get_data(as_text=True)):
            link = link.replace("&amp;", "&")
            if link in seen:
                continue
            seen.add(link)
            if link.startswith("/static/") or link.startswith("/dumps/") or "." in link.rsplit("/", 1)[-1]:
                with client.get(link) as answer:  # a file or a format: answers, not crawled
                    assert answer.status_code == 200, (link, answer.status_code, "linked from", path)
            elif link.startswith(("/id/", "/scheme/")):
                entities.append(link)
            elif "page=" not in link or pages[link.split("?")[0]] < 2:  # two more pages of each list
                pages[link.split("?")[0]] += "page=" in link
                navigation.append(link)
    return checked
