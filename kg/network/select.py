"""Which projects make a network: by programme, project, source (the folder the data was loaded from) and year.

The store's projects are read once (`read_projects`) with their identifiers, programmes, the named graphs
that state them and the years they ran; the filters given by a user are matched against them in Python, so
that no value a user typed is ever written into a query.

Examples
--------
>>> a = Project("https://example.org/id/project/a", acronym="A", identifier="a", first=2012, last=2014)
>>> b = Project("https://example.org/id/project/b", acronym="B", identifier="b")
>>> sorted(p.acronym for p in [a, b] if p.runs_in(2013))
['A']
>>> a.years, b.years
((2012, 2014), None)
>>> Selection(year=2013).narrows, Selection(projects=("A",)).narrows
(False, True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.store import Store
from kg.store.rows import select_tuples

__all__ = ["PLAUSIBLE_YEARS", "Programme", "Project", "Selection", "read_projects", "select_projects", "source_name"]

#: Every project, the graph that states it, and its names; a row per combination (folded in Python).
_PROJECTS = """
SELECT ?p ?g ?id ?acronym ?label WHERE {
  GRAPH ?g {
    ?p a coop:Project
    OPTIONAL { ?p dcterms:identifier ?id }
    OPTIONAL { ?p coop:acronym ?acronym }
    OPTIONAL { ?p rdfs:label ?label }
  }
}"""

_PROGRAMMES = """
SELECT ?p ?programme ?id ?label ?g ?start ?end ?period WHERE {
  ?p a coop:Project ; coop:programme ?programme .
  OPTIONAL { ?programme dcterms:identifier ?id }
  OPTIONAL { GRAPH ?g { ?programme rdfs:label ?label } }
  OPTIONAL { ?programme schema:startDate ?start }
  OPTIONAL { ?programme schema:endDate ?end }
  OPTIONAL { ?programme dcterms:temporal ?period }
}"""

#: Days (schema:startDate/endDate) or, where a source gives only years, coop:startYear/endYear.
_DATES = """
SELECT ?p ?start ?end ?startYear ?endYear WHERE {
  ?p a coop:Project .
  OPTIONAL { ?p schema:startDate ?start }
  OPTIONAL { ?p schema:endDate ?end }
  OPTIONAL { ?p coop:startYear ?startYear }
  OPTIONAL { ?p coop:endYear ?endYear }
}"""

_YEAR = re.compile(r"^(\d{4})")


#: The years a cooperation project can run in; a year outside (0201 for 2021) is a typing error, and taken as
#: one it would stretch every timeline and year list over centuries. Such a project is one with no dates.
PLAUSIBLE_YEARS = range(1950, 2101)


_PERIOD = re.compile(r"^\s*(\d{4})\s*[-\u2013]\s*(\d{4})\s*$")


def _period(start: str, end: str, period: str) -> tuple[int, int] | None:
    """A programme's first and last year, from its dates or else from a "2007-2013" period."""
    first, last = _year(start), _year(end)
    if first is not None and last is not None and first <= last:
        return first, last
    found = _PERIOD.match(period)
    if found and (a := _year(found.group(1))) is not None and (b := _year(found.group(2))) is not None and a <= b:
        return a, b
    return None


def _year(text: str) -> int | None:
    """The year of an xsd:date, xsd:dateTime or xsd:gYear lexical form (None when there is none, or when it
    is not a plausible year of a project)."""
    found = _YEAR.match(text)
    year = int(found.group(1)) if found else None
    return year if year in PLAUSIBLE_YEARS else None


@dataclass
class Programme:
    iri: str
    identifier: str = ""
    label: str = ""
    #: the programming period's first and last year (the reference table's dates, or a "2007-2013" period)
    period: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return self.label or self.identifier or self.iri


@dataclass
class Project:
    """A project as the filters see it. `first` and `last` are the years it ran (`last` is `first` when the
    data gives no end); both are None when it has no dates."""

    iri: str
    acronym: str = ""
    identifier: str = ""
    label: str = ""
    programmes: list[Programme] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)
    first: int | None = None
    last: int | None = None

    @property
    def name(self) -> str:
        return self.acronym or self.label or self.identifier or self.iri

    @property
    def years(self) -> tuple[int, int] | None:
        return None if self.first is None else (self.first, self.last if self.last is not None else self.first)

    def runs_in(self, year: int) -> bool:
        return self.years is not None and self.years[0] <= year <= self.years[1]

    @property
    def programme_years(self) -> tuple[int, int] | None:
        """For a project with no dates, its programme's period: an approximation (a programme runs longer
        than most of its projects), for counts that say so; None when it has dates or no programme period."""
        spans = [p.period for p in self.programmes if p.period]
        if self.years is not None or not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)


