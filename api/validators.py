"""HTTP validators for the public GET answers: an ETag and Last-Modified named by the data version, 304 for
a client that has the answer already, and Cache-Control so that a proxy may keep it.

An answer here is a pure function of the data version, the address, the Accept header and the reader's
language (`api.i18n`: the pages' words; the SPARQL results, the saved queries and the network JSON do not
change with it), so the ETag is computed from those alone and a
conditional request is answered before any query runs. A reload gives a new version, hence new ETags: an
old one never matches again. A store with no version (a SPARQL server others write to) gets none.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, g, request
from flask_babel import get_locale

from api.services import services

#: The blueprints whose GET answers depend on the data only (not admin, health, metrics or the files that
#: Flask's static and the dumps already validate themselves).
VALIDATED = {"sparql", "queries", "pages", "network", "practices"}
_SKIPPED_ENDPOINTS = {"pages.dump", "pages.dumps", "sparql.prefixes"}


def _applies() -> bool:
    endpoint = request.endpoint or ""
    return (
        request.method in ("GET", "HEAD")
        and endpoint.split(".", 1)[0] in VALIDATED
        and endpoint not in _SKIPPED_ENDPOINTS
        and services().versioned
    )


def etag() -> str:
    """The answer's ETag: the data version, the address (path and query string), the Accept header and the
    language chosen for the request (so that one language's page never validates another's)."""
    parts = (services().version, request.full_path, request.headers.get("Accept", ""), str(get_locale()))
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=12).hexdigest()


def _headers(response: Response, tag: str, max_age: int) -> None:
    response.set_etag(tag)
    response.last_modified = services().modified
    response.cache_control.public = True
    if max_age > 0:
        response.cache_control.max_age = max_age
    else:
        response.cache_control.no_cache = True
    response.vary.add("Accept")


def install(app: Flask) -> None:
    """Answer conditional requests with 304 before the view runs, and validate every 200 answer."""
    max_age = app.config["KG"].cache_max_age

    @app.before_request
    def not_modified() -> Response | None:
        g.etag = tag = etag() if _applies() else None  # once a request: the 304 and the 200 both use it
        if tag is None:
            return None
        fresh = request.if_none_match.contains(tag) if request.if_none_match else None
        if fresh is None and request.if_modified_since is not None:
            fresh = services().modified <= request.if_modified_since
        if not fresh:
            return None
        response = Response(status=304)
        _headers(response, tag, max_age)
        return response

    @app.after_request
    def validate(response: Response) -> Response:
        tag = g.get("etag")
        if response.status_code == 200 and tag is not None:
            _headers(response, tag, max_age)
        return response
