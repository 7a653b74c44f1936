"""What partners learn from: practices like a given one, practices by meaning, where practices travelled
(/transfers), what an organisation should study next, and the catalogue in the good-practice template.

The JSON answers: /api/practices/ID/similar, /api/practices/search?q=, /api/organisations/ID/recommendations;
the files: /practices/template.csv|xlsx (the catalogue) and /api/practices/ID/template.csv|xlsx (one practice).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from api.services import services
from kg.errors import AmbiguousId, NotFound
from kg.network.recommend import Recommendation, recommend_partners, recommend_practices, resolve_organisation
from kg.practices.similarity import Similar
from kg.practices.template import FORMATS, template_rows, write_template
from kg.practices.transfers import Transfer, read_transfers, transfer_filters

bp = Blueprint("practices", __name__)

TOP_LIMIT = 50

_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_TOP = {
    "name": "top",
    "in": "query",
    "required": False,
    "description": f"How many to return (1 to {TOP_LIMIT})",
    "schema": {"type": "integer", "minimum": 1, "maximum": TOP_LIMIT},
}
_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"}}
_FOUND = {
    "type": "object",
    "required": ["iri", "score", "why"],
    "properties": {
        "iri": {"type": "string"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "label": {"type": "string"},
        "score": {"type": "number"},
        "why": {"type": "string"},
    },
}


def _answers(ok: str, schema: dict, missing: str | None) -> dict:
    answers = {
        "200": {"description": ok, "content": {"application/json": {"schema": schema}}},
        "400": {"description": "A bad parameter (the message names it)", "content": _TEXT},
        "503": {"description": "The store cannot answer now", "content": _TEXT},
    }
    if missing:
        answers["404"] = {"description": missing, "content": _TEXT}
        answers["409"] = {"description": "The id names several entities: give the IRI", "content": _TEXT}
    return answers


#: The JSON answers of this blueprint, for the OpenAPI document at /api/openapi.json.
OPENAPI_PATHS = {
    "/api/practices/{key}/similar": {
        "get": {
            "summary": "The practices most like one, each with the reason",
            "operationId": "similarPractices",
            "tags": ["practices"],
            "parameters": [{**_KEY, "description": "The practice's id, e.g. IC-GP04"}, _TOP],
            "responses": _answers(
                "The practice, the similar practices best first, and a message when it has no text to compare",
                {"type": "object", "properties": {"similar": {"type": "array", "items": _FOUND}}},
                "No practice has this id",
            ),
        }
    },
    "/api/practices/search": {
        "get": {
            "summary": "Practices by meaning: the ones whose text is about the words given, in any of the "
            "vocabularies' languages",
            "operationId": "searchPractices",
            "tags": ["practices"],
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "pattern": "\\S"}},
                _TOP,
            ],
            "responses": _answers(
                "The practices closest in meaning, best first, each with the query's themes, sectors and target "
                "groups it is tagged with (labels in the reader's language); the score is the fused rank",
                {
                    "type": "object",
                    "properties": {
                        "method": {"type": "string"},
                        "practices": {
                            "type": "array",
                            "items": {
                                **_FOUND,
                                "properties": {
                                    **_FOUND["properties"],
                                    "concepts": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "iri": {"type": "string"},
                                                "facet": {"type": "string"},
                                                "label": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                None,
            ),
        }
    },
    "/api/organisations/{key}/recommendations": {
        "get": {
            "summary": "Good practices worth studying and potential new partners for an organisation, explained",
            "operationId": "organisationRecommendations",
            "tags": ["practices"],
            "parameters": [{**_KEY, "description": "The organisation's id, e.g. P01"}, _TOP],
            "responses": _answers(
                "The practices and the partners, best first",
                {
                    "type": "object",
                    "properties": {
                        "practices": {"type": "array", "items": _FOUND},
                        "partners": {"type": "array", "items": _FOUND},
                    },
                },
                "No organisation has this id",
            ),
        }
    },
}


def _top(default: int) -> int:
    text = request.args.get("top", str(default))
    if not text.isdigit() or not 1 <= int(text) <= TOP_LIMIT:
        abort(400, f"top takes a number from 1 to {TOP_LIMIT}, not '{text}'")
    return int(text)


def _practice(key: str):
    """The practice of an id or IRI: 404 when there is none, 409 when an id names several."""
    try:
        return services().similarity().resolve(key)
    except NotFound as e:
        abort(404, str(e))
    except AmbiguousId as e:
        abort(409, str(e))


def similar_to(iri: str, top: int = 5) -> Similar:
    """The practices like the one at `iri` (for its page)."""
    return services().similarity().similar(iri, top)


@bp.get("/api/practices/<key>/similar")
def similar_json(key: str) -> Response:
    """The practices most like this one, each with its score and the reason in words."""
    practice = _practice(key)
    index = services().similarity()
    result = index.similar(practice.iri, _top(5))
    return jsonify(
        {
            "practice": {"iri": practice.iri, "id": practice.id, "title": practice.title},
            "method": index.method,
            "similar": [m.as_json() for m in result.matches],
            "message": result.message or None,
        }
    )


@bp.get("/api/practices/search")
def search_json() -> Response:
    """Practices by meaning: the ones whose text is about the query, said in any words and in any of the
    vocabularies' languages (each with the themes, sectors and target groups of the query it is tagged with)."""
    from flask_babel import get_locale

    text = request.args.get("q", "").replace("\0", " ").strip()[:300]
    if not text:
        abort(400, "give the words to search for as ?q=")
    engine = services().crosslingual()
    found = engine.search(text, _top(10))
    lang = str(get_locale() or "en")
    return jsonify({"query": text, "method": engine.method, "practices": [m.as_json(lang) for m in found]})


