"""Loaders: files and folders -> named graphs in the store, all or nothing.

Each source file becomes one named graph, `<base>graph/<folder>/<file name>`, replaced whole when the
file is loaded again, so loading the same files twice gives the same graph. Tabular files (CSV) go
through the declared mapping for their file name; RDF files (Turtle, N-Triples, JSON-LD, RDF/XML) are
parsed as they are. Everything happens inside one store transaction: on any error nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.config import Config
from kg.errors import DataError
from kg.ingest.gazetteer import Gazetteer
from kg.ingest.mapper import MappedFile, map_file
from kg.ingest.schema import Mapping, columns_by_property, read_mapping_set, read_mappings, shipped
from kg.ingest.sources import read_header
from kg.rdf import FILE_FORMATS
from kg.resources import bundled_datasets, mapping_sets, ontology_files
from kg.store import Store, Writer
from kg.validate import ValidationReport, validate

__all__ = ["Loader", "LoadReport", "SourceFile", "build", "load", "import_files"]

Progress = Callable[[str], None]

_TABULAR = {".csv"}
_IGNORED = {".md", ".txt", ".yaml", ".yml", ".json", ".gitkeep"}
_QUAD_FORMATS = {".nq", ".trig"}


@dataclass(frozen=True)
class SourceFile:
    """A file to load, the folder name it belongs to, and the named graph it goes into."""

    path: Path
    dataset: str
    graph: str
    mapping: Mapping | None = None
    rdf_format: ox.RdfFormat | None = None
    rebase: bool = False


@dataclass
class LoadReport:
    """What a build or load did: per file, the rows read and triples written; then the validation."""

    files: list[tuple[SourceFile, int, int]] = field(default_factory=list)
    validation: ValidationReport | None = None
    #: organisations linked as one by a shared VAT number, and candidate duplicates (kg import)
    merged: list[tuple[str, str, str]] = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    seconds: float = 0.0
    total_quads: int = 0

    def summary(self) -> str:
        lines = [f"{'file':<48} {'rows':>9} {'triples':>10}"]
        for source, rows, triples in self.files:
            name = f"{source.dataset}/{source.path.name}"
            if not source.graph.endswith(source.path.name) and source.mapping is not None:
                name += f" ({source.mapping.kind})"  # one file read by several mappings
            lines.append(f"{name:<48} {rows if source.mapping else '-':>9} {triples if triples >= 0 else '-':>10}")
        lines.append(f"{self.total_quads} quads in the store; {self.seconds:.1f} s")
        if self.merged:
            lines.append(f"{len(self.merged)} pair(s) of organisations share a VAT number: linked with owl:sameAs")
        if self.duplicates:
            lines.append(f"{len(self.duplicates)} candidate duplicate(s), not merged (check them, then map one id):")
            lines += [f"  {' | '.join(c.names)}: {c.why} ({', '.join(c.iris)})" for c in self.duplicates[:10]]
            if len(self.duplicates) > 10:
                lines.append(f"  ... and {len(self.duplicates) - 10} more")
        if self.validation is not None:
            lines.append(self.validation.headline())
        return "\n".join(lines)


class Loader:
    """Turns paths into SourceFiles and writes them into a transaction."""

    def __init__(self, config: Config, *, progress: Progress | None = None):
        self.config = config
        self.ns = config.ns
        self.progress = progress or (lambda message: None)
        self.builtin_mappings, self.concepts = shipped(self.ns)
        self.gazetteer = Gazetteer()
        self.set_mappings: list[Mapping] = []

    def ontology_sources(self) -> list[SourceFile]:
        return [
            SourceFile(p, "ontology", f"{self.ns.graph}ontology/{p.name}", rdf_format=ox.RdfFormat.TURTLE, rebase=True)
            for p in ontology_files()
        ]

    def sources(self, paths: Iterable[Path]) -> list[SourceFile]:
        """Expand folders into their files, and pick each file's mapping or RDF format."""
        result: list[SourceFile] = []
        for path in paths:
            if not path.exists():
                raise DataError(str(path), "no such file or folder")
            if path.is_dir():
                local = read_mappings(sorted(path.glob("*.mapping.yaml")), self.ns)
                files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                result.extend(self._source(f, path.name, local) for f in files if f.suffix.lower() not in _IGNORED)
            else:
                result.append(self._source(path, path.resolve().parent.name, {}))
        return result

    def sources_by_header(self, mapping: str, paths: Iterable[Path]) -> list[SourceFile]:
        """Files in a published layout: each file goes through every mapping of the set `mapping` (a built-in
        name such as cordis, or a mapping file) whose header columns it has; one graph per file and kind."""
        mappings = self._mapping_set(mapping)
        self.set_mappings = mappings  # links may point to a kind of the set that no file of this run has
        files: list[Path] = []
        for path in paths:
            if not path.exists():
                raise DataError(str(path), "no such file or folder")
            files.extend(
                sorted(p for p in path.iterdir() if p.name.lower().endswith((".csv", ".csv.gz", ".xlsx")))
                if path.is_dir()
                else [path]
            )
        result = []
        for path in files:
            header = set(read_header(path))
            chosen = [m for m in mappings if set(m.signature) <= header]
            if not chosen:
                closest = min(mappings, key=lambda m: len(set(m.signature) - header))
                missing = [c for c in closest.signature if c not in header]
                raise DataError(
                    str(path),
                    f"its columns match no layout of '{mapping}': the {closest.kind} layout needs the missing "
                    f"column(s) {', '.join(missing)}",
                    line=1,
                )
            dataset = path.resolve().parent.name
            result.extend(
                SourceFile(path, dataset, f"{self.ns.graph}{dataset}/{path.name}/{m.kind}", mapping=m) for m in chosen
            )
        return result

    def _mapping_set(self, mapping: str) -> list[Mapping]:
        sets = mapping_sets()
        if mapping in sets:
            return read_mapping_set(sets[mapping], self.ns)
        path = Path(mapping)
        if path.is_file():
            return read_mapping_set([path], self.ns)
        if path.is_dir():
            return read_mapping_set(sorted(path.glob("*.yaml")), self.ns)
        known = ", ".join(sorted(sets)) or "none"
        raise DataError(mapping, f"no built-in mapping set has this name (known: {known}) and no such mapping file")

    def _source(self, path: Path, dataset: str, local: dict[str, Mapping]) -> SourceFile:
        graph = f"{self.ns.graph}{dataset}/{path.name}"
        suffix = path.suffix.lower()
        if suffix in _TABULAR:
            mapping = local.get(path.name) or self.builtin_mappings.get(path.name)
            if mapping is None:
                known = ", ".join(sorted({**self.builtin_mappings, **local}))
                raise DataError(
                    str(path),
                    f"no mapping reads a file of this name (known: {known}); rename it, "
                    "or put a <name>.mapping.yaml beside it",
                )
            return SourceFile(path, dataset, graph, mapping=mapping)
        if suffix in _QUAD_FORMATS:
            raise DataError(
                str(path),
                "quad formats (N-Quads, TriG) cannot be loaded file by file; use Turtle, N-Triples, JSON-LD or RDF/XML",
            )
        fmt = FILE_FORMATS.get(suffix.lstrip("."))
        if fmt is None:
            raise DataError(str(path), "unknown file type: expected .csv, .ttl, .nt, .jsonld or .rdf")
        return SourceFile(path, dataset, graph, rdf_format=fmt)

    def write(self, writer: Writer, sources: list[SourceFile], report: LoadReport) -> None:
        """Replace each source's graph in the transaction, then check that every link resolves."""
        kinds = {m.kind: m for m in self.builtin_mappings.values()}
        for mapping in [s.mapping for s in sources if s.mapping is not None] + self.set_mappings:
            kinds.setdefault(mapping.kind, mapping)
        mapped: list[MappedFile] = []
        for source in sources:
            started = time.perf_counter()
            if source.mapping is not None:
                result = MappedFile(source.mapping, source.path)
                chunks = map_file(
                    source.path,
                    source.mapping,
                    kinds,
                    self.concepts,
                    self.ns,
                    source.dataset,
                    result,
                    gazetteer=self.gazetteer,
                )
                try:
                    writer.replace_graph(source.graph, self._reporting(chunks, result, source))
                except SyntaxError as e:  # a term the mapper let through and the parser refused
                    raise DataError(str(source.path), f"cannot be stored: {e.msg}") from None
                mapped.append(result)
                rows, triples = result.rows, result.quads
            else:
                try:
                    writer.replace_graph_from_file(
                        source.graph, source.path, source.rdf_format, rewrite=self.ns.rebase if source.rebase else None
                    )
                except SyntaxError as e:
                    raise DataError(
                        str(source.path), f"not valid {source.rdf_format.name}: {e}", line=getattr(e, "lineno", None)
                    ) from None
                except OSError as e:
                    raise DataError(str(source.path), f"cannot read the file: {e}") from None
                triples = _graph_size(writer, source.graph)
                rows = 0
            report.files.append((source, rows, triples))
            self.progress(
                f"loaded {source.dataset}/{source.path.name}: {triples} triples ({time.perf_counter() - started:.1f} s)"
            )
        self._check_links(writer, mapped, kinds)

    def _reporting(
        self, chunks: Iterable[str], result: MappedFile, source: SourceFile, every: int = 100_000
    ) -> Iterator[str]:
        """Pass the chunks on, saying how many rows are done every `every` rows (long files take a while)."""
        next_report = every
        for chunk in chunks:
            yield chunk
            if result.rows >= next_report:
                self.progress(f"  {source.dataset}/{source.path.name}: {result.rows} rows ...")
                next_report = (result.rows // every + 1) * every

    def _check_links(self, writer: Writer, mapped: list[MappedFile], kinds: dict[str, Mapping]) -> None:
        defined: set[str] = set()
        for m in mapped:
            defined |= m.defined
        for m in mapped:
            for term, (kind, line, column, value) in m.links.items():  # term: an IRI in <...>
                if term[1:-1] in defined:
                    continue
                classes = kinds[kind].classes
                known = writer.query(f"ASK {{ {term} a <{classes[0]}> }}") if classes else False
                if not bool(known):
                    files = ", ".join(f.file or f"a {f.kind} file" for f in kinds.values() if f.kind == kind)
                    raise DataError(
                        str(m.path),
                        f"unknown {kind} '{value}': no row of {files} and nothing in the store has that id",
                        line=line,
                        column=column,
                    )


def _graph_size(writer: Writer, graph: str) -> int:
    result = writer.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(result))["n"].value)


