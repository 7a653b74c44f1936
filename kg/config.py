"""Settings: one documented table, filled from CLI flags and the environment into one Config object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kg.errors import KGError

if TYPE_CHECKING:  # kg.namespaces loads rdflib, which `kg --help` and `kg --version` do without
    from kg.namespaces import Namespaces

#: The base IRI of the files shipped with the project (kg.namespaces moves them to a configured base).
DEFAULT_BASE = "https://w3id.org/coopkg/"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        "KG_STORE",
        "oxigraph:kg-store",
        "Where the graph is kept: oxigraph:PATH (an on-disk Oxigraph store; a plain PATH means the same), "
        "memory (gone when the process ends; for tests), or sparql:QUERY_URL[,UPDATE_URL] (a SPARQL server "
        "such as Virtuoso, Fuseki or GraphDB).",
    ),
    Setting(
        "base_iri",
        "KG_BASE_IRI",
        DEFAULT_BASE,
        "The base of every IRI the graph mints (ontology, concepts, entities, graphs); ends with '/'.",
    ),
    Setting(
        "shacl_sample",
        "KG_SHACL_SAMPLE",
        150,
        "A class with more than 1,000 entities (and more than this) is checked by SHACL on a sample of this "
        "many of them; the loader still checks every row. 0 means check every entity.",
    ),
    Setting(
        "query_timeout",
        "KG_QUERY_TIMEOUT",
        10.0,
        "Seconds a SPARQL query may run on the server before it is stopped (HTTP 503).",
    ),
    Setting(
        "max_result_bytes",
        "KG_MAX_RESULT_BYTES",
        50_000_000,
        "The largest serialised query result the server sends (larger: HTTP 400, asking for a LIMIT).",
    ),
    Setting("workers", "KG_WORKERS", 2, "Query worker processes in each web process: the queries it runs at once."),
    Setting(
        "processes",
        "KG_PROCESSES",
        0,
        "Web processes `kg serve` runs (granian workers), each with its own KG_WORKERS query workers and caches; "
        "a reload reaches every one. 0: one per core, at most one per 600 MiB of available memory (measured, "
        "with two query workers on disk: 255 MiB a process on the bundled data, about 550 on H2020's 1.4M quads).",
    ),
    Setting(
        "spare_workers",
        "KG_SPARE_WORKERS",
        0,
        "Query workers kept loaded and idle, to take a stopped worker's place, where workers cannot be forked "
        "(not Linux): there each loads the store itself, which takes seconds. On Linux the workers are forked "
        "from one process that loaded the store, and a stopped one is replaced in milliseconds.",
    ),
    Setting(
        "serve_in_memory",
        "KG_SERVE_IN_MEMORY",
        False,
        "true: the query workers hold one copy of the store in memory (made at start), instead of reading it "
        "on disk. bench/workers.py on H2020: lookups and aggregates as fast on disk, in under a tenth of the "
        "memory (55 against 808 MiB, 118 against 1,856 MiB).",
    ),
    Setting(
        "max_request_bytes",
        "KG_MAX_REQUEST_BYTES",
        1_000_000,
        "The largest request body (a POSTed query) the server accepts (larger: HTTP 413).",
    ),
    Setting(
        "service_allow",
        "KG_SERVICE_ALLOW",
        "",
        "Comma-separated endpoint addresses that SPARQL SERVICE may call (matched by scheme, host, port and path "
        "prefix); empty refuses every SERVICE and cuts the query workers off the network.",
    ),
    Setting(
        "read_only",
        "KG_READ_ONLY",
        True,
        "Public mode: the server only reads. false (kg serve --admin) adds /admin/rebuild and /admin/reload, "
        "which need KG_ADMIN_TOKEN.",
    ),
    Setting(
        "admin_token",
        "KG_ADMIN_TOKEN",
        "",
        "The secret an admin request sends as 'Authorization: Bearer TOKEN'. Required by --admin; keep it out "
        "of the command line and of version control.",
    ),
    Setting(
        "data",
        "KG_DATA",
        "",
        "The folders and files /admin/rebuild builds from, separated by commas (empty: the bundled data).",
    ),
    Setting("remote_user", "KG_REMOTE_USER", "", "The user name for a sparql: store (empty: no authentication)."),
    Setting("remote_password", "KG_REMOTE_PASSWORD", "", "The password for a sparql: store."),
    Setting("remote_auth", "KG_REMOTE_AUTH", "basic", "HTTP authentication for a sparql: store: basic or digest."),
    Setting(
        "remote_timeout", "KG_REMOTE_TIMEOUT", 60.0, "Seconds to wait for a sparql: store's answer to one request."
    ),
    Setting(
        "remote_retries",
        "KG_REMOTE_RETRIES",
        4,
        "Retries of a request to a sparql: store after a connection error or a 5xx, with exponential backoff.",
    ),
    Setting("remote_batch", "KG_REMOTE_BATCH", 2000, "Triples per SPARQL Update request when loading a sparql: store."),
    Setting(
        "csp_origins",
        "KG_CSP_ORIGINS",
        "",
        "Space- or comma-separated origins the pages' Content-Security-Policy also allows for scripts, styles, "
        "images and connections (a deployment's own analytics, say); empty: the server's own only.",
    ),
    Setting(
        "link_threshold",
        "KG_LINK_THRESHOLD",
        0.85,
        "Record linkage: two organisations scoring this much or more (0..1) are linked as one (owl:sameAs in "
        "graph/links); bench/linkage.py measures precision and recall at each threshold.",
    ),
    Setting(
        "link_review_threshold",
        "KG_LINK_REVIEW_THRESHOLD",
        0.6,
        "Record linkage: pairs scoring from this up to the link threshold are left for a person to review "
        "(builds, loads, imports and kg link add them to the review file).",
    ),
    Setting(
        "link_review",
        "KG_LINK_REVIEW",
        "kg-link-review.csv",
        "The review file (CSV) of record linkage: set a pair's decision to accept or reject; every build, load, "
        "import and kg link honours it. none: no review file.",
    ),
    Setting(
        "access_log",
        "KG_ACCESS_LOG",
        True,
        "Write one JSON line per HTTP request to standard error: time, method, path, status, bytes, "
        "milliseconds, request id.",
    ),
    Setting(
        "similarity",
        "KG_SIMILARITY",
        "hybrid",
        "How practices are compared (similar practices, search by meaning): hybrid (TF-IDF and the WordLlama "
        "embedding together), tfidf or embedding; bench/similarity.py measures each.",
    ),
    Setting(
        "result_cache_bytes",
        "KG_RESULT_CACHE_BYTES",
        64_000_000,
        "Bytes of recent SPARQL results the web process keeps, to answer a repeated query without running it "
        "(keyed by the data version, so a reload never serves an old answer); 0: no cache.",
    ),
    Setting(
        "cache_max_age",
        "KG_CACHE_MAX_AGE",
        0,
        "Seconds a proxy or browser may reuse a public GET answer without asking again (Cache-Control "
        "max-age); 0: it may keep the answer but revalidates it each time (ETag and Last-Modified give 304).",
    ),
)
#: The values KG_SIMILARITY takes (kg.practices.encoders has one encoder for each).
SIMILARITY_METHODS = ("hybrid", "tfidf", "embedding")


def _parse(setting: Setting, text: str) -> Any:
    kind = type(setting.default)
    if kind is bool:
        if text.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise KGError(f"{setting.env} must be true or false, not '{text}'")
        return text.lower() in ("1", "true", "yes")
    try:
        return kind(text)
    except ValueError:
        raise KGError(f"{setting.env} must be a {kind.__name__}, not '{text}'") from None


#: Each setting's default by name: Config's fields are looked up by name, so reordering the table swaps nothing.
_DEFAULT: dict[str, Any] = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Everything a command or the web service needs to know, built once and passed down."""

    store: str = _DEFAULT["store"]
    base_iri: str = _DEFAULT["base_iri"]
    shacl_sample: int = _DEFAULT["shacl_sample"]
    query_timeout: float = _DEFAULT["query_timeout"]
    max_result_bytes: int = _DEFAULT["max_result_bytes"]
    workers: int = _DEFAULT["workers"]
    processes: int = _DEFAULT["processes"]
    spare_workers: int = _DEFAULT["spare_workers"]
    serve_in_memory: bool = _DEFAULT["serve_in_memory"]
    max_request_bytes: int = _DEFAULT["max_request_bytes"]
    service_allow: str = _DEFAULT["service_allow"]
    read_only: bool = _DEFAULT["read_only"]
    admin_token: str = _DEFAULT["admin_token"]
    data: str = _DEFAULT["data"]
    remote_user: str = _DEFAULT["remote_user"]
    remote_password: str = _DEFAULT["remote_password"]
    remote_auth: str = _DEFAULT["remote_auth"]
    remote_timeout: float = _DEFAULT["remote_timeout"]
    remote_retries: int = _DEFAULT["remote_retries"]
    remote_batch: int = _DEFAULT["remote_batch"]
    csp_origins: str = _DEFAULT["csp_origins"]
    link_threshold: float = _DEFAULT["link_threshold"]
    link_review_threshold: float = _DEFAULT["link_review_threshold"]
    link_review: str = _DEFAULT["link_review"]
    access_log: bool = _DEFAULT["access_log"]
    similarity: str = _DEFAULT["similarity"]
    result_cache_bytes: int = _DEFAULT["result_cache_bytes"]
    cache_max_age: int = _DEFAULT["cache_max_age"]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then environment variables, then explicit overrides (CLI flags) that are not None."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.env in env and env[setting.env] != "":
                values[setting.name] = _parse(setting, env[setting.env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_iri)
        if parts.scheme not in ("http", "https") or not parts.netloc or not self.base_iri.endswith("/"):
            raise KGError(
                f"the base IRI (--base-iri or KG_BASE_IRI) must be an http(s) address ending in '/', "
                f"such as https://example.org/coopkg/, not '{self.base_iri}'"
            )

        if not 0 <= self.link_review_threshold <= self.link_threshold <= 1:
            raise KGError(
                "the link thresholds must satisfy 0 <= KG_LINK_REVIEW_THRESHOLD <= KG_LINK_THRESHOLD <= 1, "
                f"not {self.link_review_threshold} and {self.link_threshold}"
            )

        if self.similarity not in SIMILARITY_METHODS:
            raise KGError(f"KG_SIMILARITY must be one of {', '.join(SIMILARITY_METHODS)}, not '{self.similarity}'")

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def environment(self) -> dict[str, str]:
        """The settings as environment variables, which `from_env` reads back into an equal Config: how a
        server's worker process, or a test's server process, gets the settings of the command that started it."""
        values = {setting.env: getattr(self, setting.name) for setting in SETTINGS}
        return {env: (str(v).lower() if isinstance(v, bool) else str(v)) for env, v in values.items()}

    @property
    def ns(self) -> Namespaces:
        from kg.namespaces import Namespaces

        return Namespaces(self.base_iri)

    @property
    def service_prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.service_allow.split(",") if p.strip())

    @property
    def review_path(self) -> Path | None:
        """The record-linkage review file, or None when there is none."""
        text = self.link_review.strip()
        return None if text.casefold() in ("", "none") else Path(text)

    @property
    def data_paths(self) -> list[str]:
        return [p.strip() for p in self.data.split(",") if p.strip()]


assert {f.name for f in fields(Config)} == {s.name for s in SETTINGS}
assert all(f.type == type(f.default).__name__ for f in fields(Config)), "a Config field's type is not its default's"
