"""Text to vectors, two ways: a small static sentence-embedding model (WordLlama, whose weights ship inside
its PyPI wheel and run on NumPy) and a TF-IDF baseline (scikit-learn). bench/similarity.py measures both on
the pairs the data holds; bench/README.md gives the figures and why the embedding is the default."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping
from functools import lru_cache
from itertools import filterfalse, pairwise, repeat
from pathlib import Path
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from kg.config import SIMILARITY_METHODS
from kg.errors import KGError

__all__ = ["ENCODERS", "Encoder", "EmbeddingEncoder", "TfidfEncoder", "Vectors", "encoder_for"]


class Vectors:
    """Rows of unit vectors, one per text, in up to two parts side by side: a sparse one (TF-IDF, mostly
    zeros: kept as CSR) and a dense one (the embedding). A cosine is the sum of the two parts' dot products,
    so nothing is ever densified."""

    def __init__(self, sparse: sp.csr_matrix | None = None, dense: np.ndarray | None = None):
        if sparse is None and dense is None:
            raise ValueError("vectors need a sparse or a dense part")
        self.sparse, self.dense = sparse, dense

    def __len__(self) -> int:
        return self.sparse.shape[0] if self.sparse is not None else len(self.dense)

    @property
    def shape(self) -> tuple[int, int]:
        width = (self.sparse.shape[1] if self.sparse is not None else 0) + (
            self.dense.shape[1] if self.dense is not None else 0
        )
        return len(self), width

    @property
    def nbytes(self) -> int:
        sparse = self.sparse
        parts = [sparse.data, sparse.indices, sparse.indptr] if sparse is not None else []
        return sum(a.nbytes for a in parts) + (self.dense.nbytes if self.dense is not None else 0)

    def __getitem__(self, rows: int | slice) -> Vectors:
        """Some rows (one row for an int), as Vectors."""
        if isinstance(rows, (int, np.integer)):
            rows = slice(int(rows), int(rows) + 1 or None)
        return Vectors(
            self.sparse[rows] if self.sparse is not None else None,
            self.dense[rows] if self.dense is not None else None,
        )

    def __iter__(self) -> Iterator[Vectors]:
        return (self[i] for i in range(len(self)))

    def similarity(self, other: Vectors) -> np.ndarray:
        """The cosines of each row with each row of `other`: len(self) x len(other)."""
        out = np.zeros((len(self), len(other)), dtype=np.float32)
        if self.sparse is not None and other.sparse is not None:
            out += self.sparse @ other.sparse.T.toarray()
        if self.dense is not None and other.dense is not None:
            out += self.dense @ other.dense.T
        return out

    def __matmul__(self, row: Vectors) -> np.ndarray:
        """The cosines of each row with the one row `row` (a matrix times a vector)."""
        if len(row) != 1:
            raise ValueError(f"@ takes one row; use similarity() for {len(row)}")
        return self.similarity(row)[:, 0]

    def masked(self, keep: np.ndarray) -> Vectors:
        """These rows with those not in `keep` (booleans) set to zero."""
        sparse, dense = self.sparse, self.dense
        if sparse is not None:
            sparse = sp.csr_matrix(sp.diags(keep.astype(sparse.dtype)) @ sparse)
            sparse.eliminate_zeros()
        if dense is not None:
            dense = dense * keep[:, None].astype(dense.dtype)
        return Vectors(sparse, dense)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The arrays that keep these vectors in an .npz file, under `name`."""
        out = {}
        if self.sparse is not None:
            s = self.sparse
            out |= {f"{name}.data": s.data, f"{name}.indices": s.indices, f"{name}.indptr": s.indptr}
            out[f"{name}.shape"] = np.array(s.shape)
        if self.dense is not None:
            out[f"{name}.dense"] = self.dense
        return out

    @classmethod
    def from_arrays(cls, kept: Mapping[str, np.ndarray], name: str) -> Vectors:
        """The vectors `arrays(name)` wrote (KeyError when there are none)."""
        sparse = dense = None
        if f"{name}.shape" in kept:
            parts = (kept[f"{name}.data"], kept[f"{name}.indices"], kept[f"{name}.indptr"])
            sparse = sp.csr_matrix(parts, shape=tuple(kept[f"{name}.shape"]))
        if f"{name}.dense" in kept:
            dense = kept[f"{name}.dense"]
        if sparse is None and dense is None:
            raise KeyError(name)
        return cls(sparse, dense)


class Encoder(Protocol):
    """Vectors for texts. `fit` learns what the corpus teaches (TF-IDF's vocabulary; a model is only loaded),
    `fit_encode` does that and returns the corpus's vectors in the same pass; `kept` is what it learnt, as
    arrays for the cache file, and `restore` takes it back (instead of fitting again)."""

    name: str

    def fit(self, corpus: list[str]) -> None: ...

    def kept(self) -> dict[str, np.ndarray]: ...

    def restore(self, kept: Mapping[str, np.ndarray]) -> None: ...

    def fit_encode(self, corpus: list[str]) -> Vectors: ...

    def encode(self, texts: list[str]) -> Vectors: ...


