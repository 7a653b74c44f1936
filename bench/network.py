"""Measure `kg network metrics` on the real Horizon 2020 collaboration network beside plain networkx.

In one run on the same graph (bench/h2020.py's store: 144,726 participations, about 36k organisations and
797k weighted edges):
1. `kg network metrics` end to end as a child process, with an empty network cache (cold: SPARQL, the
   network, every measure) and again with the cache the first run left (warm), wall time and peak memory;
2. each measure by kg.network.metrics (igraph and a compiled kernel) and by plain networkx, timed one by one;
3. how far the values are apart: equal where the algorithm is deterministic, and the tolerance of the
   sampled and greedy ones (closeness from pivots, Louvain's modularity).

    python bench/network.py                   # builds bench/out/h2020-store first when it is missing
    python bench/network.py --skip-slow       # leave out networkx's clustering (about 95 s) and constraint
    python bench/network.py --store bench/out/synthetic-store --skip-slow   # the synthetic 100k graph
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import psutil
from h2020 import ROOT, ensure_store

from kg.namespaces import Namespaces
from kg.network import metrics
from kg.network.build import organisation_igraph
from kg.store import open_store

SEED = 42
NX_BETWEENNESS_K = 20  # the networkx figure: betweenness from 20 sampled sources


def run_cli(store: str) -> tuple[float, float]:
    """`kg network metrics` as a child process: (wall seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    proc = psutil.Popen(
        [sys.executable, "-m", "kg", "--store", store, "network", "metrics", "--top", "10"],
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    if proc.returncode != 0:
        raise SystemExit(f"kg network metrics failed with exit code {proc.returncode}")
    return time.perf_counter() - started, peak / 2**20


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-slow", action="store_true", help="leave out networkx's clustering and constraint")
    parser.add_argument(
        "--store", type=Path, help="another store folder, e.g. bench/out/synthetic-store (default: the H2020 one)"
    )
    args = parser.parse_args()
    store_path = args.store.resolve() if args.store else ensure_store()
    location = f"oxigraph:{store_path}"

    shutil.rmtree(store_path / "cache", ignore_errors=True)
    cold, cold_peak = run_cli(location)
    warm, warm_peak = run_cli(location)
    print("kg network metrics, end to end (every measure; betweenness and closeness sampled):")
    print(f"  cold (no cache): {cold:6.2f} s, peak {cold_peak:5.0f} MiB")
    print(f"  warm (cached):   {warm:6.2f} s, peak {warm_peak:5.0f} MiB      target: under 10 s", flush=True)

    with open_store(location, read_only=True) as store:
        g, nodes, _ = organisation_igraph(store, str(Namespaces().coop))
    graph = nx.Graph()
    graph.add_nodes_from(range(g.vcount()))
    graph.add_weighted_edges_from((e.source, e.target, e["weight"]) for e in g.es)
    print(f"\nnetwork: {g.vcount():,} organisations, {g.ecount():,} weighted edges", flush=True)

    n = g.vcount()
    pivots = metrics._pivots(n, NX_BETWEENNESS_K, SEED)
    ours = {
        "Louvain": timed(metrics._louvain, g, SEED),
        f"betweenness k={NX_BETWEENNESS_K}": timed(metrics._betweenness, g, pivots),
        "PageRank": timed(g.pagerank, weights="weight"),
        "clustering": timed(g.transitivity_local_undirected, mode="zero"),
        "constraint": timed(metrics.constraint, g),
    }
    theirs = {
        "Louvain": timed(nx.community.louvain_communities, graph, weight="weight", seed=SEED),
        f"betweenness k={NX_BETWEENNESS_K}": timed(nx.betweenness_centrality, graph, k=NX_BETWEENNESS_K, seed=SEED),
        "PageRank": timed(nx.pagerank, graph, weight="weight"),
    }
    if not args.skip_slow:
        theirs["clustering"] = timed(nx.clustering, graph)
    sample = random.Random(SEED).sample(range(n), 200)
    few = sample[:10]  # networkx's constraint walks neighbours of neighbours in Python: hours for the whole graph
    if not args.skip_slow:
        theirs["constraint"] = timed(nx.constraint, graph, nodes=few, weight="weight")

    print(f"\n{'measure':<20} {'kg (igraph)':>12} {'networkx':>12} {'speed-up':>9}  values")
    comparisons = {
        "Louvain": lambda: _modularity(graph, ours["Louvain"][0], theirs["Louvain"][0]),
        f"betweenness k={NX_BETWEENNESS_K}": lambda: _max_relative(
            ours[f"betweenness k={NX_BETWEENNESS_K}"][0], theirs[f"betweenness k={NX_BETWEENNESS_K}"][0]
        ),
        # networkx stops at an L1 change of n * 1e-6 by default; igraph's PRPACK solves exactly
        "PageRank": lambda: (
            _max_relative(ours["PageRank"][0], theirs["PageRank"][0])
            + ", against networkx to tol=1e-12: "
            + _max_relative(ours["PageRank"][0], nx.pagerank(graph, weight="weight", tol=1e-12, max_iter=10_000))
        ),
        "clustering": lambda: _max_relative(ours["clustering"][0], theirs["clustering"][0]),
        "constraint": lambda: (
            _max_relative({i: ours["constraint"][0][i] for i in few}, theirs["constraint"][0])
            + f" (networkx timed on {len(few)} nodes, extrapolated)"
        ),
    }
    for name, (_, seconds) in ours.items():
        if name in theirs:
            other = theirs[name][1]
            if name == "constraint":  # networkx ran on a few nodes: its time for all of them, extrapolated
                other *= n / len(few)
            print(f"{name:<20} {seconds:>10.2f} s {other:>10.2f} s {other / seconds:>8.1f}x  {comparisons[name]()}")
        else:
            print(f"{name:<20} {seconds:>10.2f} s {'(skipped)':>12}")

    # closeness: kg estimates the giant component from SAMPLE_PIVOTS pivots; networkx, exactly, on a sample
    estimate = metrics._closeness(g, metrics._components(g), metrics._pivots(n, metrics.SAMPLE_PIVOTS, SEED))
    few = sample[:40]
    exact, seconds = timed(lambda: {i: nx.closeness_centrality(graph, u=i) for i in few})
    errors = [abs(estimate[i] - exact[i]) / exact[i] for i in few if exact[i] > 0]
    print(
        f"{'closeness':<20} sampled, k={metrics.SAMPLE_PIVOTS} pivots; networkx took {seconds:.1f} s for {len(few)} "
        f"nodes exactly (all: ~{seconds / len(few) * n / 60:.0f} min); relative error on them: "
        f"mean {np.mean(errors):.3f}, max {np.max(errors):.3f}"
    )


def _as_dict(values) -> dict[int, float]:
    return values if isinstance(values, dict) else dict(enumerate(values))


def _max_relative(ours, theirs) -> str:
    ours, theirs = _as_dict(ours), _as_dict(theirs)
    worst = max(abs(ours[k] - v) / abs(v) for k, v in theirs.items() if v and v == v)
    return f"max relative difference {worst:.1e}"


def _modularity(graph: nx.Graph, membership: list[int], communities: list[set]) -> str:
    groups: dict[int, set] = {}
    for node, c in enumerate(membership):
        groups.setdefault(c, set()).add(node)
    ours = nx.community.modularity(graph, groups.values(), weight="weight")
    theirs = nx.community.modularity(graph, communities, weight="weight")
    return f"modularity {ours:.4f} vs {theirs:.4f} (greedy, seeded: {len(groups)} vs {len(communities)} communities)"


if __name__ == "__main__":
    main()