@dataclass(frozen=True)
class Selection:
    """The filters of a network. Programme, projects and source choose the projects whose organisations and
    links make it (`narrows`); the year keeps the links of that year (projects running, events held) among
    the same organisations, so that the networks of several years can be compared."""

    programme: str | None = None
    projects: tuple[str, ...] = ()
    source: str | None = None
    year: int | None = None

    @property
    def narrows(self) -> bool:
        return bool(self.programme or self.projects or self.source)

    @property
    def empty(self) -> bool:
        return not self.narrows and self.year is None

    def describe(self) -> str:
        """The filters as a reader would write them ("" when there are none)."""
        parts = []
        if self.programme:
            parts.append(f"programme {self.programme}")
        if self.projects:
            parts.append(f"project {', '.join(self.projects)}")
        if self.source:
            parts.append(f"source {self.source}")
        if self.year is not None:
            parts.append(f"year {self.year}")
        return "; ".join(parts)


def read_projects(store: Store, ns: Namespaces) -> dict[str, Project]:
    """Every project of the store by IRI, with its names, programmes, source graphs and years."""
    prefixes = ns.sparql_prefixes()
    projects: dict[str, Project] = {}
    for iri, graph, identifier, acronym, label in select_tuples(store, prefixes + _PROJECTS):
        project = projects.setdefault(iri, Project(iri))
        if graph.startswith(ns.merged_graphs):  # the merged view restates a member's facts: not a source
            continue
        project.graphs.add(graph)
        project.identifier = project.identifier or identifier
        project.acronym = project.acronym or acronym
        project.label = project.label or label
    for iri, programme, identifier, label, graph, start, end, period in select_tuples(store, prefixes + _PROGRAMMES):
        if (project := projects.get(iri)) is None:
            continue
        if graph.startswith(ns.merged_graphs):
            label = ""  # a member's name, restated: the programme's own name comes from its own graph
        years = _period(start, end, period)
        known = next((p for p in project.programmes if p.iri == programme), None)
        if known is None:
            project.programmes.append(Programme(programme, identifier, label, years))
        else:
            known.identifier, known.label = known.identifier or identifier, known.label or label
            known.period = known.period or years
    for iri, start, end, start_year, end_year in select_tuples(store, prefixes + _DATES):
        if (project := projects.get(iri)) is None:
            continue
        firsts = [y for y in (_year(start), _year(start_year), project.first) if y is not None]
        lasts = [y for y in (_year(end), _year(end_year), project.last) if y is not None]
        project.first = min(firsts, default=None)
        project.last = max(lasts, default=None)
    _fold_members(store, prefixes, projects)
    for project in projects.values():
        if project.first is None:
            project.last = None  # an end without a start: the project cannot be placed
        elif project.last is None or project.last < project.first:
            project.last = project.first
    return projects


_MEMBERS = "SELECT ?m ?c WHERE { ?m coop:mergedInto ?c }"


def _fold_members(store: Store, prefixes: str, projects: dict[str, Project]) -> None:
    """A project or programme that record linkage found under several IRIs is one: each member's sources,
    names, programmes and years go to its canonical project, and the member leaves the list."""
    canonical = dict(select_tuples(store, prefixes + _MEMBERS))
    for project in projects.values():
        programmes: dict[str, Programme] = {}
        for programme in project.programmes:
            iri = canonical.get(programme.iri, programme.iri)
            known = programmes.setdefault(iri, Programme(iri))
            known.identifier = known.identifier or programme.identifier
            known.label = known.label or programme.label
            known.period = known.period or programme.period
        project.programmes = list(programmes.values())
    for member in [iri for iri in projects if iri in canonical and canonical[iri] in projects]:
        folded, into = projects.pop(member), projects[canonical[member]]
        into.graphs |= folded.graphs
        into.identifier, into.acronym = into.identifier or folded.identifier, into.acronym or folded.acronym
        into.label = into.label or folded.label
        into.programmes += [p for p in folded.programmes if p.iri not in {q.iri for q in into.programmes}]
        into.first = min((y for y in (into.first, folded.first) if y is not None), default=None)
        into.last = max((y for y in (into.last, folded.last) if y is not None), default=None)


