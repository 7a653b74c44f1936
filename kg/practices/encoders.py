"""Text to vectors, two ways: a small static sentence-embedding model (WordLlama, whose weights ship inside
its PyPI wheel and run on NumPy) and a TF-IDF baseline (scikit-learn). bench/similarity.py measures both on
the pairs the data holds; the README gives the figures and why the embedding is the default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from kg.config import SIMILARITY_METHODS
from kg.errors import KGError

__all__ = ["ENCODERS", "Encoder", "EmbeddingEncoder", "TfidfEncoder", "encoder_for"]


class Encoder(Protocol):
    """Rows of unit vectors for texts; `fit` sees the whole corpus first (TF-IDF needs it, a model not)."""

    name: str

    def fit(self, corpus: list[str]) -> None: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


@lru_cache(maxsize=1)
def _wordllama():
    """The model, loaded once per process from the files in the wheel; never from a hub (the package's own
    lookup of its tokenizer misses the file it ships, so its folder is given as the cache)."""
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise KGError(f"the embedding model is not installed ({e}); pip install wordllama") from e
    try:
        return WordLlama.load(
            config="l2_supercat", dim=256, cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )
    except (FileNotFoundError, OSError) as e:
        raise KGError(f"the embedding model's files are missing from the wordllama package: {e}") from e


class EmbeddingEncoder:
    """WordLlama l2_supercat, 256 dimensions: token embeddings taken from an LLM and trained to average into
    sentence vectors, so words of one meaning land close ("incubator" and "start-up support")."""

    name = "embedding"

    def fit(self, corpus: list[str]) -> None:
        _wordllama()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        vectors = np.asarray(_wordllama().embed(list(texts), norm=False), dtype=np.float32)
        empty = np.array([not t.strip() for t in texts])
        vectors[empty] = 0.0
        return _unit(vectors)


#: The TF-IDF vocabulary's size at most (see TfidfEncoder.fit).
MAX_TERMS = 4096


class TfidfEncoder:
    """TF-IDF over words and word pairs, English stop words left out, fitted on the practices' own text:
    the baseline, which finds shared words only."""

    name = "tfidf"

    def __init__(self) -> None:
        self._vectorizer = None
        self._fitted = False

    def fit(self, corpus: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        # the 4,096 most frequent words and pairs: the vectors are dense, and URBACT's full texts bring 56,000
        # terms (a 900 MB passage matrix at 136 practices); the rare tail weighs little in a cosine
        self._vectorizer = TfidfVectorizer(
            stop_words="english", ngram_range=(1, 2), sublinear_tf=True, max_features=MAX_TERMS
        )
        self._fitted = True
        try:
            self._vectorizer.fit([c for c in corpus if c.strip()])
        except ValueError:  # no practices, or no word that is not a stop word: nothing to weigh
            self._vectorizer = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not self._fitted:
            raise KGError("the TF-IDF encoder is used before it is fitted")
        if self._vectorizer is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        if not texts:
            return np.zeros((0, len(self._vectorizer.vocabulary_)), dtype=np.float32)
        return _unit(self._vectorizer.transform(list(texts)).toarray().astype(np.float32))


class HybridEncoder:
    """Both at once: the TF-IDF vector and the embedding, each scaled by 1/sqrt(2) and set side by side, so a
    cosine is the mean of the two cosines. Shared words count (TF-IDF's strength on this catalogue) and so
    does shared meaning in other words (which TF-IDF cannot see: a search with none of a practice's words)."""

    name = "hybrid"

    def __init__(self) -> None:
        self._parts = (TfidfEncoder(), EmbeddingEncoder())

    def fit(self, corpus: list[str]) -> None:
        for part in self._parts:
            part.fit(corpus)

    def encode(self, texts: list[str]) -> np.ndarray:
        return _unit(np.hstack([part.encode(texts) for part in self._parts]))


ENCODERS = {"hybrid": HybridEncoder, "tfidf": TfidfEncoder, "embedding": EmbeddingEncoder}
assert tuple(ENCODERS) == SIMILARITY_METHODS


def encoder_for(name: str) -> Encoder:
    """A fresh encoder by its setting's name (KG_SIMILARITY)."""
    if name not in ENCODERS:
        raise KGError(f"no similarity method is called '{name}' (known: {', '.join(ENCODERS)})")
    return ENCODERS[name]()