def _run(
    store: Store,
    config: Config,
    sources_of: Callable[[Loader], list[SourceFile]],
    *,
    fresh: bool,
    allow_invalid: bool,
    progress: Progress | None,
    after: Callable[[Writer, LoadReport], None] | None = None,
) -> LoadReport:
    started = time.perf_counter()
    loader = Loader(config, progress=progress)
    sources = sources_of(loader)  # all paths are checked before the store is touched
    report = LoadReport()
    say = progress or (lambda message: None)
    with store.transaction(fresh=fresh) as writer:
        loader.write(writer, sources, report)
        if after is not None:
            after(writer, report)
        say("validating against the SHACL shapes")
        checked = time.perf_counter()
        report.validation = validate(writer, config, fields=columns_by_property(config.ns))
        say(f"validated in {time.perf_counter() - checked:.1f} s; saving the store")
        if not report.validation.conforms and not allow_invalid:
            report.validation.raise_failure()
        saving = time.perf_counter()
    say(f"saved in {time.perf_counter() - saving:.1f} s")
    report.total_quads = store.count()
    report.seconds = time.perf_counter() - started
    return report


def build(
    store: Store,
    config: Config,
    paths: list[Path] | None = None,
    *,
    allow_invalid: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """A fresh store: the ontology, the reference data, then `paths` (default: the bundled datasets)."""
    reference, *bundled = bundled_datasets()

    def sources_of(loader: Loader) -> list[SourceFile]:
        return loader.ontology_sources() + loader.sources([reference, *(paths if paths else bundled)])

    return _run(store, config, sources_of, fresh=True, allow_invalid=allow_invalid, progress=progress)


def load(
    store: Store, config: Config, paths: list[Path], *, allow_invalid: bool = False, progress: Progress | None = None
) -> LoadReport:
    """Add (or replace) the graphs of `paths` in an existing store."""
    return _run(
        store, config, lambda loader: loader.sources(paths), fresh=False, allow_invalid=allow_invalid, progress=progress
    )


def import_files(
    store: Store,
    config: Config,
    mapping: str,
    paths: list[Path],
    *,
    allow_invalid: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Add files in a published layout (`mapping`: a built-in set such as cordis, or a mapping file), all or
    nothing; each file's mappings are chosen by its header row."""
    return _run(
        store,
        config,
        lambda loader: loader.sources_by_header(mapping, paths),
        fresh=False,
        allow_invalid=allow_invalid,
        progress=progress,
        after=lambda writer, report: _one_iri_per_organisation(writer, config, report),
    )


def _one_iri_per_organisation(writer: Writer, config: Config, report: LoadReport) -> None:
    """Link organisations that share a VAT number (owl:sameAs, in a graph rebuilt each time) and report
    likely duplicates by name and place without merging them."""
    from kg.ingest.organisations import candidates, merge_graph, vat_merges

    ns = config.ns
    report.merged = vat_merges(writer, ns)
    same_as = "<http://www.w3.org/2002/07/owl#sameAs>"
    writer.replace_graph(merge_graph(ns), ["".join(f"<{a}> {same_as} <{b}> .\n" for a, b, _ in report.merged)])
    report.duplicates = candidates(writer, ns, merged={frozenset((a, b)) for a, b, _ in report.merged})