def source_name(graph: str, ns: Namespaces) -> str:
    """The source of a named graph as a user types it: the folder its file was loaded from (the first path
    segment under `<base>graph/`), or the graph's IRI when it is not one of the loader's."""
    if graph.startswith(str(ns.graph)):
        return graph.removeprefix(str(ns.graph)).split("/", 1)[0]
    return graph


def _matches_source(graph: str, source: str, ns: Namespaces) -> bool:
    """A source is a folder name (or a folder/file path) under `<base>graph/`, or an IRI prefix of graphs;
    it matches whole path segments only, case-insensitively ("innocraft" is not "innocrafts")."""
    graph, source, base = graph.lower(), source.lower().rstrip("/"), str(ns.graph).lower()
    if not source or (base + "/").startswith(source + "/"):
        return False  # no source, or one all the loader's graphs share: not a choice of one
    if "://" in source and not urlsplit(source).netloc:
        return False  # a scheme alone ("https://") is every graph's prefix, not a source
    for prefix in (source, base + source):
        if graph == prefix or graph.startswith(prefix + "/"):
            return True
    return False


def _examples(names: Iterable[str], limit: int = 20) -> str:
    names = sorted(set(names), key=str.lower)
    shown = ", ".join(names[:limit])
    return shown + (f" ... ({len(names) - limit} more)" if len(names) > limit else "")


def select_projects(projects: dict[str, Project], ns: Namespaces, selection: Selection) -> set[str] | None:
    """The IRIs of the projects `selection`'s programme, projects and source choose (None when it names
    none of them: every project). Its year is left to the caller (it keeps links, not organisations).

    - programme: its identifier or IRI, or its label or a part of it (case-insensitive): "Interreg IVC"
      finds "INTERREG IVC", "Interreg" finds every Interreg programme;
    - projects: each an acronym, identifier or IRI (case-insensitive); a project of several sources under
      one acronym is taken from each;
    - source: the folder the data was loaded from (e.g. innocrafts, urbact), a folder/file path under it,
      or an IRI prefix of named graphs; a project counts when a graph of that source states it.

    Raises KGError, naming what exists, when a filter matches nothing or the filters together leave no project.
    """
    if not selection.narrows:
        return None
    chosen = set(projects)
    if selection.programme:
        wanted = selection.programme.strip().lower()

        def exact(p: Programme) -> bool:
            return wanted in (p.iri.lower(), p.identifier.lower(), p.label.lower())

        def partial(p: Programme) -> bool:
            return bool(p.label) and wanted in p.label.lower()

        programmes = {p.iri: p for project in projects.values() for p in project.programmes}
        found = {iri for iri, p in programmes.items() if exact(p)} or {
            iri for iri, p in programmes.items() if partial(p)
        }
        if not found:
            raise KGError(
                f"no programme has the id, IRI or label '{selection.programme}' "
                f"(known: {_examples(p.name for p in programmes.values()) or 'none'})"
            )
        chosen &= {iri for iri, project in projects.items() if any(p.iri in found for p in project.programmes)}
    if selection.projects:
        named: set[str] = set()
        for text in selection.projects:
            wanted = text.strip().lower()
            found = {
                iri for iri, p in projects.items() if wanted in (p.iri.lower(), p.identifier.lower(), p.acronym.lower())
            }
            if not found:
                raise KGError(
                    f"no project has the acronym, id or IRI '{text}' "
                    f"(known: {_examples(p.name for p in projects.values()) or 'none'})"
                )
            named |= found
        chosen &= named
    if selection.source:
        found = {iri for iri, p in projects.items() if any(_matches_source(g, selection.source, ns) for g in p.graphs)}
        if not found:
            sources = {source_name(g, ns) for p in projects.values() for g in p.graphs}
            sources.discard(source_name(ns.inferred_graph, ns))
            raise KGError(
                f"no project comes from the source '{selection.source}' "
                f"(sources of projects: {_examples(sources) or 'none'}; a folder name or an IRI prefix of graphs)"
            )
        chosen &= found
    if not chosen:
        raise KGError(f"no project matches all of: {selection.describe()}")
    return chosen
