"""Settings: one documented table, filled from CLI flags and the environment into one Config object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from kg.errors import KGError
from kg.namespaces import DEFAULT_BASE, Namespaces


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
        "Where the graph is kept: oxigraph:PATH (an on-disk Oxigraph store; a plain PATH means the same) "
        "or memory (gone when the process ends; for tests).",
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
    Setting("workers", "KG_WORKERS", 2, "Query worker processes: how many queries run at once."),
    Setting(
        "serve_in_memory",
        "KG_SERVE_IN_MEMORY",
        True,
        "Query workers copy the store into memory at start (faster aggregates); false reads it from disk.",
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
        "Comma-separated IRI prefixes that SPARQL SERVICE may call; empty refuses every SERVICE.",
    ),
)


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


@dataclass(frozen=True)
class Config:
    """Everything a command or the web service needs to know, built once and passed down."""

    store: str = SETTINGS[0].default
    base_iri: str = SETTINGS[1].default
    shacl_sample: int = SETTINGS[2].default
    query_timeout: float = SETTINGS[3].default
    max_result_bytes: int = SETTINGS[4].default
    workers: int = SETTINGS[5].default
    serve_in_memory: bool = SETTINGS[6].default
    max_request_bytes: int = SETTINGS[7].default
    service_allow: str = SETTINGS[8].default

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

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    @property
    def ns(self) -> Namespaces:
        return Namespaces(self.base_iri)

    @property
    def service_prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.service_allow.split(",") if p.strip())


assert {f.name for f in fields(Config)} == {s.name for s in SETTINGS}
