"""The `kg` command line: `commands` holds the group and the data commands, `network` the network group, `practices` the
good-practice group,
`serve` the web service (the one module of `kg` that imports `api`), `output` how results are printed."""

from __future__ import annotations

from kg.cli import network as _network
from kg.cli import practices as _practices
from kg.cli import serve as _serve
from kg.cli.commands import cli, main

cli.add_command(_network.network)
cli.add_command(_practices.practices)
cli.add_command(_serve.serve)

__all__ = ["cli", "main"]
