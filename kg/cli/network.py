"""`kg network`: the collaboration networks as files, their measures, recommendations and timeline."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.commands import OUTPUT_OPTION, user_errors
from kg.config import Config
from kg.pipeline import open_store


def _filter_options(func):
    """--programme, --project (several), --source and --year, shared by the export and the measures."""
    options = [
        click.option(
            "--programme",
            metavar="TEXT",
            help="Only the projects of this programme: its id, IRI or label, or a part of the label "
            "(case-insensitive; 'Interreg IVC' finds INTERREG IVC).",
        ),
        click.option(
            "--project",
            "projects",
            metavar="TEXT",
            multiple=True,
            help="Only this project: its acronym, id or IRI (case-insensitive); repeat for several.",
        ),
        click.option(
            "--source",
            metavar="TEXT",
            help="Only the projects stated by this source: the folder their files were loaded from "
            "(innocrafts, urbact, ...; the named graphs <base>graph/FOLDER/...), or an IRI prefix of graphs.",
        ),
        click.option(
            "--year",
            type=int,
            metavar="N",
            help="Only the links of that year: projects running then, events held then (no transfers); "
            "org, city and country networks.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(programme: str | None, projects: tuple[str, ...], source: str | None, year: int | None) -> dict:
    return {"programme": programme, "projects": projects, "source": source, "year": year}


@click.group(invoke_without_command=True)
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
@_filter_options
@click.pass_context
@user_errors
def network(
    ctx: click.Context,
    kind: str,
    fmt: str,
    output: Path | None,
    programme: str | None,
    projects: tuple[str, ...],
    source: str | None,
    year: int | None,
) -> None:
    """Export a collaboration network built from the graph (see also `kg network metrics`).

    Nodes are labelled with names (organisations, cities, countries); the file says what an edge weight
    counts (GEXF: its description; GraphML and JSON: the graph attribute edge_weight)."""
    if ctx.invoked_subcommand is not None:
        return
    from kg.network.build import build_network, write_network

    config: Config = ctx.obj
    with open_store(config, read_only=True) as store:
        graph = build_network(store, config.ns, kind, **_filters(programme, projects, source, year))
    text = write_network(graph, fmt, output)
    if text is not None:
        click.echo(text, nl=False)


@network.command("metrics")
@click.option(
    "--kind",
    type=click.Choice(["org", "city", "country", "transfer"]),
    default="org",
    show_default=True,
    help="The network to measure: organisations, cities, countries, or practice transfers between places.",
)
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
@_filter_options
@click.pass_obj
@user_errors
def network_metrics(
    config: Config,
    kind: str,
    top: int,
    by: str,
    communities: int,
    save: bool,
    programme: str | None,
    projects: tuple[str, ...],
    source: str | None,
    year: int | None,
) -> None:
    """Print the network's summary, its most central nodes and its communities.

    deg is the number of neighbours, ndeg the same normalised (deg / (nodes - 1), networkx's degree
    centrality), wdeg the sum of the edge weights (see `kg network --help` for what a weight counts)."""
    from datetime import UTC, datetime

    from kg.network.build import EDGE_WEIGHTS, analyse_network, save_metrics

    if save and (programme or projects or source or year is not None):
        # the graph <base>graph/network/KIND holds the whole network's measures, which a part must not replace
        raise click.UsageError("--save keeps the whole network's measures: leave out the filters to save them")
    with open_store(config, read_only=True) as store:
        analysis = analyse_network(store, config.ns, kind, **_filters(programme, projects, source, year))
    if "selection" in analysis.parameters:
        click.echo(f"filters: {analysis.parameters['selection']}")
    facts = analysis.summary
    click.echo(", ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in facts.items()))
    rows = sorted(analysis.rows, key=lambda r: (-r[by], r["label"]))
    click.echo(
        f"\n{'node':<58} {'deg':>4} {'ndeg':>6} {'wdeg':>5} {'betw':>6} {'close':>6} {'prank':>6} {'clust':>6} "
        f"{'comm':>4} broker"
    )
    for r in rows[:top]:
        click.echo(
            f"{r['label'][:58]:<58} {r['degree']:>4} {r['degree_centrality']:>6.3f} {r['weighted_degree']:>5} "
            f"{r['betweenness']:>6.3f} {r['closeness']:>6.3f} {r['pagerank']:>6.3f} {r['clustering']:>6.3f} "
            f"{r['community']:>4} {'yes' if r['articulation_point'] else ''}"
        )
    click.echo(f"\nwdeg: the sum of the weights of a node's edges; an edge's weight is {EDGE_WEIGHTS[kind]}")
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
        with open_store(config) as store:
            iri = save_metrics(store, config.ns, kind, rows, analysis.parameters, when)
        click.echo(f"\nsaved into the graph as <{iri}>")


@network.command("recommend")
@click.argument("organisation")
@click.option("--top", default=5, show_default=True, help="How many of each to list.")
@click.pass_obj
@user_errors
def network_recommend(config: Config, organisation: str, top: int) -> None:
    """Good practices worth studying and potential new partners for ORGANISATION (its id, e.g. P01, or IRI)."""
    from kg.network.recommend import Network, recommend_partners, recommend_practices, resolve_organisation

    coop = str(config.ns.coop)
    with open_store(config, read_only=True) as store:
        iri = resolve_organisation(store, coop, organisation)
        network = Network.read(store, coop)
        practices = recommend_practices(store, coop, iri, top, network=network)
        partners = recommend_partners(store, coop, iri, top, network=network)
    labels = dict(zip(network.nodes, network.labels, strict=True))
    click.echo(f"for {labels.get(iri, iri)}\n\ngood practices worth studying:")
    for r in practices:
        click.echo(f"  {r.score:>6.2f}  {r.label}: {r.why}")
    click.echo("\npotential new partners:")
    for r in partners:
        click.echo(f"  {r.score:>6.2f}  {r.label}: {r.why}")
    if not partners:
        click.echo("  none: no organisation shares a partner with it yet")


@network.command("timeline")
@click.option(
    "--kind",
    type=click.Choice(["org", "city", "country"]),
    default="org",
    show_default=True,
    help="Whose network to follow year by year: organisations, cities or countries.",
)
@click.pass_obj
@user_errors
def network_timeline(config: Config, kind: str) -> None:
    """How the network changed: one line a year, from the projects running and the events held that year;
    then what each column counts, and the projects that could not be placed in time (no dates)."""
    from kg.network.timeline import COUNTED, network_timeline

    with open_store(config, read_only=True) as store:
        timeline = network_timeline(store, config.ns, kind)
    click.echo(
        f"{'year':<6} {'projects':>8} {'linked':>7} {'edges':>6} {'density':>8} {'components':>11} "
        f"{'communities':>12} {'by programme':>13}"
    )
    for r in timeline.rows:
        click.echo(
            f"{r['year']:<6} {r['projects']:>8} {r['linked']:>7} {r['edges']:>6} {r['density']:>8.3f} "
            f"{r['components']:>11} {r['communities']:>12} {'~' + str(r['by programme']):>13}"
        )
    click.echo("\nwhat is counted:")
    for column, meaning in COUNTED.items():
        click.echo(f"  {column}: {meaning}")
    undated = timeline.undated
    click.echo(f"\nnot placed in time (no start date or year): {len(undated)} of {timeline.projects} projects")
    shown = 20
    for p in undated[:shown]:
        click.echo(f"  {p.name}  <{p.iri}>")
    if len(undated) > shown:
        click.echo(f"  ... and {len(undated) - shown} more")
    if timeline.approximated:
        click.echo(
            f"{len(timeline.approximated)} of them counted (~) in 'by programme' over their programme's period: "
            "an approximation"
        )
    if timeline.undated_events:
        click.echo(f"and {timeline.undated_events} events with no date")
