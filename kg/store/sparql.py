"""A store on a SPARQL server (Virtuoso, Fuseki, GraphDB, QLever ...), reached through SPARQLWrapper.

Queries go to the server's SPARQL 1.1 Protocol endpoint and come back as pyoxigraph results, so every
part of the tool reads them as it reads Oxigraph's. The store's data is the set of named graphs whose
IRI starts with the graph prefix (the base IRI): each query names them as its dataset, so a server's own
graphs (Virtuoso's system graphs) stay out. Parameters are bound by an inline VALUES block, built from
terms serialised by Oxigraph, never by pasting text into the query.

Loads are SPARQL Update in batches. Each named graph is written to a staging graph first, and the
commit moves the staged graphs over the live ones, so a load that fails before the commit changes
nothing. A server cannot take a multi-request transaction: a failure during the moves leaves some graphs
replaced (the error says which), and running the load again replaces them whole, with no duplicates.
"""

from __future__ import annotations

import json
import random
import re
import socket
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg.config import Config
from kg.errors import KGError, QueryError, StoreError
from kg.parsed_query import is_update, parse_query
from kg.store.base import Store, Writer
from kg.store.oxigraph import dump_quads

__all__ = ["RemoteOptions", "SparqlStore", "RemoteError", "bind_values", "query_form"]


class RemoteError(StoreError):
    """The SPARQL server could not be reached, or failed, after the retries."""


@dataclass(frozen=True)
class RemoteOptions:
    """How to talk to a SPARQL server; filled from configuration (KG_REMOTE_*), never from code."""

    graph_prefix: str = "https://w3id.org/coopkg/"
    user: str = ""
    password: str = ""
    auth: str = "basic"  # or "digest"
    timeout: float = 60.0
    retries: int = 4
    batch: int = 2000  # triples per update request (Virtuoso's SPARQL parser runs out of memory near 5,000)

    @classmethod
    def from_config(cls, config: Config) -> RemoteOptions:
        """The KG_REMOTE_* settings, checked."""
        if config.remote_auth.lower() not in ("basic", "digest"):
            raise KGError(f"KG_REMOTE_AUTH must be basic or digest, not '{config.remote_auth}'")
        return cls(
            graph_prefix=config.base_iri,
            user=config.remote_user,
            password=config.remote_password,
            auth=config.remote_auth,
            timeout=config.remote_timeout,
            retries=config.remote_retries,
            batch=max(1, config.remote_batch),
        )


_TOKENS = re.compile(
    r'(?P<skip>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*)'
    r"|(?P<open>\{)|(?P<close>\})|(?P<word>[A-Za-z_][\w-]*)"
)


