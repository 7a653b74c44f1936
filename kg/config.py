"""Settings: one documented table, filled from CLI flags and the environment into one Config object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

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
        300,
        "Above this many entities of one class, SHACL checks a sample of that many of them (the loader "
        "still checks every row); 0 means check every entity.",
    ),
)


@dataclass(frozen=True)
class Config:
    """Everything a command or the web service needs to know, built once and passed down."""

    store: str = SETTINGS[0].default
    base_iri: str = SETTINGS[1].default
    shacl_sample: int = SETTINGS[2].default

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then environment variables, then explicit overrides (CLI flags) that are not None."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.env in env and env[setting.env] != "":
                values[setting.name] = type(setting.default)(env[setting.env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    @property
    def ns(self) -> Namespaces:
        return Namespaces(self.base_iri)


assert {f.name for f in fields(Config)} == {s.name for s in SETTINGS}
