"""The data-quality report of an import: per file, the rows read, loaded and dropped, and every value that
was normalised, defaulted, flagged or left out, with its line, column, original text and the reason.

Printed as a summary, written in full as CSV and JSON (`kg import --report PATH`), and kept in the store
as totals per category beside each file's data (so a researcher can query what was cleaned).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.rdf import iri, literal

__all__ = ["Issue", "FileReport", "QualityReport", "ACTIONS"]

#: What happened to a value or a row, from least to most lost.
ACTIONS = {
    "normalised": "written another way, read as the value it is",
    "matched": "names an entity the store already has (a city by its GeoNames id): only its spelling was added",
    "defaulted": "empty, given the mapping's default",
    "flagged": "kept as given, but looks wrong",
    "kept as text": "a code no list knows, kept as its text",
    "kept the first": "a repeated entity's row says another value than its first row: the first row's is kept",
    "linked to a stub": "points at an entity no imported file has; a minimal entity was made for it",
    "skipped row": "left out by the mapping's row filter",
    "dropped value": "left out of its row",
    "dropped row": "the row was left out",
    "column absent": "a column the mapping reads is not in the file: nothing to read",
    "column left out": "a column of the file the mapping does not read, with the reason",
}


@dataclass(frozen=True)
class Issue:
    """One thing done to one cell or row."""

    file: str
    line: int
    column: str
    value: str
    action: str
    category: str
    reason: str


@dataclass
class FileReport:
    """What happened to one table read by one mapping."""

    file: str
    kind: str
    graph: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_dropped: int = 0
    rows_skipped: int = 0
    issues: list[Issue] = field(default_factory=list)

    def add(self, line: int, column: str, value: str, action: str, category: str, reason: str) -> None:
        self.issues.append(Issue(self.file, line, column, value, action, category, reason))

    def totals(self) -> Counter[tuple[str, str]]:
        return Counter((i.action, i.category) for i in self.issues)


@dataclass
class QualityReport:
    """Every file's report of one command."""

    files: list[FileReport] = field(default_factory=list)

    def totals(self) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for f in self.files:
            total.update(f.totals())
        return total

    @property
    def issues(self) -> list[Issue]:
        return [i for f in self.files for i in f.issues]

    def summary(self, *, examples: int = 3) -> str:
        """Rows per file, then each kind of issue with its count and a few examples."""
        lines = [f"{'data quality':<48} {'read':>7} {'loaded':>7} {'dropped':>7} {'skipped':>7}"]
        for f in self.files:
            lines.append(
                f"{f.file + ' (' + f.kind + ')':<48} {f.rows_read:>7} {f.rows_loaded:>7} "
                f"{f.rows_dropped:>7} {f.rows_skipped:>7}"
            )
        by_kind: dict[tuple[str, str], list[Issue]] = {}
        for issue in self.issues:
            by_kind.setdefault((issue.action, issue.category), []).append(issue)
        order = list(ACTIONS)
        for (action, category), found in sorted(by_kind.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
            lines.append(f"  {action}, {category}: {len(found)}")
            for issue in found[:examples]:
                where = f"{issue.file}, line {issue.line}" + (f", column '{issue.column}'" if issue.column else "")
                lines.append(f"    {where}: '{_short(issue.value)}': {issue.reason}")
        if not by_kind:
            lines.append("  every value was read as it is")
        return "\n".join(lines)

    def write(self, path: Path) -> list[Path]:
        """The full report as CSV and JSON: PATH.csv and PATH.json (a given .csv or .json suffix is replaced)."""
        stem = path.with_suffix("") if path.suffix.lower() in (".csv", ".json") else path
        written = [stem.with_name(stem.name + ".csv"), stem.with_name(stem.name + ".json")]
        try:
            with written[0].open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["file", "line", "column", "value", "action", "category", "reason"])
                writer.writerows(
                    [i.file, i.line, i.column, i.value, i.action, i.category, i.reason] for i in self.issues
                )
            document = {
                "files": [{k: v for k, v in asdict(f).items() if k != "issues"} for f in self.files],
                "totals": [{"action": a, "category": c, "count": n} for (a, c), n in sorted(self.totals().items())],
                "issues": [asdict(i) for i in self.issues],
            }
            written[1].write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
        except OSError as e:
            raise KGError(f"cannot write the report at {e.filename or path}: {e.strerror}") from None
        return written


def provenance(report: FileReport, ns: Namespaces) -> str:
    """N-Triples of the table's import and its totals, as statements about `<graph>#import` (kept in a graph
    beside the table's own, replaced when the table is imported again)."""
    coop, node = ns.coop, f"{report.graph}#import"

    def count(value: int) -> str:
        return literal(str(value), datatype=str(XSD.integer))

    facts = [
        (node, RDF.type, iri(coop.Import)),
        (node, RDFS.label, literal(f"Import of {report.file}", lang="en")),
        (node, DCTERMS.source, literal(report.file)),
        (node, coop.mappedAs, literal(report.kind)),
        (node, coop.rowsRead, count(report.rows_read)),
        (node, coop.rowsLoaded, count(report.rows_loaded)),
        (node, coop.rowsDropped, count(report.rows_dropped)),
        (node, coop.rowsSkipped, count(report.rows_skipped)),
    ]
    for (action, category), n in sorted(report.totals().items()):
        part = f"{node}-{action.replace(' ', '-')}-{category}"
        facts += [
            (node, coop.qualityCount, iri(part)),
            (part, RDF.type, iri(coop.QualityCount)),
            (part, coop.action, literal(action)),
            (part, coop.category, literal(category)),
            (part, coop["count"], count(n)),  # (coop.count is str.count)
        ]
    return "".join(f"{iri(s)} {iri(p)} {o} .\n" for s, p, o in facts)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
