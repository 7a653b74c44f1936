"""Start Oxigraph's own SPARQL server (PyPI package `oxigraph`, a test dependency) on a loopback port, for
running the sparql: backend on a second engine beside Virtuoso.

    python tests/oxigraph_server.py FOLDER     # start one and print its endpoints; Ctrl-C stops it
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.virtuoso import free_port

BINARY = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


@dataclass
class OxigraphServer:
    """A running `oxigraph serve`: its SPARQL endpoints (query at /query, update at /update) and process."""

    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/update"

    @property
    def location(self) -> str:
        """The store location for KG_STORE / --store."""
        return f"sparql:{self.query_url},{self.update_url}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def start_oxigraph_server(folder: Path, timeout: float = 30) -> OxigraphServer:
    """A server with a fresh store in `folder` (created), on a free loopback port."""
    if not Path(BINARY).exists():
        raise RuntimeError("Oxigraph's server is not installed: pip install -e '.[test]' (package oxigraph)")
    folder.mkdir(parents=True, exist_ok=True)
    server = OxigraphServer(folder.resolve(), free_port())
    command = [BINARY, "serve", "--location", str(server.folder / "store"), "--bind", f"127.0.0.1:{server.port}"]
    with (server.folder / "server.log").open("ab") as log:
        server.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    atexit.register(server.stop)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Oxigraph's server stopped while starting: see {server.folder / 'server.log'}")
        try:
            with urllib.request.urlopen(server.query_url + "?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"Oxigraph's server did not answer within {timeout:g} s: see {server.folder / 'server.log'}")


if __name__ == "__main__":
    s = start_oxigraph_server(Path(sys.argv[1] if len(sys.argv) > 1 else "oxigraph-server-db"))
    print(f"Oxigraph server: query {s.query_url}, update {s.update_url}\nKG_STORE={s.location}")
    try:
        s.process.wait()
    except KeyboardInterrupt:
        s.stop()
