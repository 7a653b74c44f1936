"""Which queries may run: a SERVICE clause may only call an endpoint on the allow-list (KG_SERVICE_ALLOW),
decided from the parsed query (kg.parsed_query), never from its text. With the list empty every SERVICE is
refused; a SERVICE whose endpoint is a variable is always refused, since it cannot be checked before it runs.

This is the first of two defences: the query workers also run cut off from the network while the list is
empty (kg.query.sandbox), so that a miss here cannot become a request to another host."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from kg.config import Config
from kg.errors import KGError, QueryError
from kg.parsed_query import has_escapes, may_call_a_service, parse_query

__all__ = ["QueryRefused", "ServicePolicy", "policy_for"]


class QueryRefused(QueryError):
    """A query that would call another host (SERVICE) and is not allowed to: HTTP 403."""


#: Percent-encoded '/', '\\', '.' and '%', and ';' (a path parameter), in a path: a server may read them as a path
#: other than the one checked.
_HIDDEN = ("%2f", "%5c", "%2e", "%25", ";")


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int | None
    path: str

    @classmethod
    def of(cls, iri: str) -> _Target | None:
        """The parts of an http(s) IRI that say where a request goes, or None for any other IRI."""
        try:
            parts = urlsplit(iri)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            return None
        if "\\" in iri or not iri.isascii() or any(code in parts.path.lower() for code in _HIDDEN):
            return None  # an escape one reader keeps and another resolves (rdflib keeps `\.` in a local name)
        if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
            return None  # a path that a client would resolve elsewhere than it reads
        default = 80 if parts.scheme.lower() == "http" else 443
        return cls(parts.scheme.lower(), parts.hostname.lower(), port or default, parts.path or "/")

    def within(self, allowed: _Target) -> bool:
        """Same scheme, host and port, and the allowed path or a path below it (`/sparql` allows
        `/sparql/x`, not `/sparql-admin`)."""
        if (self.scheme, self.host, self.port) != (allowed.scheme, allowed.host, allowed.port):
            return False
        base = allowed.path if allowed.path.endswith("/") else allowed.path + "/"
        return self.path == allowed.path or self.path.startswith(base)


@dataclass(frozen=True)
class ServicePolicy:
    """The allow-list: IRI prefixes (scheme, host, port and a path prefix) that SERVICE may call."""

    allowed: tuple[str, ...] = ()
    _targets: tuple[_Target, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        targets = []
        for prefix in self.allowed:
            if (target := _Target.of(prefix)) is None:
                raise KGError(
                    f"KG_SERVICE_ALLOW: '{prefix}' is not an http(s) address with a host (and no user name), "
                    "such as https://query.wikidata.org/"
                )
            targets.append(target)
        object.__setattr__(self, "_targets", tuple(targets))

    @classmethod
    def from_config(cls, config: Config) -> ServicePolicy:
        """The policy that KG_SERVICE_ALLOW sets."""
        return cls(config.service_prefixes)

    @property
    def federates(self) -> bool:
        """Whether any SERVICE may run at all."""
        return bool(self.allowed)

    def check(self, query: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> None:
        """Raise QueryRefused when the query calls an endpoint that is not allowed (or may call one and holds
        `\\u` escapes); QueryError, with the position, when it may call one and cannot be read (it is refused
        rather than run unchecked)."""
        if not may_call_a_service(query):
            return
        if has_escapes(query):
            raise QueryRefused(
                "refused: a query that may call SERVICE cannot hold \\u escapes (parsers read them differently): "
                "write the characters themselves"
            )
        try:
            parsed = parse_query(query, base_iri=base_iri, prefixes=prefixes)
        except QueryError as e:
            raise QueryError(f"{e} (read as SPARQL 1.1, since the query mentions SERVICE)") from None
        if parsed.ambiguous_names:
            raise QueryRefused(
                f"refused: the name {parsed.ambiguous_names[0]} may read as the SERVICE keyword to the query engine "
                "(a part after a dot or colon inside a prefixed name begins with SERVICE): write that IRI in full"
            )
        for endpoint in parsed.services:
            if endpoint.iri is None:
                what = "a variable" if endpoint.written == "variable" else "a name whose prefix is not declared"
                raise QueryRefused(
                    f"SERVICE whose endpoint is {what} is refused: queries may not reach other hosts "
                    "(only the addresses KG_SERVICE_ALLOW allows, written in full in the query)"
                )
            target = _Target.of(endpoint.iri)
            allowed = target is not None and any(target.within(a) for a in self._targets)
            if not allowed or endpoint.written != "iri":
                how = "" if endpoint.written == "iri" else f" (written as a {endpoint.written} IRI)"
                which = (
                    f"allowed: {', '.join(self.allowed)}, written in full in the query"
                    if self.allowed
                    else "KG_SERVICE_ALLOW allows none here"
                )
                raise QueryRefused(
                    f"SERVICE <{endpoint.iri}>{how} is refused: queries may not reach other hosts ({which})"
                )


def policy_for(location: Config | str, policy: ServicePolicy | None = None) -> ServicePolicy:
    """The SERVICE policy given, else the configuration's (KG_SERVICE_ALLOW), else none allowed."""
    if policy is not None:
        return policy
    return ServicePolicy.from_config(location) if isinstance(location, Config) else ServicePolicy()
