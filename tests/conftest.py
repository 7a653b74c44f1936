"""Shared fixtures: configs and stores (in memory and on disk), a copy of the bundled data to spoil,
and a CLI runner working in a temporary folder. The helpers that tests import are in helpers.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import (
    BACKENDS,
    FUZZ,
    INNOCRAFTS,
    LiveServer,
    make_store,
)

from kg.config import Config
from kg.ingest.loader import build
from kg.resources import resource_dir
from kg.store import Store, open_store


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ:
        terminalreporter.section("fuzzing (hypothesis, schemathesis)")
        for kind, count in sorted(FUZZ.items()):
            terminalreporter.write_line(f"{kind}: {count}")


def pytest_collection_modifyitems(items) -> None:
    """Markers from the fixtures a test uses: `page` means the browser, a SPARQL server means remote, and the
    default build (URBACT's 20,000 rows too: half a minute per xdist worker) means slow."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "page" in fixtures:
            item.add_marker(pytest.mark.browser)
        if fixtures & {"virtuoso", "oxigraph_server"}:
            item.add_marker(pytest.mark.remote)
        if fixtures & {"default_store", "default_config", "default_client", "default_live"}:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """Debian's Virtuoso on loopback ports, with a fresh database (installed by `make virtuoso`)."""
    from tests.virtuoso import BINARY, start_virtuoso

    if not Path(BINARY).exists():
        pytest.skip("Virtuoso is not installed: `make virtuoso` installs Debian's virtuoso-opensource")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """Oxigraph's own SPARQL server on a loopback port, with a fresh store (PyPI package oxigraph)."""
    from tests.oxigraph_server import BINARY, start_oxigraph_server

    if not Path(BINARY).exists():
        pytest.skip("Oxigraph's server is not installed: pip install -e '.[test]' (package oxigraph)")
    server = start_oxigraph_server(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def local_templates(tmp_path_factory):
    """The bundled data built once per session (per xdist worker) in memory and on disk, by backend; no test
    writes to them: `built_template` hands them out and `built` copies them."""
    templates: dict[str, tuple[Store, Config]] = {}
    yield templates
    for store, _ in templates.values():
        store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def built_template(request, tmp_path_factory, local_templates) -> tuple[str, Store, Config]:
    """A store of the bundled data per backend; tests get copies (`built`). In memory and on disk it is the
    session's (`local_templates`); module scope keeps the tests in module order. On a SPARQL server it is
    built once per test module."""
    kind = request.param
    if kind in ("memory", "disk"):
        if kind not in local_templates:
            store, config = make_store(kind, tmp_path_factory.mktemp(f"built-{kind}"), request)
            build(store, config, INNOCRAFTS)
            if kind == "disk":
                store.close()  # copied as files: closed, so that the copy is consistent
            local_templates[kind] = store, config
        store, config = local_templates[kind]
        yield kind, store, config
        return
    store, config = make_store(kind, tmp_path_factory.mktemp(f"built-{kind}"), request)
    build(store, config, INNOCRAFTS)
    yield kind, store, config
    store.close()


@pytest.fixture
def built(built_template, tmp_path, request) -> tuple[Store, Config]:
    """A store built from the bundled data, once per backend: a copy of the session's template, which the
    test may change. On a SPARQL server, where a copy costs as much as a build, it is built again."""
    kind, template, config = built_template
    if kind == "memory":
        store = template.in_memory()
    elif kind == "disk":
        source = Path(config.store.removeprefix("oxigraph:"))
        shutil.copytree(source, tmp_path / "store", symlinks=True)
        config = config.with_(store=f"oxigraph:{tmp_path / 'store'}")
        store = open_store(config)
    else:
        store, config = make_store(kind, tmp_path, request)
        build(store, config, INNOCRAFTS)
    yield store, config
    store.close()


@pytest.fixture(scope="session")
def bundled_store() -> tuple[Store, Config]:
    """One in-memory store of the INNOCRAFTS data, shared by read-only tests."""
    config = Config(store="memory")
    store = open_store("memory")
    build(store, config, INNOCRAFTS)
    return store, config


@pytest.fixture(scope="session")
def default_store() -> tuple[Store, Config]:
    """One in-memory store of everything `kg build` loads by default (INNOCRAFTS and URBACT), read-only."""
    config = Config(store="memory")
    store = open_store("memory")
    build(store, config)
    return store, config


@pytest.fixture
def dataset(tmp_path) -> Path:
    """A writable copy of the bundled INNOCRAFTS dataset folder."""
    target = tmp_path / "innocrafts"
    shutil.copytree(resource_dir("data") / "innocrafts", target)
    return target


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    """A CLI runner in a fresh folder, with no store settings from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KG_STORE", raising=False)
    monkeypatch.delenv("KG_BASE_IRI", raising=False)
    return CliRunner()


@pytest.fixture(scope="session")
def served_config(tmp_path_factory) -> Config:
    """An on-disk store of the bundled data, built once, that the web tests read (never write)."""
    location = f"oxigraph:{tmp_path_factory.mktemp('served') / 'store'}"
    config = Config(store=location)
    with open_store(location, create=True) as store:
        build(store, config, INNOCRAFTS)
    return config


@pytest.fixture(scope="session")
def default_config(tmp_path_factory) -> Config:
    """An on-disk store of everything `kg build` loads by default (INNOCRAFTS and URBACT), read-only."""
    location = f"oxigraph:{tmp_path_factory.mktemp('default') / 'store'}"
    config = Config(store=location)
    with open_store(location, create=True) as store:
        build(store, config)
    return config


@pytest.fixture(autouse=True)
def _no_language_left_on_the_shared_client(request):
    """A test that chose a language (`?lang=` sets the reader's cookie) leaves none on the session's shared client:
    the cookie outranks Accept-Language, so the next module's Hungarian request would read English."""
    client = request.getfixturevalue("default_client") if "default_client" in request.fixturenames else None
    yield
    if client is not None:
        from api.i18n import COOKIE

        client.delete_cookie(COOKIE)


@pytest.fixture(scope="session")
def default_client(default_config):
    """Flask's test client over the default build (INNOCRAFTS and URBACT)."""
    from api import create_app
    from kg.query.executor import InlineExecutor

    app = create_app(default_config, executor=InlineExecutor(default_config))
    app.config["TESTING"] = True
    app.extensions["coopkg"].warm_up.join()
    yield app.test_client()
    app.extensions["coopkg"].close()


@pytest.fixture(scope="session")
def app(served_config):
    """The Flask app over the served store, answering queries in this process (as in Flask's tutorial)."""
    from api import create_app
    from kg.query.executor import InlineExecutor

    app = create_app(served_config, executor=InlineExecutor(served_config))
    app.config["TESTING"] = True
    # Queries run in this process here, beside the network views' warm-up thread: a pyoxigraph result made on
    # one thread and freed by a garbage collection that the other happens to start fails ("unsendable"), so
    # the tests start once the views are built (a served process runs its queries in worker processes)
    app.extensions["coopkg"].warm_up.join()
    yield app
    app.extensions["coopkg"].close()


@pytest.fixture
def client(app):
    """Flask's test client: requests without a server or worker processes."""
    return app.test_client()


@pytest.fixture(scope="session")
def live(served_config) -> LiveServer:
    """A live `kg serve` over the served store: for time limits, kills and real clients (queries stop after
    3 s)."""
    server = LiveServer(served_config.with_(query_timeout=3.0, workers=2))
    yield server
    server.close()


@pytest.fixture(scope="session")
def default_live(default_config) -> LiveServer:
    """A live `kg serve` over the default build (INNOCRAFTS and URBACT)."""
    server = LiveServer(default_config.with_(workers=2))
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser_page():
    """A page in Debian's headless Chromium, driven by Playwright (which downloads no browser of its own),
    recording what its console says (`page.console`)."""
    from tests.chromium import chromium_page

    with chromium_page() as page:
        page.console = []
        page.on("console", lambda message: page.console.append(message.text))
        yield page


@pytest.fixture
def page(browser_page):
    """The browser page for one test, which fails if the browser reported a Content-Security-Policy violation."""
    browser_page.console.clear()
    yield browser_page
    violations = [m for m in browser_page.console if "Content Security Policy" in m]
    assert not violations, violations
