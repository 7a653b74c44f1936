"""The whole of `kg build`, `kg load` and `kg import` as one call each: the loader (mapping, record linkage,
inference, SHACL, commit), then the practice vectors of the new data, then the record-linkage review file.

The command line, `/admin/rebuild` (which runs `python -m kg build` in a child process) and the notebook API
(kg.notebook) call these functions; they print nothing and return a `PipelineResult` to read or print:

    from kg.config import Config
    from kg import pipeline

    result = pipeline.import_(Config.from_env(), [Path("organization.csv")], "cordis")
    print("\\n".join(result.lines()))

The practice vectors are kept by a hash of the practices' texts and the method (STORE/cache/by-content/, see
kg.practices.similarity.practice_index): an import that changes no practice reads them back, computing none.

This module imports the loader and the store only when a function runs, so that importing it (as
kg.cli.serve does for `open_store`) stays as cheap as the command line's start (tests/test_cli_startup.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.config import Config
from kg.errors import KGError

if TYPE_CHECKING:
    from kg.ingest.loader import LoadReport
    from kg.link.linker import Linkage
    from kg.store import Store

#: A callback for progress messages (one line each); None says nothing.
Progress = Callable[[str], None] | None

__all__ = [
    "PipelineResult",
    "PracticeVectors",
    "ReviewUpdate",
    "build",
    "import_",
    "load",
    "open_store",
    "prepare_practices",
    "update_review",
]


def open_store(config: Config, *, create: bool = False, read_only: bool = False) -> Store:
    """The configured store (a context manager that closes it); what only reads opens it read-only, as it
    may sit on read-only media."""
    from kg.store import open_store as open_configured

    return open_configured(config, create=create, read_only=read_only)


@dataclass(frozen=True)
class PracticeVectors:
    """The practice vectors made (or read back) after a write, so that no page or command waits for them."""

    method: str
    #: how many practices were compared; None when they could not be prepared (`error` says why)
    practices: int | None = None
    #: whether they are kept on disk by their texts (a store in memory keeps none)
    kept: bool = False
    seconds: float = 0.0
    error: str | None = None

    def summary(self) -> str:
        if self.error is not None:
            return f"practice similarity: not prepared: {self.error}"
        kept = "kept by their texts" if self.kept else "not kept (the store keeps no files)"
        return (
            f"practice similarity: {self.practices} practices compared by {self.method}, {kept} ({self.seconds:.1f} s)"
        )


@dataclass(frozen=True)
class ReviewUpdate:
    """The pairs that record linkage left for a person, added to the review file (its decisions kept)."""

    path: Path
    added: int
    pending: int

    def summary(self) -> str:
        return (
            f"the review file: {self.path} ({self.added} new, {self.pending} to decide: set decision to accept "
            "or reject)"
        )


@dataclass
class PipelineResult:
    """What a build, load or import did: the loader's report, then the practice vectors and the review file."""

    #: the loader's report: files, rows and triples, linkage, transfers, inference, validation, data quality
    report: LoadReport
    #: where the store is (its location, as `kg build` prints it)
    store: str
    practices: PracticeVectors | None = None
    review: ReviewUpdate | None = None
    #: the data-quality report's files (`import_(report_path=...)`)
    quality_files: list[Path] = field(default_factory=list)
    #: which command's work it was: "build", "load" or "import" (what `lines` prints follows from it)
    command: str = "build"

    @property
    def counts(self) -> dict[str, int]:
        """Files read, rows read, triples written, quads in the store afterwards, links and pairs to review."""
        linkage = self.report.linkage
        return {
            "files": len(self.report.files),
            "rows": sum(rows for source, rows, _ in self.report.files if source.mapping is not None),
            "triples": sum(max(triples, 0) for _, _, triples in self.report.files),
            "quads": self.report.total_quads,
            "inferred": self.report.inferred or 0,
            "same_as": len(linkage.same) if linkage is not None else 0,
            "to_review": len(linkage.review) if linkage is not None else 0,
        }

    def lines(self) -> list[str]:
        """What the command prints on standard output, in order (the practice vectors' failure goes to
        standard error: see `warnings`)."""
        lines = [self.report.summary()]
        if self.command == "import":
            lines.append(self.report.quality.summary())
        elif self.command == "build":
            lines.append(f"store: {self.store}")
        if self.practices is not None and self.practices.error is None:
            lines.append(self.practices.summary())
        if self.quality_files:
            lines.append(f"the data-quality report: {', '.join(str(w) for w in self.quality_files)}")
        if self.review is not None:
            lines.append(self.review.summary())
        return lines

    @property
    def warnings(self) -> list[str]:
        """What went wrong after the data was in (the data stays; the command still succeeds)."""
        return [self.practices.summary()] if self.practices is not None and self.practices.error else []


