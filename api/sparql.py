"""The SPARQL 1.1 Protocol endpoint at /sparql: queries by GET and POST, content negotiation, a service
description, and the query UI (YASGUI) for browsers. Read-only: updates are refused."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from api import metrics
from api.services import services
from kg.errors import KGError, QueryError
from kg.query.executor import Busy, QueryRefused, QueryRequest, QueryTimeout, ResultTooLarge
from kg.rdf import FORMAT_NAMES, GRAPH_TYPES, MEDIA_ALIASES, RESULT_TYPES

bp = Blueprint("sparql", __name__)

MAX_QUERY_STRING = 64 * 1024


def error_response(status: int, message: str, **headers: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain", headers=headers)


def _first(values, key: str) -> str | None:
    """`values.get(key)` without the KeyError (a werkzeug BadRequestKeyError, costly) that it raises and
    catches inside when the key is absent, as it is on almost every request."""
    return values[key] if key in values else None


def _has_body() -> bool:
    """Whether the request declares a body type (else it has no form, and `request.form` need not be made)."""
    return bool(request.environ.get("CONTENT_TYPE"))


def _format() -> MIMEAccept | None:
    """The `format` parameter as an Accept (for links typed into a browser), or None when not given."""
    fmt = _first(request.args, "format") or (_first(request.form, "format") if _has_body() else None)
    if fmt:
        if fmt.lower() not in FORMAT_NAMES and fmt not in RESULT_TYPES and fmt not in GRAPH_TYPES:
            raise ValueError(f"unknown format '{fmt}' (known: {', '.join(FORMAT_NAMES)})")
        return MIMEAccept([(FORMAT_NAMES.get(fmt.lower(), fmt), 1)])
    return None


def _accept() -> MIMEAccept:
    """The Accept header, or the `format` parameter when given (for links typed into a browser)."""
    fmt = _format()
    return request.accept_mimetypes if fmt is None else fmt


#: Accept values longer than this are negotiated each time, not kept: browsers and clients send a few hundred
#: characters, and 1024 kept values of a 300 KB header an attacker varies would hold 300 MB per process.
CACHED_ACCEPT_CHARS = 2048


def negotiate(header: str) -> tuple[bool, str | None, str | None]:
    """For an Accept header's value: whether it prefers HTML, and the result and graph types it prefers.
    Werkzeug parses the header, as for `request.accept_mimetypes`; clients send few distinct values, so each
    is parsed and weighed once (bounded in entries and in size: a client varying the header only evicts)."""
    return _negotiate(header) if len(header) <= CACHED_ACCEPT_CHARS else _negotiate.__wrapped__(header)


@functools.lru_cache(maxsize=1024)
def _negotiate(header: str) -> tuple[bool, str | None, str | None]:
    accept = parse_accept_header(header, MIMEAccept)
    return _prefers_html(accept), *_types(accept)


def _best(accept: MIMEAccept, offers: list[str]) -> str | None:
    """The offer the client prefers, counting the aliases clients send (q-values and */* included)."""
    if not accept:  # no Accept header: anything goes
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        names = [offer, *(alias for alias, target in MEDIA_ALIASES.items() if target == offer)]
        q = max(accept.quality(n) for n in names)
        if q > best_q:
            best, best_q = offer, q
    return best


def _read_query() -> tuple[str | None, Response | None]:
    """The query text from a GET or a POST, or an error response for a request the protocol refuses."""
    if request.method in ("GET", "HEAD"):  # HEAD: the same answer without its body
        if "update" in request.args:
            return None, error_response(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = request.args.getlist("query")
        if len(queries) > 1:
            return None, error_response(400, "more than one query parameter")
        return (queries[0] if queries else None), None
    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return None, error_response(400, f"the request body must be UTF-8, not {charset}")
    if mimetype == "application/x-www-form-urlencoded":
        if "update" in request.form:
            return None, error_response(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = request.form.getlist("query")
        if len(queries) != 1:
            return None, error_response(400, "a form POST needs exactly one query parameter")
        return queries[0], None
    if mimetype == "application/sparql-query":
        try:
            return request.get_data().decode("utf-8"), None
        except UnicodeDecodeError:
            return None, error_response(400, "the request body is not valid UTF-8")
    if mimetype == "application/sparql-update":
        return None, error_response(403, "this endpoint is read-only: SPARQL Update is refused")
    if not mimetype:
        return None, error_response(
            400, "a POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query"
        )
    return None, error_response(
        415, f"unsupported Content-Type {mimetype}: use application/x-www-form-urlencoded or application/sparql-query"
    )


def _dataset() -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """default-graph-uri and named-graph-uri from the URL or the form; either one fixes the whole dataset."""
    form = request.form if _has_body() else {}
    default = request.args.getlist("default-graph-uri") + (form.getlist("default-graph-uri") if form else [])
    named = request.args.getlist("named-graph-uri") + (form.getlist("named-graph-uri") if form else [])
    if not default and not named:
        return None, None
    return tuple(default), tuple(named)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    if len(request.query_string) > MAX_QUERY_STRING:
        return error_response(414, f"the query string is longer than {MAX_QUERY_STRING} bytes: POST the query instead")
    query, refused = _read_query()
    if refused is not None:
        return refused
    try:
        fmt = _format()
    except ValueError as e:
        return error_response(400, str(e))
    if fmt is None:
        prefers_html, tabular, graph = negotiate(request.headers.get("Accept", ""))
    else:
        prefers_html, (tabular, graph) = False, _types(fmt)
    wants_html = prefers_html and request.method == "GET" and "format" not in request.args
    if query is None:
        return ui(query=None) if wants_html else service_description(_accept())
    if wants_html:
        return ui(query=query)
    default, named = _dataset()
    # the common prefixes are declared for every query, as `kg query` and Virtuoso and QLever do (a query's own
    # PREFIX lines still win): `SELECT * { ?p a coop:GoodPractice }` runs as written
    prefixes = _prefixes()
    dataset = {"default_graph": default, "named_graphs": named, "base_iri": request.base_url}
    return run_query(QueryRequest(query, tabular, graph, **dataset, prefixes=prefixes))


def _prefixes() -> tuple[tuple[str, str], ...]:
    """The prefixes declared for every query: the app's settings fix them, so they are made once an app."""
    found = current_app.extensions.get("coopkg_sparql_prefixes")
    if found is None:
        found = current_app.extensions["coopkg_sparql_prefixes"] = tuple(current_app.config["KG"].ns.prefixes.items())
    return found


def _prefers_html(accept: MIMEAccept) -> bool:
    """A browser: it names text/html, and likes it at least as much as any result format."""
    if "text/html" not in accept.values():
        return False
    html = accept.quality("text/html")
    return html > 0 and html >= max(accept.quality(t) for t in [*RESULT_TYPES, *GRAPH_TYPES, *MEDIA_ALIASES])


def _types(accept: MIMEAccept) -> tuple[str | None, str | None]:
    return _best(accept, list(RESULT_TYPES)), _best(accept, list(GRAPH_TYPES))


def run_query(query: QueryRequest) -> Response:
    """Run a query on the workers (or answer it from the recent results of the same data version) and turn
    the outcome into an HTTP response. Whether a SERVICE call may run is decided where the query runs
    (kg.query.policy, in the query workers), from the parsed query."""
    try:
        result = services().runs.run(query)
    except QueryRefused as e:
        return error_response(403, str(e))
    except QueryTimeout as e:
        metrics.query_stopped()
        return error_response(503, str(e))
    except Busy as e:
        return error_response(503, str(e), **{"Retry-After": "5"})
    except ResultTooLarge as e:
        return error_response(400, str(e))
    except QueryError as e:
        return error_response(400, str(e))
    if result.media_type is None:
        offers = RESULT_TYPES if result.kind == "tabular" else GRAPH_TYPES
        return error_response(406, f"none of the accepted types fits this result; it comes as {', '.join(offers)}")
    mimetype = result.media_type
    if mimetype.startswith("text/") or mimetype.endswith(("json", "xml")):
        mimetype += "; charset=utf-8"
    return Response(result.body, status=200, content_type=mimetype, headers={"Vary": "Accept"})


SERVICE_DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph{federation} ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    dcterms:description '''Read-only SPARQL 1.1 endpoint of the EU cooperation knowledge graph.
The default graph is the union of all named graphs (one per source file).
Queries stop after {timeout:g} s.''' ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ] ;
{named}    ] .
"""


def service_description(accept: MIMEAccept) -> Response:
    """The SPARQL 1.1 Service Description, in Turtle (or another RDF format the client asks for)."""
    import pyoxigraph as ox

    config = current_app.config["KG"]
    try:
        names = services().store.graphs()
    except KGError as e:
        return error_response(503, f"the service description cannot be made now: {e}")
    named = "".join(f"        sd:namedGraph [ sd:name <{g}> ] ;\n" for g in names)
    federation = ", sd:BasicFederatedQuery" if config.service_prefixes else ""  # SERVICE only where it may run
    text = SERVICE_DESCRIPTION.format(
        endpoint=request.base_url, timeout=config.query_timeout, named=named, federation=federation
    )
    media_type = _best(accept, list(GRAPH_TYPES))
    if media_type is None:
        return error_response(406, f"the service description comes as {', '.join(GRAPH_TYPES)}")
    if media_type != "text/turtle":
        store = ox.Store()
        store.load(text.encode(), format=ox.RdfFormat.TURTLE)
        body = store.dump(format=GRAPH_TYPES[media_type].oxigraph, from_graph=ox.DefaultGraph())
    else:
        body = text.encode()
    return Response(body, content_type=media_type, headers={"Vary": "Accept"})


#: The editor's first query: the graph's own terms with the predeclared prefixes (no PREFIX lines needed).
STARTER = """# coop: (the graph's ontology), rdfs:, skos:, dcterms:, org: and the other common prefixes are declared
# on this endpoint; a PREFIX line of your own overrides one. Press the run button.
SELECT ?practice ?title ?from WHERE {
  ?practice a coop:GoodPractice ; rdfs:label ?title .
  OPTIONAL { ?practice coop:project/coop:acronym|coop:programme/rdfs:label ?from }
}
ORDER BY ?title
LIMIT 20
"""


def ui(query: str | None) -> Response:
    """The query UI: YASGUI with the saved queries one click away; ?query= reopens a shared query."""
    saved = services().queries
    page = render_template(
        "sparql.html",
        query=query,
        saved=list(saved.values()),
        saved_texts={q.name: q.text for q in saved.values()},
        starter=STARTER,
    )
    return Response(page, headers={"Vary": "Accept"})


@bp.get("/api/prefixes.json")
def prefixes():
    """Prefixes for the editor's completion, in prefix.cc's format (the UI must not call prefix.cc)."""
    return current_app.config["KG"].ns.prefixes
