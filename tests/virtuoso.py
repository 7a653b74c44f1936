"""Start Debian's Virtuoso Open Source on loopback ports in a folder of its own, for the tests and bench/.

    python tests/virtuoso.py FOLDER     # start one and print its endpoints; Ctrl-C stops it

`make virtuoso` installs the package (virtuoso-opensource). The server gets a fresh database in FOLDER,
listens on 127.0.0.1 only, returns whole results (Virtuoso's default cuts them at 10,000 rows), and
accepts SPARQL Update at /sparql-auth for the user dba (password dba, digest authentication).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.sparql_server import SparqlServer, free_port

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


@dataclass
class Virtuoso(SparqlServer):
    """A running Virtuoso: SPARQL on `http_port` (updates at /sparql-auth), its SQL port, and the process.
    `kill()` stops it as a crash would: what it had not checkpointed comes back from its log."""

    sql_port: int = 0
    UPDATE_PATH = "/sparql-auth"

    def command(self) -> list[str]:
        return [BINARY, "+configfile", str(self.folder / "virtuoso.ini"), "+foreground"]


def start_virtuoso(folder: Path, *, buffers: int = 20000) -> Virtuoso:
    """A fresh Virtuoso with its database in `folder` (created), on two free loopback ports."""
    if not Path(BINARY).exists():
        raise RuntimeError("Virtuoso is not installed: run `make virtuoso` (Debian's virtuoso-opensource)")
    folder.mkdir(parents=True, exist_ok=True)
    server = Virtuoso(folder.resolve(), free_port(), sql_port=free_port())
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
