"""How a collaboration network changed, year by year, and which records could not be placed in time.

A project runs from its start year to its end year (from `schema:startDate`/`endDate`, or
`coop:startYear`/`endYear` where a source gives only years); one with no end counts in its start year only,
and one with no dates is listed, not counted (but for a column of its own, marked as an approximation: the
projects with no dates counted over their programme's period, from the reference table of EU programmes).
The network of a year is `build_network`'s with ``year=``: the links of the projects running then and of the
events held then (transfers carry no date).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.network.build import _PREFIXES, _aggregate, _organisation_network, _organisation_rows, _Scope, _year
from kg.network.metrics import summary
from kg.network.select import Project, read_projects
from kg.store import Store

__all__ = ["COUNTED", "Timeline", "network_timeline"]

#: What each column of a timeline counts, in the order `kg network timeline` prints them.
COUNTED = {
    "projects": "projects running that year, from their start to their end year (a project with no end "
    "counts in its start year only)",
    "linked": "organisations (or places, for city and country networks) with at least one link that year: "
    "a project running that they share, or an event they both hosted that year; transfers carry no date",
    "edges": "pairs of them linked that year",
    "density": "edges / possible pairs among the linked",
    "components": "groups of the linked that reach each other",
    "communities": "Louvain communities (seed 42)",
    "by programme": "projects with no dates of their own, counted over their programme's period (an "
    "approximation, marked as such: a programme runs longer than most of its projects); not in the networks",
}


@dataclass
class Timeline:
    """One row a year (`year` and COUNTED's columns), and what was left out for want of dates."""

    rows: list[dict]
    projects: int
    undated: list[Project] = field(default_factory=list)
    undated_events: int = 0
    #: projects with no dates, placed (in the "by programme" column only) by their programme's period
    approximated: list[Project] = field(default_factory=list)


def network_timeline(store: Store, ns: Namespaces, kind: str = "org") -> Timeline:
    """The timeline of the `kind` network (org, city or country) from the first dated year to the last.

    The store is read once; each year's network is then built from the same rows as `build_network` builds
    it. Raises KGError when nothing in the store has a date.
    """
    if kind not in ("org", "city", "country"):
        raise KGError(f"a timeline is drawn for org, city and country networks, not '{kind}'")
    projects = read_projects(store, ns)
    data = _organisation_rows(store, _PREFIXES.format(coop=ns.coop))
    event_days: dict[str, set[int]] = {}
    for event, _, _, day in data["event"]:
        found = _year(day)
        event_days.setdefault(event, set()).update({found} if found is not None else set())
    years = {y for p in projects.values() if p.years for y in p.years}
    years |= {y for days in event_days.values() for y in days}
    if not years:
        raise KGError("no dated projects or events: there is no timeline to draw")
    # undated projects, each with its programme's period (computed once)
    approximated = [(p, span) for p in projects.values() if (span := p.programme_years) is not None]
    rows = []
    for year in range(min(years), max(years) + 1):
        running = frozenset(iri for iri, p in projects.items() if p.runs_in(year))
        graph = _organisation_network(data, _Scope(None, year, running))
        if kind != "org":
            graph = _aggregate(graph, kind, kind)
        graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
        facts = summary(graph)
        rows.append(
            {
                "year": year,
                "projects": len(running),
                "by programme": sum(1 for _, (first, last) in approximated if first <= year <= last),
                "linked": facts["nodes"],
                "edges": facts["edges"],
                "density": facts["density"],
                "components": facts["components"],
                "communities": facts["communities"],
            }
        )
    undated = sorted((p for p in projects.values() if p.years is None), key=lambda p: (p.name.lower(), p.iri))
    placed = sorted((p for p, _ in approximated), key=lambda p: (p.name.lower(), p.iri))
    return Timeline(rows, len(projects), undated, sum(1 for days in event_days.values() if not days), placed)
