"""The README documents every command, setting and saved query, and opens with the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cli import cli
from kg.config import SETTINGS
from kg.ingest.schema import COLUMN_KEYS, MAPPING_KEYS
from kg.namespaces import Namespaces
from kg.query.saved import read_saved_queries

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command):
    assert re.search(rf"`kg {command}\b", README), f"kg {command} is not documented in README.md"


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.env for s in SETTINGS])
def test_every_setting_is_in_the_readme(setting):
    assert setting.env in README


@pytest.mark.parametrize("name", sorted(read_saved_queries(Namespaces())))
def test_every_saved_query_is_in_the_readme(name):
    # its own row of the saved queries' table: the bare word ("events", "transfers") is everywhere in the text
    assert f"| `{name}` |" in README, f"the saved query {name} has no row in README.md's table"


def test_readme_opens_with_the_two_setup_commands():
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", README, flags=re.S)
    assert blocks, "no code block in README.md"
    first = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.split("#")[0].strip()]
    assert first == ["make run", "make test"]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci


@pytest.mark.parametrize("key", sorted({*MAPPING_KEYS, *COLUMN_KEYS}))
def test_every_mapping_key_is_in_the_readme_reference(key):
    reference = README[README.index("### Mapping files") :]
    assert re.search(rf"^\| `{key}` \|", reference, flags=re.M), f"the mapping key {key} is not in the README"
