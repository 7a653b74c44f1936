"""`kg serve`: the one place where the `kg` package starts the web service (`api`), with Waitress."""

from __future__ import annotations

import sys

import click

from kg.cli.commands import _open, _user_errors
from kg.config import Config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads answering HTTP requests.")
@click.option(
    "--read-only/--admin",
    default=None,
    help="--read-only (the default, or KG_READ_ONLY) serves the public surfaces only; --admin adds "
    "/admin/rebuild and /admin/reload, which need the token in KG_ADMIN_TOKEN.",
)
@click.pass_obj
@_user_errors
def serve(config: Config, host: str, port: int, threads: int, read_only: bool | None) -> None:
    """Serve the graph over HTTP: the SPARQL endpoint and query UI at /sparql, saved queries at /api.

    Runs Waitress, a production WSGI server. Queries run in KG_WORKERS worker processes that each hold a
    copy of the store, and stop after KG_QUERY_TIMEOUT seconds. One JSON line per request goes to standard
    error (KG_ACCESS_LOG); /healthz and /readyz are for health checks.
    """
    import logging

    import waitress

    from api import create_app

    if read_only is not None:
        config = config.with_(read_only=read_only)
    with _open(config, read_only=True):  # fail early, with a clear message, if there is no store
        pass
    access = logging.getLogger("coopkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    app = create_app(config)
    click.echo(f"serving {config.store} on http://{host}:{port}/sparql", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="coopkg")
