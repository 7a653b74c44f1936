"""The store interface the rest of the code uses: SPARQL reads over the union of named graphs, and writes
that only happen inside a `transaction()` (all or nothing)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class Writer(ABC):
    """What a transaction can do: replace whole named graphs, and read what it has written so far."""

    @abstractmethod
    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None:
        """Drop `graph`, then fill it with triples given as chunks of N-Triples text."""

    @abstractmethod
    def replace_graph_from_file(
        self, graph: str, path: Path, format: ox.RdfFormat, *, rewrite: Callable[[str], str] | None = None
    ) -> None:
        """Drop `graph`, then parse an RDF file into it. Raises SyntaxError with the line on bad input."""

    @abstractmethod
    def query(
        self, sparql: str, *, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None
    ) -> QueryResult:
        """Query the data as it stands inside the transaction."""


class Store(ABC):
    """A quad store that answers SPARQL over the union of its named graphs."""

    #: A short name for messages ("oxigraph:/path", "memory").
    location: str

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query. By default the default graph is the union of all named graphs; relative IRIs
        in the query resolve against `base_iri`; `prefixes` are declared before the query's own prologue
        (which may declare the same names again)."""

    @abstractmethod
    def transaction(self, *, fresh: bool = False) -> Iterator[Writer]:
        """A context manager giving a Writer; nothing is visible until the block ends without error.
        With fresh=True the transaction starts from an empty store."""

    @abstractmethod
    def dump(self, output: BinaryIO, *, format: ox.RdfFormat, prefixes: Mapping[str, str] | None = None) -> None:
        """Write the whole dataset (quad formats) or the union of its graphs (triple formats)."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The named graphs, sorted."""

    @abstractmethod
    def count(self) -> int:
        """The number of quads (triples in their named graphs)."""

    @property
    def version(self) -> str | None:
        """A name for this state of the data (each write makes a new one), or None when there are no versions."""
        return None

    @property
    def keeps_files(self) -> bool:
        """Whether this backend keeps files beside the data (caches, dumps): a store on disk does."""
        return False

    def cache_dir(self) -> Path | None:
        """A folder for files derived from exactly this state of the data (a new state gets a new folder,
        so nothing in it is ever stale), or None when there is none (no files kept, or read-only media)."""
        return None

    def content_cache_dir(self) -> Path | None:
        """A folder for files named by a hash of what they were made from, kept across states of the data: a
        change that leaves their inputs alone costs nothing. None when the store keeps no files."""
        return None

    def in_memory(self) -> Store:
        """A copy held in memory where that makes queries faster; a backend that cannot returns itself."""
        return self

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release the store's files or connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