def recommendations(iri: str, top: int = 5) -> tuple[list[Recommendation], list[Recommendation]]:
    """Practices worth studying and potential partners for the organisation at `iri`."""
    served = services()
    coop = str(served.config.ns.coop)
    network = served.organisation_network()
    return (
        recommend_practices(served.store, coop, iri, top, network=network),
        recommend_partners(served.store, coop, iri, top, network=network),
    )


def _as_json(r: Recommendation) -> dict:
    return {"iri": r.iri, "label": r.label, "score": r.score, "why": r.why}


@bp.get("/api/organisations/<key>/recommendations")
def recommendations_json(key: str) -> Response:
    """For an organisation (its id, e.g. P01): the practices most worth studying and potential new partners,
    each explained."""
    served = services()
    try:
        iri = resolve_organisation(served.store, str(served.config.ns.coop), key)
    except NotFound as e:
        abort(404, str(e))
    except AmbiguousId as e:
        abort(409, str(e))
    practices, partners = recommendations(iri, _top(5))
    return jsonify(
        {
            "organisation": iri,
            "practices": [_as_json(r) for r in practices],
            "partners": [_as_json(r) for r in partners],
        }
    )


def _download(rows: list[dict[str, str]], fmt: str, name: str) -> Response:
    return Response(
        write_template(rows, fmt),
        content_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@bp.get("/practices/template.<any(csv, xlsx):fmt>")
def catalogue_template(fmt: str) -> Response:
    """Every practice, one row each, in the fields of the Interreg good-practice template."""
    served = services()
    return _download(template_rows(served.store, served.config.ns), fmt, "good-practices")


@bp.get("/api/practices/<key>/template.<any(csv, xlsx):fmt>")
def practice_template(key: str, fmt: str) -> Response:
    """One practice in the fields of the good-practice template."""
    practice = _practice(key)
    served = services()
    return _download(template_rows(served.store, served.config.ns, practice.iri), fmt, practice.id or "practice")


def transfers_of(iri: str) -> list[Transfer]:
    served = services()
    return read_transfers(served.store, served.config.ns, practice=iri)


@bp.get("/transfers")
def transfers() -> Response:
    """Every transfer as a diagram (from where, to whom, into which plan), filterable by project, theme and
    country."""
    served = services()
    every = read_transfers(served.store, served.config.ns)
    chosen = {name: request.args.get(name, "") for name in ("project", "theme", "country")}
    shown = [
        t
        for t in every
        if (not chosen["project"] or (t.project and t.project.iri == chosen["project"]))
        and (not chosen["theme"] or chosen["theme"] in {th.iri for th in t.themes})
        and (not chosen["country"] or chosen["country"] in t.countries)
    ]
    body = render_template(
        "transfers.html", transfers=shown, total=len(every), options=transfer_filters(every), chosen=chosen
    )
    return Response(body, headers={"Vary": "Accept"})
