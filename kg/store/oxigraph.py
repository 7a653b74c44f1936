"""Oxigraph behind the store interface, on disk or in memory.

Writes only happen inside a `transaction()`: the changes are made on a copy, and the copy replaces the
live data only when the block ends without an error, so a failed or killed load leaves the store exactly
as it was.

The on-disk store is a folder holding numbered generations (`gen-00000001`, ...) and a `current`
symbolic link. A transaction writes a new generation (a RocksDB checkpoint of the current one, made with
hard links, or an empty one for a fresh build) and then swaps the link atomically.
"""

from __future__ import annotations

import gc
import os
import queue
import shutil
import threading
import traceback
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.parsed_query import syntax_message
from kg.store.base import QueryResult, Store, Writer


def _terms(substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None) -> dict[ox.Variable, object] | None:
    if not substitutions:
        return None
    return {ox.Variable(name): term for name, term in substitutions.items()}


def _run_query(
    store: ox.Store, sparql: str, substitutions, default_graph=None, named_graphs=None, base_iri=None, prefixes=None
) -> QueryResult:
    kwargs: dict[str, object] = {"substitutions": _terms(substitutions), "base_iri": base_iri}
    if prefixes:
        kwargs["prefixes"] = dict(prefixes)
    if default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
    else:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        return store.query(sparql, **kwargs)
    except SyntaxError as e:
        raise QueryError(syntax_message(sparql, e, prefixes=prefixes)) from None
    except ValueError as e:
        raise QueryError(str(e)) from None


class _OxigraphWriter(Writer):
    def __init__(self, store: ox.Store, bulk: bool):
        self._store = store
        self._bulk = bulk

    def replace_graph(self, graph: str, ntriples: Iterable[str]) -> None:
        node = ox.NamedNode(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)
        _load_in_background(self._store, node, ntriples)

    def replace_graph_from_file(self, graph: str, path: Path, format: ox.RdfFormat, *, rewrite=None) -> None:
        node = ox.NamedNode(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)
        if rewrite is None:
            self._store.bulk_load(path=str(path), format=format, to_graph=node, base_iri=path.resolve().as_uri())
        else:
            text = rewrite(path.read_text(encoding="utf-8"))
            self._store.bulk_load(input=text.encode(), format=format, to_graph=node, base_iri=path.resolve().as_uri())

    def query(self, sparql, *, substitutions=None):
        return _run_query(self._store, sparql, substitutions)


