"""The web service: SPARQL endpoint and query UI, saved queries as a REST API, linked-data pages.

`create_app(config)` builds the Flask app, as in Flask's tutorial: settings from the Config object,
one blueprint per surface, and the services (`api.services`: the store, the query workers, the caches)
opened once per process, not per request.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import brotli
import cachetools
from flask import Flask, g, request
from flask_compress import Compress
from flask_cors import CORS
from werkzeug.exceptions import RequestEntityTooLarge

from api.services import Services, Shared
from kg.config import Config
from kg.errors import KGError
from kg.query.executor import InlineExecutor, QueryExecutor

__all__ = ["create_app", "Shared"]


def create_app(
    config: Config | None = None,
    *,
    executor: QueryExecutor | InlineExecutor | None = None,
    shared: Shared | None = None,
) -> Flask:
    """Build the app for `config` (default: from the environment); `shared`: the folder of the server's
    web processes (`kg serve --processes N`), through which a reload reaches all of them."""
    config = config or Config.from_env()
    if not config.read_only and not config.admin_token:
        raise KGError("admin mode needs a token: set KG_ADMIN_TOKEN (or serve read-only)")
    app = Flask(__name__)
    app.config.from_mapping(
        KG=config,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.extensions["coopkg"] = Services.start(config, executor, shared)
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

    from api import admin, i18n, metrics, network, pages, practices, queries, sparql, validators

    metrics.install(app)  # first: it times everything after it, the 304s included
    i18n.init_app(app)  # before the validators: its Vary and cookie go on after their headers

    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(practices.bp)
    app.register_blueprint(admin.ops)
    if not config.read_only:
        app.extensions["coopkg_admin"] = admin.AdminState(shared=shared)
        app.register_blueprint(admin.bp)
    validators.install(app)
    compress = _compress(app)  # after the validators: its after_request runs first, so their ETag is set on the result
    if shared is not None:  # serving: each web process has the views' scripts compressed before a phone asks
        threading.Thread(target=_precompress, args=(app, compress), name="kg-precompress", daemon=True).start()
    _bounded_bodies(app, config)
    _security_headers(app, config)
    if config.access_log:
        _log_requests(app)
    return app


#: The one exception: YASGUI (the query editor at /sparql) injects its styles as <style> elements and has no
#: setting to load them from a file, so that page alone allows inline styles (never inline scripts).
INLINE_STYLES = {"/sparql"}

#: The pages another site may frame (the embeddable map and network); every other page refuses framing.
EMBEDDABLE = {"/embed/map", "/embed/network"}


def content_security_policy(config: Config, *, inline_styles: bool = False, framed: bool = False) -> str:
    """The pages' policy: everything from this server only, no inline or eval'd script, no framing (but by any
    site for the embeddable views, `framed`)."""
    extra = "".join(f" {o}" for o in config.csp_origins.replace(",", " ").split())
    styles = " 'unsafe-inline'" if inline_styles else ""
    return "; ".join(
        [
            f"default-src 'self'{extra}",
            f"script-src 'self'{extra}",
            f"style-src 'self'{styles}{extra}",
            f"img-src 'self' data: blob:{extra}",
            "font-src 'self' data:",
            f"connect-src 'self'{extra}",
            "object-src 'none'",
            "frame-ancestors *" if framed else "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def _compress(app: Flask) -> Compress:
    """Pages, JSON, scripts, styles and the map's outline go out brotli- or gzip-encoded to a client that asks
    (Flask-Compress): on a slow phone link they were most of the wait."""
    app.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_CACHE_BACKEND=_StaticCompressed,
        COMPRESS_CACHE_KEY=_static_key,
        COMPRESS_REGISTER=False,  # called below, not for a part of a file
    )
    from api.validators import accepted_coding

    compress = Compress(app)
    app.extensions["compress"] = compress  # Flask-Compress registers itself nowhere; its cache is filled at start

    @app.after_request
    def compressed(response):
        """A static file asked for compressed is read whole first: compressed as a stream, its file would be
        left open, and whole it is compressed in one go and validated (ETag per coding, 304) by Flask-Compress.
        A range of a file (206) goes as it is: its Content-Range counts the bytes of the file itself."""
        if response.status_code == 206:
            return response
        if (
            request.endpoint == "static"
            and response.direct_passthrough
            and response.status_code == 200
            and "Accept-Encoding" in request.headers
        ):
            stream = response.response
            try:
                response.response = [b"".join(stream)]
                response.direct_passthrough = False
            finally:
                stream.close()
            _compress_static_once(compress, response)
        # Flask-Compress reads Accept-Encoding itself and takes `*` over a coding refused with q=0: it is given
        # the one coding the request accepts first, or none
        environ, asked = request.environ, request.environ.get("HTTP_ACCEPT_ENCODING")
        environ["HTTP_ACCEPT_ENCODING"] = accepted_coding() or "identity"
        try:
            return compress.after_request(response)
        finally:
            if asked is None:
                environ.pop("HTTP_ACCEPT_ENCODING", None)
            else:
                environ["HTTP_ACCEPT_ENCODING"] = asked

    return compress


#: The largest files of the map and network pages, compressed when a web process starts: at brotli's highest
#: level Cytoscape takes 0.7 s of CPU (2 s on a busy machine), which the first phone of each process waited for.
PRECOMPRESSED = ("cytoscape/cytoscape.min.js", "d3/d3.min.js", "world-atlas/europe-50m.json")


def _precompress(app: Flask, compress: Compress) -> None:
    """Put the brotli copies of PRECOMPRESSED in Flask-Compress's cache, under the keys its requests look up."""
    for name in PRECOMPRESSED:
        with app.test_request_context(f"{app.static_url_path}/{name}"):
            key = f"br;{_static_key(request)}"
        _keep_smallest(compress, key, "br", Path(app.static_folder or "", name).read_bytes)


