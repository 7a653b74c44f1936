"""Start Oxigraph's own SPARQL server (PyPI package `oxigraph`, a test dependency) on a loopback port, for
running the sparql: backend on a second engine beside Virtuoso.

    python tests/oxigraph_server.py FOLDER     # start one and print its endpoints; Ctrl-C stops it
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.sparql_server import SparqlServer, free_port

BINARY = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


@dataclass
class OxigraphServer(SparqlServer):
    """A running `oxigraph serve`: query at /query, update at /update (no authentication)."""

    QUERY_PATH = "/query"
    UPDATE_PATH = "/update"

    def command(self) -> list[str]:
        return [BINARY, "serve", "--location", str(self.folder / "store"), "--bind", f"127.0.0.1:{self.http_port}"]


def start_oxigraph_server(folder: Path) -> OxigraphServer:
    """A server with a fresh store in `folder` (created), on a free loopback port."""
    if not Path(BINARY).exists():
        raise RuntimeError("Oxigraph's server is not installed: pip install -e '.[test]' (package oxigraph)")
    folder.mkdir(parents=True, exist_ok=True)
    return OxigraphServer(folder.resolve(), free_port()).start(timeout=30)


if __name__ == "__main__":
    s = start_oxigraph_server(Path(sys.argv[1] if len(sys.argv) > 1 else "oxigraph-server-db"))
    print(f"Oxigraph server: query {s.query_url}, update {s.update_url}\nKG_STORE={s.location}")
    try:
        s.process.wait()
    except KeyboardInterrupt:
        s.stop()
