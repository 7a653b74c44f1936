"""The `kg` command: build, load, validate, query, export, release and analyse the knowledge graph.

Each command turns its flags into a Config, opens the store, and calls one library function. Errors the
user can act on (bad files, bad queries, a missing store) are printed without a traceback, exit code 1.

Each command imports the library it calls inside its function, so that `kg --help`, `kg --version` and a
command's own help start without loading the loader, SHACL, rdflib or the network libraries
(tests/test_cli_startup.py checks it).
"""

from __future__ import annotations

import functools
import sys
import traceback
from pathlib import Path

import click

from kg.config import SETTINGS, Config
from kg.errors import KGError, ValidationFailed
from kg.pipeline import open_store

#: `kg query -f`: the names of kg.cli.output's SELECT_FORMATS, then of its GRAPH_FORMATS, written out so that
#: the options are read without loading pyoxigraph (tests/test_cli_startup.py checks that they match).
QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml")


def user_errors(func):
    """Turn the project's errors into click errors: a message (and the error's notes, one a line), no
    traceback, exit code 1. Every command of `kg` wears it (kg.cli.serve's too)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (KGError, OSError) as e:
            # the frames the error passed through let go of their variables here: a query result among them
            # must be freed on this thread, not by a later garbage collection on another
            traceback.clear_frames(e.__traceback__)
            message = str(e) if isinstance(e, KGError) else os_error_message(e)  # OSError: a file or folder
            raise click.ClickException(_with_notes(message, e)) from None

    return wrapper


def _with_notes(message: str, error: BaseException) -> str:
    return "\n".join([message, *getattr(error, "__notes__", ())])


def _echo_result(result) -> None:
    """Print a pipeline run's result (kg.pipeline.PipelineResult): the summary on stdout, warnings on stderr."""
    for line in result.lines():
        click.echo(line)
    for warning in result.warnings:
        click.echo(warning, err=True)


#: -o/--output, shared by the commands that write a file or standard output.
OUTPUT_OPTION = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout)."
)


def _progress(quiet: bool):
    return None if quiet else (lambda message: click.echo(message, err=True))


@click.group(name="kg", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    default=None,
    metavar="LOCATION",
    help=f"{SETTINGS[0].help} [env: {SETTINGS[0].env}; default: {SETTINGS[0].default}]",
)
@click.option(
    "--base-iri",
    default=None,
    metavar="IRI",
    help=f"{SETTINGS[1].help} [env: {SETTINGS[1].env}; default: {SETTINGS[1].default}]",
)
@click.version_option(package_name="coopkg")
@click.pass_context
def cli(ctx: click.Context, store: str | None, base_iri: str | None) -> None:
    """An open knowledge graph of European cooperation projects: partners, places, good practices,
    events and transfers. Build it from the bundled INNOCRAFTS data with `kg build`, then ask it
    questions with `kg query`."""
    try:
        ctx.obj = Config.from_env(store=store, base_iri=base_iri)
    except KGError as e:
        raise click.ClickException(str(e)) from None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--allow-invalid", is_flag=True, help="Keep the data even if it violates the SHACL shapes.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@user_errors
def build(config: Config, paths: tuple[Path, ...], allow_invalid: bool, quiet: bool) -> None:
    """Build a fresh store from the bundled data, or from the given files and folders.

    The ontology and the reference data (countries) are always loaded. Each file is mapped and checked,
    then the whole graph is validated against the SHACL shapes; only then does the new store replace
    the old one. On any error the old store is left as it was.
    """
    from kg import pipeline

    _echo_result(pipeline.build(config, list(paths) or None, allow_invalid=allow_invalid, progress=_progress(quiet)))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--allow-invalid", is_flag=True, help="Keep the data even if it violates the SHACL shapes.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@user_errors
def load(config: Config, paths: tuple[Path, ...], allow_invalid: bool, quiet: bool) -> None:
    """Add files or folders to the existing store, all or nothing.

    Each file goes into a named graph of its own; loading a file again replaces that graph, so
    loading the same files twice gives the same graph.
    """
    from kg import pipeline

    _echo_result(pipeline.load(config, list(paths), allow_invalid=allow_invalid, progress=_progress(quiet)))


def _show_set(ctx: click.Context, _param, name: str | None) -> None:
    """`kg import --show SET`: print a built-in mapping set, to start a mapping of one's own from."""
    if name is None or ctx.resilient_parsing:
        return
    from kg.resources import mapping_sets

    sets = mapping_sets()
    if name not in sets:
        raise click.BadParameter(f"no built-in mapping set is called '{name}' (known: {', '.join(sorted(sets))})")
    for path in sets[name]:
        click.echo(f"# ---- {path.name} (kg/ingest/mappings/sets/{name}/{path.name})")
        click.echo(path.read_text(encoding="utf-8"))
    ctx.exit(0)


