"""Candidate pairs of organisations (blocking) and how alike each pair is (a score in 0..1 with its evidence).

Names are compared word by word, each word weighted by how rare it is among all organisations' names (a
shared `Stara Planina` says more than a shared `municipality`), with rapidfuzz's string similarity so that
a spelling variant still counts; the best pair of names wins (labels, alternative names, acronyms). The
place then moves the score: the same town, NUTS region or website domain raises it, a different one lowers it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from kg.link.names import acronym, domain, kinds, town_key, words
from kg.link.records import Record

__all__ = ["Scorer", "Score", "candidate_pairs", "cannot_link"]

#: A word shared by more organisations than this in one country makes no block of its own.
MAX_BLOCK = 120
#: Two words this alike (rapidfuzz ratio, 0..100) count as one word written another way.
WORD_MATCH = 86


@dataclass(frozen=True)
class Score:
    """How alike two organisations are, and the evidence in words."""

    value: float
    name: float
    evidence: str


@dataclass(frozen=True)
class _Prepared:
    names: tuple[tuple[str, ...], ...]
    #: the kinds of body each name says (aligned with names), and the initials of every name
    kinds: tuple[frozenset[str], ...]
    initials: frozenset[str]
    acronyms: frozenset[str]
    towns: frozenset[str]
    nuts: frozenset[str]
    domains: frozenset[str]
    projects: frozenset[str]


def cannot_link(a: Record, b: Record) -> bool:
    """Organisations that their own sources say are different: two ids of one scheme (two CORDIS PICs, two
    partners of the bundled data), or two countries."""
    if a.scheme and a.scheme == b.scheme:
        return True
    return bool(a.country and b.country and a.country != b.country)


def candidate_pairs(records: list[Record]) -> Iterator[tuple[int, int]]:
    """Pairs of records worth scoring: those that share a rare name word or an acronym in one country."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        keys = {w for name in record.names for w in words(name) if len(w) > 2 and not w.isdigit()}
        keys |= {a.casefold() for a in record.acronyms if len(a) > 2}
        for key in keys:
            blocks[(record.country, key)].append(i)
    seen: set[tuple[int, int]] = set()
    for _, members in sorted(blocks.items()):
        if len(members) > MAX_BLOCK:
            continue
        for i, j in combinations(members, 2):
            if (i, j) not in seen and not cannot_link(records[i], records[j]):
                seen.add((i, j))
                yield i, j


