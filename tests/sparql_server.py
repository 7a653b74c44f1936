"""What the SPARQL servers started for the tests and benches have in common: a free loopback port, the
store location that points kg at them, starting and waiting until they answer, and stopping them."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SparqlServer:
    """A server process with its files in `folder`, listening on `http_port`; subclasses give the paths of
    its endpoints and the command that starts it."""

    folder: Path
    http_port: int
    process: subprocess.Popen | None = field(default=None, init=False)

    QUERY_PATH = "/sparql"
    UPDATE_PATH = "/sparql"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}{self.QUERY_PATH}"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}{self.UPDATE_PATH}"

    @property
    def location(self) -> str:
        """The store location for KG_STORE / --store."""
        return f"sparql:{self.query_url},{self.update_url}"

    def command(self) -> list[str]:
        """The server's command line (run in `folder`)."""
        raise NotImplementedError

    def start(self, timeout: float = 60):
        """Start the server and wait until it answers a query (its log is `server.log` in the folder)."""
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        atexit.register(self.kill)  # never leave a server behind, even when the caller fails
        name = type(self).__name__
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} stopped while starting: see the logs in {self.folder}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not answer within {timeout:g} s: see the logs in {self.folder}")

    def kill(self) -> None:
        """Stop it at once, as a crash would (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None
