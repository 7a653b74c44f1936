"""Record linkage of organisations: which IRIs name one organisation, decided by rules, by score and by a
person, written as owl:sameAs with the evidence into one named graph rebuilt on every build, load and import.

1. Rules: a real VAT number (never a placeholder) with the same name: the same organisation; the same VAT
   number under different names (one VAT group): only skos:closeMatch. The same normalised name, town and
   country (keep.eu's spellings of one partner): the same. (One CORDIS PIC is one IRI already.)
   Organisations typed as a municipality, in one city, whose names name that city (Comune di Firenze,
   Municipality of Florence: the city's GeoNames names): the same (a district's own municipality, such as
   Újbuda's in Budapest, names a district, not the city, and stays apart).
2. Score: candidate pairs from blocking are scored (kg.link.score); pairs at or above the link threshold
   are linked, pairs between the review threshold and it go to the review file.
3. A person: the review file's accepted pairs are linked, its rejected pairs never are.

Linked organisations form clusters; each cluster is one organisation, named by one canonical IRI (an
organisation with an id of its source first), which every member points to with coop:canonical.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from networkx.utils import UnionFind
from rdflib.namespace import OWL, RDF, SKOS, XSD

from kg.config import Config
from kg.link.merged import clear_merged, rebuild_merged
from kg.link.names import name_key, town_key, words
from kg.link.projects import ProjectLinkage, link_projects
from kg.link.records import Record, add_projects, read_records
from kg.link.review import Decisions, read_decisions
from kg.link.score import Scorer, candidate_pairs, cannot_link
from kg.namespaces import Namespaces
from kg.places import Gazetteer
from kg.rdf import iri, literal
from kg.store.rows import select_rows

__all__ = [
    "Link",
    "Linkage",
    "link_organisations",
    "relink",
    "stored_links",
    "links_graph",
    "PLACEHOLDER_VAT",
    "link_triples",
]

#: VAT cells that say there is no VAT number (CORDIS writes MISSING and NOTAPPLICABLE).
PLACEHOLDER_VAT = re.compile(r"^(missing|not ?applicable|n/?a|none|null|unknown|-+|0+|x+|\.+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """A pair of organisations (IRIs in order), how alike they are, and why they are (or may be) one."""

    left: str
    right: str
    score: float
    method: str
    evidence: str


@dataclass
class Linkage:
    """What linkage decided: the same (owl:sameAs), the related (skos:closeMatch), the pairs for a person to
    review, those a person rejected, those held back because they would join two ids of one source, and each
    linked organisation's canonical IRI."""

    same: list[Link] = field(default_factory=list)
    close: list[Link] = field(default_factory=list)
    review: list[Link] = field(default_factory=list)
    rejected: list[Link] = field(default_factory=list)
    conflicts: list[Link] = field(default_factory=list)
    canonical: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    records: int = 0
    #: decided pairs of the review file that name an IRI the store no longer has
    stale: list[frozenset[str]] = field(default_factory=list)
    #: the programmes and projects found to be one (kg.link.projects)
    projects: ProjectLinkage = field(default_factory=ProjectLinkage)
    #: facts restated of canonical IRIs in the merged view (kg.link.merged)
    merged: int = 0
    merged_seconds: float = 0.0

    @property
    def every_canonical(self) -> dict[str, str]:
        """Each linked organisation's, project's and programme's canonical IRI."""
        return {**self.projects.canonical, **self.canonical}

    @property
    def clusters(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for member, canonical in sorted(self.canonical.items()):
            grouped[canonical].append(member)
        return dict(grouped)

    def review_rows(self) -> list[dict[str, str]]:
        """The grey-zone pairs as rows of the review file."""
        return [self._row(link) for link in self.review]

    def _row(self, link: Link, decision: str = "") -> dict[str, str]:
        left, right = self.labels.get(link.left, ("", "")), self.labels.get(link.right, ("", ""))
        return {
            "decision": decision,
            "score": f"{link.score:.3f}",
            "left": link.left,
            "left_name": left[0],
            "left_place": left[1],
            "right": link.right,
            "right_name": right[0],
            "right_place": right[1],
            "evidence": link.evidence,
        }

    def summary(self, limit: int = 10) -> list[str]:
        by_method: dict[str, int] = defaultdict(int)
        for link in self.same:
            by_method[link.method] += 1
        lines = [
            f"record linkage: {self.records} organisations; {len(self.same)} linked as one "
            f"({', '.join(f'{n} by {m}' for m, n in sorted(by_method.items())) or 'none'}), "
            f"{len(self.clusters)} cluster(s) of {sum(len(m) for m in self.clusters.values())} IRIs"
        ]
        if self.close:
            lines.append(f"{len(self.close)} pair(s) share a VAT number under different names: skos:closeMatch only")
            lines += [f"  {link.evidence}: {link.left} | {link.right}" for link in self.close[:limit]]
        if self.review:
            lines.append(f"{len(self.review)} pair(s) for a person to review (in the review file):")
            lines += [f"  {r['score']} {r['left_name']} | {r['right_name']}" for r in self.review_rows()[:limit]]
        if self.rejected:
            lines.append(f"{len(self.rejected)} pair(s) rejected in the review file: not linked")
        if self.conflicts:
            lines.append(f"{len(self.conflicts)} pair(s) not linked: they would join two ids of one source")
        if self.stale:
            lines.append(f"{len(self.stale)} decided pair(s) of the review file name an IRI no longer in the store:")
            lines += [f"  {' | '.join(sorted(pair))}" for pair in self.stale[:limit]]
        lines += self.projects.summary()
        if self.merged:
            lines.append(
                f"the merged view: {self.merged} facts of linked records restated of their canonical IRI "
                f"({self.merged_seconds:.1f} s)"
            )
        return lines


def links_graph(ns: Namespaces) -> str:
    """The named graph of the links between organisations (rebuilt with the data)."""
    return f"{ns.graph}links"


def link_organisations(
    reader, ns: Namespaces, decisions: Decisions, *, threshold: float = 0.85, review_threshold: float = 0.6
) -> Linkage:
    """Decide which organisations in the store are one (see the module's docstring)."""
    records = read_records(reader, ns)
    result = Linkage(records=len(records), labels={r.iri: (r.label, r.place) for r in records})
    by_iri = {r.iri: r for r in records}
    found: dict[frozenset[str], Link] = {}

    def offer(link: Link) -> None:
        pair = frozenset((link.left, link.right))
        if pair not in found:
            found[pair] = link

    for link in _vat_links(records):
        if link.method == "VAT group":
            result.close.append(link)
        else:
            offer(link)
    for link in _same_name_and_town(records):
        offer(link)
    for link in _city_municipalities(reader, ns):
        offer(link)
    pairs = list(candidate_pairs(records))
    add_projects(reader, ns, [records[k] for k in sorted({k for pair in pairs for k in pair})])
    scorer = Scorer(records)
    for i, j in pairs:
        a, b = records[i], records[j]
        if frozenset((a.iri, b.iri)) in found:
            continue
        score = scorer.score(a, b)
        if score.value >= review_threshold:
            offer(Link(*_ordered(a.iri, b.iri), score.value, "score", score.evidence))
    result.stale = sorted((p for p in decisions.accepted | decisions.rejected if not p <= by_iri.keys()), key=sorted)
    for pair in decisions.accepted:
        left, right = sorted(pair)
        if left in by_iri and right in by_iri:
            previous = found.get(pair)
            evidence = previous.evidence if previous else "accepted in the review file"
            found[pair] = Link(left, right, previous.score if previous else 1.0, "review", evidence)
    _decide(result, found, decisions, by_iri, threshold)
    return result


def _decide(result: Linkage, found, decisions: Decisions, by_iri: dict[str, Record], threshold: float) -> None:
    """Join the clusters, surest links first; a scored link that would put two ids of one source (two
    CORDIS PICs, two bundled partners) into one cluster is held back."""
    union = UnionFind()
    with_ids: dict[str, set[str]] = {}  # cluster root -> its members that carry an id of their source
    for member, record in by_iri.items():
        union[member]
        with_ids[member] = {member} if record.scheme else set()
    ranked = sorted(found.values(), key=lambda k: (k.method == "score", -k.score, k.left, k.right))
    for link in ranked:
        pair = frozenset((link.left, link.right))
        if pair in decisions.rejected:
            result.rejected.append(link)
            continue
        if link.method == "score" and link.score < threshold:
            result.review.append(link)
            continue
        a, b = union[link.left], union[link.right]
        if a == b:
            result.same.append(link)
            continue
        if link.method == "score" and _clash(with_ids[a], with_ids[b], by_iri):
            result.conflicts.append(link)
            continue
        union.union(a, b)
        merged = with_ids.pop(a) | with_ids.pop(b)
        with_ids[union[a]] = merged
        result.same.append(link)
    for group in union.to_sets():
        if len(group) > 1:
            canonical = min(group, key=lambda m: (not by_iri[m].ids, m))
            result.canonical.update(dict.fromkeys(group, canonical))
    result.review = [r for r in result.review if union[r.left] != union[r.right]]


def _clash(left: set[str], right: set[str], by_iri: dict[str, Record]) -> bool:
    return any(by_iri[x].scheme == by_iri[y].scheme for x in left for y in right)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _vat_links(records: list[Record]) -> list[Link]:
    by_vat: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for vat in r.vats:
            if not PLACEHOLDER_VAT.match(vat.strip()):
                by_vat[re.sub(r"[\s.-]+", "", vat).upper()].append(r)
    links = []
    for vat, members in sorted(by_vat.items()):
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                same_name = {name_key(n) for n in a.names} & {name_key(n) for n in b.names}
                method = "VAT number and name" if same_name else "VAT group"
                links.append(Link(*_ordered(a.iri, b.iri), 1.0, method, vat))
    return links


def _same_name_and_town(records: list[Record]) -> list[Link]:
    """Organisations without ids of their own (keep.eu partners) with one name, town and country."""
    groups: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for r in records:
        if r.scheme or not r.towns:
            continue
        for name in {name_key(n) for n in r.names}:
            for town in {town_key(t) for t in r.towns}:
                if name and town:
                    groups[(name, town, r.country)].append(r)
    links = []
    for (name, town, country), members in groups.items():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.iri != b.iri and not cannot_link(a, b):
                    evidence = f"same name, town and country ({name} | {town} | {country})"
                    links.append(Link(*_ordered(a.iri, b.iri), 1.0, "same name and town", evidence))
    return links


_MUNICIPAL_WORDS = frozenset("municipality city council hall town".split())
_MUNICIPALITIES = """
SELECT ?o ?name ?city ?cityName ?geonames WHERE {
  ?o a coop:Organisation ; org:classification ?type ; coop:city ?city ; rdfs:label|skos:altLabel ?name .
  FILTER(?type = <{municipality}>)
  OPTIONAL { ?city rdfs:label|skos:altLabel ?cityName }
  OPTIONAL { ?city owl:sameAs ?geonames FILTER(STRSTARTS(STR(?geonames), "https://sws.geonames.org/")) }
}"""


def _city_municipalities(reader, ns: Namespaces) -> list[Link]:
    """The municipalities of one city under several IRIs: typed municipality, in the same city, each with a
    name that is the city's name once the municipal words are taken out ('Reims City Council', 'Municipality
    of Reims')."""
    query = _MUNICIPALITIES.replace("{municipality}", ns.concept("organisation-type", "municipality"))
    names: dict[str, dict[str, str]] = defaultdict(dict)  # organisation -> {name key without municipal words: name}
    cities: dict[str, str] = {}
    city_names: dict[str, set[str]] = defaultdict(set)
    city_label: dict[str, str] = {}
    places, looked_up = Gazetteer(), set()
    for row in select_rows(reader, ns.sparql_prefixes() + query):
        org, city = row["o"], row["city"]
        cities[org] = city
        key = " ".join(w for w in words(row["name"]) if w not in _MUNICIPAL_WORDS)
        # one name per key whatever order the store returns rows in (the evidence must not change between runs)
        names[org][key] = min(names[org].get(key, row["name"]), row["name"])
        if row["cityName"]:
            city_names[city].add(name_key(row["cityName"]))
            city_label[city] = min(city_label.get(city, row["cityName"]), row["cityName"])
        if row["geonames"] and row["geonames"] not in looked_up:
            looked_up.add(row["geonames"])
            city_names[city].update(name_key(n) for n in places.names(row["geonames"].rstrip("/").rsplit("/", 1)[-1]))
    by_city: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for org, city in sorted(cities.items()):
        matched = sorted(name for key, name in names[org].items() if key and key in city_names[city])
        if matched:
            by_city[city].append((org, matched[0]))
    links = []
    for city, members in sorted(by_city.items()):
        for i, (a, name_a) in enumerate(members):
            for b, name_b in members[i + 1 :]:
                place = city_label.get(city, city)
                evidence = f"both typed municipality, in {place}, and named for it: '{name_a}' | '{name_b}'"
                links.append(Link(*_ordered(a, b), 1.0, "municipality of one city", evidence))
    return links


def link_triples(result: Linkage, ns: Namespaces) -> str:
    """The links graph as N-Triples: owl:sameAs and skos:closeMatch, each sameAs described (score, method,
    evidence) by an rdf:Statement, and coop:canonical from every member of a cluster to its canonical IRI."""
    close, canonical = iri(str(SKOS.closeMatch)), iri(str(ns.coop.canonical))
    lines = []
    for link in result.same:
        lines += _described_same(ns, link.left, link.right, f"{link.score:.4f}", link.method, link.evidence)
    lines += [f"{iri(link.left)} {close} {iri(link.right)} ." for link in result.close]
    for found in result.projects.links:
        lines += _described_same(ns, found.left, found.right, "1.0000", found.method, found.evidence)
    lines += [f"{iri(m)} {canonical} {iri(c)} ." for m, c in sorted(result.every_canonical.items())]
    return "\n".join(lines) + "\n" if lines else ""


def _described_same(ns: Namespaces, left: str, right: str, score: str, method: str, evidence: str) -> list[str]:
    """owl:sameAs between two IRIs, and an rdf:Statement of it with its score, method and evidence."""
    same = iri(str(OWL.sameAs))
    node = iri(f"{ns.id}link/{hashlib.sha1(f'{left} {right}'.encode()).hexdigest()[:16]}")
    return [
        f"{iri(left)} {same} {iri(right)} .",
        f"{node} {iri(str(RDF.type))} {iri(str(RDF.Statement))} .",
        f"{node} {iri(str(RDF.subject))} {iri(left)} .",
        f"{node} {iri(str(RDF.predicate))} {same} .",
        f"{node} {iri(str(RDF.object))} {iri(right)} .",
        f"{node} {iri(str(ns.coop.linkScore))} {literal(score, datatype=str(XSD.decimal))} .",
        f"{node} {iri(str(ns.coop.linkMethod))} {literal(method)} .",
        f"{node} {iri(str(ns.coop.linkEvidence))} {literal(evidence)} .",
    ]


def relink(writer, config: Config) -> Linkage:
    """Link the organisations in the store (a writer, in its transaction) and rebuild the links graph, with
    the settings' thresholds and the decisions of the review file."""
    ns = config.ns
    clear_merged(writer, ns)  # linkage reads the sources' facts, not the last merged view's
    result = link_organisations(
        writer,
        ns,
        read_decisions(config.review_path),
        threshold=config.link_threshold,
        review_threshold=config.link_review_threshold,
    )
    result.projects = link_projects(writer, ns, result.canonical)
    writer.replace_graph(links_graph(ns), [link_triples(result, ns)])
    started = time.perf_counter()
    result.merged = rebuild_merged(writer, ns, result.every_canonical, derived={links_graph(ns), ns.inferred_graph})
    result.merged_seconds = time.perf_counter() - started
    return result


_STORED = """
SELECT ?left ?right ?score ?method ?evidence ?leftName ?rightName WHERE {
  GRAPH <{graph}> {
    ?s rdf:subject ?left ; rdf:object ?right ; coop:linkScore ?score ; coop:linkMethod ?method ;
       coop:linkEvidence ?evidence .
  }
  OPTIONAL { ?left rdfs:label ?leftName } OPTIONAL { ?right rdfs:label ?rightName }
} ORDER BY ?method DESC(?score) ?left ?right"""


def stored_links(reader, ns: Namespaces) -> list[dict[str, str]]:
    """The links as the store holds them (the last build, load, import or kg link), with names."""
    rows = select_rows(reader, ns.sparql_prefixes() + _STORED.replace("{graph}", links_graph(ns)))
    return list({(r["left"], r["right"]): r for r in rows}.values())  # one name each is enough
