"""Network maps for partners: /network (the collaboration network) and /map (places on a map of Europe),
and the JSON they read: /api/network, /api/map and /api/network/options (the same data as `kg network`)."""

from __future__ import annotations

import json
import threading

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from kg.errors import KGError, StoreError
from kg.network.view_data import DRAW_LIMIT, ViewFilters, filter_options, map_view, network_view
from kg.store import open_store

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
    )


def _answer(view) -> Response:
    """The view as JSON; the bytes are kept per data version and filters (a large view takes a few hundred
    milliseconds to assemble and serialise, which under load is most of the server's time)."""
    config, responses = current_app.config["KG"], current_app.extensions["kg_responses"]
    try:
        filters = _filters()
        # keyed by the version the server serves (a rebuild is picked up on reload, as for queries)
        key = (current_app.extensions["kg_version"], view.__name__, filters)
        body = responses.peek(key)
        if body is None:
            with open_store(config, read_only=True) as store:
                body = json.dumps(view(store, config.ns, filters, current_app.extensions["kg_views"])).encode()
            responses.put(key, body)
        return Response(body, mimetype="application/json")
    except StoreError:
        raise  # the store cannot answer now: 503, from the app's handler
    except (KGError, ValueError) as e:
        return Response(f"{e}\n", status=400, mimetype="text/plain")


def warm_up(app) -> threading.Thread:
    """Build, in the background, the networks the first visitor of /network and /map asks for (on large
    data this takes seconds; the query workers take longer to start, so it is usually done first)."""
    config, cache = app.config["KG"], app.extensions["kg_views"]

    def work() -> None:
        try:
            with open_store(config, read_only=True) as store:
                network_view(store, config.ns, ViewFilters(), cache)
                cache.get((store.version, "options"), lambda: filter_options(store, config.ns))
                map_view(store, config.ns, ViewFilters(), cache)
        except Exception as e:  # noqa: BLE001 - the first request builds it again and reports the error
            app.logger.warning("the network views were not prepared: %s", e)

    thread = threading.Thread(target=work, name="kg-views-warm-up", daemon=True)
    thread.start()
    return thread


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
    config, cache = current_app.config["KG"], current_app.extensions["kg_views"]
    with open_store(config, read_only=True) as store:
        return jsonify(cache.get((store.version, "options"), lambda: filter_options(store, config.ns)))


@bp.get("/network")
def network_page() -> str:
    return render_template("network.html", draw_limit=DRAW_LIMIT)


@bp.get("/map")
def map_page() -> str:
    return render_template("map.html")
