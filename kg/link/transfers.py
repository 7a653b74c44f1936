"""Transfers across programmes: which good practice each transfer network moved, and to whom.

A programme such as URBACT publishes its Transfer Networks and its Good Practices, but not which practice each
network transferred. The rule (measured against a hand-labelled list in bench/data/urbact-transfers-gold.csv):

1. a transfer network transfers a good practice **of its lead city** (the city of its lead partner's
   municipality), **labelled before the network started** (URBACT II's pilot transfers of 2013 predate the
   2017 labels);
2. where the lead city has several such practices, the one whose name and text are closest to the network's
   name, description and aims (TF-IDF cosine over words) is chosen; the score and the runner-up are kept as
   evidence.

Each link is written as the same kind of data as INNOCRAFTS' transfers: a coop:Transfer from the practice
(and its owner and city) to the network's partner municipalities and their cities, of the kind
`transferred`, with the network as its project and source, into one named graph rebuilt on every load.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from kg.namespaces import Namespaces
from kg.rdf import iri, literal
from kg.store.rows import select_rows

__all__ = [
    "TransferLink",
    "link_transfers",
    "text_similarities",
    "transfer_triples",
    "relink_transfers",
    "transfers_graph",
]

_NETWORKS = """
SELECT ?n ?label ?text ?start ?homepage ?source WHERE {
  ?n a coop:Project ; coop:networkType <{transfer}> ; rdfs:label ?label .
  OPTIONAL { ?n coop:startYear ?start }
  OPTIONAL { ?n foaf:homepage ?homepage }
  OPTIONAL { ?n dcterms:source ?source }
  OPTIONAL { ?n dcterms:description|coop:aims ?text }
}"""
_MEMBERS = """
SELECT ?n ?muni ?role ?city WHERE {
  ?n coop:networkType <{transfer}> .
  ?m org:organization ?n ; org:member ?muni ; org:role ?role .
  OPTIONAL { ?muni coop:city ?city }
}"""
_PRACTICES = """
SELECT ?p ?label ?text ?city ?owner ?labelled ?start WHERE {
  ?p a coop:GoodPractice ; rdfs:label ?label ; coop:city ?city .
  OPTIONAL { ?p dcterms:abstract|dcterms:description ?text }
  OPTIONAL { ?p coop:owner ?owner }
  OPTIONAL { ?p coop:labelDate ?labelled }
  OPTIONAL { ?p coop:startYear ?start }
}"""


@dataclass
class TransferLink:
    """A network and the practice the rule says it transferred (None: no practice of its lead city fits)."""

    network: str
    network_label: str
    practice: str | None = None
    practice_label: str = ""
    score: float = 0.0
    evidence: str = ""
    lead_city: str = ""
    owner: str = ""
    homepage: str = ""
    source: str = ""
    partners: list[tuple[str, str]] = field(default_factory=list)  # (municipality, city)
    #: the network's name, description and aims, as compared
    text: str = ""


def transfers_graph(ns: Namespaces) -> str:
    """The named graph of the transfers derived from transfer networks (rebuilt with the data)."""
    return f"{ns.graph}derived/transfers"


def link_transfers(reader, ns: Namespaces) -> list[TransferLink]:
    """Every transfer network with the practice the rule links it to (see the module's docstring)."""
    transfer = ns.concept("network-type", "transfer")
    lead = ns.concept("project-role", "lead-partner")
    prefixes = ns.sparql_prefixes()
    networks: dict[str, TransferLink] = {}
    texts: dict[str, list[str]] = defaultdict(list)
    starts: dict[str, int] = {}
    for row in select_rows(reader, prefixes + _NETWORKS.replace("{transfer}", transfer)):
        link = networks.setdefault(row["n"], TransferLink(row["n"], row["label"]))
        link.homepage = link.homepage or row["homepage"]
        link.source = link.source or row["source"]
        if row["text"] and row["text"] not in texts[row["n"]]:
            texts[row["n"]].append(row["text"])
        if row["start"][:4].isdigit():
            starts[row["n"]] = int(row["start"][:4])
    for row in select_rows(reader, prefixes + _MEMBERS.replace("{transfer}", transfer)):
        link = networks.get(row["n"])
        if link is None:
            continue
        if row["role"] == lead:
            link.lead_city = link.lead_city or row["city"]
        else:
            link.partners.append((row["muni"], row["city"]))
    practices: dict[str, dict] = {}
    for row in select_rows(reader, prefixes + _PRACTICES):
        p = practices.setdefault(row["p"], {"label": row["label"], "texts": [], "city": row["city"], **row})
        if row["text"] and row["text"] not in p["texts"]:
            p["texts"].append(row["text"])
    by_city: dict[str, list[str]] = defaultdict(list)
    for key, p in sorted(practices.items()):
        by_city[p["city"]].append(key)
    scores = text_similarities(
        {n: " ".join([link.network_label, *texts[n]]) for n, link in networks.items()},
        {k: " ".join([p["label"], *p["texts"]]) for k, p in practices.items()},
    )
    for key, link in networks.items():
        link.partners.sort()
        link.text = " ".join([link.network_label, *texts[key]])
        start = starts.get(key)
        candidates = [
            p for p in by_city.get(link.lead_city, []) if start is None or _labelled_year(practices[p]) <= start
        ]
        if not candidates:
            older = [p for p in by_city.get(link.lead_city, []) if p not in candidates]
            link.evidence = (
                f"its lead city's practices were labelled after the network started ({start})"
                if older
                else "no good practice of its lead city is in the graph"
            )
            continue
        ranked = sorted(candidates, key=lambda p: (-scores.get((key, p), 0.0), p))
        best = ranked[0]
        link.practice, link.practice_label = best, practices[best]["label"]
        link.owner = practices[best]["owner"]
        link.score = scores.get((key, best), 0.0)
        link.evidence = (
            f"the practice of its lead city, labelled before the network started; text similarity {link.score:.2f}"
        )
        if len(ranked) > 1:
            second = ranked[1]
            link.evidence += f" (next: '{practices[second]['label']}', {scores.get((key, second), 0.0):.2f})"
    return [networks[k] for k in sorted(networks)]


def _labelled_year(practice: dict) -> int:
    """The year a practice existed by: its label's year, else its start year; unknown counts as old."""
    for value in (practice.get("labelled", ""), practice.get("start", "")):
        if value[:4].isdigit():
            return int(value[:4])
    return 0


def text_similarities(networks: dict[str, str], practices: dict[str, str]) -> dict[tuple[str, str], float]:
    """TF-IDF cosine between each network's text and each practice's text (fitted on both)."""
    if not networks or not practices:
        return {}
    from sklearn.feature_extraction.text import TfidfVectorizer

    n_keys, p_keys = list(networks), list(practices)
    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    matrix = vectoriser.fit_transform([networks[k] for k in n_keys] + [practices[k] for k in p_keys])
    cosine = (matrix[: len(n_keys)] @ matrix[len(n_keys) :].T).toarray()
    return {(n, p): float(cosine[i, j]) for i, n in enumerate(n_keys) for j, p in enumerate(p_keys)}


def transfer_triples(links: list[TransferLink], ns: Namespaces) -> str:
    """The linked networks' transfers as N-Triples: coop:Transfer from the practice to the partner cities."""
    coop, out = ns.coop, []
    kind = iri(ns.concept("transfer-kind", "transferred"))
    for link in links:
        if link.practice is None:
            continue
        t = iri(f"{ns.id}transfer/derived/{hashlib.sha1(link.network.encode()).hexdigest()[:12]}")
        out += [
            f"{t} {iri(str(RDF.type))} {iri(str(coop.Transfer))} .",
            f"{t} {iri(str(coop.project))} {iri(link.network)} .",
            f"{t} {iri(str(coop.transferKind))} {kind} .",
            f"{t} {iri(str(coop.sourcePractice))} {iri(link.practice)} .",
            f"{t} {iri(str(RDFS.label))} {literal(f'{link.practice_label} -> {link.network_label}', lang='en')} .",
            f"{t} {iri(str(coop.linkMethod))} {literal('lead city practice, closest text')} .",
            f"{t} {iri(str(coop.linkScore))} {literal(f'{link.score:.4f}', datatype=str(XSD.decimal))} .",
            f"{t} {iri(str(coop.linkEvidence))} {literal(link.evidence)} .",
            f"{t} {iri(str(coop.targetDescription))} "
            f"{literal(f'the partner cities of the transfer network {link.network_label}', lang='en')} .",
        ]
        if link.owner:
            out.append(f"{t} {iri(str(coop.sourceOrganisation))} {iri(link.owner)} .")
        if link.lead_city:
            out.append(f"{t} {iri(str(coop.sourcePlace))} {iri(link.lead_city)} .")
        for source in (link.homepage, link.source):
            if source:
                out.append(f"{t} {iri(str(DCTERMS.source))} {iri(source)} .")
        for muni, city in link.partners:
            out.append(f"{t} {iri(str(coop.targetOrganisation))} {iri(muni)} .")
            if city:
                out.append(f"{t} {iri(str(coop.targetPlace))} {iri(city)} .")
    return "\n".join(dict.fromkeys(out)) + "\n" if out else ""


def relink_transfers(writer, ns: Namespaces) -> list[TransferLink]:
    """Derive the transfer networks' transfers from the store (a writer, in its transaction) and rebuild
    their graph."""
    links = link_transfers(writer, ns)
    writer.replace_graph(transfers_graph(ns), [transfer_triples(links, ns)])
    return links
