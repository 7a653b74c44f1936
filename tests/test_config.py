"""The settings table is the one source of Config: every field takes its own setting's default, by name."""

from __future__ import annotations

from dataclasses import fields

import pytest

from kg.config import SETTINGS, Config
from kg.errors import KGError


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_each_field_takes_its_own_settings_default(setting):
    assert getattr(Config(), setting.name) == setting.default
    field = next(f for f in fields(Config) if f.name == setting.name)
    assert field.type == type(setting.default).__name__


def test_the_environment_round_trips_every_setting():
    config = Config(query_timeout=2.5, workers=3, read_only=True, similarity="tfidf", link_review="none")
    assert Config.from_env(config.environment()) == config


@pytest.mark.parametrize("env, value", [("KG_WORKERS", "two"), ("KG_READ_ONLY", "maybe"), ("KG_QUERY_TIMEOUT", "1s")])
def test_a_badly_typed_setting_names_the_variable(env, value):
    with pytest.raises(KGError, match=env):
        Config.from_env({env: value})
