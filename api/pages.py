"""Linked data: every IRI of the graph resolves here, as an HTML page for people or RDF for machines.

Entity IRIs are the configured base IRI plus a path (`id/...`, `scheme/...`, `ontology`); the same path on
this server answers with content negotiation (Accept) or a suffix (`.ttl`, `.jsonld`, `.nt`, `.rdf`).
Index pages, text search, the dataset description (VoID, DCAT-AP) and the dumps live here too. Every
query is read-only and runs in the query workers; every literal is escaped by Jinja's autoescaping.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, send_from_directory
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException, NotAcceptable

from api.practices import recommendations, similar_to, transfers_of
from api.services import services
from kg.errors import KGError, QueryError, StoreError
from kg.publish.catalog import DUMPS, description_document
from kg.publish.describe import (
    CREDITS,
    INDEXES,
    PAGE_SIZE,
    PRACTICE_FILTERS,
    Entity,
    Page,
    canonical_of,
    concept_names,
    construct,
    describe,
    entity_graph,
    exists,
    list_entities,
    partners_of,
    practice_filters,
    schema_org,
    search,
    taking_part,
)
from kg.publish.release import DumpCache
from kg.query.executor import Busy, ExecutorReader, QueryTimeout
from kg.rdf import GRAPH_TYPES

bp = Blueprint("pages", __name__)

#: The file suffix of each RDF media type an entity is served in, and the reverse.
MACHINE_TYPES = {media_type: f.suffix for media_type, f in GRAPH_TYPES.items()}
SUFFIXES = {suffix: media_type for media_type, suffix in MACHINE_TYPES.items()}
#: What a browser or an RDF client may ask for; with no Accept header, the first.
OFFERS = ["text/html", *MACHINE_TYPES]
RDF_OFFERS = [*MACHINE_TYPES, "text/html"]


def _reader() -> ExecutorReader:
    return services().reader


def _lang() -> str:
    """The page's language (api.i18n chose it), which the labels of the data are chosen in."""
    return str(get_locale() or "en")


def _ns():
    return current_app.config["KG"].ns


def _negotiate(offers: list[str]) -> str:
    """The offered media type the client prefers (q-values, */* included), or 406."""
    if not request.accept_mimetypes:
        return offers[0]
    best = request.accept_mimetypes.best_match(offers)
    if best is None:
        raise NotAcceptable(f"this resource comes as {', '.join(offers)}")
    return best


def local_url(iri: str) -> str | None:
    """The address of an IRI of this graph on this server, or None for an IRI from elsewhere."""
    base = _ns().base
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return None


def concept_name(english: str) -> str:
    """A theme's, sector's or target group's English name (as kg's reasons give it) in the page's language,
    from the vocabularies (read once a request, only by a page that shows reasons)."""
    if "concept_names" not in g:
        g.concept_names = concept_names(_reader(), _lang())
    return g.concept_names.get(english, english)


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "local_url": local_url,
        "indexes": INDEXES,
        "twin_url": _page_url,
        "twins": TWINS,
        "concept_name": concept_name,
    }


def _rdf_response(body: bytes, media_type: str, location: str | None = None) -> Response:
    headers = {"Vary": "Accept"}
    if location:
        headers["Content-Location"] = location
    charset = "; charset=utf-8" if media_type.startswith("text/") or media_type.endswith("json") else ""
    return Response(body, content_type=media_type + charset, headers=headers)


def _entity(path: str) -> Response:
    """One entity, by its path under the base IRI, with an optional format suffix."""
    stem, _, suffix = path.rpartition(".")
    media_type = SUFFIXES.get(suffix) if stem else None
    if media_type is None:
        stem, media_type = path, _negotiate(OFFERS)
    reader = _reader()
    iri = _resolve(reader, stem)
    if media_type != "text/html":  # the machine formats need the triples only, not the page's labels
        return _rdf_response(
            entity_graph(reader, _ns(), iri, media_type),
            media_type,
            f"{stem.rsplit('/', 1)[-1]}.{MACHINE_TYPES[media_type]}",
        )
    if (canonical := canonical_of(reader, _ns(), iri)) is not None:
        # one organisation under several IRIs: its page is the canonical IRI's, which shows every IRI's facts
        return redirect(local_url(canonical) or canonical, code=303)
    entity = describe(reader, _ns(), iri, _lang())
    if entity is None:
        abort(404, f"nothing in the graph has the IRI {iri}")
    page = render_template(
        "entity.html",
        entity=entity,
        groups=_group(entity),
        formats=MACHINE_TYPES,
        json_ld=schema_org(entity, _ns()),
        practice=_practice_parts(entity) if entity.is_a("GoodPractice") else None,
        organisation=_organisation_parts(entity) if entity.is_a("Organisation") else None,
        taking_part=taking_part(reader, _ns(), iri, _lang()) if entity.is_a("City") else None,
        partners=partners_of(reader, _ns(), iri, _lang()) if entity.is_a("Project") else None,
        credits=[CREDITS[url] for url in entity.sources if url in CREDITS],
    )
    return Response(page, headers={"Vary": "Accept", "Link": _alternates(stem)})


