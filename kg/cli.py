"""The `kg` command: build, load, validate, query, export, release and analyse the knowledge graph.

Each command turns its flags into a Config, opens the store, and calls one library function. Errors the
user can act on (bad files, bad queries, a missing store) are printed without a traceback, exit code 1.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from kg.config import SETTINGS, Config
from kg.errors import KGError
from kg.load import build as build_store
from kg.load import load as load_files
from kg.queries import read_saved_queries
from kg.results import GRAPH_FORMATS, SELECT_FORMATS, compact, write_results
from kg.store import RDF_FORMATS, Store, open_store
from kg.validate import validate as validate_store


def _user_errors(func):
    """Turn the project's errors into click errors: a message, no traceback, exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KGError as e:
            raise click.ClickException(str(e)) from None

    return wrapper


def _open(config: Config, *, create: bool = False, read_only: bool = False) -> Store:
    """The configured store; commands that only read open it read-only (it may sit on read-only media)."""
    return open_store(config.store, create=create, read_only=read_only, remote=config.remote)


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
@_user_errors
def build(config: Config, paths: tuple[Path, ...], allow_invalid: bool, quiet: bool) -> None:
    """Build a fresh store from the bundled data, or from the given files and folders.

    The ontology and the reference data (countries) are always loaded. Each file is mapped and checked,
    then the whole graph is validated against the SHACL shapes; only then does the new store replace
    the old one. On any error the old store is left as it was.
    """
    with _open(config, create=True) as store:
        report = build_store(store, config, list(paths) or None, allow_invalid=allow_invalid, progress=_progress(quiet))
        click.echo(report.summary())
        click.echo(f"store: {store.location}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--allow-invalid", is_flag=True, help="Keep the data even if it violates the SHACL shapes.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@_user_errors
def load(config: Config, paths: tuple[Path, ...], allow_invalid: bool, quiet: bool) -> None:
    """Add files or folders to the existing store, all or nothing.

    Each file goes into a named graph of its own; loading a file again replaces that graph, so
    loading the same files twice gives the same graph.
    """
    with _open(config) as store:
        report = load_files(store, config, list(paths), allow_invalid=allow_invalid, progress=_progress(quiet))
    click.echo(report.summary())


@cli.command(name="import")
@click.option(
    "--mapping",
    "-m",
    required=True,
    metavar="NAME|FILE",
    help="A built-in set of layouts (cordis) or a mapping file (YAML) for the files' columns.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--allow-invalid", is_flag=True, help="Keep the new data even if SHACL finds violations.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.pass_obj
@_user_errors
def import_(config: Config, mapping: str, paths: tuple[Path, ...], allow_invalid: bool, quiet: bool) -> None:
    """Add files in a published layout (CORDIS exports, a programme's partner list), all or nothing.

    Each file's header row says which mappings of the set read it (a CORDIS organisations file gives
    organisations and their participations); comma or semicolon separated, plain or gzipped.
    """
    from kg.load import import_files

    with _open(config) as store:
        report = import_files(
            store, config, mapping, list(paths), allow_invalid=allow_invalid, progress=_progress(quiet)
        )
    click.echo(report.summary())


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
@_user_errors
def validate(config: Config, fmt: str, no_warnings: bool) -> None:
    """Check the store against the SHACL shapes; exit code 1 if it does not conform."""
    with _open(config, read_only=True) as store:
        report = validate_store(store, config)
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
    type=click.Choice([*SELECT_FORMATS, *GRAPH_FORMATS]),
    default="table",
    show_default=True,
    help="Output format; CONSTRUCT and DESCRIBE print Turtle unless told otherwise.",
)
@click.pass_obj
@_user_errors
def query(config: Config, query: str, params: tuple[str, ...], fmt: str) -> None:
    """Run a SPARQL query: a saved query's name (see `kg queries`), a .rq file, or the query text.

    \b
    Examples:
      kg query partners-by-country --param acronym=INNOCRAFTS
      kg query 'SELECT ?p WHERE { ?p a coop:GoodPractice }'
      kg query my-query.rq --format csv
    """
    ns = config.ns
    saved = read_saved_queries(ns)
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        values[name] = value
    substitutions = None
    if query in saved:
        substitutions = saved[query].bindings(values)
        text = saved[query].text
    else:
        if values:
            raise click.BadParameter("parameters only go with a saved query", param_hint="--param")
        path = Path(query)
        text = path.read_text(encoding="utf-8") if query.endswith(".rq") or path.is_file() else query
        if "PREFIX" not in text.upper():
            text = ns.sparql_prefixes() + text
    with _open(config, read_only=True) as store:
        write_results(store.query(text, substitutions=substitutions), sys.stdout.buffer, fmt, ns.prefixes)


@cli.command()
@click.pass_obj
@_user_errors
def queries(config: Config) -> None:
    """List the saved queries and their parameters."""
    for q in read_saved_queries(config.ns).values():
        click.echo(f"{q.name}: {q.title}")
        for p in q.parameters:
            extra = f" (default {p.default})" if p.default else ""
            extra += f" one of {', '.join(p.enum)}" if p.enum else ""
            click.echo(f"    --param {p.name}=<{p.type}>{extra}  {p.description}")


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
@_user_errors
def export(config: Config, fmt: str, output: Path | None) -> None:
    """Write the whole graph as Turtle, N-Triples, N-Quads, TriG or JSON-LD."""
    with _open(config, read_only=True) as store:
        if output is None:
            store.dump(sys.stdout.buffer, format=RDF_FORMATS[fmt], prefixes=config.ns.prefixes)
        else:
            with output.open("wb") as target:
                store.dump(target, format=RDF_FORMATS[fmt], prefixes=config.ns.prefixes)


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
@_user_errors
def release(config: Config, out: Path, on) -> None:
    """Write a dated release: gzipped dumps (N-Triples, Turtle, JSON-LD), SHA256SUMS and the dataset
    description (DCAT-AP 3 and VoID, catalog.ttl)."""
    from datetime import UTC, datetime

    from kg.describe import StoreReader
    from kg.publish import release as write_release

    day = (on or datetime.now(UTC)).date()
    with _open(config, read_only=True) as store:
        folder = write_release(store, StoreReader(store), config.ns, out, on=day)
    for path in sorted(folder.iterdir()):
        click.echo(f"{path}  {path.stat().st_size:>12,} bytes")


@cli.command()
@click.pass_obj
@_user_errors
def stats(config: Config) -> None:
    """Count triples, named graphs and the entities of each class."""
    store = _open(config, read_only=True)
    click.echo(f"store: {store.location}")
    click.echo(f"quads: {store.count()} (triples in their named graphs)")
    click.echo(f"named graphs: {len(store.graphs())}")
    rows = store.query(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    click.echo(f"{'class':<32} {'entities':>9}")
    for row in rows:
        click.echo(f"{compact(row['class'], config.ns.prefixes):<32} {int(row['n'].value):>9}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads answering HTTP requests.")
@click.option(
    "--read-only/--admin",
    default=None,
    help="--read-only (the default, or KG_READ_ONLY) serves the public surfaces only; --admin adds "
    "/admin/rebuild and /admin/reload, which need the token in KG_ADMIN_TOKEN.",
)
@click.pass_obj
@_user_errors
def serve(config: Config, host: str, port: int, threads: int, read_only: bool | None) -> None:
    """Serve the graph over HTTP: the SPARQL endpoint and query UI at /sparql, saved queries at /api.

    Runs Waitress, a production WSGI server. Queries run in KG_WORKERS worker processes that each hold a
    copy of the store, and stop after KG_QUERY_TIMEOUT seconds. One JSON line per request goes to standard
    error (KG_ACCESS_LOG); /healthz and /readyz are for health checks.
    """
    import logging

    import waitress

    from api import create_app

    if read_only is not None:
        config = config.with_(read_only=read_only)
    with _open(config, read_only=True):  # fail early, with a clear message, if there is no store
        pass
    access = logging.getLogger("coopkg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    app = create_app(config)
    click.echo(f"serving {config.store} on http://{host}:{port}/sparql", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="coopkg")


@cli.group(invoke_without_command=True)
@click.option(
    "--kind",
    type=click.Choice(["org", "city", "country", "transfer", "bipartite"]),
    default="org",
    show_default=True,
    help="org: organisations linked by shared projects, co-hosted events and "
    "transfers; city/country: the same by place; transfer: directed, from source to target place; "
    "bipartite: organisations and projects.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["gexf", "graphml", "json", "csv"]),
    default="gexf",
    show_default=True,
    help="GEXF and GraphML open in Gephi and Cytoscape; json is node-link; csv is "
    "an edge list (and a -nodes.csv beside it when writing a file).",
)
@OUTPUT_OPTION
@click.pass_context
@_user_errors
def network(ctx: click.Context, kind: str, fmt: str, output: Path | None) -> None:
    """Export a collaboration network built from the graph (see also `kg network metrics`)."""
    if ctx.invoked_subcommand is not None:
        return
    from kg.network import build_network, write_network

    config: Config = ctx.obj
    with _open(config, read_only=True) as store:
        graph = build_network(store, str(config.ns.coop), kind)
    text = write_network(graph, fmt, output)
    if text is not None:
        click.echo(text, nl=False)


@network.command("metrics")
@click.option("--kind", type=click.Choice(["org", "city", "country", "transfer"]), default="org", show_default=True)
@click.option("--top", default=15, show_default=True, help="How many nodes to list, most central first.")
@click.option("--communities", default=20, show_default=True, help="How many communities to list, largest first.")
@click.option(
    "--by",
    type=click.Choice(["betweenness", "pagerank", "degree", "weighted_degree", "closeness"]),
    default="betweenness",
    show_default=True,
    help="The measure to rank by.",
)
@click.option(
    "--save",
    is_flag=True,
    help="Also write the measures back into the graph (named graph "
    "<base>graph/network/KIND, replaced on each run), queryable by SPARQL next to the facts.",
)
@click.pass_obj
@_user_errors
def network_metrics(config: Config, kind: str, top: int, by: str, communities: int, save: bool) -> None:
    """Print the network's summary, its most central nodes and its communities."""
    from datetime import UTC, datetime

    from kg.network import analyse_network, save_metrics

    with _open(config, read_only=True) as store:
        analysis = analyse_network(store, str(config.ns.coop), kind)
    facts = analysis.summary
    click.echo(", ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in facts.items()))
    rows = sorted(analysis.rows, key=lambda r: (-r[by], r["label"]))
    click.echo(
        f"\n{'node':<58} {'deg':>4} {'wdeg':>5} {'betw':>6} {'close':>6} {'prank':>6} {'clust':>6} {'comm':>4} broker"
    )
    for r in rows[:top]:
        click.echo(
            f"{r['label'][:58]:<58} {r['degree']:>4} {r['weighted_degree']:>5} {r['betweenness']:>6.3f} "
            f"{r['closeness']:>6.3f} {r['pagerank']:>6.3f} {r['clustering']:>6.3f} {r['community']:>4} "
            f"{'yes' if r['articulation_point'] else ''}"
        )
    click.echo(f"\ncommunities (Louvain, seed {analysis.parameters['seed']}), largest first:")
    members: dict[int, list[str]] = {}
    for r in rows:
        members.setdefault(r["community"], []).append(r["label"])
    for community, labels in sorted(members.items())[:communities]:
        click.echo(
            f"  {community}: {len(labels)} nodes: {', '.join(sorted(labels)[:8])}{' ...' if len(labels) > 8 else ''}"
        )
    if len(members) > communities:
        click.echo(f"  ... and {len(members) - communities} smaller ones (--communities N lists more)")
    click.echo(f"\nbetweenness and closeness: {analysis.parameters['betweenness']}")
    if save:
        when = datetime.now(UTC).replace(microsecond=0).isoformat()
        with _open(config) as store:
            iri = save_metrics(store, config.ns, kind, rows, analysis.parameters, when)
        click.echo(f"\nsaved into the graph as <{iri}>")


@network.command("recommend")
@click.argument("organisation")
@click.option("--top", default=5, show_default=True, help="How many of each to list.")
@click.pass_obj
@_user_errors
def network_recommend(config: Config, organisation: str, top: int) -> None:
    """Good practices worth studying and potential new partners for ORGANISATION (its id, e.g. P01, or IRI)."""
    from kg.network import build_network
    from kg.recommend import recommend_partners, recommend_practices, resolve_organisation

    coop = str(config.ns.coop)
    with _open(config, read_only=True) as store:
        iri = resolve_organisation(store, coop, organisation)
        graph = build_network(store, coop, "org")
        practices = recommend_practices(store, coop, graph, iri, top)
        partners = recommend_partners(store, coop, graph, iri, top)
    click.echo(f"for {graph.nodes[iri]['label'] if iri in graph else iri}\n\ngood practices worth studying:")
    for r in practices:
        click.echo(f"  {r.score:>6.2f}  {r.label}: {r.why}")
    click.echo("\npotential new partners:")
    for r in partners:
        click.echo(f"  {r.score:>6.2f}  {r.label}: {r.why}")
    if not partners:
        click.echo("  none: no organisation shares a partner with it yet")


@network.command("timeline")
@click.option("--kind", type=click.Choice(["org", "city", "country"]), default="org", show_default=True)
@click.pass_obj
@_user_errors
def network_timeline(config: Config, kind: str) -> None:
    """How the network changed: one line a year, from the projects running and the events held that year."""
    from kg.metrics import summary
    from kg.network import build_network

    with _open(config, read_only=True) as store:
        rows = store.query(
            "PREFIX schema: <https://schema.org/> SELECT (MIN(YEAR(?s)) AS ?first) "
            "(MAX(YEAR(?e)) AS ?last) WHERE { ?x schema:startDate ?s ; schema:endDate ?e }"
        )
        bounds = next(iter(rows))
        if bounds["first"] is None:
            raise KGError("no dated projects or events: there is no timeline to draw")
        click.echo(f"{'year':<6} {'linked':>7} {'edges':>6} {'density':>8} {'components':>11} {'communities':>12}")
        for year in range(int(bounds["first"].value), int(bounds["last"].value) + 1):
            graph = build_network(store, str(config.ns.coop), kind, year=year)
            graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
            facts = summary(graph)
            click.echo(
                f"{year:<6} {facts['nodes']:>7} {facts['edges']:>6} {facts['density']:>8.3f} "
                f"{facts['components']:>11} {facts['communities']:>12}"
            )


def main() -> None:
    cli(prog_name="kg")