def query_form(sparql: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, read from the parsed query (a prefix named `ask:` or `insert:` is
    a prefix). Raises QueryError for text that is not a query: an update is refused, as this store only reads."""
    try:
        return parse_query(sparql, base_iri=base_iri, prefixes=prefixes).form
    except QueryError:
        if is_update(sparql):
            raise QueryError("this store only reads: SPARQL Update is refused") from None
        raise


def _prologue(base_iri: str | None, prefixes: Mapping[str, str] | None) -> str:
    """BASE and PREFIX declarations to put before a query's own (which may declare the same names again),
    with the IRIs written by Oxigraph (a name that is not a prefix name is refused)."""
    lines = [f"BASE {ox.NamedNode(base_iri)}"] if base_iri else []
    for name, iri in (prefixes or {}).items():
        if not re.fullmatch(r"[A-Za-z][\w.-]*|", name) or name.endswith("."):
            raise QueryError(f"'{name}' cannot be a SPARQL prefix name")
        lines.append(f"PREFIX {name}: {ox.NamedNode(iri)}")
    return "".join(line + "\n" for line in lines)


def bind_values(sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None) -> str:
    """The query with its variables bound by `VALUES` at the start of the WHERE group: the same answers as
    Oxigraph's substitutions for the queries this tool runs. Terms are written by Oxigraph (escaped)."""
    if not substitutions:
        return sparql
    for name, term in substitutions.items():
        if not re.fullmatch(r"\w+", name) or not isinstance(term, ox.NamedNode | ox.Literal):
            raise QueryError(f"cannot bind ?{name} to {term!r}")
    names = " ".join(f"?{n}" for n in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    depth, after_where, first_group = 0, False, None
    for m in _TOKENS.finditer(sparql):
        if m.group("open"):
            if depth == 0 and (after_where or first_group is None):
                if after_where:
                    return sparql[: m.end()] + block + sparql[m.end() :]
                first_group = m.end()
            depth += 1
        elif m.group("close"):
            depth -= 1
        elif m.group("word") and depth == 0 and m.group("word").upper() == "WHERE":
            after_where = True
    if first_group is None or query_form(sparql) == "CONSTRUCT":
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return sparql[:first_group] + block + sparql[first_group:]


_TRANSIENT = (urllib.error.URLError, socket.timeout, ConnectionError, HTTPException, TimeoutError)


class SparqlStore(Store):
    """A store on a SPARQL 1.1 server: queries at `query_url`, updates at `update_url` (default: the same)."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        *,
        options: RemoteOptions | None = None,
        read_only: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.query_url, self.update_url = query_url, update_url or query_url
        self.options = options or RemoteOptions()
        self.read_only = read_only
        self.location = f"sparql:{query_url}"
        self._scope: list[str] | None = None
        self._sleep = sleep

    # -- talking to the server

    def _wrapper(self, url: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(url, updateEndpoint=self.update_url, agent="coopkg")
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)  # the Accept header alone says the format (no format= parameters)
        wrapper.setTimeout(int(self.options.timeout))
        if self.options.user:
            wrapper.setCredentials(self.options.user, self.options.password)
            if self.options.auth.lower() == "digest":
                wrapper.setHTTPAuth(DIGEST)
        return wrapper

    def _send(
        self,
        text: str,
        *,
        accept: str,
        update: bool = False,
        dataset: list[str] | None = None,
        applied: Callable[[], bool] | None = None,
    ) -> bytes:
        """One request, retried with exponential backoff (and jitter) on connection errors and 5xx.

        An update that is not safe to send twice passes `applied`: before a retry it is asked whether the
        lost attempt took effect after all (the server may have done the work and lost only the answer)."""
        attempt = 0
        while True:
            if attempt and applied is not None and applied():
                return b""
            wrapper = self._wrapper(self.update_url if update else self.query_url)
            wrapper.setQuery(text)
            wrapper.addCustomHttpHeader("Accept", accept)
            for graph in dataset or ():
                wrapper.addParameter("default-graph-uri", graph)
                wrapper.addParameter("named-graph-uri", graph)
            try:
                with wrapper.query().response as response:
                    return response.read()
            except SPARQLWrapperException as e:
                status = getattr(e, "code", None) or _status(e)
                if status is not None and status < 500:
                    if status in (401, 403):
                        raise RemoteError(
                            f"the SPARQL server at {wrapper.endpoint} refused the credentials "
                            f"(HTTP {status}): set KG_REMOTE_USER and KG_REMOTE_PASSWORD"
                        ) from None
                    raise QueryError(f"the SPARQL server refused the query: {_message(e)}") from None
                failure = f"HTTP {status or 500}: {_message(e)}"
            except urllib.error.HTTPError as e:
                if e.code < 500:
                    raise QueryError(f"the SPARQL server refused the request: HTTP {e.code} {e.reason}") from None
                failure = f"HTTP {e.code} {e.reason}"
            except _TRANSIENT as e:
                failure = str(getattr(e, "reason", e)) or type(e).__name__
            attempt += 1
            if attempt > self.options.retries:
                raise RemoteError(
                    f"the SPARQL server at {wrapper.endpoint} did not answer after {attempt} tries: {failure}"
                )
            self._sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))

    def _all_graphs(self) -> list[str]:
        # GROUP BY, not DISTINCT: Virtuoso 7.2 took 150 s for DISTINCT over 1.4M quads, 0.03 s for this
        body = self._send(
            "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", accept="application/sparql-results+json"
        )
        return [r["g"].value for r in _as_solutions(body) if isinstance(r["g"], ox.NamedNode)]

    def scope(self) -> list[str]:
        """The named graphs that make up this store (those under the graph prefix), sorted."""
        if self._scope is None:
            self._scope = sorted(g for g in self._all_graphs() if g.startswith(self.options.graph_prefix))
        return self._scope

    def _dataset(self, graphs: list[str]) -> list[str]:
        # An empty list would mean "the server's default", which holds other data: name a graph with nothing.
        return graphs or [self.options.graph_prefix + "graph/none"]

    # -- reading

    def query(
        self,
        sparql,
        *,
        substitutions=None,
        default_graph=None,
        named_graphs=None,
        base_iri=None,
        prefixes=None,
        rename=None,
    ):
        """As Store.query; `rename` maps graph IRIs in the answer to others (for a transaction's staging)."""
        form = query_form(sparql, base_iri=base_iri, prefixes=prefixes)  # unbound: the same text parses once
        text = bind_values(_prologue(base_iri, prefixes) + sparql, substitutions)
        dataset = self._dataset(default_graph if default_graph is not None else self.scope())
        if form in ("SELECT", "ASK"):
            body = self._send(text, accept="application/sparql-results+json", dataset=dataset)
            return _as_solutions(body, rename)
        body = self._send(text, accept="application/n-triples, text/turtle;q=0.9", dataset=dataset)
        return _as_triples(body, rename)

    def graphs(self) -> list[str]:
        return list(self.scope())

    def count(self) -> int:
        body = self._send(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            accept="application/sparql-results+json",
            dataset=self._dataset(self.scope()),
        )
        return int(next(iter(_as_solutions(body)))["n"].value)

    def dump(self, output: BinaryIO, *, format: ox.RdfFormat, prefixes=None) -> None:
        scratch = ox.Store()
        for graph in self.scope():
            triples = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=[graph])
            node = ox.NamedNode(graph)
            scratch.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
        dump_quads(scratch, output, format=format, prefixes=prefixes)

    # -- writing

    @contextmanager
    def transaction(self, *, fresh: bool = False) -> Iterator[Writer]:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        writer = _RemoteWriter(self, fresh)
        try:
            for graph in self._all_graphs():  # left by a load that was stopped before it could clean up
                if graph.startswith(STAGING):
                    writer.update(f"DROP SILENT GRAPH <{graph}>")
            yield writer
            writer.commit()
        except BaseException as e:
            writer.abort()
            if isinstance(e, RemoteError):
                raise RemoteError(f"{e}. {writer.progress()}") from None
            raise
        finally:
            self._scope = None


#: Graphs being loaded are written under this prefix (outside every store's scope), then moved into place.
STAGING = "urn:coopkg:staging:"


class _RemoteWriter(Writer):
    """Writes each graph into a staging graph on the server; the commit moves them over the live ones, so
    until then readers see the old data, and a failed load changes nothing."""

    def __init__(self, store: SparqlStore, fresh: bool):
        self.store, self.fresh = store, fresh
        self.token = uuid.uuid4().hex[:12]
        self.staged: dict[str, str] = {}  # live graph -> its staging graph
        self.sent: dict[str, int] = {}  # live graph -> triples sent
        self.moved: list[str] = []

    def update(self, text: str, *, applied: Callable[[], bool] | None = None) -> None:
        """One SPARQL Update; `applied` as for SparqlStore._send, for updates not safe to send twice."""
        self.store._send(text, accept="*/*", update=True, applied=applied)

    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None:
        staging = self.staged.setdefault(graph, f"{STAGING}{self.token}:{len(self.staged):06d}")
        self.update(f"DROP SILENT GRAPH <{staging}>")
        self.sent[graph] = 0
        batch: list[str] = []
        blank: list[str] = []
        for chunk in ntriples:
            for line in chunk.splitlines():
                if not line.strip():
                    continue
                # a blank node's label only holds within one request: its triples all go in one, at the end
                (blank if "_:" in line and _has_blank(line) else batch).append(line)
                if len(batch) >= self.store.options.batch:
                    self._insert(graph, staging, batch)
                    batch = []
        if batch:
            self._insert(graph, staging, batch)
        if blank:  # INSERT DATA may not hold blank nodes (Virtuoso refuses them); a template may
            # Sent twice, a template makes its blank nodes twice: a retry first asks whether the lost try took.
            self.update(
                f"INSERT {{ GRAPH <{staging}> {{\n" + "\n".join(blank) + "\n} } WHERE {}",
                applied=lambda: self._holds_triples(staging, "FILTER(isBlank(?s) || isBlank(?o))"),
            )
            self.sent[graph] += len(blank)

    def _insert(self, graph: str, staging: str, lines: list[str]) -> None:
        self.update(f"INSERT DATA {{ GRAPH <{staging}> {{\n" + "\n".join(lines) + "\n} }")
        self.sent[graph] += len(lines)

    def replace_graph_from_file(self, graph: str, path: Path, format: ox.RdfFormat, *, rewrite=None) -> None:
        base = path.resolve().as_uri()
        if rewrite is None:
            quads = ox.parse(path=str(path), format=format, base_iri=base)
        else:
            quads = ox.parse(rewrite(path.read_text(encoding="utf-8")).encode(), format=format, base_iri=base)
        self.replace_graph(graph, ["\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)])

    def _dataset(self) -> list[str]:
        live = [] if self.fresh else [g for g in self.store.scope() if g not in self.staged]
        return live + list(self.staged.values())

    def query(self, sparql, *, substitutions=None):
        """The data as it will be: the live graphs not being replaced, and the staged ones under their names."""
        for graph, staging in self.staged.items():
            sparql = sparql.replace(f"<{graph}>", f"<{staging}>")
        rename = {staging: graph for graph, staging in self.staged.items()}
        return self.store.query(sparql, substitutions=substitutions, default_graph=self._dataset(), rename=rename)

    def commit(self) -> None:
        for graph, staging in self.staged.items():
            if self.sent[graph]:
                # Not SILENT, and not sent again once done: a MOVE from a graph that is gone empties the target.
                self.update(
                    f"MOVE GRAPH <{staging}> TO GRAPH <{graph}>",
                    applied=lambda staging=staging: not self._holds_triples(staging),
                )
            else:  # an empty source: the graph is replaced by nothing
                self.update(f"DROP SILENT GRAPH <{graph}>")
            self.moved.append(graph)
        if self.fresh:  # a build: the graphs of the old data that this one did not write go too
            self.store._scope = None
            for graph in set(self.store.scope()) - set(self.staged):
                self.update(f"DROP SILENT GRAPH <{graph}>")

    def _holds_triples(self, graph: str, condition: str = "") -> bool:
        """Whether `graph` holds a triple (meeting `condition`, a FILTER on ?s ?p ?o) on the server."""
        body = self.store._send(
            f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o {condition} }} }}", accept="application/sparql-results+json"
        )
        return bool(_as_solutions(body))

    def abort(self) -> None:
        for graph, staging in self.staged.items():
            if graph not in self.moved:
                try:
                    self.update(f"DROP SILENT GRAPH <{staging}>")
                except KGError:
                    return  # the server is gone: the next load removes what is left

    def progress(self) -> str:
        if self.moved:
            done = ", ".join(f"<{g}>" for g in self.moved)
            left = ", ".join(f"<{g}>" for g in self.staged if g not in self.moved) or "none"
            return (
                f"The load failed while putting the new graphs in place: replaced {done}; not yet {left}. "
                "Run the same command again to complete it"
            )
        sent = sum(self.sent.values())
        return (
            f"Nothing was changed: {sent} triples of {len(self.sent)} graph(s) had been sent to a staging area, "
            "which the next load clears. Run the same command again when the server answers"
        )


