"""`kg network`: the collaboration networks as files, their measures, recommendations and timeline."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.commands import OUTPUT_OPTION, _open, _user_errors
from kg.config import Config
from kg.errors import KGError


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
@click.pass_context
@_user_errors
def network(ctx: click.Context, kind: str, fmt: str, output: Path | None) -> None:
    """Export a collaboration network built from the graph (see also `kg network metrics`)."""
    if ctx.invoked_subcommand is not None:
        return
    from kg.network.build import build_network, write_network

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

    from kg.network.build import analyse_network, save_metrics

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
    from kg.network.recommend import Network, recommend_partners, recommend_practices, resolve_organisation

    coop = str(config.ns.coop)
    with _open(config, read_only=True) as store:
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
@click.option("--kind", type=click.Choice(["org", "city", "country"]), default="org", show_default=True)
@click.pass_obj
@_user_errors
def network_timeline(config: Config, kind: str) -> None:
    """How the network changed: one line a year, from the projects running and the events held that year."""
    from kg.network.build import build_network
    from kg.network.metrics import summary

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
