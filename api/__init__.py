"""The web service: SPARQL endpoint and query UI, saved queries as a REST API, linked-data pages.

`create_app(config)` builds the Flask app, as in Flask's tutorial: settings from the Config object,
one blueprint per surface, and the query executor (worker processes over the store) opened once per
process, not per request.
"""

from __future__ import annotations

from flask import Flask, jsonify
from flask_cors import CORS

from kg.config import Config
from kg.executor import QueryExecutor
from kg.publish import DumpCache
from kg.queries import read_saved_queries
from kg.store import open_store
from kg.views import ViewCache

__all__ = ["create_app"]


def create_app(config: Config | None = None, *, executor: QueryExecutor | None = None) -> Flask:
    """Build the app for `config` (default: from the environment)."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        KG=config,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.extensions["kg_views"] = ViewCache()
    from api.network import warm_up

    warm_up(app)  # while the query workers start
    app.extensions["kg_executor"] = executor or QueryExecutor(
        config.store,
        workers=config.workers,
        timeout=config.query_timeout,
        max_bytes=config.max_result_bytes,
        in_memory=config.serve_in_memory,
    )
    app.extensions["kg_queries"] = read_saved_queries(config.ns)  # read once, at start-up
    with open_store(config.store, read_only=True) as store:
        app.extensions["kg_version"] = store.version or "unversioned"
    app.extensions["kg_dumps"] = DumpCache(config.store, config.ns)
    CORS(
        app,
        resources={
            path: {"origins": "*"}
            for path in (
                r"/sparql",
                r"/api/*",
                r"/id/*",
                r"/scheme/*",
                r"/ontology*",
                r"/catalog",
                r"/.well-known/*",
                r"/dumps/*",
            )
        },
        send_wildcard=True,
        expose_headers=["Link"],
    )

    from api import network, pages, queries, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(network.bp)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app