def _practice_parts(entity: Entity) -> dict:
    """What a practice page adds to the facts: its transfers, the practices like it, its template files."""
    parts = {"transfers": transfers_of(entity.iri), "key": entity.first("identifier") or entity.iri, "error": ""}
    try:
        parts["similar"] = similar_to(entity.iri)
    except KGError as e:  # no vectors can be made (the model is missing): the page still shows the practice
        parts["similar"], parts["error"] = None, str(e)  # the page says it in the reader's language
    return parts


def _organisation_parts(entity: Entity) -> dict:
    """What an organisation page adds: its profile's links (the practices it owns, the events it hosted), then
    the practices worth studying and potential partners, explained."""
    pointing = {
        prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: subjects for (prop, _), subjects in entity.referenced_by.items()
    }
    parts = {"owns": pointing.get("owner", []), "hosted": pointing.get("hostedBy", []), "error": ""}
    try:
        practices, partners = recommendations(entity.iri)
    except KGError as e:  # the page says it in the reader's language
        return {**parts, "error": str(e), "practices": [], "partners": []}
    return {**parts, "practices": practices, "partners": partners}


def _resolve(reader, stem: str) -> str:
    """The IRI of the graph that a request path names, however its characters were escaped: as the client
    sent it (an IRI holding %20 is asked for as %20), decoded (an IRI holding 'ł' arrives as %C5%82), or
    with what an IRI cannot hold percent-encoded; 404 when the graph has none of them."""
    base = _ns().base
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    prefix = request.script_root + "/"
    candidates = []
    if raw.startswith(prefix):
        sent = raw[len(prefix) :]
        if stem != request.path[len(prefix) :]:  # a format suffix was split off
            sent = sent[: len(sent) - (len(request.path[len(prefix) :]) - len(stem))]
        candidates.append(sent)
    candidates += [stem, quote(stem, safe="/:@!$&'()*+,;=~-._%")]
    for candidate in dict.fromkeys(candidates):
        try:
            ox.NamedNode(base + candidate)
        except ValueError:  # spaces, control characters ...: no entity can have it
            continue
        if exists(reader, base + candidate):
            return base + candidate
    abort(404, f"nothing in the graph has the IRI {base + stem}")


def _alternates(stem: str) -> str:
    name = stem.rsplit("/", 1)[-1]
    return ", ".join(f'<{name}.{suffix}>; rel="alternate"; type="{t}"' for t, suffix in MACHINE_TYPES.items())


def _group(entity: Entity) -> list[tuple[str, list]]:
    """The facts grouped by property label, labels and types first, the provenance bookkeeping last."""
    groups: dict[str, list] = {}
    for fact in entity.facts:
        groups.setdefault(fact.property_label, []).append(fact)
    return sorted(groups.items(), key=lambda item: item[0].lower())


@bp.get("/id/<path:path>")
def entity(path: str) -> Response:
    return _entity("id/" + path)


@bp.get("/scheme/<path:path>")
def concept(path: str) -> Response:
    return _entity("scheme/" + path)


@bp.get("/")
def home() -> str:
    """One line of what a partner can do here and three ways in: by theme, by country, on the map."""
    return render_template("home.html", options=practice_filters(_reader(), _ns(), _lang()))


_INDEX_NAMES = "practices, partners, cities, projects, events, vocabularies"
#: The machine twins of the index and search pages, by suffix, as Datasette gives every page.
TWINS = {"json": "application/json", "csv": "text/csv"}
TWIN_OFFERS = ["text/html", *TWINS.values()]