_BLANK = re.compile(r"^(?:_:\S+|<[^>]*>)\s+<[^>]*>\s+(?:_:\S+)|^_:")


def _has_blank(line: str) -> bool:
    """Whether an N-Triples line has a blank node as subject or object (not '_:' inside a literal or IRI)."""
    return bool(_BLANK.match(line))


def _as_solutions(body: bytes, rename: Mapping[str, str] | None = None) -> ox.QuerySolutions | ox.QueryBoolean:
    """SELECT or ASK results from the server as pyoxigraph's, like a local query's; IRIs in `rename` are
    replaced, term by term, by the IRIs it maps them to."""
    # servers name blank nodes freely (Virtuoso: "nodeID://b1"); RDF allows fewer. (The byte tests only
    # spare decoding a result that has neither; the renaming itself is done term by term.)
    rename = {old: new for old, new in (rename or {}).items() if old.encode() in body}
    if b'"bnode"' in body or rename:
        try:
            data = json.loads(body)
        except ValueError as e:
            raise RemoteError(f"the SPARQL server sent results that do not parse: {e}") from None
        for row in data.get("results", {}).get("bindings", []):
            for term in row.values():
                if term.get("type") == "bnode":
                    term["value"] = "b" + re.sub(r"[^A-Za-z0-9]", "_", term["value"])
                elif term.get("type") == "uri" and rename and term.get("value") in rename:
                    term["value"] = rename[term["value"]]
        body = json.dumps(data).encode()
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except SyntaxError as e:
        raise RemoteError(f"the SPARQL server sent results that do not parse: {e}") from None