def _norms(rows: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", rows, rows))  # no temporary the size of `rows`


def _unit(rows: np.ndarray) -> np.ndarray:
    """The rows scaled to length 1, in place (a zero row stays zero)."""
    norms = _norms(rows)[:, None]
    return np.divide(rows, norms, out=rows, where=norms > 0)


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


class _Numbering(dict):
    """Each new key gets the next number."""

    def __missing__(self, key: str) -> int:
        self[key] = number = len(self)
        return number


#: A word with the spaces before it: the model's tokenizer (SentencePiece-style BPE, a space read as "▁")
#: never merges across the start of a word, so a text's tokens are its words' tokens one after the other.
_WORD = re.compile(r" +[^ ]*")
#: Texts per step of EmbeddingEncoder.encode (bounds its memory).
_BATCH = 4096


class EmbeddingEncoder:
    """WordLlama l2_supercat, 256 dimensions: token embeddings taken from an LLM and trained to average into
    sentence vectors, so words of one meaning land close ("incubator" and "start-up support").

    The vector is the mean of the text's token embeddings, as `WordLlama.embed` computes it, made as a
    sparse text x token count matrix times the embedding table: each distinct word is tokenized once (not
    every text, padded to its batch's longest); 10,000 practices take 10 s instead of 140."""

    name = "embedding"

    def fit(self, corpus: list[str]) -> None:
        _wordllama()

    def kept(self) -> dict[str, np.ndarray]:
        return {}

    def restore(self, kept: Mapping[str, np.ndarray]) -> None:
        _wordllama()

    def fit_encode(self, corpus: list[str]) -> Vectors:
        return self.encode(corpus)

    def encode(self, texts: list[str]) -> Vectors:
        model = _wordllama()
        table = model.embedding
        out = np.empty((len(texts), table.shape[1]), dtype=np.float32)
        words, tokens, word_ends = _Numbering(), array("i"), array("q", [0])  # across the batches
        for start in range(0, len(texts), _BATCH):
            found, ends = array("i"), array("q", [0])
            for text in texts[start : start + _BATCH]:
                if text.strip():
                    found.extend(map(words.__getitem__, _WORD.findall(" " + text)))
                ends.append(len(found))
            for word in list(words)[len(word_ends) - 1 :]:  # the words new in this batch
                tokens.extend(t.id for t in model.tokenizer.model.tokenize(word.replace(" ", "▁")))
                word_ends.append(len(tokens))
            per_word = _ones(np.minimum(tokens, len(table) - 1), word_ends, len(table))
            out[start : start + _BATCH] = (_ones(found, ends, len(words)) @ per_word) @ table  # via token counts
        return Vectors(dense=_unit(out))  # the sum's direction is the mean's


def _ones(columns, ends, width: int) -> sp.csr_matrix:
    """Rows with a 1 in each of their `columns` (added up where one repeats); row k's end at `ends[k + 1]`."""
    columns, ends = np.asarray(columns), np.asarray(ends)
    if ends[-1] < 2**31:  # scipy would otherwise widen `columns` to int64, a copy
        columns, ends = columns.astype(np.int32, copy=False), ends.astype(np.int32)
    return sp.csr_matrix((np.ones(len(columns), np.float32), columns, ends), (len(ends) - 1, width))


#: The TF-IDF vocabulary's size at most (see TfidfEncoder.fit).
MAX_TERMS = 4096
_TERM = re.compile(r"(?u)\b\w\w+\b")


def _terms(text: str) -> list[str]:
    """Words and word pairs as scikit-learn's TfidfVectorizer(stop_words="english", ngram_range=(1, 2)) reads
    them, made faster (its loops in Python become filterfalse, map and pairwise)."""
    words = list(filterfalse(_stop_words().__contains__, _TERM.findall(text.lower())))
    return words + list(map(" ".join, pairwise(words)))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


class TfidfEncoder:
    """TF-IDF over words and word pairs, English stop words left out, fitted on the practices' own text:
    the baseline, which finds shared words only. Sparse rows (a passage has a few dozen of the terms)."""

    name = "tfidf"

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] | None = None
        self._idf = np.zeros(0)
        self._fitted = False

    def fit(self, corpus: list[str]) -> None:
        self.fit_encode(corpus)

    def fit_encode(self, corpus: list[str]) -> Vectors:
        from sklearn.feature_extraction.text import CountVectorizer

        # the 4,096 most frequent words and pairs: URBACT's full texts bring 56,000 terms, and the rare tail
        # weighs little in a cosine
        self._fitted, self._vocabulary = True, None
        texts = [k for k, c in enumerate(corpus) if c.strip()]
        counter = CountVectorizer(analyzer=_terms, max_features=MAX_TERMS)  # float64: its ties, as before
        try:
            counts = counter.fit_transform([corpus[k] for k in texts])
        except ValueError:  # no practices, or no word that is not a stop word: nothing to weigh
            return Vectors(sp.csr_matrix((len(corpus), 1), dtype=np.float32))
        self._vocabulary = {t: int(k) for t, k in counter.vocabulary_.items()}  # ints, not NumPy's
        # smoothed, as scikit-learn's TfidfTransformer: as if one more text held every term once
        texts_with = np.bincount(counts.indices, minlength=counts.shape[1])
        self._idf = np.log((1 + len(texts)) / (1 + texts_with)) + 1
        rows = sp.csr_matrix((np.ones(len(texts), np.float32), (texts, range(len(texts)))), (len(corpus), len(texts)))
        return Vectors(sp.csr_matrix(rows @ self._weigh(counts)))

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Counts to TF-IDF as TfidfTransformer(sublinear_tf=True) makes it: (1 + log count) x idf, rows
        scaled to length 1."""
        from sklearn.preprocessing import normalize

        counts.data = ((np.log(counts.data) + 1) * self._idf[counts.indices]).astype(np.float32)
        return normalize(counts, copy=False)

    def kept(self) -> dict[str, np.ndarray]:
        """What fitting learnt, for the cache file: the terms in column order and their idf."""
        if self._vocabulary is None:
            return {}
        return {"terms": np.array(sorted(self._vocabulary, key=self._vocabulary.__getitem__)), "idf": self._idf}

    def restore(self, kept: Mapping[str, np.ndarray]) -> None:
        """Fitted as `kept()` says, in no time."""
        self._fitted = True
        self._vocabulary = {str(t): k for k, t in enumerate(kept["terms"])} if "terms" in kept else None
        self._idf = np.asarray(kept.get("idf", np.zeros(0)), dtype=np.float64)

    def encode(self, texts: list[str]) -> Vectors:
        if not self._fitted:
            raise KGError("the TF-IDF encoder is used before it is fitted")
        if self._vocabulary is None or not texts:
            width = len(self._vocabulary) if self._vocabulary else 1
            return Vectors(sp.csr_matrix((len(texts), width), dtype=np.float32))
        known, columns, ends = self._vocabulary.get, array("i"), array("q", [0])
        for text in texts:
            columns.extend(filter((-1).__ne__, map(known, _terms(text), repeat(-1))))  # known terms only
            ends.append(len(columns))
        counts = _ones(columns, ends, len(self._vocabulary))
        counts.sum_duplicates()
        return Vectors(self._weigh(counts))


class HybridEncoder:
    """Both at once: the TF-IDF vector and the embedding, each scaled by 1/sqrt(2) and set side by side, so a
    cosine is the mean of the two cosines (a text with one part empty keeps the other at full length, as
    one unit vector of both would). Shared words count (TF-IDF's strength on this catalogue) and so does
    shared meaning in other words (which TF-IDF cannot see: a search with none of a practice's words)."""

    name = "hybrid"

    def __init__(self) -> None:
        self._tfidf, self._embedding = TfidfEncoder(), EmbeddingEncoder()

    def fit(self, corpus: list[str]) -> None:
        self._tfidf.fit(corpus)
        self._embedding.fit(corpus)

    def kept(self) -> dict[str, np.ndarray]:
        return self._tfidf.kept()

    def restore(self, kept: Mapping[str, np.ndarray]) -> None:
        self._tfidf.restore(kept)
        self._embedding.restore(kept)

    def fit_encode(self, corpus: list[str]) -> Vectors:
        return self._joined(self._tfidf.fit_encode(corpus), self._embedding.fit_encode(corpus))

    def encode(self, texts: list[str]) -> Vectors:
        return self._joined(self._tfidf.encode(texts), self._embedding.encode(texts))

    @staticmethod
    def _joined(words: Vectors, meaning: Vectors) -> Vectors:
        sparse, dense = words.sparse, meaning.dense
        parts = (np.diff(sparse.indptr) > 0).astype(np.float32) + (_norms(dense) > 0)
        scale = np.divide(1, np.sqrt(parts), out=np.zeros_like(parts), where=parts > 0)
        dense *= scale[:, None]  # a fresh array: scaled in place
        return Vectors(sp.csr_matrix(sp.diags(scale) @ sparse), dense)


ENCODERS = {"hybrid": HybridEncoder, "tfidf": TfidfEncoder, "embedding": EmbeddingEncoder}
assert tuple(ENCODERS) == SIMILARITY_METHODS


def encoder_for(name: str) -> Encoder:
    """A fresh encoder by its setting's name (KG_SIMILARITY)."""
    if name not in ENCODERS:
        raise KGError(f"no similarity method is called '{name}' (known: {', '.join(ENCODERS)})")
    return ENCODERS[name]()