class Scorer:
    """Scores pairs of records, with word weights from all of them."""

    def __init__(self, records: list[Record]):
        counts: Counter[str] = Counter()
        for record in records:
            counts.update({w for name in record.names for w in words(name)})
        total = max(len(records), 1)
        self._idf = {w: math.log((total + 1) / (n + 1)) + 1 for w, n in counts.items()}
        self._default = math.log(total + 1) + 1
        self._prepared: dict[int, _Prepared] = {}  # filled as pairs are scored: most records are in none

    def _prepared_of(self, r: Record) -> _Prepared:
        if (found := self._prepared.get(id(r))) is None:
            found = self._prepared[id(r)] = self._prepare(r)
        return found

    def _prepare(self, r: Record) -> _Prepared:
        names = tuple(dict.fromkeys(w for w in (words(n) for n in r.names) if w))
        return _Prepared(
            names=names,
            kinds=tuple(kinds(n) for n in names),
            initials=frozenset(acronym(" ".join(n)) for n in names),
            acronyms=frozenset(a.casefold().replace(".", "").replace(" ", "") for a in r.acronyms),
            towns=frozenset(t for t in (town_key(t) for t in r.towns) if t),
            nuts=frozenset(n.strip().upper() for n in r.nuts if n.strip()),
            domains=frozenset(d for d in (domain(w) for w in r.websites) if d),
            projects=frozenset(p.strip().casefold() for p in r.projects if p.strip()),
        )

    def weight(self, word: str) -> float:
        return self._idf.get(word, self._default)

    def names(self, a: tuple[str, ...], b: tuple[str, ...]) -> float:
        """Weighted Dice over the two names' words, a word matching its most alike counterpart once; a word
        that spells the other name's initials (the CNRS of Centre National ... Scientifique CNRS) is left out."""
        a = tuple(w for w in a if w != _initials(b)) or a
        b = tuple(w for w in b if w != _initials(a)) or b
        left, right = list(a), list(b)
        matched = 0.0
        for word in left:
            best, similarity = None, 0.0
            for other in right:
                s = 1.0 if word == other else fuzz.ratio(word, other) / 100
                if s > similarity:
                    best, similarity = other, s
            if best is not None and similarity * 100 >= WORD_MATCH:
                right.remove(best)
                matched += similarity * min(self.weight(word), self.weight(best))
        total = sum(self.weight(w) for w in a) + sum(self.weight(w) for w in b)
        return 2 * matched / total if total else 0.0

    def score(self, a: Record, b: Record) -> Score:
        pa, pb = self._prepared_of(a), self._prepared_of(b)
        name, why = 0.0, ""
        for x, kx in zip(pa.names, pa.kinds, strict=True):
            for y, ky in zip(pb.names, pb.kinds, strict=True):
                s = self.names(x, y)
                differ = bool(kx and ky and not kx & ky)
                if differ:
                    s -= 0.25  # the University of Crete and the Region of Crete
                if s > name:
                    kind = f"; kinds differ ({_one(kx)} | {_one(ky)})" if differ else ""
                    name, why = s, f"names {s:.2f} ({' '.join(x)} | {' '.join(y)}){kind}"
        # an acronym column that spells the other's name, or two equal acronyms
        if pa.acronyms & pb.acronyms or pa.acronyms & pb.initials or pb.acronyms & pa.initials:
            if name < 0.9:
                name, why = max(name, 0.75), f"{why}; acronym agrees" if why else "acronym agrees"
        value, evidence = name, [why or "names 0.00"]
        if same := {a for a in pa.acronyms & pb.acronyms if len(a) > 3}:
            value, evidence = value + 0.15, [*evidence, f"same acronym ({_one(frozenset(same))})"]
        if pa.towns and pb.towns:
            if pa.towns & pb.towns or _alike(pa.towns, pb.towns):
                value, evidence = value + 0.1, [*evidence, "same town"]
            else:
                value, evidence = value - 0.1, [*evidence, f"towns differ ({_one(pa.towns)} | {_one(pb.towns)})"]
        if pa.nuts and pb.nuts and not (pa.towns and pb.towns):  # the town says it already
            if {n[:5] for n in pa.nuts} & {n[:5] for n in pb.nuts}:
                value, evidence = value + 0.05, [*evidence, "same NUTS 3 region"]
            elif not {n[:4] for n in pa.nuts} & {n[:4] for n in pb.nuts}:
                value, evidence = value - 0.05, [*evidence, "NUTS 2 regions differ"]
        if pa.domains and pb.domains:
            if pa.domains & pb.domains:
                value, evidence = value + 0.15, [*evidence, f"same website ({_one(pa.domains & pb.domains)})"]
            else:
                value, evidence = value - 0.05, [*evidence, "websites differ"]
        if shared := pa.projects & pb.projects:
            value, evidence = value + 0.15, [*evidence, f"partners of one project ({_one(shared)})"]
        return Score(round(min(max(value, 0.0), 1.0), 4), round(name, 4), "; ".join(evidence))


def _initials(name: tuple[str, ...]) -> str:
    return "".join(w[0] for w in name) if len(name) > 2 else ""


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(fuzz.ratio(x, y) >= 90 or x.startswith(y + " ") or y.startswith(x + " ") for x in a for y in b)


def _one(values: frozenset[str]) -> str:
    return sorted(values)[0]
