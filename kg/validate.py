"""SHACL validation with pyshacl: a report a person can read, and the machine-readable SHACL report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.config import Config
from kg.errors import ValidationFailed
from kg.namespaces import SH
from kg.resources import shapes_file

__all__ = ["Violation", "ValidationReport", "validate", "summarise", "FULL_CHECK_LIMIT"]

#: Classes with at most this many entities are always checked whole; larger ones on a sample of
#: Config.shacl_sample entities (pyshacl takes about 5 ms a node).
FULL_CHECK_LIMIT = 1000


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
    graph: str = ""  # the named graph it was loaded into
    source_line: int | None = None  # the line of its file that made the entity, when known
    rule: str = ""  # the shape's message without the value, the same for every entity that breaks it
    fix: str = ""  # how to fix it (the shape's sh:description), when the shape says
    value: str = ""  # the value at fault, when it is not the entity itself

    def line(self) -> str:
        at = f", line {self.source_line}" if self.source_line else ""
        where = f"{self.source_file}{at}: " if self.source_file else ""
        field = f", field '{self.field}'" if self.field else ""
        return f"{self.severity}: {where}{self.label} <{self.entity}>{field}: {self.message}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)  # the SHACL validation report as RDF
    triples_checked: int = 0
    sampled: dict[str, tuple[int, int]] = field(default_factory=dict)  # class -> (checked, all)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "Violation"]

    def headline(self) -> str:
        state = "conforms" if self.conforms else f"does NOT conform: {len(self.errors)} violation(s)"
        line = f"SHACL: the data {state}; {len(self.warnings)} warning(s); {self.triples_checked} triples checked"
        if self.sampled:
            parts = ", ".join(
                f"{c.rsplit('#', 1)[-1].rsplit('/', 1)[-1]} {k} of {n}" for c, (k, n) in self.sampled.items()
            )
            line += f" (a sample of the largest classes: {parts}; the loader checked every row)"
        return line

    def text(self, *, warnings: bool = True) -> str:
        shown = self.violations if warnings else self.errors
        return "\n".join([self.headline(), *(v.line() for v in shown)])

    def blocking(self, graphs: set[str]) -> list[Violation]:
        """The violations of entities in `graphs` (what a load wrote); others were in the store before."""
        return [v for v in self.errors if v.graph in graphs or not v.graph]

    def raise_failure(self, errors: list[Violation] | None = None) -> None:
        errors = self.errors if errors is None else errors
        older = len(self.errors) - len(errors)
        note = f"\n({older} other violation(s) were in the store before and are not from these files)" if older else ""
        raise ValidationFailed("\n".join(v.line() for v in errors) + note, len(errors), errors)


def summarise(violations: list[Violation], *, examples: int = 3) -> str:
    """The violations grouped by rule (the field and the shape's message), most frequent first: the count,
    the rule, how to fix it, then a few examples; one block a rule however many entities break it."""
    groups: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        groups.setdefault((v.field, v.rule or v.message), []).append(v)
    lines = [f"{len(violations)} SHACL violation(s) of {len(groups)} rule(s); nothing was written."]
    for (column, rule), found in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"{len(found)} x {f'field {column!r}: ' if column else ''}{rule}")
        lines.append(f"  how to fix: {found[0].fix or _generic_fix(column)}")
        for v in found[:examples]:
            at = f", line {v.source_line}" if v.source_line else ""
            where = f"{v.source_file}{at}: " if v.source_file else ""
            lines.append(f"  e.g. {where}{v.label} <{v.entity}>" + (f" (value: {v.value})" if v.value else ""))
        if len(found) > examples:
            lines.append(f"  ... and {len(found) - examples} more")
    return "\n".join(lines)


def _generic_fix(field: str) -> str:
    """The fix of a rule whose shape gives none: where the value comes from."""
    if field:
        return f"correct the values of '{field}' in the file, or that column's spec in the mapping"
    return "give the entities what the rule asks for, through a column of the mapping or its `fixed` key"


def _stated(var: str, derived: tuple[str, ...]) -> str:
    """A filter on a graph variable: not a derived graph (the inferred graph, the merged view's graphs). By
    name, not by prefix: a remote store's transaction renames the graphs it writes in the query's text."""
    return f"{var} NOT IN ({', '.join(f'<{graph}>' for graph in derived)})"


_MERGED_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?h { ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?source } }"


def derived_graphs(data: Queryable, ns) -> tuple[str, ...]:
    """The graphs made from the others, which validation leaves out: the inferred graph and the merged view's
    (each of which names itself and its source; Virtuoso lists no graphs for an empty GRAPH ?g {} pattern)."""
    graphs = {row["g"].value for row in data.query(_MERGED_GRAPHS)} | {ns.merged_graphs + "members"}
    return (ns.inferred_graph, *sorted(g for g in graphs if g.startswith(ns.merged_graphs)))


def _data_graph(
    data: Queryable, sample: int, inferred: tuple[str, ...], graphs: set[str] | None = None
) -> tuple[Graph, dict[str, tuple[int, int]], set[URIRef] | None]:
    """The triples SHACL needs, as an rdflib Graph: per class, its instances (the first `sample` of them when
    there are more than FULL_CHECK_LIMIT and `sample`; 0 means all) with their triples, and the classes and
    schemes of what they point to.

    Returns the graph; per sampled class, (instances checked, instances in all); and the nodes checked, or
    None when all are. Other nodes are in the graph only for their types. With `graphs`, only the entities
    typed in those named graphs are checked (what a load wrote), with all their triples. The `inferred`
    graph is left out: the shapes speak of the data's own classes, and pyshacl follows rdfs:subClassOf.
    """
    if graphs is not None:
        return _graphs_data(data, sample, inferred, graphs)
    stated = f"GRAPH ?g {{ ?s a ?c }} FILTER(isIRI(?c) && {_stated('?g', inferred)})"
    counts = {
        row["c"].value: int(row["n"].value)
        for row in data.query(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {stated} }} GROUP BY ?c")
    }
    graph = Graph()
    threshold = max(FULL_CHECK_LIMIT, sample)
    if not sample or all(n <= threshold for n in counts.values()):
        triples = data.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({_stated('?g', inferred)}) }}"
        )
        graph.parse(data=triples.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")
        return graph, {}, None
    sampled: dict[str, tuple[int, int]] = {}
    focus: set[URIRef] = set()
    _add(graph, data, _HIERARCHY)
    for cls, n in sorted(counts.items()):
        limit = f"LIMIT {sample}" if n > threshold else ""
        if limit:
            sampled[cls] = (sample, n)
        subjects = (
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a <{cls}> }} FILTER({_stated('?g', inferred)}) }} {limit}"
        )
        focus.update(URIRef(row["s"].value) for row in data.query(subjects))
        _add(graph, data, _entities(f"{{ {subjects} }}", inferred))
    return graph, sampled, focus


def _graphs_data(
    data: Queryable, sample: int, inferred: tuple[str, ...], graphs: set[str]
) -> tuple[Graph, dict[str, tuple[int, int]], set[URIRef]]:
    """As _data_graph, for the entities typed in `graphs` only. Each graph is asked for by name (the most
    portable form: a SPARQL server's transaction shows its staged graphs under their names)."""
    by_class: dict[str, set[str]] = {}
    for name in sorted(graphs):
        typed = f"GRAPH <{name}> {{ ?s a ?c }} FILTER(isIRI(?s) && isIRI(?c))"
        rows = data.query(f"SELECT DISTINCT ?s ?c WHERE {{ {typed} }}")
        for row in rows:
            by_class.setdefault(row["c"].value, set()).add(row["s"].value)
    graph = Graph()
    _add(graph, data, _HIERARCHY)
    threshold = max(FULL_CHECK_LIMIT, sample)
    sampled: dict[str, tuple[int, int]] = {}
    focus: set[URIRef] = set()
    for cls, members in sorted(by_class.items()):
        chosen = sorted(members)
        if sample and len(chosen) > threshold:
            sampled[cls] = (sample, len(chosen))
            chosen = chosen[:sample]
        focus.update(URIRef(s) for s in chosen)
        for start in range(0, len(chosen), 500):
            values = " ".join(f"<{s}>" for s in chosen[start : start + 500])
            _add(graph, data, _entities(f"VALUES ?s {{ {values} }}", inferred))
    return graph, sampled, focus


#: The class hierarchy (sh:class looks up a value's classes through it).
_HIERARCHY = f"CONSTRUCT {{ ?a <{RDFS.subClassOf}> ?b }} WHERE {{ ?a <{RDFS.subClassOf}> ?b }}"


def _entities(subjects: str, inferred: tuple[str, ...]) -> str:
    """A CONSTRUCT of the entities that `subjects` picks, with the classes and schemes of what they point to
    (all as the data states them, not the `inferred` graph)."""
    scheme = f"<{SKOS.inScheme}>"
    return (
        f"CONSTRUCT {{ ?s ?p ?o . ?o a ?t . ?o {scheme} ?scheme }} WHERE {{ {subjects} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER({_stated('?g', inferred)}) "
        f"OPTIONAL {{ GRAPH ?h {{ ?o a ?t }} FILTER({_stated('?h', inferred)}) }} OPTIONAL {{ ?o {scheme} ?scheme }} }}"
    )


def _add(graph: Graph, data: Queryable, construct: str) -> None:
    """Run a CONSTRUCT query and put its triples into the rdflib graph."""
    graph.parse(data=data.query(construct).serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")


def _target_only(shapes: Graph, data: Graph, checked: set[URIRef]) -> None:
    """Point each class-targeted shape at the sampled nodes of that class only (sh:targetNode), so that the
    nodes in the data graph only for their types (the objects of sampled nodes) are not validated."""
    for shape, cls in list(shapes.subject_objects(SH.targetClass)):
        shapes.remove((shape, SH.targetClass, cls))
        for node in data.subjects(RDF.type, cls):
            if node in checked:
                shapes.add((shape, SH.targetNode, node))


def validate(
    data: Queryable,
    config: Config,
    *,
    fields: Mapping[str, str] | None = None,
    lines: Mapping[str, int] | None = None,
    graph_fields: Mapping[str, Mapping[str, str]] | None = None,
    graphs: set[str] | None = None,
) -> ValidationReport:
    """Validate the union of all graphs of `data` (a store or an open transaction) against the shapes.

    `fields` names a property as the files name it (property IRI -> column); other properties by IRI.
    `lines` gives the line of its file that made an entity (entity IRI -> line), for the messages, and
    `graph_fields` the column names of each graph's own file (graph IRI -> property IRI -> column).
    `graphs`: check only the entities of these named graphs (a load's), not the whole store."""
    ns = config.ns
    derived = derived_graphs(data, ns)
    graph, sampled, checked = _data_graph(data, config.shacl_sample, derived, graphs)
    shapes = Graph().parse(data=ns.rebase(shapes_file().read_text(encoding="utf-8")), format="turtle")
    if checked is not None:  # (pyshacl's focus_nodes drops the results of sh:node checks on other nodes)
        _target_only(shapes, graph, checked)
    _, report_graph, _ = shacl_validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    columns = fields or {}
    graph_prefix = str(ns.graph)
    violations = []
    nested = set(report_graph.objects(None, SH.detail))
    for result in report_graph.subjects(SH.resultSeverity, None):
        if result in nested:  # the inner result of an sh:node check: its message joins the outer one below
            continue
        focus = report_graph.value(result, SH.focusNode)
        path = report_graph.value(result, SH.resultPath)
        severity = str(report_graph.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = str(report_graph.value(result, SH.resultMessage) or "does not conform")
        details = [
            str(m) for d in report_graph.objects(result, SH.detail) for m in report_graph.objects(d, SH.resultMessage)
        ]
        if details:
            message = "; ".join(sorted(set(details)))
        rule = message
        # pyshacl copies the source shape's triples into the report: its sh:description says how to fix it
        shape = report_graph.value(result, SH.sourceShape)
        fix = ""
        if shape is not None:
            fix = str(report_graph.value(shape, SH.description) or shapes.value(shape, SH.description) or "")
        value = report_graph.value(result, SH.value)
        if value is not None and str(value) not in message and value != focus:
            message += f" (value: {value})"
        label = graph.value(focus, DCTERMS.identifier) or graph.value(focus, RDFS.label) or focus
        source = graph_iri = ""
        if isinstance(focus, URIRef):
            rows = data.query(  # the graph that states its type, not the one that infers more
                f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?s a ?t }} FILTER({_stated('?g', derived)}) }} LIMIT 1",
                substitutions={"s": ox.NamedNode(str(focus))},
            )
            for row in rows:
                graph_iri = row["g"].value
                source = graph_iri.removeprefix(graph_prefix)
        field = ""
        if isinstance(path, URIRef):
            own = (graph_fields or {}).get(graph_iri, {})
            field = own.get(str(path)) or columns.get(str(path), str(path))
        line = (lines or {}).get(str(focus))
        violations.append(
            Violation(
                severity,
                str(focus),
                str(label),
                source,
                field,
                message,
                graph_iri,
                line,
                rule,
                fix,
                "" if value is None or value == focus else str(value),
            )
        )
    violations.sort(key=lambda v: (v.severity != "Violation", v.source_file, v.label, v.field))
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms, violations, report_graph, len(graph), sampled)
