"""Network maps for partners: /network (the collaboration network) and /map (places on a map of Europe),
and the JSON they read: /api/network, /api/map and /api/network/options (the same data as `kg network`)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, render_template, request

from api.services import services
from kg.errors import KGError, StoreError
from kg.network.view_data import DRAW_LIMIT, ViewFilters, filter_options, map_view, network_view

bp = Blueprint("network", __name__)


def _filters() -> ViewFilters:
    args = request.args
    year = args.get("year", "")
    radius = args.get("radius", "2")
    if year and not year.isdigit():
        raise KGError(f"year takes a year such as 2013, not '{year}'")
    if not radius.isdigit():
        raise KGError(f"radius takes a number of hops, not '{radius}'")
    return ViewFilters(
        kind=args.get("kind", "org"),
        project=args.get("project", ""),
        country=args.get("country", ""),
        city=args.get("city", ""),
        theme=args.get("theme", ""),
        year=int(year) if year else None,
        ego=args.get("ego", ""),
        radius=int(radius),
        programme=args.get("programme", "").strip(),
        source=args.get("source", "").strip(),
    )


def _answer(view) -> Response:
    """The view as JSON; the bytes are kept per data version and filters (a large view takes a few hundred
    milliseconds to assemble and serialise, which under load is most of the server's time)."""
    served = services()
    try:
        filters = _filters()
        # keyed by the version the server serves (a rebuild is picked up on reload, as for queries)
        key = (served.version, view.__name__, filters)
        body = served.responses.peek(key)
        if body is None:
            body = json.dumps(view(served.store, served.config.ns, filters, served.views)).encode()
            served.responses.put(key, body)
        return Response(body, mimetype="application/json")
    except StoreError:
        raise  # the store cannot answer now: 503, from the app's handler
    except (KGError, ValueError) as e:
        return Response(f"{e}\n", status=400, mimetype="text/plain")


@bp.get("/api/network")
def network_json() -> Response:
    """Nodes with their measures and facts, and weighted edges, for the filters in the query string."""
    return _answer(network_view)


@bp.get("/api/map")
def map_json() -> Response:
    """Places with coordinates, collaboration links between cities, and transfers, for the filters."""
    return _answer(map_view)


@bp.get("/api/network/options")
def options() -> Response:
    served = services()
    store = served.store
    return jsonify(served.views.get((store.version, "options"), lambda: filter_options(store, served.config.ns)))


@bp.get("/network")
def network_page() -> str:
    return render_template("network.html", draw_limit=DRAW_LIMIT)


@bp.get("/map")
def map_page() -> str:
    return render_template("map.html")
