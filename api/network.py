"""Network maps for partners: /network (the collaboration network) and /map (places on a map of Europe),
and the JSON they read: /api/network, /api/map and /api/network/options (the same data as `kg network`)."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from api.services import services
from kg.errors import KGError, StoreError
from kg.network.view_data import DRAW_LIMIT, ViewFilters, fewer_links, filter_options, map_view, network_view

bp = Blueprint("network", __name__)

#: The links a small screen (a phone) asks for, the strongest, with the nodes they join: more are not readable
#: there, and receiving and drawing them was most of a slow phone's wait (bench/views.py --phone).
PHONE_LINKS = 300
#: Where the pages count a screen as small (their CSS's breakpoint).
SMALL_SCREEN = "(max-width: 40rem)"


def _filters() -> ViewFilters:
    args = request.args
    year = args.get("year", "")
    radius = args.get("radius") or "2"  # empty: the page's ego network is off
    strongest = args.get("strongest", "")
    if year and not (year.isascii() and year.isdigit()):
        raise KGError(f"year takes a year such as 2013, not '{year[:40]}'")
    if not (radius.isascii() and radius.isdigit()):
        raise KGError(f"radius takes a number of hops, not '{radius[:40]}'")
    if strongest and not (strongest.isascii() and strongest.isdigit() and len(strongest) <= 6):
        raise KGError(f"strongest takes a number of links, not '{strongest[:40]}'")
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
        strongest=int(strongest) if strongest else None,
    )


def _answer(view) -> Response:
    """The view as JSON; the bytes are kept per data version and filters (a large view takes a few hundred
    milliseconds to assemble and serialise, which under load is most of the server's time)."""
    served = services()
    try:
        filters = _filters()
        return Response(view_json(served, view, filters), mimetype="application/json")
    except StoreError:
        raise  # the store cannot answer now: 503, from the app's handler
    except (KGError, ValueError) as e:
        return Response(f"{e}\n", status=400, mimetype="text/plain")


def view_json(served, view, filters: ViewFilters) -> bytes:
    """The view's JSON, kept per data version (a rebuild is picked up on reload, as for queries) and filters; a
    phone's (fewer links) is cut from the whole view's, so that it costs no second analysis of the network. Of
    the counts of links only a phone's is kept: all 5,000 would push the views out of the cache."""
    kept = filters.strongest in (None, PHONE_LINKS)
    key = (served.version, view.__name__, filters)
    body = served.responses.peek(key) if kept else None
    if body is None:
        if filters.strongest is None:
            body = json.dumps(view(served.store, served.config.ns, filters, served.views)).encode()
        else:
            whole = json.loads(view_json(served, view, replace(filters, strongest=None)))
            body = json.dumps(fewer_links(whole, filters.strongest, keep=filters.ego)).encode()
        if kept:
            served.responses.put(key, body)
    return body


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


#: The page's own settings in its address, beside the filters: their allowed values.
_PAGE_CHOICES = {
    "network": {
        "size": {"degree", "weighted_degree", "betweenness", "pagerank"},
        "colour": {"country", "community", "type"},
        "radius": {"", "1", "2", "3"},
    },
    "map": {"links": {"0", "1"}, "transfers": {"0", "1"}},
}


def _checked_page(view: str) -> None:
    """A view page's address is checked as its data's is (the filters), and its own settings against their
    choices: a bad value gets 400 with what is wrong, not a page that stays empty."""
    for name, allowed in _PAGE_CHOICES[view].items():
        value = request.args.get(name)
        if value is not None and value not in allowed:
            abort(400, f"{name} takes one of {', '.join(sorted(v for v in allowed if v))}, not '{value[:80]}'")
    try:
        _filters()
    except (KGError, ValueError) as e:
        abort(400, str(e))


def _data_url(view: str, strongest: int | None = None) -> str:
    """The address the page's script will fetch its data from, built as the script builds it (the filters in
    its order, the empty ones left out, then the links a small screen asks for), so that the page can preload
    it while the scripts download."""
    args = request.args
    if view == "map":
        names, endpoint = ("programme", "source", "project", "theme", "country", "year"), "network.map_json"
        params = [(n, args[n]) for n in names if args.get(n)]
    else:
        names = ("programme", "source", "project", "theme", "country", "city", "year")
        endpoint = "network.network_json"
        params = [("kind", args.get("kind") or "org"), *((n, args[n]) for n in names if args.get(n))]
        if args.get("radius") and args.get("node"):
            params += [("ego", args["node"]), ("radius", args["radius"])]
    if strongest:
        params.append(("strongest", str(strongest)))
    # written as the script's URLSearchParams writes it (a space as +, a slash as %2F), or the preload is not used
    return url_for(endpoint) + "?" + urlencode(params)


def _view_page(view: str, *, embed: bool) -> str:
    """The map or network page, whole or to embed, with its data preloaded."""
    _checked_page(view)
    # the same address on the full page (its query string as given: no argument reaches url_for's own _external)
    query = urlencode(list(request.args.items(multi=True)), quote_via=quote)
    full = url_for(f"network.{view}_page") + (f"?{query}" if query else "") if embed else ""
    extra = {"draw_limit": DRAW_LIMIT} if view == "network" else {}
    return render_template(
        f"{view}.html",
        embed=embed,
        full_page=full,
        data_url=_data_url(view),
        phone_data_url=_data_url(view, PHONE_LINKS),
        phone_links=PHONE_LINKS,
        small_screen=SMALL_SCREEN,
        **extra,
    )


@bp.get("/network")
def network_page() -> str:
    return _view_page("network", embed=False)


@bp.get("/map")
def map_page() -> str:
    return _view_page("map", embed=False)


@bp.get("/embed/network")
def embed_network() -> str:
    """The network alone, for another site to frame (the only pages that allow it, with /embed/map)."""
    return _view_page("network", embed=True)


@bp.get("/embed/map")
def embed_map() -> str:
    """The map alone, for another site to frame, with the filters of its address."""
    return _view_page("map", embed=True)
