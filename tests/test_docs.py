"""The manual (docs/, mkdocs.yml): its references are generated from the code, and nothing goes undocumented.

The command reference is written by mkdocs-click from the click group, the others by docs/gen_reference.py
(settings, HTTP routes, saved queries, mapping keys); these tests check that what they read has the text
they print, that each generated part is on its page, and that README.md opens with the two set-up commands.
`make docs` (part of `make test`) builds the site in strict mode; test_the_site_builds_in_strict_mode too.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from kg.cli import cli
from kg.config import SETTINGS
from kg.ingest.schema import COLUMN_KEYS, MAPPING_KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")

_spec = importlib.util.spec_from_file_location("coopkg_docs_gen_reference", DOCS / "gen_reference.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def _commands(command: click.Command, path: str = "kg"):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, f"{path} {name}")


COMMANDS = dict(_commands(cli))
OPTIONS = [
    (f"{path} {max(param.opts, key=len)}", param)
    for path, command in COMMANDS.items()
    for param in command.params
    if isinstance(param, click.Option) and not param.hidden
]


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_has_help_text(path):
    command = COMMANDS[path]
    assert (command.help or command.short_help or "").strip(), f"`{path}` has no help text (its docstring)"


@pytest.mark.parametrize("option", OPTIONS, ids=[name for name, _ in OPTIONS])
def test_every_option_has_help_text(option):
    name, param = option
    assert (param.help or "").strip(), f"`{name}` has no help= text"


def test_the_command_reference_is_generated_from_the_click_group():
    page = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    assert re.search(r"^::: mkdocs-click\n    :module: kg\.cli\n    :command: cli\n", page, flags=re.M)
    assert "mkdocs-click" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.env for s in SETTINGS])
def test_every_setting_has_help_text_and_its_own_entry(setting):
    assert setting.help.strip(), f"{setting.env} has no help text in kg.config.SETTINGS"
    heading = rf"^### `{setting.env}`\n\nDefault: `[^`]*` · `Config\.{setting.name}`\n\n(.+)$"
    entry = re.search(heading, SETTINGS_MD, re.M)
    assert entry and entry.group(1).strip(), f"{setting.env} has no entry in the generated settings reference"


SETTINGS_MD = gen.settings_markdown()
QUERIES = gen.saved_queries()
QUERIES_MD = gen.saved_queries_markdown()
MAPPING_MD = gen.mapping_keys_markdown()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_is_in_the_reference_by_its_whole_name(name):
    # a heading and a table cell of its own: the bare word ("events", "transfers") is everywhere in the text
    assert re.search(rf"^### `{re.escape(name)}` \{{#{re.escape(name)}\}}$", QUERIES_MD, re.M), name
    assert f"| [`{name}`](#{name}) |" in QUERIES_MD, name
    assert QUERIES[name].description.strip(), f"the saved query {name} has no #+ description"


@pytest.mark.parametrize(
    "part,key", [("mapping", k) for k in MAPPING_KEYS] + [("column", k) for k in COLUMN_KEYS], ids=str
)
def test_every_mapping_key_is_in_the_reference_with_its_meaning(part, key):
    anchor = f"{part}-{key.replace('_', '-')}"
    entry = re.search(rf"^### `{key}` \{{#{anchor}\}}\n\n(.+)$", MAPPING_MD, re.M)
    assert entry and len(entry.group(1)) > 10, f"the {part} key {key} has no entry in the mapping-key reference"


def test_the_mapping_key_texts_name_no_key_the_code_lacks():
    texts = gen.mapping_key_texts()
    assert list(texts["mapping"]) and set(texts["mapping"]) == set(MAPPING_KEYS)
    assert set(texts["column"]) == set(COLUMN_KEYS)


def test_every_http_route_is_in_the_reference():
    table = gen.routes_markdown()
    rules = {rule for rule, *_ in gen.routes()}
    expected = ("/sparql", "/api/openapi.json", "/api/queries/<name>", "/healthz", "/admin/rebuild", "/id/<path:path>")
    assert set(expected) <= rules
    for rule in rules:
        assert f"| `{rule.replace('|', chr(92) + '|')}` |" in table, rule
    assert "/api/openapi.json" in (DOCS / "reference" / "http.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "page,name",
    [
        ("reference/settings.md", "settings"),
        ("reference/http.md", "routes"),
        ("reference/saved-queries.md", "saved-queries"),
        ("reference/mapping-keys.md", "mapping-keys"),
        ("explanation/architecture.md", "import-contracts"),
    ],
)
def test_each_generated_part_is_on_its_page(page, name):
    markers = gen.MARKER.findall((DOCS / page).read_text(encoding="utf-8"))
    assert markers == [name]
    assert name in gen.GENERATORS


def test_the_architecture_picture_is_the_import_contracts():
    picture = gen.import_contracts_markdown()
    for layer in ("kg.cli", "api", "kg.link", "kg.validate", "kg.store", "kg.parsed_query"):
        assert re.search(rf"^{re.escape(layer)}\n  \|$", picture, re.M), layer
    assert "kg.store.oxigraph" in picture


def _nav_pages(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return [p for item in nav for p in _nav_pages(item)]


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages


def test_the_site_loads_no_fonts_from_google():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["name"] == "material" and config["theme"]["font"] is False
    assert config["strict"] is True


def test_tables_stay_readable():
    # a long cell belongs in prose or a list: no table row in the manual or the benchmarks is a wall of text
    for path in [*DOCS.rglob("*.md"), ROOT / "bench" / "README.md", ROOT / "README.md"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("|"):
                assert len(line) <= 400, f"{path.relative_to(ROOT)}:{number} is a table row of {len(line)} characters"


def test_readme_opens_with_the_two_setup_commands():
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", README, flags=re.S)
    assert blocks, "no code block in README.md"
    first = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.split("#")[0].strip()]
    assert first == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_links_into_the_manual_resolve():
    links = re.findall(r"\]\(((?:docs|bench)/[^)#]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).is_file(), f"README.md links to {link}, which does not exist"


def test_make_test_builds_the_manual():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\bdocs\b", makefile, re.M)
    assert re.search(r"^docs:.*\n\t.*mkdocs build --strict", makefile, re.M)


@pytest.mark.slow
def test_the_site_builds_in_strict_mode(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING" not in done.stderr
    # the pages load nothing from another host (Material's own bundle only fetches a mermaid or polyfill
    # script for a page with a diagram or an old browser; the pages have neither)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        external = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//[^\"]*\"", html)
        assert not external, f"{page.relative_to(site)} loads {external}"
    for name in ("settings", "http", "saved-queries", "mapping-keys", "commands"):
        html = (site / "reference" / name / "index.html").read_text(encoding="utf-8")
        assert "generated:" not in html
    assert "KG_LINK_REVIEW_THRESHOLD" in (site / "reference" / "settings" / "index.html").read_text(encoding="utf-8")
    assert "--allow-invalid" in (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
