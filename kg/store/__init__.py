"""The store: one small interface (`Store`, `Writer`) with its backends behind it, opened by location.

Only this package knows which backend a location names: `memory`, `oxigraph:PATH` (or a plain PATH)
for the embedded Oxigraph store, `sparql:QUERY_URL[,UPDATE_URL]` for a SPARQL server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.config import Config
from kg.errors import StoreError
from kg.store.base import QueryResult, Store, Writer
from kg.store.oxigraph import OxigraphStore

__all__ = ["Store", "Writer", "QueryResult", "open_store", "needs_network"]


def _sparql_store(rest: str, config: Config, *, create: bool = False, read_only: bool = False) -> Store:
    from kg.store.sparql import RemoteOptions, SparqlStore

    query_url, _, update_url = rest.partition(",")
    if not query_url.startswith(("http://", "https://")):
        raise StoreError(f"store location 'sparql:{rest}' needs an http(s) URL: sparql:QUERY_URL[,UPDATE_URL]")
    return SparqlStore(query_url, update_url or None, options=RemoteOptions.from_config(config), read_only=read_only)


#: Backends by the scheme of a store location; each takes the rest of the location and the settings.
_BACKENDS: dict[str, Callable[..., Store]] = {
    "memory": lambda rest, config, **kw: OxigraphStore(None),
    "oxigraph": lambda rest, config, **kw: OxigraphStore(Path(rest), **kw),
    "sparql": _sparql_store,
}


#: Backends that read their data over the network (the processes that query them cannot be cut off it).
_NETWORKED = {"sparql"}


def _scheme(location: str) -> tuple[str, str]:
    scheme, sep, rest = location.partition(":")
    if scheme == "memory" and not rest:
        return "memory", ""
    if not sep or scheme not in _BACKENDS or len(scheme) == 1:  # a plain path (or a Windows drive letter)
        return "oxigraph", location
    return scheme, rest


def needs_network(where: Config | str) -> bool:
    """Whether reading the store that a configuration or location names takes network connections."""
    return _scheme(where.store if isinstance(where, Config) else where)[0] in _NETWORKED


def open_store(where: Config | str, *, create: bool = False, read_only: bool = False) -> Store:
    """Open the store that a configuration names (its `store` location and, for a SPARQL server, its
    KG_REMOTE_* settings), or a location given as text with the default settings."""
    config = where if isinstance(where, Config) else Config(store=where)
    location = config.store
    scheme, rest = _scheme(location)
    if scheme == "memory":
        return OxigraphStore(None)
    if not rest:
        raise StoreError(f"store location '{location}' names no path")
    return _BACKENDS[scheme](rest, config, create=create, read_only=read_only)
