"""`kg practices`: practices like a given one, practices found by meaning, and the catalogue in the
good-practice template."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.cli.commands import OUTPUT_OPTION, user_errors
from kg.config import Config
from kg.pipeline import open_store


@click.group()
def practices() -> None:
    """Good practices: similar ones, search by meaning, the template export."""


@practices.command("similar")
@click.argument("practice")
@click.option("--top", default=5, show_default=True, help="How many to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as /api/practices/ID/similar answers).")
@click.pass_obj
@user_errors
def similar(config: Config, practice: str, top: int, as_json: bool) -> None:
    """The practices most like PRACTICE (its id, e.g. IC-GP04, or IRI), each with the reason."""
    from kg.practices.similarity import practice_index

    with open_store(config, read_only=True) as store:
        result = practice_index(store, config.ns, config.similarity).similar(practice, top)
    if as_json:
        body = {
            "practice": {"iri": result.practice.iri, "id": result.practice.id, "title": result.practice.title},
            "method": config.similarity,
            "similar": [m.as_json() for m in result.matches],
            "message": result.message or None,
        }
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(f"practices like {result.practice.title} ({result.practice.id}):")
    if result.message:
        click.echo(f"  {result.message}")
    for m in result.matches:
        origin = f" ({m.origin})" if m.origin else ""
        click.echo(f"  {m.score:.2f}  {m.id}  {m.title}{origin}\n        {m.why}")


@practices.command("search")
@click.argument("text")
@click.option("--top", default=10, show_default=True, help="How many to list at most.")
@click.pass_obj
@user_errors
def search(config: Config, text: str, top: int) -> None:
    """Practices whose text is about TEXT, said in any words."""
    from kg.practices.similarity import practice_index

    with open_store(config, read_only=True) as store:
        found = practice_index(store, config.ns, config.similarity).search(text, top)
    if not found:
        click.echo("no practice is about that; try other words, or the keyword search (kg query)")
    for m in found:
        origin = f" ({m.origin})" if m.origin else ""
        click.echo(f"  {m.score:.2f}  {m.id}  {m.title}{origin}\n        {m.why}")


@practices.command("export")
@click.argument("practice", required=False)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="CSV (with a byte-order mark, so that Excel reads its accents) or an XLSX workbook.",
)
@OUTPUT_OPTION
@click.pass_obj
@user_errors
def export(config: Config, practice: str | None, fmt: str, output: Path | None) -> None:
    """The practice catalogue (or one PRACTICE) in the fields of the Interreg good-practice template.

    A partner may fill it in and send it back: `kg import -m practice-template FILE` reads it, by the coopkg id
    columns at the end of each row. Keep the file in a folder named after the practices' dataset (innocrafts/
    for the bundled ones): the import makes their IRIs, and finds their owners and events, in that dataset."""
    from kg.practices.template import template_rows, write_template
    from kg.practices.text import read_practices, resolve_practice

    with open_store(config, read_only=True) as store:
        iri = resolve_practice(read_practices(store, config.ns), practice).iri if practice else None
        body = write_template(template_rows(store, config.ns, iri), fmt)
    if output is None:
        if fmt == "xlsx":
            raise click.UsageError("an XLSX workbook needs a file: give -o FILE")
        click.echo(body.decode("utf-8-sig"), nl=False)
    else:
        output.write_bytes(body)
        click.echo(f"wrote {output}", err=True)
