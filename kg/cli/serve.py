"""`kg serve`: the one place where the `kg` package starts the web service (`api`), with granian.

Granian (a Rust HTTP server for WSGI apps) runs N worker processes (KG_PROCESSES), each holding the app, its
own query worker pool and its caches; its main process watches them and passes SIGTERM on as a graceful
stop. The web processes share a folder made here and removed at exit: the data generation that a reload
moves on in all of them (api.services.Shared), and prometheus-client's multiprocess files, which /metrics
sums. bench/endpoint.py measured it beside Waitress and gunicorn (bench/README.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from kg.cli.commands import user_errors
from kg.config import Config
from kg.errors import KGError
from kg.pipeline import open_store

#: granian's own advice for a WSGI worker: more Python threads than this only contend for the interpreter
DEFAULT_THREADS = 2 * (os.cpu_count() or 1) + 1

#: Memory to allow for each web process when KG_PROCESSES is 0: a process with its two query workers on disk
#: measured 255 MiB (PSS, after the endpoint bench) on the bundled data and about 550 MiB on H2020's 1.4M quads
#: (bench/README.md: gunicorn's two processes 1,096 MiB); more memory per process than that is not spent.
PROCESS_MIB = 600


def available_mib() -> int:
    """Memory the system can give without swapping (MemAvailable on Linux; elsewhere the free pages)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError, AttributeError):
        return PROCESS_MIB


def default_processes(cores: int | None = None, memory_mib: int | None = None) -> int:
    """KG_PROCESSES=0: one web process per core, at most one per PROCESS_MIB of available memory, at least one."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    memory_mib = memory_mib if memory_mib is not None else available_mib()
    return max(1, min(cores, memory_mib // PROCESS_MIB))


def _app(config: Config, shared: Path, began: float):
    """Build the app inside granian's worker process, after granian has set up its logging there."""
    from api import Shared, create_app

    access = logging.getLogger("coopkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    try:
        return create_app(config, shared=Shared(shared, began=began))
    except KGError as e:  # granian would print a traceback
        click.echo(f"error: {e}", err=True)
        raise SystemExit(1) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1),
    help="Python threads answering HTTP requests in each web process (a thread waiting for a query worker holds one).",
)
@click.option(
    "--processes",
    type=click.IntRange(0),
    default=None,
    help="Web processes (KG_PROCESSES; 0: one per core, capped by memory); each runs KG_WORKERS query workers.",
)
@click.option(
    "--connections",
    default=100,
    show_default=True,
    type=click.IntRange(1),
    help="Requests taken in at once; more wait in the listen backlog until one ends.",
)
@click.option(
    "--read-only/--admin",
    default=None,
    help="--read-only (the default, or KG_READ_ONLY) serves the public surfaces only; --admin adds "
    "/admin/rebuild and /admin/reload, which need the token in KG_ADMIN_TOKEN.",
)
@click.pass_obj
@user_errors
def serve(
    config: Config,
    host: str,
    port: int,
    threads: int,
    processes: int | None,
    connections: int,
    read_only: bool | None,
) -> None:
    """Serve the graph over HTTP: the SPARQL endpoint and query UI at /sparql, saved queries at /api.

    Runs granian, a production HTTP server: KG_PROCESSES web processes answer the requests (default one per
    core); each runs its queries in KG_WORKERS worker processes, stopped after KG_QUERY_TIMEOUT seconds.
    Request bodies over KG_MAX_REQUEST_BYTES get 413; SIGTERM lets requests under way finish. One JSON line
    per request goes to standard error (KG_ACCESS_LOG); /healthz and /readyz are for health checks,
    /metrics (summed over the processes) for Prometheus.
    """
    if read_only is not None:
        config = config.with_(read_only=read_only)
    if processes is not None:
        config = config.with_(processes=processes)
    with open_store(config, read_only=True):  # fail early, with a clear message, if there is no store
        pass
    if not config.read_only and not config.admin_token:
        raise KGError("admin mode needs a token: set KG_ADMIN_TOKEN (or serve read-only)")
    workers = config.processes or default_processes()
    plural = "es" if workers > 1 else ""
    click.echo(f"serving {config.store} on http://{host}:{port}/sparql with {workers} web process{plural}", err=True)
    shared = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    try:
        _serve(config, host, port, threads, workers, connections, shared)
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _serve(config: Config, host: str, port: int, threads: int, workers: int, connections: int, shared: Path) -> None:
    """Run granian's `workers` processes, sharing the folder `shared` (its generation, its metrics)."""
    import functools

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    (shared / "metrics").mkdir()
    # read when prometheus-client is first imported, in the web processes (granian forks or spawns them)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared / "metrics")
    server = Granian(
        "coopkg",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers,  # each holds a query worker pool of its own, its limits and its caches
        blocking_threads=threads,
        backpressure=connections,
        http1_settings=HTTP1Settings(header_read_timeout=30_000),
        workers_kill_timeout=int(config.query_timeout) + 10,  # a graceful stop waits for queries under way
        respawn_failed_workers=True,
    )
    try:
        server.serve(target_loader=functools.partial(_app, config, shared, time.time()), wrap_loader=False)
    except (OSError, RuntimeError) as e:  # granian raises RuntimeError for a port it cannot bind
        raise KGError(f"cannot serve on {host}:{port}: {e}") from None
