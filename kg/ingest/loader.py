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
import yaml
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from kg.config import Config
from kg.errors import DataError
from kg.ingest.inference import materialise
from kg.ingest.mapper import MappedFile, map_table, segment
from kg.ingest.report import FileReport, QualityReport, provenance
from kg.ingest.schema import Mapping, columns_by_property, property_columns, read_mapping_set, read_mappings, shipped
from kg.ingest.sources import READABLE, Table, normalise_name, open_tables
from kg.ingest.sssom import read_sssom
from kg.link.linker import Linkage, relink
from kg.link.transfers import TransferLink, relink_transfers, transfers_graph
from kg.places import Gazetteer
from kg.rdf import FILE_FORMATS, iri, literal
from kg.resources import bundled_datasets, mapping_sets, ontology_files
from kg.store import Store, Writer
from kg.validate import ValidationReport, validate

__all__ = ["Loader", "LoadReport", "SourceFile", "build", "load", "import_files"]

Progress = Callable[[str], None]

_TABULAR = {".csv"}
_IGNORED = {".md", ".txt", ".yaml", ".yml", ".json", ".gitkeep"}
_QUAD_FORMATS = {".nq", ".trig"}
#: a bundled folder holding this file is in a published layout, read by the mapping set it names
_IMPORTED = "import.yaml"


@dataclass(frozen=True)
class SourceFile:
    """A file to load, the folder name it belongs to, and the named graph it goes into."""

    path: Path
    dataset: str
    graph: str
    mapping: Mapping | None = None
    rdf_format: ox.RdfFormat | None = None
    rebase: bool = False
    table: Table | None = None
    #: an SSSOM crosswalk between concept schemes (kg.ingest.sssom)
    crosswalk: bool = False
    #: read as `kg import` reads: a bad value or row is left out and reported, even in a strict build
    lenient: bool = False


