"""The whole graph as files: gzipped dumps with their checksums, and dated release folders."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import threading
from datetime import date
from pathlib import Path

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.publish.catalog import DUMP_NAME, DUMPS, dataset_description
from kg.publish.describe import Reader
from kg.rdf import FILE_FORMATS
from kg.store import Store


def write_dumps(store: Store, ns: Namespaces, folder: Path) -> dict[str, str]:
    """Write the whole graph as each of DUMPS (gzipped) into `folder`; return file name -> SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    checksums = {}
    for dump in DUMPS:
        path = folder / f"{DUMP_NAME}.{dump.suffix}"
        partial = path.with_name(path.name + ".partial")
        with gzip.open(partial, "wb") as out:
            store.dump(out, format=FILE_FORMATS[dump.format], prefixes=ns.prefixes)
        partial.replace(path)
        checksums[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return checksums


def release(store: Store, reader: Reader, ns: Namespaces, root: Path, *, on: date) -> Path:
    """A dated release folder: the dumps, SHA256SUMS, and the dataset description (catalog.ttl)."""
    folder = root / on.isoformat()
    if folder.exists():
        raise KGError(f"a release for {on.isoformat()} already exists at {folder}; remove it or choose --date")
    partial = root / f".{on.isoformat()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        checksums = write_dumps(store, ns, partial)
        (partial / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sorted(checksums.items())))
        description = dataset_description(reader, ns, version=on.isoformat(), modified=on, checksums=checksums)
        description.serialize(partial / "catalog.ttl", format="turtle")
        partial.replace(folder)
    except OSError as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise KGError(f"cannot write the release at {folder}: {e}") from None
    return folder


class DumpCache:
    """The dumps of one store's current state, written once on first request into the store's cache
    folder (a new state of the data gets new dumps), for a web service to send."""

    def __init__(self, store: Store, ns: Namespaces):
        self.store, self.ns = store, ns
        self._lock = threading.Lock()

    def folder(self) -> Path:
        with self._lock:
            if not self.store.keeps_files:
                raise KGError("dumps need a store on disk (KG_STORE=oxigraph:PATH)")
            cache = self.store.cache_dir()
            if cache is None:
                raise KGError(
                    f"the store's folder is read-only, so no dumps can be written beside it ({self.store.location})"
                )
            folder = cache / "dumps"
            if not (folder / "SHA256SUMS").exists():
                checksums = write_dumps(self.store, self.ns, folder)
                (folder / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sorted(checksums.items())))
            return folder.resolve()
