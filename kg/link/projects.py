"""Record linkage of programmes and projects: one programme or project named by several sources is one.

Programmes: two programmes are one when a name of one is a name of the other once the period and the
punctuation are taken out ("2007 - 2013 Interreg IVC", "INTERREG IVC"); the reference table of EU programmes
(data/reference/eu_programmes.csv) gives each programme its other names, so keep.eu's spelling meets the
bundled one through it. Projects: two projects with one acronym are one when their programmes are one
programme, or (acronyms repeat across programmes) when they have at least two partners in common. A cluster
is named by its member with an identifier of its own source (the bundled or the Commission's record), else
by its shortest IRI; like organisations, every member points to it with coop:canonical.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from anyascii import anyascii
from networkx.utils import UnionFind

from kg.namespaces import Namespaces
from kg.rdf import iri
from kg.store.rows import select_tuples

__all__ = ["ClusterLink", "ProjectLinkage", "link_projects", "programme_key", "acronym_key", "MIN_SHARED_PARTNERS"]

#: Partners in common that make two projects with one acronym in different programmes one project.
MIN_SHARED_PARTNERS = 2

_PROGRAMMES = """SELECT ?p ?name ?id ?period WHERE {
  ?p a coop:Programme .
  { ?p rdfs:label ?name } UNION { ?p skos:altLabel ?name }
  OPTIONAL { ?p dcterms:identifier ?id }
  OPTIONAL { ?p dcterms:temporal ?period }
}"""
_PROJECTS = """SELECT ?p ?acronym ?programme ?id WHERE {
  ?p a coop:Project ; coop:acronym ?acronym .
  OPTIONAL { ?p coop:programme ?programme }
  OPTIONAL { ?p dcterms:identifier ?id }
}"""
_PARTNERS = """SELECT ?p ?o WHERE {
  VALUES ?p { {iris} }
  ?o org:memberOf ?p .
}"""


@dataclass(frozen=True)
class ClusterLink:
    """Two IRIs found to name one programme or project, by which rule and on what evidence."""

    left: str
    right: str
    method: str
    evidence: str


@dataclass
class ProjectLinkage:
    """What programme and project linkage decided: the links, each member's canonical IRI, and the pairs
    with one acronym left apart (their programmes differ and they share too few partners)."""

    links: list[ClusterLink] = field(default_factory=list)
    canonical: dict[str, str] = field(default_factory=dict)
    apart: list[ClusterLink] = field(default_factory=list)
    programmes: int = 0
    projects: int = 0

    def summary(self) -> list[str]:
        kinds = defaultdict(int)
        for link in self.links:
            kinds[link.method] += 1
        lines = [
            f"record linkage: {self.programmes} programmes and {self.projects} projects; {len(self.links)} "
            f"linked as one ({', '.join(f'{n} by {m}' for m, n in sorted(kinds.items())) or 'none'})"
        ]
        if self.apart:
            lines.append(f"{len(self.apart)} pair(s) of projects with one acronym left apart (another programme):")
            lines += [f"  {link.evidence}" for link in self.apart[:10]]
        return lines


_PERIOD = re.compile(r"\b((?:19|20)\d\d)\s*-\s*((?:19|20)\d\d)\b")


def programme_key(name: str) -> str:
    """A programme's name without its period ("2007 - 2013"), case, accents and punctuation: what two
    spellings share ("Horizon 2020" keeps its year: it is a name, not a period)."""
    text = _PERIOD.sub(" ", anyascii(name).casefold())
    return " ".join(re.findall(r"[a-z0-9]+", text))


def periods(text: str) -> set[str]:
    """The programming periods a name or a dcterms:temporal value gives ("2007-2013", "2007–2013": read
    after the same transliteration as programme_key, so a period it takes out is always found here)."""
    return {f"{a}-{b}" for a, b in _PERIOD.findall(anyascii(text))}


def acronym_key(acronym: str) -> str:
    """An acronym without case, accents and punctuation ("REGIO-CRAFTS", "Regio Crafts")."""
    return "".join(re.findall(r"[a-z0-9]+", anyascii(acronym).casefold()))


def _overlap(left: set[str], right: set[str]) -> bool:
    """Whether two sets of periods ("2007-2013") share a year; a programme with no period fits any."""
    if not left or not right:
        return True
    years = [tuple(int(y) for y in p.split("-")) for p in (*left, *right)]
    first = years[: len(left)]
    return any(a <= d and c <= b for a, b in first for c, d in years[len(left) :])


def _canonical(group: set[str], has_id: set[str]) -> str:
    """The member with an identifier of its own source, else the shortest IRI (the project's own scheme)."""
    return min(group, key=lambda m: (m not in has_id, len(m), m))


def link_projects(reader, ns: Namespaces, organisations: dict[str, str]) -> ProjectLinkage:
    """Decide which programmes and projects in the store are one (see the module's docstring);
    `organisations` maps each linked organisation to its canonical IRI, to count partners in common."""
    prefixes = ns.sparql_prefixes()
    result = ProjectLinkage()
    names: dict[str, set[str]] = defaultdict(set)
    spans: dict[str, set[str]] = defaultdict(set)  # cluster root -> its programming periods
    has_id: set[str] = set()
    for programme, name, identifier, period in select_tuples(reader, prefixes + _PROGRAMMES):
        names[programme].add(name)
        spans[programme] |= periods(name) | periods(period)
        if identifier:
            has_id.add(programme)
    result.programmes = len(names)
    union = UnionFind()
    by_key: dict[str, list[str]] = defaultdict(list)
    for programme in sorted(names):
        union[programme]
        for name in sorted(names[programme]):
            if key := programme_key(name):
                by_key[key].append(programme)
    for key, found in sorted(by_key.items()):
        for i, other in enumerate(found):
            for earlier in found[:i]:  # every pair: two 2014-2020 records meet even if a 2007-2013 one came first
                a, b = union[earlier], union[other]
                if a == b or not _overlap(spans[a], spans[b]):
                    continue  # one cluster already, or the same name in two programming periods
                union.union(a, b)
                spans[union[a]] = spans[a] | spans[b]
                evidence = f"one name '{key}', period {', '.join(sorted(spans[union[a]])) or 'not stated'}"
                result.links.append(ClusterLink(earlier, other, "programme name", evidence))
    programme_of = {}
    for group in union.to_sets():
        chosen = _canonical(group, has_id)
        programme_of.update(dict.fromkeys(group, chosen))
        if len(group) > 1:
            result.canonical.update(dict.fromkeys(group, chosen))

    acronyms: dict[str, str] = {}
    programmes: dict[str, set[str]] = defaultdict(set)
    for project, acronym, programme, identifier in select_tuples(reader, prefixes + _PROJECTS):
        acronyms.setdefault(project, acronym)
        if programme:
            programmes[project].add(programme_of.get(programme, programme))
        if identifier:
            has_id.add(project)
    result.projects = len(acronyms)
    groups: dict[str, list[str]] = defaultdict(list)
    for project, acronym in sorted(acronyms.items()):
        if key := acronym_key(acronym):
            groups[key].append(project)
    shared = [p for members in groups.values() if len(members) > 1 for p in members]
    partners = _partners(reader, prefixes, shared, organisations)
    union = UnionFind()
    for _key, members in sorted(groups.items()):
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if union[a] == union[b]:
                    continue
                common = partners.get(a, set()) & partners.get(b, set())
                label = f"acronym {acronyms[a]}"
                if programmes[a] & programmes[b]:
                    method, evidence = "acronym and programme", f"{label}, one programme"
                elif len(common) >= MIN_SHARED_PARTNERS:
                    method, evidence = "acronym and partners", f"{label}, {len(common)} partners in common"
                else:
                    result.apart.append(
                        ClusterLink(a, b, "apart", f"{label}: other programme, {len(common)} partner(s) in common")
                    )
                    continue
                if common and method == "acronym and programme":
                    evidence += f", {len(common)} partners in common"
                union.union(a, b)
                result.links.append(ClusterLink(a, b, method, evidence))
    for group in union.to_sets():
        if len(group) > 1:
            result.canonical.update(dict.fromkeys(group, _canonical(group, has_id)))
    return result


def _partners(reader, prefixes: str, projects: list[str], organisations: dict[str, str]) -> dict[str, set[str]]:
    """The partners of `projects`, each as its linked organisation's canonical IRI."""
    found: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(projects), 500):
        iris = " ".join(iri(p) for p in projects[start : start + 500])
        for project, organisation in select_tuples(reader, prefixes + _PARTNERS.replace("{iris}", iris)):
            found[project].add(organisations.get(organisation, organisation))
    return found