def _as_triples(body: bytes, rename: Mapping[str, str] | None = None) -> ox.QueryTriples:
    """A CONSTRUCT result from the server as pyoxigraph's QueryTriples, like a local query's (blank nodes
    keep the server's labels, so two reads of the same data give the same triples); IRIs in `rename` are
    replaced, term by term."""
    scratch = ox.Store()
    names = {ox.NamedNode(old): ox.NamedNode(new) for old, new in (rename or {}).items()}

    def renamed(quad: ox.Quad) -> ox.Quad:
        s, p, o = (names.get(t, t) if isinstance(t, ox.NamedNode) else t for t in quad.triple)
        return ox.Quad(s, p, o, quad.graph_name)

    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
        try:
            quads = ox.parse(body, format=fmt, rename_blank_nodes=False)
            scratch.extend(map(renamed, quads) if names else quads)
            break
        except SyntaxError as e:
            failure = e
    else:
        raise RemoteError(f"the SPARQL server sent a graph that does not parse: {failure}")
    return scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _status(error: Exception) -> int | None:
    name = type(error).__name__
    return {
        "QueryBadFormed": 400,
        "Unauthorized": 401,
        "EndPointNotFound": 404,
        "URITooLong": 414,
        "EndPointInternalError": 500,
    }.get(name)


def _message(error: Exception) -> str:
    text = str(error)
    text = text.split("Response:\n", 1)[-1].strip()
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1].replace("\\n", "\n")
    return " ".join(text.split())[:600]