@dataclass
class LoadReport:
    """What a build or load did: per file, the rows read and triples written; then the validation."""

    files: list[tuple[SourceFile, int, int]] = field(default_factory=list)
    validation: ValidationReport | None = None
    #: what record linkage decided: organisations linked as one, pairs to review (kg.link)
    linkage: Linkage | None = None
    #: each transfer network and the good practice it transferred (kg.link.transfers)
    transfers: list[TransferLink] = field(default_factory=list)
    quality: QualityReport = field(default_factory=QualityReport)
    #: the triples of standard types and super-properties materialised from the ontology's axioms
    inferred: int | None = None
    seconds: float = 0.0
    total_quads: int = 0

    def summary(self) -> str:
        lines = [f"{'file':<48} {'rows':>9} {'triples':>10}"]
        for source, rows, triples in self.files:
            name = f"{source.dataset}/{source.path.name}"
            if not source.graph.endswith(source.path.name) and source.mapping is not None:
                name += f" ({source.mapping.kind})"  # one file read by several mappings
            lines.append(f"{name:<48} {rows if source.mapping else '-':>9} {triples if triples >= 0 else '-':>10}")
        if self.inferred is not None:
            lines.append(f"{'(inferred: standard types and properties)':<48} {'-':>9} {self.inferred:>10}")
        lines.append(f"{self.total_quads} quads in the store; {self.seconds:.1f} s")
        if self.linkage is not None:
            lines += self.linkage.summary()
        if self.transfers:
            linked = sum(1 for t in self.transfers if t.practice)
            lines.append(
                f"transfer networks: {len(self.transfers)}; {linked} linked to the good practice they transferred"
            )
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
            if path.is_dir() and (path / _IMPORTED).is_file():
                result.extend(self.sources_by_header(_import_set(path / _IMPORTED), [path], lenient=True))
            elif path.is_dir():
                local = read_mappings(sorted(path.glob("*.mapping.yaml")), self.ns)
                files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                result.extend(self._source(f, path.name, local) for f in files if f.suffix.lower() not in _IGNORED)
            else:
                result.append(self._source(path, path.resolve().parent.name, {}))
        return result

    def sources_by_header(self, mapping: str, paths: Iterable[Path], *, lenient: bool = False) -> list[SourceFile]:
        """Files in a published layout: each table of each file (a sheet of a spreadsheet, the projects and
        organisations of a CORDIS XML archive) goes through every mapping of the set `mapping` (a built-in
        name such as cordis, or a mapping file) whose header columns it has; one graph per table and kind."""
        mappings = self._mapping_set(mapping)
        self.set_mappings += mappings  # links may point to a kind of the set that no file of this run has
        files: list[Path] = []
        for path in paths:
            if not path.exists():
                raise DataError(str(path), "no such file or folder")
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(READABLE))
                if path.is_dir()
                else [path]
            )
        result = []
        for path in files:
            dataset = path.resolve().parent.name
            for table in open_tables(path):
                header = {normalise_name(h) for h in table.header}
                chosen = [m for m in mappings if {normalise_name(c) for c in m.signature} <= header]
                if not chosen:
                    raise DataError(table.where, _no_layout(mapping, mappings, table), line=1)
                part = f"/{segment(table.part)}" if table.part else ""
                result.extend(
                    SourceFile(
                        path,
                        dataset,
                        f"{_file_graph(self.ns, dataset, path.name)}{part}/{m.kind}",
                        mapping=m,
                        table=table,
                        lenient=lenient,
                    )
                    for m in chosen
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
        graph = _file_graph(self.ns, dataset, path.name)
        suffix = path.suffix.lower()
        if path.name.lower().endswith(".sssom.tsv"):
            return SourceFile(path, dataset, graph, crosswalk=True)
        if suffix in _TABULAR:
            mapping = local.get(path.name) or self.builtin_mappings.get(path.name)
            if mapping is None:
                known = ", ".join(sorted({**self.builtin_mappings, **local}))
                raise DataError(
                    str(path),
                    f"no mapping reads a file of this name (known: {known}); rename it, "
                    "or put a <name>.mapping.yaml beside it",
                )
            return SourceFile(path, dataset, graph, mapping=mapping, table=open_tables(path)[0])
        if suffix in _QUAD_FORMATS:
            raise DataError(
                str(path),
                "quad formats (N-Quads, TriG) cannot be loaded file by file; use Turtle, N-Triples, JSON-LD or RDF/XML",
            )
        fmt = FILE_FORMATS.get(suffix.lstrip("."))
        if fmt is None:
            raise DataError(str(path), "unknown file type: expected .csv, .ttl, .nt, .jsonld, .rdf or .sssom.tsv")
        return SourceFile(path, dataset, graph, rdf_format=fmt)

    def write(
        self,
        writer: Writer,
        sources: list[SourceFile],
        report: LoadReport,
        *,
        strict: bool = True,
        record: bool = False,
    ) -> list[MappedFile]:
        """Replace each source's graph in the transaction, then check that every link resolves. Not strict:
        bad values and rows are left out and reported. `record`: each mapped graph also holds its import's
        quality totals."""
        kinds = {m.kind: m for m in self.builtin_mappings.values()}
        for mapping in [s.mapping for s in sources if s.mapping is not None] + self.set_mappings:
            kinds.setdefault(mapping.kind, mapping)
        mapped: list[MappedFile] = []
        known = None if strict else self._reference(writer, sources, kinds)
        for source in sources:
            started = time.perf_counter()
            if source.mapping is not None and source.table is not None:
                part = f" [{source.table.part}]" if source.table.part else ""
                name = f"{source.dataset}/{source.path.name}{part}"
                quality = FileReport(name, source.mapping.kind, source.graph)
                report.quality.files.append(quality)
                result = MappedFile(source.mapping, source.table.where, quality)
                chunks = map_table(
                    source.table,
                    source.mapping,
                    kinds,
                    self.concepts,
                    self.ns,
                    source.dataset,
                    result,
                    gazetteer=self.gazetteer,
                    strict=strict and not source.lenient,
                    known=known,
                    matches=self._matches(writer, source.mapping, kinds),
                )
                try:
                    writer.replace_graph(source.graph, self._reporting(chunks, result, source))
                except SyntaxError as e:  # a term the mapper let through and the parser refused
                    raise DataError(str(source.path), f"cannot be stored: {e.msg}") from None
                mapped.append(result)
                rows, triples = result.rows, result.quads
            elif source.crosswalk:
                try:
                    writer.replace_graph(source.graph, [self.ns.rebase(read_sssom(source.path))])
                except SyntaxError as e:
                    raise DataError(str(source.path), f"cannot be stored: {e.msg}") from None
                triples, rows = _graph_size(writer, source.graph), 0
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
        unresolved = self._check_links(writer, mapped, kinds, strict=strict)
        if not strict:
            _write_stubs(writer, self.ns, unresolved, kinds)
        if record:  # each table's quality totals, in a graph beside its data, replaced with it
            for quality in report.quality.files:
                writer.replace_graph(quality_graph(quality.graph), [provenance(quality, self.ns)])
        return mapped

    def _matches(self, writer: Writer, mapping: Mapping, kinds: dict[str, Mapping]) -> dict[str, dict[str, str]]:
        """For the kinds this mapping makes or links to that are matched by owl:sameAs (a city by its GeoNames
        id): the store's entities of each, by sameAs IRI. Asked per table, so a city loaded by an earlier file
        of the same run counts."""
        wanted = {mapping.kind} | {c.link for cols in mapping.columns.values() for c in cols if c.link}
        found: dict[str, dict[str, str]] = {}
        for kind in sorted(wanted):
            target = kinds.get(kind, mapping if kind == mapping.kind else None)
            if target is None or not target.same_as or not target.classes:
                continue
            rows = writer.query(f"SELECT ?s ?o WHERE {{ ?s a <{target.classes[0]}> ; <{OWL.sameAs}> ?o }}")
            found[kind] = {row["o"].value: row["s"].value for row in sorted(rows, key=lambda r: r["s"].value)}
        return found

    def _reference(self, writer: Writer, sources: list[SourceFile], kinds: dict[str, Mapping]) -> dict[str, set[str]]:
        """The entities of the kinds that the sources link to but that no mapping of this import makes
        (countries, cities): a link to one that does not exist is a bad value, checked row by row."""
        made = {s.mapping.kind for s in sources if s.mapping is not None} | {m.kind for m in self.set_mappings}
        linked = {c.link for s in sources if s.mapping for cols in s.mapping.columns.values() for c in cols if c.link}
        known = {}
        for kind in sorted(linked - made):
            classes = kinds[kind].classes
            if classes:
                rows = writer.query(f"SELECT ?s WHERE {{ ?s a <{classes[0]}> }}")
                known[kind] = {row["s"].value for row in rows}
        return known

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

    def _check_links(
        self, writer: Writer, mapped: list[MappedFile], kinds: dict[str, Mapping], *, strict: bool
    ) -> dict[str, tuple[str, str, Mapping]]:
        """Every link points at an entity of this run or of the store. Strict: an error for one that does
        not; otherwise the links that do not, as target IRI -> (kind, value, referring mapping), reported."""
        defined: set[str] = set()
        for m in mapped:
            defined.update(m.defined)
        unresolved: dict[str, tuple[str, str, Mapping]] = {}
        for m in mapped:
            for term, (kind, line, column, value) in m.links.items():  # term: an IRI in <...>
                if term[1:-1] in defined or term[1:-1] in unresolved:
                    continue
                classes = kinds[kind].classes
                known = writer.query(f"ASK {{ {term} a <{classes[0]}> }}") if classes else False
                if bool(known):
                    continue
                files = ", ".join(f.file or f"a {f.kind} file" for f in kinds.values() if f.kind == kind)
                if strict:
                    raise DataError(
                        m.where,
                        f"unknown {kind} '{value}': no row of {files} and nothing in the store has that id",
                        line=line,
                        column=column,
                    )
                m.report.add(
                    line,
                    column,
                    value,
                    "linked to a stub",
                    "missing-target",
                    f"no row of {files} and nothing in the store has {kind} '{value}': a minimal entity was made",
                )
                unresolved[term[1:-1]] = (kind, value, m.mapping)
        return unresolved


def _file_graph(ns, dataset: str, name: str) -> str:
    """The named graph of a file: <base>graph/<folder>/<file>, as written where that is an IRI; a folder or
    file name an IRI cannot hold ('my list.csv', 'a#b', 'q?x') becomes a readable slug with a stable digest
    (mapper.segment), so a name never ends in a traceback or turns into a fragment or query."""
    graph = f"{ns.graph}{dataset}/{name}"
    if not any(c in "#?" for c in dataset + name):
        try:
            iri(graph)
            return graph
        except ValueError:
            pass
    return f"{ns.graph}{segment(dataset)}/{segment(name)}"


def quality_graph(graph: str) -> str:
    """The named graph holding the import totals of the table loaded into `graph`."""
    return f"{graph}/import"


def stub_graph(ns) -> str:
    """The named graph of the entities known only from links (rebuilt by each import)."""
    return f"{ns.graph}stubs"


def _write_stubs(writer: Writer, ns, unresolved: dict[str, tuple[str, str, Mapping]], kinds) -> None:
    """Minimal entities for link targets that no file has: their class, a label, the id and a source; kept
    while nothing else describes them (a later import of the missing file replaces them)."""
    graph = stub_graph(ns)
    resolved = {
        row["s"].value
        for row in writer.query(
            f"""SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s a ?t }} GRAPH ?g {{ ?s a ?u }}
            FILTER(?g != <{graph}>) }}"""
        )
    }
    if not unresolved and not resolved:
        return  # the stubs graph stays as it is (rewriting 15,000 stubs for nothing takes seconds)
    keep = writer.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    lines = [f"{t.subject} {t.predicate} {t.object} .\n" for t in keep if t.subject.value not in resolved]
    for target, (kind, value, referrer) in sorted(unresolved.items()):
        mapping = kinds[kind]
        subject = iri(target)
        label = (mapping.stub_label or f"{kind} {{}}").replace("{}", value)
        sources = [v for p, v in mapping.fixed + referrer.fixed if p == str(DCTERMS.source)]
        lines += [f"{subject} <{RDF.type}> {iri(c)} .\n" for c in mapping.classes]
        lines.append(f"{subject} <{RDFS.label}> {literal(label)} .\n")
        lines.append(f"{subject} <{DCTERMS.identifier}> {literal(value)} .\n")
        about = f"Known only from links in imported {referrer.kind} rows: no imported file describes it."
        lines.append(f"{subject} <{DCTERMS.description}> {literal(about, lang='en')} .\n")
        if sources:
            lines.append(f"{subject} <{DCTERMS.source}> {iri(sources[0])} .\n")
    writer.replace_graph(graph, ["".join(lines)])


def _import_set(path: Path) -> str:
    """The mapping set named by a folder's import.yaml: a built-in set's name (`mapping: urbact`), or a
    mapping file or folder relative to the declaration's folder (so a build does not depend on where it runs)."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise DataError(str(path), f"cannot read the folder's import declaration: {e}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("mapping"), str):
        raise DataError(str(path), "an import declaration names its mapping set: `mapping: NAME`")
    name = spec["mapping"]
    return name if name in mapping_sets() else str(path.parent / name)


def _no_layout(name: str, mappings: list[Mapping], table: Table) -> str:
    """Why a table matches no layout of a set: the columns it has, the nearest layout and what it lacks."""
    header = {normalise_name(h) for h in table.header}
    closest = min(mappings, key=lambda m: len({normalise_name(c) for c in m.signature} - header))
    missing = [c for c in closest.signature if normalise_name(c) not in header]
    found = ", ".join(table.header[:12]) + (" ..." if len(table.header) > 12 else "")
    return (
        f"its columns match no layout of '{name}': the nearest, {closest.kind}, needs the missing column(s) "
        f"{', '.join(missing)}; the file has {found}. kg import reads CSV, XLSX, JSON and CORDIS XML; "
        f"see `kg import --help` for the built-in sets"
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
    strict: bool = True,
    record: bool = False,
    report: LoadReport | None = None,
) -> LoadReport:
    started = time.perf_counter()
    loader = Loader(config, progress=progress)
    sources = sources_of(loader)  # all paths are checked before the store is touched
    report = report if report is not None else LoadReport()
    say = progress or (lambda message: None)
    # the fields of a violation are named by the columns of the file its entity came from
    graph_fields = {s.graph: property_columns(s.mapping) for s in sources if s.mapping is not None}
    with store.transaction(fresh=fresh) as writer:
        mapped = loader.write(writer, sources, report, strict=strict, record=record)
        say("linking the organisations that are one")
        report.linkage = relink(writer, config)
        say("linking transfer networks to the practices they transferred")
        report.transfers = relink_transfers(writer, config.ns)
        say("inferring the standard types from the ontology")
        report.inferred = materialise(writer, config.ns)
        say("validating against the SHACL shapes")
        checked = time.perf_counter()
        lines = {entity: line for m in mapped for entity, line in m.defined.items()}
        written = {g for s in sources for g in (s.graph, quality_graph(s.graph))}
        written |= {stub_graph(config.ns), transfers_graph(config.ns)}
        report.validation = validate(
            writer,
            config,
            fields=columns_by_property(config.ns),
            lines=lines,
            graph_fields=graph_fields,
            graphs=None if fresh else written,  # a load checks what it wrote; `kg validate` checks everything
        )
        say(f"validated in {time.perf_counter() - checked:.1f} s; saving the store")
        blocking = report.validation.blocking(written)
        if blocking and not allow_invalid:
            report.validation.raise_failure(blocking)
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
    strict: bool = False,
    progress: Progress | None = None,
    report: LoadReport | None = None,
) -> LoadReport:
    """Add files in a published layout (`mapping`: a built-in set such as cordis, or a mapping file); each
    table's mappings are chosen by its header row. All the good rows or nothing: a bad optional value is
    left out of its row, a row with an unusable key or required value is left out, a link to an entity no
    file has gets a minimal one, each in `report.quality`; `strict` makes any of these an error instead.
    A file that cannot be read, or lacks a key column, fails the whole command with nothing written; a given
    `report` holds what was read up to the failure (for a report written even then)."""
    return _run(
        store,
        config,
        lambda loader: loader.sources_by_header(mapping, paths),
        fresh=False,
        allow_invalid=allow_invalid,
        progress=progress,
        strict=strict,
        record=True,
        report=report,
    )
