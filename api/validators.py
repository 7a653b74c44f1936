"""HTTP validators for the public GET answers: an ETag and Last-Modified named by the data version, 304 for
a client that has the answer already, and Cache-Control so that a proxy may keep it.

An answer here is a pure function of the data version, the address, the Accept header and the reader's
language (`api.i18n`: the pages' words; the SPARQL results, the saved queries and the network JSON do not
change with it), so the ETag is computed from those alone and a
conditional request is answered before any query runs. A reload gives a new version, hence new ETags: an
old one never matches again. A store with no version (a SPARQL server others write to) gets none.

What a version fixes (its hash's start, Last-Modified, Cache-Control) is made once per version
(`_fixed`), and the headers are written as strings (werkzeug's header objects parse and re-serialise on
every change): on the SPARQL endpoint's hot path, with the language left out of the results' ETags, this
halved the validators' share of a request's Python (bench/profile.py).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from typing import NamedTuple

from flask import Flask, Response, g, request
from flask_babel import get_locale
from werkzeug.http import http_date

from api.services import services
from api.sparql import negotiate

#: The blueprints whose GET answers depend on the data only (not admin, health, metrics or the files that
#: Flask's static and the dumps already validate themselves).
VALIDATED = {"sparql", "queries", "pages", "network", "practices"}
_SKIPPED_ENDPOINTS = {"pages.dump", "pages.dumps", "sparql.prefixes"}


class Fixed(NamedTuple):
    """What every answer of one data version shares."""

    digest: hashlib._Hash  # the ETag's hash with the version already fed in (copied per request)
    last_modified: str
    cache_control: str


@functools.lru_cache(maxsize=8)
def _fixed(version: str, modified: datetime, max_age: int) -> Fixed:
    digest = hashlib.blake2b(digest_size=12)
    digest.update(version.encode() + b"\0")
    control = f"public, max-age={max_age}" if max_age > 0 else "public, no-cache"
    return Fixed(digest, http_date(modified), control)


def _applies() -> bool:
    endpoint = request.endpoint or ""
    return (
        request.method in ("GET", "HEAD")
        and endpoint.split(".", 1)[0] in VALIDATED
        and endpoint not in _SKIPPED_ENDPOINTS
        and services().versioned
    )


def _localised(accept: str) -> bool:
    """Whether the answer's words may depend on the reader's language: every answer but the SPARQL
    endpoint's results and service description (only its query UI, a page for browsers, is translated).
    Choosing the language is a fifth of such a request's Python, so it is left out of those ETags."""
    if request.endpoint != "sparql.endpoint":
        return True
    return request.method == "GET" and "format" not in request.args and negotiate(accept)[0]


def etag(fixed: Fixed | None = None) -> str:
    """The answer's ETag: the data version, the address (path and query string), the Accept header and the
    language chosen for the request (so that one language's page never validates another's)."""
    if fixed is None:
        served = services()
        fixed = _fixed(served.version, served.modified, 0)
    digest = fixed.digest.copy()  # the same hash as of "\0".join((version, path, accept, locale))
    accept = request.headers.get("Accept", "")
    rest = (request.full_path, accept, str(get_locale()) if _localised(accept) else "")
    digest.update("\0".join(rest).encode())
    return digest.hexdigest()


#: The content codings an answer may go out in (api._compress), by preference: each is another
#: representation, with an ETag of its own.
CODINGS = ("br", "gzip")


def accepted_coding() -> str | None:
    """The coding of CODINGS this request's Accept-Encoding takes first (None: none), a coding named with
    q=0 refused even where `*` would take it (RFC 9110 12.5.3)."""
    named = {value.lower(): quality for value, quality in request.accept_encodings}
    anything = named.get("*", 0)
    return next((c for c in CODINGS if named.get(c, anything) > 0), None)


def _headers(response: Response, tag: str, fixed: Fixed) -> None:
    headers = response.headers
    coding = headers.get("Content-Encoding")
    headers["ETag"] = f'"{tag}:{coding}"' if coding in CODINGS else f'"{tag}"'  # a strong tag per coding
    headers["Last-Modified"] = fixed.last_modified
    headers["Cache-Control"] = fixed.cache_control
    vary = headers.get("Vary")
    if not vary:
        headers["Vary"] = "Accept"
    elif "accept" not in (v.strip().lower() for v in vary.split(",")):
        headers["Vary"] = f"{vary}, Accept"


def install(app: Flask) -> None:
    """Answer conditional requests with 304 before the view runs, and validate every 200 answer."""
    max_age = app.config["KG"].cache_max_age

    @app.before_request
    def not_modified() -> Response | None:
        if not _applies():
            g.etag = None
            return None
        served = services()
        g.etag_fixed = fixed = _fixed(served.version, served.modified, max_age)
        g.etag = tag = etag(fixed)  # once a request: the 304 and the 200 both use it
        environ = request.environ
        if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
            return None
        fresh: str | bool | None = None
        if request.if_none_match:  # then If-Modified-Since is not read (RFC 9110)
            coding = accepted_coding()  # the client can hold the plain answer, or the one coded as it accepts
            held = (tag, f"{tag}:{coding}") if coding else (tag,)
            fresh = next((t for t in held if request.if_none_match.contains(t)), False)
            tag = fresh or tag  # the 304 names the representation the client holds
        since = request.if_modified_since
        if fresh is None and since is not None and since <= datetime.now(UTC):  # a later date is invalid (RFC 9110)
            fresh = served.modified <= since
        if not fresh:
            return None
        response = Response(status=304)
        _headers(response, tag, fixed)
        return response

    @app.after_request
    def validate(response: Response) -> Response:
        tag = g.get("etag")
        if response.status_code == 200 and tag is not None:
            _headers(response, tag, g.etag_fixed)
        return response
