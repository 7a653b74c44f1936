"""Saved queries as a REST API: /api/queries, /api/queries/<name>, an OpenAPI 3 document and a page to try them."""

from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request, url_for

from api.practices import OPENAPI_PATHS as PRACTICE_PATHS
from api.services import services
from api.sparql import error_response, run_query
from kg.errors import QueryError
from kg.query.executor import QueryRequest
from kg.query.saved import SavedQuery

bp = Blueprint("queries", __name__, url_prefix="/api")

_TYPES = {
    "string": ("string", None),
    "iri": ("string", "uri"),
    "integer": ("integer", None),
    "decimal": ("number", None),
    "date": ("string", "date"),
    "year": ("string", None),
    "boolean": ("boolean", None),
}
_RESERVED = {"format"}


def _saved() -> dict[str, SavedQuery]:
    return services().queries


def _describe(q: SavedQuery) -> dict:
    return {
        "name": q.name,
        "title": q.title,
        "description": q.description,
        "tags": list(q.tags),
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "default": p.default,
                "enum": list(p.enum) or None,
                "description": p.description,
            }
            for p in q.parameters
        ],
        "url": url_for("queries.run", name=q.name, _external=True),
        "sparql": q.text,
    }


@bp.get("/queries")
def listing():
    """Every saved query with its parameters."""
    return {"queries": [_describe(q) for q in _saved().values()]}


@bp.get("/queries/<name>")
def run(name: str):
    """Run a saved query with the parameters of the query string; JSON rows (default), CSV or SPARQL JSON."""
    q = _saved().get(name)
    if q is None:
        abort(404, description=f"no saved query named '{name}'; see /api/queries")
    values = {k: v for k, v in request.args.items() if k not in _RESERVED}
    try:
        bindings = q.bindings(values)
    except QueryError as e:
        return error_response(400, str(e))
    fmt = request.args.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(
            ["application/json", "text/csv", "application/sparql-results+json"], default="application/json"
        )
        fmt = {"text/csv": "csv", "application/sparql-results+json": "sparql-json"}.get(best, "json")
    if fmt not in ("json", "csv", "sparql-json"):
        return error_response(400, f"unknown format '{fmt}' (json, csv or sparql-json)")
    tabular = "text/csv" if fmt == "csv" else "application/sparql-results+json"
    response = run_query(QueryRequest(q.text, tabular_type=tabular, graph_type="text/turtle", substitutions=bindings))
    if fmt != "json" or response.status_code != 200:
        return response
    results = json.loads(response.get_data())
    columns = results["head"]["vars"]
    rows = [{c: b[c]["value"] for c in columns if c in b} for b in results["results"]["bindings"]]
    return {"query": name, "parameters": {k: v.value for k, v in bindings.items()}, "columns": columns, "rows": rows}


#: What every saved query answers, by status (the same for all of them).
_RESPONSES: dict = {
    "200": {
        "description": "The result rows",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "rows": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/sparql-results+json": {"schema": {"type": "object"}},
        },
    },
    "400": {
        "description": "A parameter is missing, unknown or of the wrong type (the message names it)",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    "503": {
        "description": "The query ran past the time limit, or the server is busy",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
}
_FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (rows), csv, or sparql-json; default from the Accept header",
    "schema": {"type": "string", "enum": ["json", "csv", "sparql-json"]},
}


def _parameter(p) -> dict:
    """One typed query parameter; an empty value (a blank form field) means it is not given."""
    kind, fmt = _TYPES[p.type]
    schema: dict = {"type": kind}
    if fmt:
        schema["format"] = fmt
    if p.type == "year":
        schema["pattern"] = "^[0-9]{4}$"
    if p.default is not None:
        schema["default"] = p.default
    if p.enum:
        schema["enum"] = list(p.enum)
    return {
        "name": p.name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": p.description,
        "schema": schema,
    }


def _operation(q: SavedQuery) -> dict:
    return {
        "summary": q.title,
        "description": q.description,
        "operationId": q.name.replace("-", "_"),
        "tags": list(q.tags),
        "parameters": [*(_parameter(p) for p in q.parameters), _FORMAT_PARAMETER],
        "responses": _RESPONSES,
    }


@bp.get("/openapi.json")
def openapi():
    """An OpenAPI 3 document describing every saved query."""
    paths: dict = {
        "/api/queries": {
            "get": {
                "summary": "List the saved queries",
                "operationId": "listQueries",
                "responses": {"200": {"description": "The saved queries", "content": {"application/json": {}}}},
            }
        },
        **{f"/api/queries/{q.name}": {"get": _operation(q)} for q in _saved().values()},
        **PRACTICE_PATHS,
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "EU cooperation knowledge graph: saved queries and practices",
            "version": "0.1.0",
            "description": "Named SPARQL queries over the graph, with typed parameters bound safely; similar "
            "practices, practices by meaning and recommendations for organisations. "
            "Ad-hoc SPARQL goes to /sparql (SPARQL 1.1 Protocol).",
        },
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
    }


@bp.get("/docs")
def docs():
    """Swagger UI over the OpenAPI document, to try each saved query."""
    return render_template("openapi.html")
