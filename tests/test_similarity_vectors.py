"""The practice vectors kept sparse and made fast give what the plain computation gives: WordLlama's own
mean of token embeddings, TF-IDF as scikit-learn weighs it, the hybrid's mean of two cosines, the facets'
Jaccard; and the cache file brings them back without fitting again."""

from __future__ import annotations

import numpy as np
import pytest

from kg.practices.encoders import _wordllama, encoder_for
from kg.practices.similarity import SimilarityIndex
from kg.practices.text import Practice

TEXTS = [
    "A business incubator for craft start-ups: a desk, mentoring and training.",
    "  Leading spaces,  double  spaces and a trailing one ",
    "Lines\nand\ttabs; accents: coopérative, Ærø, naïve — and “quotes”.",
    "the and of",  # stop words only: no TF-IDF term
    "",
    "Online vouchers help small shops sell on the internet.",
]


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def _plain_tfidf(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, max_features=4096)
    vectorizer.fit([t for t in texts if t.strip()])
    return _unit(vectorizer.transform(texts).toarray())


def _plain_embedding(texts: list[str]) -> np.ndarray:
    vectors = np.asarray(_wordllama().embed(texts, norm=False), dtype=np.float32)
    vectors[[not t.strip() for t in texts]] = 0
    return _unit(vectors)


def test_the_embedding_is_wordllamas_mean_of_token_embeddings():
    got = encoder_for("embedding").encode(TEXTS).dense
    assert np.allclose(got, _plain_embedding(TEXTS), atol=1e-6)


@pytest.mark.parametrize("method", ["tfidf", "hybrid"])
def test_sparse_vectors_give_the_cosines_of_the_dense_ones(method):
    encoder = encoder_for(method)
    vectors = encoder.fit_encode(TEXTS)
    tfidf = _plain_tfidf(TEXTS)
    # the hybrid as it was: both parts side by side in one unit vector (a part may be empty)
    plain = tfidf if method == "tfidf" else _unit(np.hstack([tfidf, _plain_embedding(TEXTS)]))
    assert np.allclose(vectors.similarity(vectors), plain @ plain.T, atol=1e-5)
    assert np.allclose(vectors @ vectors[0], plain @ plain[0], atol=1e-5)
    again = encoder.encode(TEXTS)
    assert np.allclose(again.similarity(vectors), plain @ plain.T, atol=1e-5)


def test_the_facets_jaccard_is_the_same_in_one_product():
    facets = [{"themes": {"a", "b"}}, {"themes": {"b"}, "sectors": {"c"}}, {}, {"themes": {"a", "b"}}]
    practices = [Practice(f"urn:p{i}", f"P{i}", f"P{i}", {"title": "t"}, f) for i, f in enumerate(facets)]
    index = SimilarityIndex(practices, encoder_for("tfidf"), np.eye(4, dtype=np.float32), np.zeros((0, 4)))
    for i in range(4):
        assert np.allclose(index._jaccards(i), [index._jaccard(i, j) for j in range(4)])


@pytest.mark.parametrize("method", ["tfidf", "embedding", "hybrid"])
def test_the_cache_file_brings_the_index_back_without_fitting(tmp_path, method, monkeypatch):
    practices = [
        Practice(f"urn:p{i}", f"P{i}", f"P{i}", {"title": f"P{i}", "description": t}) for i, t in enumerate(TEXTS)
    ]
    index = SimilarityIndex(practices, encoder_for(method))
    index.save(tmp_path / "kept.npz")
    encoder = encoder_for(method)
    monkeypatch.setattr(type(encoder), "fit", lambda self, corpus: pytest.fail("fitted again"))
    kept = SimilarityIndex.load(tmp_path / "kept.npz", practices, encoder)
    assert kept is not None
    for p in practices:
        assert [(m.iri, round(m.score, 6), m.why) for m in kept.similar(p.iri).matches] == [
            (m.iri, round(m.score, 6), m.why) for m in index.similar(p.iri).matches
        ]
    query = "craft shops selling online"
    assert [m.iri for m in kept.search(query)] == [m.iri for m in index.search(query)]
    assert SimilarityIndex.load(tmp_path / "kept.npz", practices[:-1], encoder_for(method)) is None
