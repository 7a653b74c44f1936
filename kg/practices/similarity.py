"""Practices like this one, and practices by meaning: one index of vectors per set of practice texts.

A pair's score is mostly how close their texts are (cosine of the text vectors) and partly how many
themes, sectors and target groups they share (Jaccard); each match comes with its reasons (kg.reasons: said
in English by `why`, in the reader's language by the pages): the shared facets and the closest pair of passages.
Vectors are made at build and load and kept in the store's cache folder under a hash of the practices' texts,
so a web process, a later command or an import that touches no practice only reads them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from kg.namespaces import Namespaces
from kg.practices.encoders import Encoder, Vectors, encoder_for
from kg.practices.text import Practice, read_practices, resolve_practice
from kg.reasons import Reason, english
from kg.store import Store

__all__ = ["Match", "SimilarityIndex", "Similar", "build_index", "practice_index"]

LOG = logging.getLogger("coopkg")

#: How much of a pair's score is its texts' closeness; the rest is the facets they share.
TEXT_WEIGHT = 0.75
#: Below this a text search's hit is not shown. The embedding's cosines are compressed (an unrelated query
#: still scores about 0.1 against every practice), so the search ranks by meaning and this floor only drops
#: the practices that share nothing with the query at all.
SEARCH_FLOOR = 0.05
#: Below this the closest pair of passages shares too little to be worth quoting as a reason.
PASSAGE_FLOOR = 0.15
_FORMAT = 3  # the cache file's layout; a change makes old files be computed again


@dataclass(frozen=True)
class Match:
    """One practice found, with its score and its reasons."""

    iri: str
    id: str
    title: str
    score: float
    reasons: tuple[Reason, ...]
    shared: dict[str, list[str]] = field(default_factory=dict)
    #: the closest passages: this practice's and the match's (similar practices), or the match's (search)
    passages: tuple[str, ...] | None = None
    #: the project or programme the practice comes from (INNOCRAFTS, URBACT)
    origin: str = ""

    @property
    def why(self) -> str:
        """The reasons in English, in one line."""
        return english(self.reasons)

    def as_json(self) -> dict:
        return {
            "iri": self.iri,
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "why": self.why,
            "shared": self.shared,
            "passages": list(self.passages) if self.passages else None,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class Similar:
    """The answer for one practice: its matches, or the reason there are none (`message` says it in English)."""

    practice: Practice
    matches: list[Match]
    reason: Reason | None = None

    @property
    def message(self) -> str:
        return english([self.reason]) if self.reason else ""


@lru_cache(maxsize=1)
def _threadpools():
    from threadpoolctl import ThreadpoolController  # scikit-learn's dependency

    return ThreadpoolController()


def _one_thread():
    """BLAS on one thread for a request: its products are small, and waking a second thread for each cost
    more than it saved (similar's p99 at 10,000 practices: 19 ms, against 157 with two threads)."""
    return _threadpools().limit(limits=1, user_api="blas")


def _shorten(text: str, limit: int = 110) -> str:
    """A passage on one line, cut at a word (a quoted reason must not break a list or a table)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


class SimilarityIndex:
    """The practices of one data version with their text and passage vectors."""

    def __init__(
        self,
        practices: list[Practice],
        encoder: Encoder,
        vectors: Vectors | np.ndarray | None = None,
        passage_vectors: Vectors | np.ndarray | None = None,
        *,
        text_weight: float = TEXT_WEIGHT,
    ):
        """Vectors given as arrays are taken as dense ones (another model's, made elsewhere)."""
        self.practices, self.encoder, self.text_weight = practices, encoder, text_weight
        self._by_iri = {p.iri: i for i, p in enumerate(practices)}
        self._passages = [p.passages() for p in practices]
        self._offsets = np.cumsum([0] + [len(ps) for ps in self._passages])
        self._has_text = np.array([p.has_text for p in practices], dtype=bool)  # asked on every request
        if vectors is None:
            # fitted on every body (a title alone too), but a practice without text has no vector
            vectors = encoder.fit_encode([p.body for p in practices]).masked(self._has_text)
            passage_vectors = encoder.encode([s for ps in self._passages for _, s in ps])
        self.vectors = vectors if isinstance(vectors, Vectors) else Vectors(dense=vectors)
        self.passage_vectors = (
            passage_vectors if isinstance(passage_vectors, Vectors) else Vectors(dense=passage_vectors)
        )
        self._facets = [{(k, v) for k, vs in p.facets.items() for v in vs} for p in practices]
        # the facets as a practice x facet matrix of ones, so one request's Jaccards are one product
        columns: dict[tuple[str, str], int] = {}
        cells = [columns.setdefault(f, len(columns)) for fs in self._facets for f in sorted(fs)]
        ends = np.cumsum([0] + [len(fs) for fs in self._facets])
        self._facet_rows = sp.csr_matrix((np.ones(len(cells)), cells, ends), (len(practices), max(len(columns), 1)))
        self._facet_counts = np.diff(ends).astype(np.float64)

    @property
    def method(self) -> str:
        return self.encoder.name

    def resolve(self, key: str) -> Practice:
        """A practice by its IRI or id (IC-GP01); a clear error when there is none or several."""
        if key in self._by_iri:  # an IRI: no scan of every practice
            return self.practices[self._by_iri[key]]
        return resolve_practice(self.practices, key)

    def similar(self, key: str, top: int = 5) -> Similar:
        """The `top` practices most like `key`, the practice itself left out, best first (ties by IRI)."""
        practice = self.resolve(key)
        if not practice.has_text:
            return Similar(practice, [], Reason("no_text", {"title": practice.title or practice.iri}))
        i = self._by_iri[practice.iri]
        with _one_thread():
            text = self.vectors @ self.vectors[i]
            facets = self._jaccards(i)
            scores = self.text_weight * text + (1 - self.text_weight) * facets
            order: list[int] = []
            for j in np.lexsort((np.arange(len(scores)), -scores)):  # stop at `top`: the rest are never shown
                if len(order) >= top:
                    break
                if j != i and self._has_text[j]:
                    order.append(j)
            return Similar(practice, [self._match(i, j, float(scores[j])) for j in order])

    def search(self, text: str, top: int = 10) -> list[Match]:
        """The practices whose text is closest in meaning to `text`, best first; none below SEARCH_FLOOR."""
        if not text.strip() or not self.practices:
            return []
        with _one_thread():
            return self._search(text, top)

    def _search(self, text: str, top: int) -> list[Match]:
        query = self.encoder.encode([text])[0]
        scores = self.vectors @ query
        passages = self.passage_vectors @ query if len(self.passage_vectors) else np.zeros(0)
        # a practice whose one sentence says it all counts as much as one whose whole text is about it
        best = scores.copy()
        counts = np.diff(self._offsets)
        if len(passages):  # each practice's best sentence, in one pass over the passages
            with_passages = counts > 0
            starts = self._offsets[:-1][with_passages]
            best[with_passages] = np.maximum(best[with_passages], np.maximum.reduceat(passages, starts))
        order = [j for j in np.lexsort((np.arange(len(best)), -best)) if best[j] >= SEARCH_FLOOR]
        result = []
        for j in order[:top]:
            lo, hi = self._offsets[j], self._offsets[j + 1]
            passage = self._passages[j][int(np.argmax(passages[lo:hi]))] if hi > lo else None
            p = self.practices[j]
            why = Reason("passage", {"field": passage[0], "text": _shorten(passage[1])}) if passage else Reason("title")
            shown = (passage[1],) if passage else None
            result.append(Match(p.iri, p.id, p.title, float(best[j]), (why,), passages=shown, origin=p.origin))
        return result

    def _jaccard(self, i: int, j: int) -> float:
        a, b = self._facets[i], self._facets[j]
        return len(a & b) / len(a | b) if a and b else 0.0

    def _jaccards(self, i: int) -> np.ndarray:
        """`_jaccard(i, j)` for every j: |A & B| / (|A| + |B| - |A & B|), 0 when either has no facet."""
        both = self._facet_rows @ self._facet_rows[i].toarray().ravel()
        counts, own = self._facet_counts, self._facet_counts[i]
        union = counts + own - both
        return np.divide(both, union, out=np.zeros_like(both), where=(counts > 0) & (own > 0))

    def _closest(self, i: int, j: int) -> tuple[str, str] | None:
        a = self.passage_vectors[self._offsets[i] : self._offsets[i + 1]]
        b = self.passage_vectors[self._offsets[j] : self._offsets[j + 1]]
        if not len(a) or not len(b):
            return None
        sims = a.similarity(b)
        x, y = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[x, y] < PASSAGE_FLOOR:
            return None
        return self._passages[i][x][1], self._passages[j][y][1]

    def _match(self, i: int, j: int, score: float) -> Match:
        p, q = self.practices[i], self.practices[j]
        shared = {
            k: sorted(p.facets.get(k, set()) & q.facets.get(k, set())) for k in ("themes", "sectors", "target groups")
        }
        shared = {k: v for k, v in shared.items() if v}
        passages = self._closest(i, j)
        parts = []
        if shared:
            parts.append(Reason("shared_facets", {k.replace(" ", "_"): v for k, v in shared.items()}))
        if passages:
            parts.append(Reason("passage", {"field": "", "text": _shorten(passages[1])}))
        return Match(
            q.iri, q.id, q.title, score, tuple(parts) or (Reason("wording"),), shared, passages, origin=q.origin
        )

    # the cache ------------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the vectors beside the store's data, through a temporary file (readers never see half)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name of this writer's own, which no prune's glob sees (a leading dot); flushed before it is renamed
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
        tmp = Path(name)
        try:
            with os.fdopen(handle, "wb") as f:
                np.savez(
                    f,
                    format=np.array(_FORMAT),
                    texts=np.array(_digest(self.practices)),
                    **self.vectors.arrays("vectors"),
                    **self.passage_vectors.arrays("passages"),
                    **{f"encoder.{k}": v for k, v in self.encoder.kept().items()},
                )
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, practices: list[Practice], encoder: Encoder) -> SimilarityIndex | None:
        """The index kept in `path`, if it was made from exactly these practices' texts (else None)."""
        try:
            with path.open("rb") as f, np.load(f) as kept:  # our handle: closed also when np.load fails
                if int(kept["format"]) != _FORMAT:
                    return None
                if str(kept["texts"]) != _digest(practices):
                    return None
                vectors, passages = Vectors.from_arrays(kept, "vectors"), Vectors.from_arrays(kept, "passages")
                # queries need TF-IDF's vocabulary and the model loaded
                encoder.restore({k.removeprefix("encoder."): kept[k] for k in kept.files if k.startswith("encoder.")})
        except Exception as e:  # noqa: BLE001 - a damaged file (cut short, empty, not a zip) is made again
            LOG.warning("the kept practice vectors in %s cannot be read (%s); they are made again", path, e)
            path.unlink(missing_ok=True)
            return None
        return cls(practices, encoder, vectors, passages)


def _digest(practices: list[Practice]) -> str:
    """What the vectors were made of, in a few bytes: every practice's IRI and each of its fields' text (the
    body, whether it has text and its passages all follow from them), in order."""
    digest = hashlib.sha256(f"{_FORMAT}\0".encode())
    for p in practices:
        digest.update(f"{p.iri}\0".encode())
        for name in sorted(p.texts):
            digest.update(f"{name}\0{p.texts[name]}\0".encode())
        digest.update(b"\1")
    return digest.hexdigest()


def build_index(store: Store, ns: Namespaces, method: str) -> SimilarityIndex:
    """An index of the store's practices made now (no cache)."""
    return SimilarityIndex(read_practices(store, ns), encoder_for(method))


def practice_index(store: Store, ns: Namespaces, method: str) -> SimilarityIndex:
    """The index of the store's current practices: read back when these practices' texts were compared by
    this method before (in any state of the data: an import that touches no practice computes nothing), else
    made and kept (a store in memory or on read-only media keeps none)."""
    practices = read_practices(store, ns)
    folder = store.content_cache_dir()
    path = folder / "similarity" / f"{method}-{_digest(practices)[:32]}.npz" if folder is not None else None
    if path is not None and path.exists():
        index = SimilarityIndex.load(path, practices, encoder_for(method))
        if index is not None:
            return index
    index = SimilarityIndex(practices, encoder_for(method))
    if path is not None:
        try:
            index.save(path)
            _prune(path)
        except OSError as e:  # a full disk: serve what was computed, say why it is not kept
            LOG.warning("the practice vectors were not kept in %s: %s", path, e)
    return index


#: How many sets of vectors a method keeps (the newest): the current data's and a few before it, which a web
#: process still serving the previous version may be reading.
KEEP = 3


def _prune(path: Path) -> None:
    """Remove the method's older vector files beyond the newest KEEP."""
    method = path.name.rsplit("-", 1)[0]
    found = sorted(path.parent.glob(f"{method}-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[KEEP:]:
        old.unlink(missing_ok=True)