@bp.get(f"/<any({_INDEX_NAMES}):index>")
@bp.get(f"/<any({_INDEX_NAMES}):index>.<any(json, csv):suffix>")
def listing(index: str, suffix: str | None = None) -> Response:
    reader, ns = _reader(), _ns()
    chosen = {name: request.args.get(name, "") for name in PRACTICE_FILTERS} if index == "practices" else {}
    page = list_entities(reader, ns, index, chosen, offset=_offset(), lang=_lang())
    media_type = _twin_type(suffix)
    if media_type != "text/html":
        return _twin(page, media_type, ("e", "label", "place", "country", "description"))
    options = practice_filters(reader, ns, _lang()) if index == "practices" else {}
    body = render_template(
        "index.html",
        index=INDEXES[index],
        name=index,
        page=page,
        rows=page.rows,
        options=options,
        chosen=chosen,
        filters=PRACTICE_FILTERS,
    )
    return Response(body, headers={"Vary": "Accept", "Link": _twin_links()})


def _offset() -> int:
    """Where a page starts, from ?page=N (1 is the first)."""
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        abort(400, f"page takes a page number such as 2, not '{number}'")
    return (min(int(number), 10**6) - 1) * PAGE_SIZE


def _twin_type(suffix: str | None) -> str:
    return TWINS[suffix] if suffix else _negotiate(TWIN_OFFERS)


def _page_url(suffix: str | None, **changes) -> str:
    """This page's address with another suffix or page number, its other parameters kept."""
    path = request.path.rsplit(".", 1)[0] if request.view_args.get("suffix") else request.path
    args = {**request.args.to_dict(), **{k: str(v) for k, v in changes.items()}}
    query = urlencode(args)
    return f"{request.script_root}{path}{'.' + suffix if suffix else ''}{'?' + query if query else ''}"


def _twin_links() -> str:
    return ", ".join(f'<{_page_url(s)}>; rel="alternate"; type="{t}"' for s, t in TWINS.items())


def _twin(page: Page, media_type: str, fields: tuple[str, ...]) -> Response:
    """One page of entries as JSON (rows, counts, the previous and next pages' addresses) or CSV, with the
    same paging as the HTML page (`Link: rel="next"` on both)."""
    suffix = next(s for s, t in TWINS.items() if t == media_type)
    names = ["iri" if f == "e" else f for f in fields]
    rows = [dict(zip(names, (r.get(f, "") for f in fields), strict=True)) for r in page.rows]
    following = _page_url(suffix, page=page.number + 1) if page.number < page.pages else None
    preceding = _page_url(suffix, page=page.number - 1) if page.number > 1 else None
    links = [f'<{_page_url(None)}>; rel="alternate"; type="text/html"']
    links += [f'<{url}>; rel="{rel}"' for rel, url in (("next", following), ("prev", preceding)) if url]
    headers = {"Vary": "Accept", "Link": ", ".join(links)}
    if suffix == "json":
        body = {
            "total": page.total,
            "page": page.number,
            "pages": page.pages,
            "page_size": page.size,
            "next": following,
            "previous": preceding,
            "rows": rows,
        }
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers=headers)


#: How many practices the search by meaning shows beside the keyword results.
MEANING_RESULTS = 5


def _by_meaning(text: str) -> list:
    """The practices about `text` in any words and in any of the vocabularies' languages (an Italian or a
    Hungarian query finds the English practices), each with the query's themes and sectors it is tagged with."""
    return services().crosslingual().search(text, MEANING_RESULTS)


@bp.get("/search")
@bp.get("/search.<any(json, csv):suffix>")
def find(suffix: str | None = None) -> Response:
    text = request.args.get("q", "").strip()[:200]
    page = search(_reader(), _ns(), text, offset=_offset(), lang=_lang()) if text else Page([], 0, 0)
    media_type = _twin_type(suffix)
    if media_type != "text/html":
        return _twin(page, media_type, ("e", "label", "type"))
    meaning, trouble = [], ""
    if text and page.number == 1:
        try:
            meaning = _by_meaning(text)
        except KGError as e:
            trouble = str(e)  # the page says it in the reader's language
    body = render_template(
        "search.html",
        text=text,
        page=page if text else None,
        rows=page.rows,
        meaning=meaning,
        trouble=trouble,
        lang=_lang(),
    )
    return Response(body, headers={"Vary": "Accept", "Link": _twin_links()})


