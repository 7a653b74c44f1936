"""`kg serve`: the one place where the `kg` package starts the web service (`api`), with granian.

Granian (a Rust HTTP server for WSGI apps) runs one worker process holding the app, its query worker pool
and its caches; its own main process only watches that worker and passes SIGTERM on as a graceful stop.
bench/endpoint.py measured it beside Waitress and gunicorn (README, "Benchmarks").
"""

from __future__ import annotations

import logging
import os
import sys

import click

from kg.cli.commands import _open, _user_errors
from kg.config import Config
from kg.errors import KGError

#: granian's own advice for a WSGI worker: more Python threads than this only contend for the interpreter
DEFAULT_THREADS = 2 * (os.cpu_count() or 1) + 1


def _app(config: Config):
    """Build the app inside granian's worker process, after granian has set up its logging there."""
    from api import create_app

    access = logging.getLogger("coopkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    try:
        return create_app(config)
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
    help="Python threads answering HTTP requests (a thread waiting for a query worker holds one).",
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
@_user_errors
def serve(config: Config, host: str, port: int, threads: int, connections: int, read_only: bool | None) -> None:
    """Serve the graph over HTTP: the SPARQL endpoint and query UI at /sparql, saved queries at /api.

    Runs granian, a production HTTP server: one process answers the requests; queries run in KG_WORKERS
    worker processes and stop after KG_QUERY_TIMEOUT seconds. Request bodies over KG_MAX_REQUEST_BYTES get
    413; SIGTERM lets requests under way finish. One JSON line per request goes to standard error
    (KG_ACCESS_LOG); /healthz and /readyz are for health checks, /metrics for Prometheus.
    """
    import functools

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    if read_only is not None:
        config = config.with_(read_only=read_only)
    with _open(config, read_only=True):  # fail early, with a clear message, if there is no store
        pass
    if not config.read_only and not config.admin_token:
        raise KGError("admin mode needs a token: set KG_ADMIN_TOKEN (or serve read-only)")
    click.echo(f"serving {config.store} on http://{host}:{port}/sparql", err=True)
    server = Granian(
        "coopkg",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=1,  # one process holds the query worker pool, its limits and the caches
        blocking_threads=threads,
        backpressure=connections,
        http1_settings=HTTP1Settings(header_read_timeout=30_000),
        workers_kill_timeout=int(config.query_timeout) + 10,  # a graceful stop waits for queries under way
        respawn_failed_workers=True,
    )
    try:
        server.serve(target_loader=functools.partial(_app, config), wrap_loader=False)
    except (OSError, RuntimeError) as e:  # granian raises RuntimeError for a port it cannot bind
        raise KGError(f"cannot serve on {host}:{port}: {e}") from None
