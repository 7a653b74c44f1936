"""Measure `kg import` of the real Horizon 2020 participations beside pyoxigraph's raw bulk load, then
the saved queries and the network analysis on the result, in one run.

1. A store of the bundled data (`kg build`), then `kg import -m h2020 shared/.../h2020.csv.gz` (the
   documented mapping set, kg/ingest/mappings/sets/h2020/): wall time, quads per second, peak memory.
2. The same quads (the imported graphs, exported as N-Quads) bulk-loaded by pyoxigraph into an empty
   store in a child process: the baseline.
3. The saved queries that apply to H2020 data, timed on the store.
4. `kg network metrics` end to end, and plain networkx's PageRank and Louvain on the same network.

    python bench/import.py                        # targets: at most 2x the raw load, peak under 2 GB
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build import RAW_LOAD, measure

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "cordis-h2020" / "h2020.csv.gz"
KG = [sys.executable, "-m", "kg"]
QUERIES = [
    ("partners-by-type", {}),
    ("organisations-in-several-projects", {"minimum": "50"}),
    ("partners-per-country", {"acronym": "H2020-221856"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, nargs="?", default=SOURCE)
    parser.add_argument("--keep", action="store_true", help="keep the temporary stores")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-bench-import-"))
    store = f"oxigraph:{work / 'kg-store'}"
    try:
        subprocess.run([*KG, "--store", store, "build", "-q"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        kg_s, kg_mb = measure([*KG, "--store", store, "import", "-q", "-m", "h2020", str(args.source)], cwd=ROOT)
        dump = work / "all.nq"
        subprocess.run([*KG, "--store", store, "export", "-f", "nquads", "-o", str(dump)], check=True, cwd=ROOT)
        imported = work / "imported.nq"
        graph = f"/graph/{args.source.resolve().parent.name}/{args.source.name}/"
        quads = 0
        with dump.open("rb") as src, imported.open("wb") as out:
            for line in src:
                if graph.encode() in line:
                    out.write(line)
                    quads += 1
        raw_s, raw_mb = measure([sys.executable, "-c", RAW_LOAD, str(work / "raw-store"), str(imported)])
        print(f"source: {args.source} ({quads:,} quads imported)")
        print(f"{'':<26} {'seconds':>8} {'quads/s':>10} {'peak MiB':>9}")
        print(f"{'kg import -m h2020':<26} {kg_s:>8.1f} {quads / kg_s:>10,.0f} {kg_mb:>9.0f}")
        print(f"{'pyoxigraph bulk_load':<26} {raw_s:>8.1f} {quads / raw_s:>10,.0f} {raw_mb:>9.0f}")
        print(
            f"ratio kg/raw: time {kg_s / raw_s:.2f}x (target at most 2x), peak memory {kg_mb / raw_mb:.2f}x; "
            f"peak {kg_mb:,.0f} MiB (target under 2 GB). kg import also maps and checks every row, checks the "
            "links, validates with SHACL and optimises the store."
        )
        print("\nsaved queries on the imported data:")
        for name, params in QUERIES:
            flags = [f for k, v in params.items() for f in ("-p", f"{k}={v}")]
            started = time.perf_counter()
            out = subprocess.run(
                [*KG, "--store", store, "query", name, *flags, "-f", "csv"], check=True, cwd=ROOT, capture_output=True
            ).stdout
            rows = max(0, len(out.decode().splitlines()) - 1)
            print(f"  {name:<36} {time.perf_counter() - started:6.2f} s  {rows:>6} rows (a new process each)")
        print("\nnetwork:")
        net_s, net_mb = measure([*KG, "--store", store, "network", "metrics", "--top", "5"], cwd=ROOT)
        print(f"  kg network metrics, end to end: {net_s:.1f} s, peak {net_mb:,.0f} MiB")
        _networkx(store)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _networkx(location: str) -> None:
    """Plain networkx's PageRank and Louvain on the same organisation network (bench/network.py does all)."""
    import networkx as nx

    from kg import metrics
    from kg.namespaces import Namespaces
    from kg.network.build import organisation_igraph
    from kg.store import open_store

    with open_store(location, read_only=True) as store:
        g, _, _ = organisation_igraph(store, str(Namespaces().coop))
    graph = nx.Graph()
    graph.add_nodes_from(range(g.vcount()))
    graph.add_weighted_edges_from((e.source, e.target, e["weight"]) for e in g.es)
    for name, ours, theirs in (
        ("PageRank", lambda: g.pagerank(weights="weight"), lambda: nx.pagerank(graph, weight="weight")),
        ("Louvain", lambda: metrics._louvain(g, 42), lambda: nx.community.louvain_communities(graph, seed=42)),
    ):
        started = time.perf_counter()
        ours()
        mine = time.perf_counter() - started
        started = time.perf_counter()
        theirs()
        other = time.perf_counter() - started
        print(f"  {name:<10} kg (igraph) {mine:6.2f} s, networkx {other:6.2f} s: {other / mine:5.1f}x")
    print(f"  ({g.vcount():,} organisations, {g.ecount():,} weighted edges)")


if __name__ == "__main__":
    main()