@cli.command(name="import")
@click.option(
    "--show",
    metavar="SET",
    callback=_show_set,
    expose_value=False,
    is_eager=True,
    help="Print the built-in mapping set SET (its YAML) and exit: a start for a mapping of your own.",
)
@click.option(
    "--mapping",
    "-m",
    required=True,
    metavar="NAME|FILE",
    help="A built-in set of layouts (cordis, keep, interreg, h2020, urbact, practice-template, practice-list) or a "
    "mapping file (YAML) for the files' columns.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--allow-invalid", is_flag=True, help="Keep the new data even if SHACL finds violations.")
@click.option(
    "--strict", is_flag=True, help="Refuse the whole import at the first value or row that would be left out."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write the full data-quality report as PATH.csv and PATH.json (and SHACL violations as PATH-shacl.txt).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@user_errors
def import_(
    config: Config,
    mapping: str,
    paths: tuple[Path, ...],
    allow_invalid: bool,
    strict: bool,
    report_path: Path | None,
    quiet: bool,
) -> None:
    """Add files in a published layout (CORDIS and keep.eu exports, a programme's partner list).

    Each table's header row says which mappings of the set read it (a CORDIS organisations file gives
    organisations and their participations; each sheet of a spreadsheet is a table). CSV (comma or
    semicolon, plain or gzipped), XLSX, JSON arrays and CORDIS XML archives.

    \b
    All the good rows or nothing: values written another way are cleaned, a bad optional value is left out
    of its row, a row with an unusable key is left out, a link to an entity no file has gets a minimal
    one; the summary counts each, --report writes every one. --strict refuses the import instead.
    """
    from kg import pipeline

    try:
        result = pipeline.import_(
            config,
            list(paths),
            mapping,
            allow_invalid=allow_invalid,
            strict=strict,
            report_path=report_path,
            progress=_progress(quiet),
        )
    except ValidationFailed as failed:
        raise click.ClickException(_with_notes(_shacl_failure(failed, report_path), failed)) from None
    _echo_result(result)


def _shacl_failure(failed: ValidationFailed, report_path: Path | None) -> str:
    """A failed import's SHACL violations as a summary by rule, the fix first; the full list goes beside the
    data-quality report (PATH-shacl.txt) when there is one."""
    from kg.validate import summarise

    if not failed.violations:
        return str(failed)
    text = summarise(failed.violations)
    if report_path is not None:
        stem = report_path.with_suffix("") if report_path.suffix.lower() in (".csv", ".json") else report_path
        full = stem.with_name(stem.name + "-shacl.txt")
        full.write_text(failed.report + "\n", encoding="utf-8")
        where = f"every violation is listed in {full}"
    else:
        where = "--report PATH writes every violation to PATH-shacl.txt"
    return f"{text}\n{where}; --allow-invalid keeps the data anyway (`kg validate` then lists them)."


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="text: a report to read; turtle: the SHACL validation report as RDF.",
)
@click.option("--no-warnings", is_flag=True, help="List violations only.")
@click.pass_obj
@user_errors
def validate(config: Config, fmt: str, no_warnings: bool) -> None:
    """Check the store against the SHACL shapes; exit code 1 if it does not conform."""
    from kg.ingest.schema import columns_by_property
    from kg.validate import validate as validate_store

    with open_store(config, read_only=True) as store:
        report = validate_store(store, config, fields=columns_by_property(config.ns))
    if fmt == "turtle":
        click.echo(report.graph.serialize(format="turtle"))
    else:
        click.echo(report.text(warnings=not no_warnings))
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.argument("query")
@click.option(
    "-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter of a saved query (repeatable)."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="Output format; CONSTRUCT and DESCRIBE print Turtle unless told otherwise.",
)
@click.pass_obj
@user_errors
def query(config: Config, query: str, params: tuple[str, ...], fmt: str) -> None:
    """Run a SPARQL query: a saved query's name (see `kg queries`), a .rq file, or the query text.

    \b
    Examples:
      kg query partners-by-country --param acronym=INNOCRAFTS
      kg query 'SELECT ?p WHERE { ?p a coop:GoodPractice }'
      kg query my-query.rq --format csv
    """
    from kg.cli.output import write_results
    from kg.notebook import UnusedParameters, resolve_query

    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        values[name] = value
    try:
        text, substitutions, prefixes = resolve_query(config, query, values)
    except UnusedParameters as e:
        raise click.BadParameter(str(e), param_hint="--param") from None
    with open_store(config, read_only=True) as store:
        result = store.query(text, substitutions=substitutions, prefixes=prefixes)
        write_results(result, sys.stdout.buffer, fmt, config.ns.prefixes)


@cli.command()
@click.pass_obj
@user_errors
def queries(config: Config) -> None:
    """List the saved queries and their parameters."""
    from kg.query.saved import read_saved_queries

    for q in read_saved_queries(config.ns).values():
        click.echo(f"{q.name}: {q.title}")
        for p in q.parameters:
            extra = f" (default {p.default})" if p.default else ""
            extra += f" one of {', '.join(p.enum)}" if p.enum else ""
            click.echo(f"    --param {p.name}=<{p.type}>{extra}  {p.description}")