def _load_in_background(store: ox.Store, graph: ox.NamedNode, chunks: Iterable[str]) -> None:
    """Parse and insert each chunk in a second thread while this one makes the next chunk.

    Oxigraph releases the GIL while it parses, so the Python mapping and the Rust loading overlap.
    An error on either side stops both and is raised here.
    """
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    failure: list[BaseException] = []

    def consume() -> None:
        while (chunk := pending.get()) is not None:
            if failure:
                continue
            try:
                store.bulk_load(input=chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            except BaseException as e:  # noqa: BLE001 - handed to the producer thread below
                failure.append(e)

    worker = threading.Thread(target=consume, name="kg-load", daemon=True)
    worker.start()
    try:
        for chunk in chunks:
            if failure:
                break
            pending.put(chunk.encode())
    finally:
        pending.put(None)
        worker.join()
    if failure:
        raise failure[0]


class OxigraphStore(Store):
    """Oxigraph, on disk in a folder of generations (path given) or in memory (path None)."""

    def __init__(self, path: Path | None = None, *, create: bool = False, read_only: bool = False):
        self.path = path
        self.read_only = read_only
        self._generation: str | None = None
        self.location = "memory" if path is None else f"oxigraph:{path}"
        if path is None:
            self._store: ox.Store | None = ox.Store()
            return
        current = path / "current"
        if not current.exists():
            if not create:
                raise StoreError(f"no store at {path}: run `kg build` first (or set --store / KG_STORE)")
            self._store = None
            return
        try:
            target = current.resolve()
            self._generation = target.name
            self._store = ox.Store.read_only(str(target)) if read_only else ox.Store(str(target))
        except OSError as e:
            raise StoreError(f"cannot open the store at {path}: {e}") from None

    # -- reading

    def _live(self) -> ox.Store:
        if self._store is None:
            raise StoreError(f"the store at {self.path} is empty: run `kg build` first")
        return self._store

    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None, base_iri=None, prefixes=None):
        return _run_query(self._live(), sparql, substitutions, default_graph, named_graphs, base_iri, prefixes)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._live().named_graphs() if isinstance(g, ox.NamedNode))

    def count(self) -> int:
        return len(self._live())

    def dump(self, output, *, format, prefixes=None):
        dump_quads(self._live(), output, format=format, prefixes=prefixes)

    # -- writing

    @contextmanager
    def transaction(self, *, fresh: bool = False) -> Iterator[Writer]:
        if self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only")
        if self.path is None:
            new = ox.Store()
            if not fresh and self._store is not None:
                new.extend(self._store.quads_for_pattern(None, None, None, None))
            yield _OxigraphWriter(new, bulk=False)
            self._store = new
            return
        yield from self._disk_transaction(fresh)

    def _disk_transaction(self, fresh: bool) -> Iterator[Writer]:
        assert self.path is not None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._remove_stale_generations()
            new_dir = self.path / f"gen-{self._next_generation():08d}"
            if fresh or self._store is None:
                new = ox.Store(str(new_dir))
            else:
                self._store.flush()
                self._store.backup(str(new_dir))
                new = ox.Store(str(new_dir))
        except OSError as e:
            raise StoreError(f"cannot write the store at {self.path}: {e}") from None
        writer = _OxigraphWriter(new, bulk=True)
        try:
            yield writer
            new.flush()
            new.optimize()
        except BaseException as e:
            writer._store = None
            # the error's traceback holds the frames that wrote (their locals keep the new store, and its lock,
            # alive for as long as a caller keeps the error): let them go before removing the files
            traceback.clear_frames(e.__traceback__)
            del new
            gc.collect()
            shutil.rmtree(new_dir, ignore_errors=True)
            if isinstance(e, OSError):  # a full disk, a folder turned read-only: the old data is intact
                raise StoreError(f"cannot write the store at {self.path}: {e}; nothing was changed") from None
            raise
        finally:
            writer._store = None  # a caller (or a traceback) may keep the writer: it must not keep the files
        try:
            link = self.path / "current.tmp"
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(new_dir.name, link)
            os.replace(link, self.path / "current")
            _fsync_dir(self.path)
        except OSError as e:
            raise StoreError(f"cannot switch the store at {self.path} to the new data: {e}") from None
        self._store = new
        self._generation = new_dir.name
        gc.collect()
        self._remove_stale_generations()

    def _generations(self) -> list[Path]:
        assert self.path is not None
        return sorted(p for p in self.path.glob("gen-*") if p.is_dir())

    def _next_generation(self) -> int:
        """A number never used before by this process or on disk (a failed one may still be locked)."""
        gens = self._generations()
        self._last_generation = (
            max(getattr(self, "_last_generation", 0), int(gens[-1].name.split("-")[1]) if gens else 0) + 1
        )
        return self._last_generation

    def _remove_stale_generations(self) -> None:
        """Keep the current generation and the one before it (a reader may still have it open)."""
        assert self.path is not None
        current = self.path / "current"
        keep: set[str] = set()
        if current.exists():
            live = current.resolve().name
            below = [g.name for g in self._generations() if g.name < live]
            keep = {live, *below[-1:]}
        for g in self._generations():
            if g.name not in keep:
                shutil.rmtree(g, ignore_errors=True)
        for derived in (self.path / "cache").glob("gen-*"):
            if derived.name not in keep:
                shutil.rmtree(derived, ignore_errors=True)

    @property
    def version(self) -> str | None:
        """The day the current generation was written and its number, e.g. 2026-11-26.7."""
        if self.path is None or self._generation is None:
            return None
        try:
            written = datetime.fromtimestamp((self.path / self._generation).stat().st_mtime, UTC).date()
        except OSError:
            return None
        return f"{written.isoformat()}.{int(self._generation.split('-')[1])}"

    @property
    def keeps_files(self) -> bool:
        return self.path is not None

    def cache_dir(self) -> Path | None:
        if self.path is None or self._generation is None:
            return None
        folder = self.path / "cache" / self._generation
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # a read-only data folder: work without a cache
        return folder

    def content_cache_dir(self) -> Path | None:
        if self.path is None:
            return None
        folder = self.path / "cache" / "by-content"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return folder

    def in_memory(self) -> OxigraphStore:
        """A copy of this store held in memory (aggregates run several times faster there)."""
        copy = OxigraphStore(None)
        copy._store.bulk_load(input=self._live().dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        return copy

    def close(self) -> None:
        self._store = None
        gc.collect()


def dump_quads(
    store: ox.Store, output: BinaryIO, *, format: ox.RdfFormat, prefixes: Mapping[str, str] | None = None
) -> None:
    """Write an Oxigraph store's dataset (quad formats) or the union of its graphs (triple formats)."""
    if format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        store.dump(output, format=format, prefixes=dict(prefixes or {}) or None)
        return
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    if format == ox.RdfFormat.N_TRIPLES or not prefixes:
        triples.serialize(output, format=format)
        return
    # QueryTriples cannot take prefixes: gather the union into the default graph of a scratch store.
    scratch = ox.Store()
    scratch.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    scratch.dump(output, format=format, from_graph=ox.DefaultGraph(), prefixes=dict(prefixes))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
