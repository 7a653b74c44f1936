"""`kg --help` and `kg --version` start without the heavy libraries: each command imports what it calls.

Behavioural, not timed: a fresh interpreter runs the command line, then says which modules it loaded.
bench/ measures the time; these tests only check that the libraries stay out of the start.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kg.cli.commands import QUERY_FORMATS
from kg.cli.output import GRAPH_FORMATS, SELECT_FORMATS

#: Libraries that only the commands which use them may load (rdflib and the loader are heavy too).
HEAVY = ("pyshacl", "networkx", "pyoxigraph", "sklearn", "igraph", "rdflib", "kg.ingest.loader", "kg.store")

_RUN = """
import json, sys
sys.argv = ["kg", *{args!r}]
try:
    {code}
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(args: list[str], code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` with `kg ARGS` as its arguments."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(args=args, code=code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_loads_no_heavy_library():
    assert _heavy(_loaded([], "import kg.cli")) == []


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["query", "--help"], ["network", "--help"], ["serve", "--help"]]
)
def test_the_help_and_the_version_load_no_heavy_library(args):
    modules = _loaded(args, "from kg.cli import main; main()")
    assert "kg.cli.network" in modules  # the whole command line was read
    assert _heavy(modules) == []


def test_the_query_formats_written_out_are_the_output_formats():
    assert QUERY_FORMATS == (*SELECT_FORMATS, *GRAPH_FORMATS)