def prepare_practices(config: Config, store: Store) -> PracticeVectors:
    """Make the practice vectors of the store's data now, or read them back when these practices' texts were
    compared by this method before (so an import that touches no practice computes none)."""
    from kg.practices.similarity import practice_index

    started = time.perf_counter()
    try:
        index = practice_index(store, config.ns, config.similarity)
    except KGError as e:  # the data is in; only the similarity waits (pages say why, kg practices retries)
        return PracticeVectors(method=config.similarity, error=str(e))
    return PracticeVectors(
        method=index.method,
        practices=len(index.practices),
        kept=store.content_cache_dir() is not None,
        seconds=time.perf_counter() - started,
    )


def update_review(config: Config, linkage: Linkage | None) -> ReviewUpdate | None:
    """Add the pairs that record linkage left for a person to the review file (KG_LINK_REVIEW), keeping its
    decisions; None when there is no file and nothing to review."""
    from kg.link.review import read_decisions, write_review

    path = config.review_path
    if linkage is None or path is None or not (linkage.review or path.exists()):
        return None
    added, pending = write_review(path, read_decisions(path), linkage.review_rows())
    return ReviewUpdate(path=path, added=added, pending=pending)


def _run(
    config: Config,
    store: Store | None,
    write: Callable[[Store], LoadReport],
    *,
    command: str,
    create: bool = False,
    practices: bool = True,
) -> PipelineResult:
    """Open the store (unless given one, which stays open), write, prepare the practice vectors, close it,
    then update the review file."""
    opened = store is None
    target = open_store(config, create=create) if opened else store
    try:
        report = write(target)
        result = PipelineResult(report=report, store=str(target.location), command=command)
        if practices:
            result.practices = prepare_practices(config, target)
    finally:
        if opened:
            target.close()
    result.review = update_review(config, report.linkage)
    return result


def build(
    config: Config,
    paths: list[Path] | None = None,
    *,
    allow_invalid: bool = False,
    progress: Progress = None,
    store: Store | None = None,
    practices: bool = True,
) -> PipelineResult:
    """A fresh store from the bundled data, or from `paths` (files and folders); the ontology and the reference
    data are always loaded. The old store is replaced only once the new one validates (`allow_invalid`: even
    if it does not). `store`: an open store to write to (left open) instead of the configured one."""
    from kg.ingest.loader import build as build_store

    def write(target: Store) -> LoadReport:
        chosen = list(paths) if paths else None
        return build_store(target, config, chosen, allow_invalid=allow_invalid, progress=progress)

    return _run(
        config,
        store,
        write,
        command="build",
        create=True,
        practices=practices,
    )


def load(
    config: Config,
    files: list[Path],
    *,
    allow_invalid: bool = False,
    progress: Progress = None,
    store: Store | None = None,
    practices: bool = True,
) -> PipelineResult:
    """Add files or folders to the existing store, all or nothing; each file's graph is replaced."""
    from kg.ingest.loader import load as load_files

    return _run(
        config,
        store,
        lambda s: load_files(s, config, list(files), allow_invalid=allow_invalid, progress=progress),
        command="load",
        practices=practices,
    )


def import_(
    config: Config,
    files: list[Path],
    mapping: str,
    *,
    allow_invalid: bool = False,
    strict: bool = False,
    report_path: Path | None = None,
    progress: Progress = None,
    store: Store | None = None,
    practices: bool = True,
    report: LoadReport | None = None,
) -> PipelineResult:
    """Add files in a published layout: `mapping` names a built-in set (`kg import --show SET` prints one) or
    a mapping file. All the good rows or nothing (`strict`: nothing at the first row or value left out).

    `report_path`: write the data-quality report as PATH.csv and PATH.json, also when the import fails (the
    error then carries a note naming the files). `report`: a LoadReport to fill, to read what was read up to
    a failure."""
    from kg.ingest.loader import LoadReport, import_files

    filled = report if report is not None else LoadReport()
    written: list[Path] = []
    try:
        result = _run(
            config,
            store,
            lambda s: import_files(
                s,
                config,
                mapping,
                list(files),
                allow_invalid=allow_invalid,
                strict=strict,
                progress=progress,
                report=filled,
            ),
            command="import",
            practices=practices,
        )
    except Exception as e:
        written = _write_quality(filled, report_path)
        if written:  # what was read up to the failure says where to look
            e.add_note(f"the data-quality report: {', '.join(str(w) for w in written)}")
        raise
    result.quality_files = _write_quality(filled, report_path)
    return result


def _write_quality(report: LoadReport, path: Path | None) -> list[Path]:
    if path is None or not report.quality.files:
        return []
    return list(report.quality.write(path))