@bp.get("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD @context of every JSON-LD document the server writes: the project's prefixes."""
    body = json.dumps({"@context": _ns().prefixes}, indent=2)
    return Response(body, content_type="application/ld+json; charset=utf-8")


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """The ontology: HTML documentation of its classes and properties, or the ontology itself in RDF."""
    if suffix is not None and suffix not in SUFFIXES:
        abort(404, f"no format has the suffix .{suffix} (known: {', '.join(SUFFIXES)})")
    media_type = SUFFIXES[suffix] if suffix else _negotiate(OFFERS)
    ns, reader = _ns(), _reader()
    graph = ns.graph + "ontology/coop.ttl"
    if media_type != "text/html":
        body = construct(reader, ns, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", media_type)
        return _rdf_response(body, media_type, f"ontology.{MACHINE_TYPES[media_type]}")
    rows = reader.select(
        ns.sparql_prefixes()
        + f"""SELECT ?term ?kind ?label ?definition (GROUP_CONCAT(DISTINCT ?d; separator=" ") AS ?domains)
              (GROUP_CONCAT(DISTINCT ?r; separator=" ") AS ?ranges)
              (GROUP_CONCAT(DISTINCT ?sup; separator=" ") AS ?supers)
        WHERE {{ GRAPH <{graph}> {{
          ?term a ?kind ; rdfs:label ?label .
          FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty))
          OPTIONAL {{ ?term skos:definition ?definition }}
          OPTIONAL {{ ?term rdfs:domain ?d }} OPTIONAL {{ ?term rdfs:range ?r }}
          OPTIONAL {{ ?term rdfs:subClassOf|rdfs:subPropertyOf ?sup FILTER(isIRI(?sup)) }}
        }} }} GROUP BY ?term ?kind ?label ?definition ORDER BY ?kind LCASE(?label)"""
    )
    terms = [{k: v["value"] for k, v in r.items()} for r in rows]
    return Response(
        render_template("ontology.html", terms=terms, namespace=str(ns.coop), formats=MACHINE_TYPES),
        headers={"Vary": "Accept"},
    )


def _description() -> tuple[bytes, str]:
    """The description in the format asked for; a browser gets Turtle as plain text, which it shows."""
    asked = _negotiate(RDF_OFFERS)
    media_type = "text/turtle" if asked == "text/html" else asked
    body = description_document(services().catalog(), media_type, _ns())
    return body, "text/plain" if asked == "text/html" else media_type


@bp.get("/catalog")
@bp.get("/.well-known/void")
def catalog() -> Response:
    """The dataset description: DCAT-AP 3 and VoID in one graph."""
    body, media_type = _description()
    return _rdf_response(body, media_type)


def _dumps() -> DumpCache:
    return services().dumps


@bp.get("/dumps/")
def dumps() -> str:
    return render_template("dumps.html", dumps=DUMPS, version=services().version)


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    if name not in {f"coopkg.{d.suffix}" for d in DUMPS} and name != "SHA256SUMS":
        abort(404, f"no dump is called {name}")
    try:
        folder = _dumps().folder()
    except KGError as e:
        abort(503, str(e))
    return send_from_directory(folder, name, as_attachment=name != "SHA256SUMS")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Errors as a page for browsers, as plain text for everything else."""
    wants_html = request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html"
    # keep the error's own headers (Allow on a 405, Retry-After ...), not its body's type
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_html and not request.path.startswith(("/sparql", "/api/")):
        page = render_template("error.html", error=error)
        return Response(page, status=error.code, mimetype="text/html", headers=headers)
    return Response(f"{error.description}\n", status=error.code, mimetype="text/plain", headers=headers)


@bp.errorhandler(QueryError)
def bad_request(error: QueryError) -> Response:
    return Response(f"{error}\n", status=400, mimetype="text/plain")


@bp.app_errorhandler(QueryTimeout)
@bp.app_errorhandler(Busy)
@bp.app_errorhandler(StoreError)
def busy(error: KGError) -> Response:
    """The store could not answer now (a slow query, every worker busy, a SPARQL server down): 503."""
    return Response(f"{error}\n", status=503, mimetype="text/plain", headers={"Retry-After": "5"})