def _update_review(config: Config, linkage) -> None:
    """Add the pairs that record linkage left for a person to the review file, keeping its decisions."""
    from kg.pipeline import update_review

    update = update_review(config, linkage)
    if update is not None:
        click.echo(update.summary())


@cli.command()
@click.option(
    "--report", is_flag=True, help="List the links the store holds now (rule, score, names, evidence); change nothing."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@user_errors
def link(config: Config, report: bool, quiet: bool) -> None:
    """Link the organisations that are one (record linkage), now, with the review file's decisions.

    \b
    Rules first (a real VAT number and a name; one name, town and country), then a score over names, town,
    NUTS region, website, acronym and shared projects. Pairs scoring at least KG_LINK_THRESHOLD become
    owl:sameAs in graph/links; pairs down to KG_LINK_REVIEW_THRESHOLD are added to the review file
    (KG_LINK_REVIEW), where a person sets decision to accept or reject: every later build, load, import
    and kg link honours it. Builds, loads and imports link and update the review file too.
    """
    from kg.link.linker import relink, stored_links

    if report:
        with open_store(config, read_only=True) as store:
            links = stored_links(store, config.ns)
        click.echo(f"{len(links)} link(s) in graph/links")
        for r in links:
            click.echo(f"{r['method']:<20} {float(r['score']):.3f}  {r['leftName']} | {r['rightName']}")
            click.echo(f"{'':<27} {r['left']} = {r['right']}")
            click.echo(f"{'':<27} {r['evidence']}")
        return
    with open_store(config) as store:
        with store.transaction() as writer:
            linkage = relink(writer, config)
    click.echo("\n".join(linkage.summary(limit=0 if quiet else 10)))
    _update_review(config, linkage)


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld"]),
    default="turtle",
    show_default=True,
    help="turtle, ntriples and jsonld hold the union of all graphs; nquads and trig keep the graphs.",
)
@OUTPUT_OPTION
@click.pass_obj
@user_errors
def export(config: Config, fmt: str, output: Path | None) -> None:
    """Write the whole graph as Turtle, N-Triples, N-Quads, TriG or JSON-LD."""
    from kg.rdf import FILE_FORMATS

    with open_store(config, read_only=True) as store:
        if output is None:
            store.dump(sys.stdout.buffer, format=FILE_FORMATS[fmt], prefixes=config.ns.prefixes)
        else:
            with output.open("wb") as target:
                store.dump(target, format=FILE_FORMATS[fmt], prefixes=config.ns.prefixes)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("releases"),
    show_default=True,
    help="The folder that holds the dated release folders.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The release's date (default: today, UTC).",
)
@click.pass_obj
@user_errors
def release(config: Config, out: Path, on) -> None:
    """Write a dated release: gzipped dumps (N-Triples, Turtle, JSON-LD), SHA256SUMS and the dataset
    description (DCAT-AP 3 and VoID, catalog.ttl)."""
    from datetime import UTC, datetime

    from kg.publish.describe import StoreReader
    from kg.publish.release import release as write_release

    day = (on or datetime.now(UTC)).date()
    with open_store(config, read_only=True) as store:
        folder = write_release(store, StoreReader(store), config.ns, out, on=day)
    for path in sorted(folder.iterdir()):
        click.echo(f"{path}  {path.stat().st_size:>12,} bytes")


@cli.command()
@click.pass_obj
@user_errors
def stats(config: Config) -> None:
    """Count triples, named graphs and the entities of each class."""
    from kg.cli.output import compact

    store = open_store(config, read_only=True)
    click.echo(f"store: {store.location}")
    click.echo(f"quads: {store.count()} (triples in their named graphs)")
    click.echo(f"named graphs: {len(store.graphs())}")
    rows = store.query(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    click.echo(f"{'class':<32} {'entities':>9}")
    for row in rows:
        click.echo(f"{compact(row['class'], config.ns.prefixes):<32} {int(row['n'].value):>9}")
    coop = config.ns.coop
    one = store.query(
        f"SELECT (COUNT(DISTINCT ?one) AS ?n) WHERE {{ ?o a <{coop.Organisation}> "
        f"OPTIONAL {{ ?o <{coop.canonical}> ?c }} BIND(COALESCE(?c, ?o) AS ?one) }}"
    )
    click.echo(f"organisations once record linkage joins their IRIs: {int(next(iter(one))['n'].value)}")


def os_error_message(e: OSError) -> str:
    """Which file, and what went wrong: "cannot open 'out/x.ttl': No such file or directory (is the folder there?)"."""
    where = f" '{e.filename}'" if e.filename else ""
    hint = " (is the folder there?)" if isinstance(e, FileNotFoundError) and e.filename else ""
    return f"cannot open{where}: {e.strerror or e}{hint}"


def main() -> None:
    """The `kg` command; any error left is printed in one line, with exit code 1, never as a traceback."""
    try:
        cli(prog_name="kg")
    except KGError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except OSError as e:
        click.echo(f"Error: {os_error_message(e)}", err=True)
        sys.exit(1)