def _compress_static_once(compress: Compress, response) -> None:
    """The map's and network's largest files (PRECOMPRESSED) go out at the codings' highest levels (brotli 11,
    gzip 9), compressed once a process: Cytoscape and d3 come 15% smaller (about 0.2 s on a slow phone). Other
    files take Flask-Compress's level: at brotli 11 the query editor's and the API explorer's bundles took 5 s
    each, which their first visitor would wait for."""
    from api.validators import accepted_coding

    coding = accepted_coding()
    if coding not in _STATIC_CODINGS or (request.view_args or {}).get("filename") not in PRECOMPRESSED:
        return
    if response.mimetype in compress.compress_mimetypes_set:
        _keep_smallest(compress, f"{coding};{_static_key(request)}", coding, response.get_data)


def _keep_smallest(compress: Compress, key: str, coding: str, read: Callable[[], bytes]) -> None:
    """Flask-Compress's cached copy under `key`, made at `coding`'s highest level unless one is kept already; by
    one thread at a time (each takes up to a second of CPU)."""
    with _SMALLEST:
        if compress.cache.get(key) is None:
            compress.cache.set(key, _STATIC_CODINGS[coding](read()))


#: One static file compressed at the highest level at a time (each takes up to a second of CPU).
_SMALLEST = threading.Lock()


#: The codings static files go out in, each at its smallest.
_STATIC_CODINGS = {
    "br": lambda data: brotli.compress(data, quality=11),
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
}


def _static_key(req) -> str:
    """Flask-Compress's cache key: a static file's path (its bytes change only with a new release)."""
    return f"static:{req.path}" if req.endpoint == "static" else ""


class _StaticCompressed:
    """Flask-Compress's cache, holding the compressed static files only: each is compressed once a process,
    not again at every visit and revalidation. Pages and query results depend on the data and are not kept."""

    def __init__(self) -> None:
        self._kept: cachetools.LRUCache[str, bytes] = cachetools.LRUCache(maxsize=256)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._kept.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.partition(";")[2].startswith("static:"):
            with self._lock:
                self._kept[key] = value


def _bounded_bodies(app: Flask, config: Config) -> None:
    """A chunked body (no Content-Length) over KG_MAX_REQUEST_BYTES gets 413, as a declared one does: Werkzeug
    would otherwise cut it at the limit without a word, and a query cut short is a different query."""
    from api.sparql import error_response

    @app.before_request
    def bounded():
        if request.content_length is None and request.headers.get("Transfer-Encoding"):
            request.get_data(cache=True)  # up to the limit; form parsing then reads the cached bytes
            try:
                request.stream.read(1)
            except RequestEntityTooLarge:
                return error_response(413, f"the request body is larger than {config.max_request_bytes} bytes")
        return None


def _security_headers(app: Flask, config: Config) -> None:
    """On every response nosniff and a referrer policy; on HTML pages the CSP and no framing, except on the
    embeddable views, which any site may frame (so they carry no X-Frame-Options)."""
    policies = {inline: content_security_policy(config, inline_styles=inline) for inline in (False, True)}
    framed = content_security_policy(config, framed=True)

    @app.after_request
    def headers(response):
        response.headers["Server"] = "coopkg"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html" and request.path in EMBEDDABLE:
            response.headers["Content-Security-Policy"] = framed
        elif response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = policies[request.path in INLINE_STYLES]
            response.headers["X-Frame-Options"] = "DENY"
        return response


ACCESS_LOG = logging.getLogger("coopkg.access")


def _log_requests(app: Flask) -> None:
    """One JSON line per request on the `coopkg.access` logger, with its duration and a request id
    (the client's X-Request-Id when it sends one, echoed back)."""

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    @app.after_request
    def log(response):
        started = g.get("started")
        response.headers["X-Request-Id"] = g.get("request_id", "")
        ACCESS_LOG.info(
            json.dumps(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "method": request.method,
                    "path": request.path,
                    "query_bytes": len(request.query_string),
                    "status": response.status_code,
                    "bytes": response.calculate_content_length(),
                    "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                    "remote": request.remote_addr,
                    "request_id": g.get("request_id"),
                },
                separators=(",", ":"),
            )
        )
        return response
