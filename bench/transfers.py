"""How well the transfer-network rule finds the practice each URBACT Transfer Network transferred.

Builds the bundled graph in memory (INNOCRAFTS and URBACT), runs kg.link.transfers' rule and compares it with
the hand-labelled list bench/data/urbact-transfers-gold.csv (made by reading the networks' and practices'
texts; see its .md). Prints precision and recall, counting `probable` gold rows as matches, beside two
baselines run in the same run: "lead city only" (the lead city's first practice, no dates, no text) and
"text only" (the closest practice of the whole corpus by TF-IDF, ignoring the city).

    python bench/transfers.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from kg.config import Config
from kg.ingest.loader import build
from kg.link.transfers import link_transfers, text_similarities
from kg.store import open_store
from kg.store.rows import select_rows

GOLD = Path(__file__).parent / "data" / "urbact-transfers-gold.csv"


def gold() -> dict[str, str | None]:
    """Network code -> the practice code it transferred (None: none)."""
    with GOLD.open(newline="", encoding="utf-8") as f:
        return {r["code_network"]: (r["code_practice"] or None) for r in csv.DictReader(f)}


def ids(store, config: Config) -> dict[str, str]:
    """IRI -> the source's identifier, for the URBACT networks and practices."""
    rows = select_rows(
        store,
        config.ns.sparql_prefixes()
        + "SELECT ?s ?id WHERE { ?s dcterms:identifier ?id ; dcterms:source <https://urbact.eu/> }",
    )
    return {r["s"]: r["id"] for r in rows}


def score(found: dict[str, str | None], truth: dict[str, str | None]) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, links made and gold links."""
    made = {n: p for n, p in found.items() if p}
    right = sum(1 for n, p in made.items() if truth.get(n) == p)
    wanted = sum(1 for p in truth.values() if p)
    return right / len(made) if made else 0.0, right / wanted if wanted else 0.0, right, len(made), wanted


def main() -> None:
    config = Config(store="memory")
    store = open_store("memory")
    build(store, config)
    names = ids(store, config)
    links = link_transfers(store, config.ns)
    truth = gold()
    rule = {names[t.network]: names.get(t.practice) if t.practice else None for t in links}

    # baselines, on the same networks and practices
    practices = select_rows(
        store,
        config.ns.sparql_prefixes()
        + """SELECT ?p ?label ?city (SAMPLE(?d) AS ?text) WHERE { ?p a coop:GoodPractice ; rdfs:label ?label ;
             coop:city ?city ; dcterms:source <https://urbact.eu/> OPTIONAL { ?p dcterms:description ?d } }
             GROUP BY ?p ?label ?city ORDER BY ?p""",
    )
    by_city: dict[str, list[str]] = {}
    for r in practices:
        by_city.setdefault(r["city"], []).append(r["p"])
    city_only = {names[t.network]: names.get((by_city.get(t.lead_city) or [None])[0] or "") for t in links}
    texts = {t.network: t.text for t in links}
    cosine = text_similarities(texts, {r["p"]: f"{r['label']} {r['text']}" for r in practices})
    text_only = {}
    for t in links:
        best = max(practices, key=lambda r: cosine.get((t.network, r["p"]), 0.0))
        text_only[names[t.network]] = names[best["p"]]

    print(f"{len(truth)} transfer networks in the gold list; {sum(1 for v in truth.values() if v)} with a practice")
    print()
    print("| method | precision | recall | right | links made | gold links |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, found in (("rule (kg.link.transfers)", rule), ("lead city only", city_only), ("text only", text_only)):
        p, r, right, made, wanted = score(found, truth)
        print(f"| {label} | {p:.2f} | {r:.2f} | {right} | {made} | {wanted} |")
    wrong = [(n, rule.get(n), truth[n]) for n in sorted(truth, key=int) if rule.get(n) != truth[n]]
    if wrong:
        print()
        print("rule disagrees with the gold list (network: rule -> gold):")
        for n, got, want in wrong:
            print(f"  {n}: {got} -> {want}")


if __name__ == "__main__":
    main()
