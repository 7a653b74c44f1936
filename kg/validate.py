"""SHACL validation with pyshacl: a report a person can read, and the machine-readable SHACL report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from kg.config import Config
from kg.errors import ValidationFailed
from kg.mapping import read_mappings
from kg.namespaces import SH, Namespaces
from kg.resources import mapping_files, shapes_file

__all__ = ["Violation", "ValidationReport", "validate"]


class Queryable(Protocol):
    def query(self, sparql: str, *, substitutions=None): ...


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in the words of the data files."""

    severity: str  # "Violation" or "Warning"
    entity: str  # IRI of the focus node
    label: str  # its name or id
    source_file: str  # dataset/file it was loaded from, "" if unknown
    field: str  # the column (or property) at fault
    message: str

    def line(self) -> str:
        where = f"{self.source_file}: " if self.source_file else ""
        field = f", field '{self.field}'" if self.field else ""
        return f"{self.severity}: {where}{self.label} <{self.entity}>{field}: {self.message}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)  # the SHACL validation report as RDF
    triples_checked: int = 0

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "Violation"]

    def headline(self) -> str:
        state = "conforms" if self.conforms else f"does NOT conform: {len(self.errors)} violation(s)"
        return f"SHACL: the data {state}; {len(self.warnings)} warning(s); {self.triples_checked} triples checked"

    def text(self, *, warnings: bool = True) -> str:
        shown = self.violations if warnings else self.errors
        return "\n".join([self.headline(), *(v.line() for v in shown)])

    def raise_failure(self) -> None:
        raise ValidationFailed("\n".join(v.line() for v in self.errors), len(self.errors))


def _columns_by_property(ns: Namespaces) -> dict[str, str]:
    """Property IRI -> the column of a data file that fills it, to name fields as the files do."""
    result: dict[str, str] = {}
    for mapping in read_mappings(mapping_files(), ns).values():
        for name, columns in mapping.columns.items():
            for column in columns:
                if column.property:
                    result.setdefault(column.property, name)
    return result


def validate(data: Queryable, config: Config) -> ValidationReport:
    """Validate the union of all graphs of `data` (a store or an open transaction) against the shapes."""
    ns = config.ns
    triples = data.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    graph = Graph()
    graph.parse(data=triples.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = Graph().parse(data=ns.rebase(shapes_file().read_text(encoding="utf-8")), format="turtle")
    conforms, report_graph, _ = shacl_validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    columns = _columns_by_property(ns)
    graph_prefix = str(ns.graph)
    violations = []
    for result in report_graph.subjects(SH.resultSeverity, None):
        focus = report_graph.value(result, SH.focusNode)
        path = report_graph.value(result, SH.resultPath)
        severity = str(report_graph.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = str(report_graph.value(result, SH.resultMessage) or "does not conform")
        value = report_graph.value(result, SH.value)
        if value is not None and str(value) not in message:
            message += f" (value: {value})"
        label = graph.value(focus, DCTERMS.identifier) or graph.value(focus, RDFS.label) or focus
        source = ""
        if isinstance(focus, URIRef):
            rows = data.query(
                "SELECT ?g ?s WHERE { GRAPH ?g { ?s a ?t } } LIMIT 1", substitutions={"s": ox.NamedNode(str(focus))}
            )
            for row in rows:
                source = row["g"].value.removeprefix(graph_prefix)
        field = ""
        if isinstance(path, URIRef):
            field = columns.get(str(path), str(path))
        violations.append(Violation(severity, str(focus), str(label), source, field, message))
    violations.sort(key=lambda v: (v.severity != "Violation", v.source_file, v.label, v.field))
    return ValidationReport(bool(conforms), violations, report_graph, len(graph))
