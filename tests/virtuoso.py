"""Start Debian's Virtuoso Open Source on loopback ports in a folder of its own, for the tests and bench/.

    python tests/virtuoso.py FOLDER     # start one and print its endpoints; Ctrl-C stops it

`make virtuoso` installs the package (virtuoso-opensource). The server gets a fresh database in FOLDER,
listens on 127.0.0.1 only, returns whole results (Virtuoso's default cuts them at 10,000 rows), and
accepts SPARQL Update at /sparql-auth for the user dba (password dba, digest authentication).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
USER, PASSWORD = "dba", "dba"

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {db}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 20
ServerThreads = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
MaxSortedTopRows = 100000000
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoints and the process."""

    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def location(self) -> str:
        """The store location for KG_STORE / --store."""
        return f"sparql:{self.query_url},{self.update_url}"

    def start(self, timeout: float = 60) -> Virtuoso:
        with (self.folder / "stdout.log").open("ab") as log:
            self.process = subprocess.Popen(
                [BINARY, "+configfile", str(self.folder / "virtuoso.ini"), "+foreground"],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        atexit.register(self.kill)  # never leave a server behind, even when the caller fails
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Virtuoso stopped while starting: see {self.folder / 'virtuoso.log'}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer within {timeout:g} s: see {self.folder / 'virtuoso.log'}")

    def kill(self) -> None:
        """Stop it at once, as a crash would (SIGKILL): what it had not checkpointed comes back from its log."""
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


def start_virtuoso(folder: Path, *, buffers: int = 20000) -> Virtuoso:
    """A fresh Virtuoso with its database in `folder` (created), on two free loopback ports."""
    if not Path(BINARY).exists():
        raise RuntimeError("Virtuoso is not installed: run `make virtuoso` (Debian's virtuoso-opensource)")
    folder.mkdir(parents=True, exist_ok=True)
    server = Virtuoso(folder.resolve(), free_port(), free_port())
    ini = INI.format(
        db=server.folder,
        sql_port=server.sql_port,
        http_port=server.http_port,
        vsp=VSP,
        buffers=buffers,
        dirty=buffers * 3 // 4,
    )
    (server.folder / "virtuoso.ini").write_text(ini)
    return server.start()


if __name__ == "__main__":
    import sys

    v = start_virtuoso(Path(sys.argv[1] if len(sys.argv) > 1 else "virtuoso-db"))
    print(f"Virtuoso: query {v.query_url}, update {v.update_url} ({USER}/{PASSWORD}, digest)")
    print(f"KG_STORE={v.location}")
    try:
        v.process.wait()
    except KeyboardInterrupt:
        v.stop()
