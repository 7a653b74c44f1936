"""Measure `kg import` of the real Horizon 2020 participations beside pyoxigraph's raw bulk load, then
the saved queries and the network analysis on the result, in one run.

1. A store of the bundled data (`kg build`), then `kg import -m h2020 shared/.../h2020.csv.gz` (the
   documented mapping set, kg/ingest/mappings/sets/h2020/): wall time, quads per second, peak memory.
2. The same quads (the imported graphs and the inferred graph, exported as N-Quads) bulk-loaded by
   pyoxigraph into an empty store in a child process: the baseline.
3. The saved queries that apply to H2020 data, timed on the store.
4. `kg network metrics` end to end, and plain networkx's PageRank and Louvain on the same network.
5. The real CORDIS and keep.eu samples in their published layouts (tests/data/eu-open-data/: JSON, CSV,
   XLSX, XML), each imported with its built-in set beside pyoxigraph's raw bulk load of the same quads.

    python bench/import.py                        # targets: at most 2x the raw load, peak under 1 GB
    python bench/import.py --real-only            # step 5 only
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
    parser.add_argument("--real-only", action="store_true", help="only the real samples in published layouts")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-bench-import-"))
    store = f"oxigraph:{work / 'kg-store'}"
    try:
        subprocess.run([*KG, "--store", store, "build", "-q"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        if args.real_only:
            _real_layouts(work, store)
            return
        kg_s, kg_mb = measure([*KG, "--store", store, "import", "-q", "-m", "h2020", str(args.source)], cwd=ROOT)
        dump = work / "all.nq"
        subprocess.run([*KG, "--store", store, "export", "-f", "nquads", "-o", str(dump)], check=True, cwd=ROOT)
        imported = work / "imported.nq"
        # what the import wrote: the file's graphs, and the standard types it rebuilt (graph/inferred)
        graphs = (f"/graph/{args.source.resolve().parent.name}/{args.source.name}/".encode(), b"/graph/inferred>")
        quads = 0
        with dump.open("rb") as src, imported.open("wb") as out:
            for line in src:
                if any(g in line for g in graphs):
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
        _real_layouts(work, f"oxigraph:{work / 'real-store'}", build=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


#: The real samples, in the order they are imported, and their published layouts; keep.eu's are read with
#: -m keep, the Commission's with -m cordis.
REAL = ROOT / "tests" / "data" / "eu-open-data"
LAYOUTS = {
    "cordis-h2020-json-edvard-august": "JSON",
    "cordis-horizon-head100-voteveto2": "CSV, decimal commas",
    "cordis-fp7-projects-bowowzahoya": "CSV, ; quoted, BOM",
    "cordis-h2020-xml-erenaliaslangiray": "XML in a zip",
    "cordis-horizon-xlsx-michaelcarloh": "XLSX",
    "keep-eu-interreg-ivc-partners-pgourdongeo": "CSV, R column names",
    "keep-eu-closed-2014-2020-pgourdongeo": "XLSX, 3 sheets; CSV",
}


def _real_layouts(work: Path, store: str, *, build: bool = False) -> None:
    """Each real sample through `kg import` (its own process), beside the raw bulk load of its quads."""
    from kg.ingest.sources import open_tables

    if build:
        subprocess.run([*KG, "--store", store, "build", "-q"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    measured = []
    for folder, layout in LAYOUTS.items():
        mapping = "keep" if folder.startswith("keep-") else "cordis"
        copy = work / "samples" / folder  # the folder name is the dataset's name
        shutil.copytree(REAL / folder, copy)
        rows = sum(1 for f in sorted(copy.iterdir()) if f.suffix != ".md" for t in open_tables(f) for _ in t.read())
        seconds, peak = measure([*KG, "--store", store, "import", "-q", "-m", mapping, str(copy)], cwd=ROOT)
        measured.append((folder, mapping, layout, rows, seconds, peak))
    dump = work / "real.nq"
    subprocess.run([*KG, "--store", store, "export", "-f", "nquads", "-o", str(dump)], check=True, cwd=ROOT)
    print("\nreal samples in their published layouts (kg import, a new process each, into one store):")
    print(
        f"{'sample':<44} {'layout':<21} {'set':<7} {'rows':>7} {'quads':>8} {'kg s':>6} {'rows/s':>8} {'quads/s':>8} "
        f"{'MiB':>5} {'raw s':>6} {'raw MiB':>7} {'time':>6}"
    )
    totals = [0, 0, 0.0, 0.0]
    for folder, mapping, layout, rows, seconds, peak in measured:
        quads_file = work / f"{folder}.nq"
        marker = f"/graph/{folder}/".encode()
        with dump.open("rb") as src, quads_file.open("wb") as out:
            quads = sum(out.write(line) > 0 for line in src if marker in line)
        raw_s, raw_mb = measure([sys.executable, "-c", RAW_LOAD, str(work / f"raw-{folder}"), str(quads_file)])
        print(
            f"{folder:<44} {layout:<21} {mapping:<7} {rows:>7,} {quads:>8,} {seconds:>6.1f} {rows / seconds:>8,.0f} "
            f"{quads / seconds:>8,.0f} {peak:>5.0f} {raw_s:>6.1f} {raw_mb:>7.0f} {seconds / raw_s:>5.1f}x"
        )
        totals = [totals[0] + rows, totals[1] + quads, totals[2] + seconds, totals[3] + raw_s]
    rows, quads, seconds, raw_s = totals
    print(
        f"{'all seven':<74} {rows:>7,} {quads:>8,} {seconds:>6.1f} {rows / seconds:>8,.0f} {quads / seconds:>8,.0f}"
        f" {'':>5} {raw_s:>6.1f} {'':>7} {seconds / raw_s:>5.1f}x"
    )
    print(
        "  (each kg import is a whole command: a new process, mapping and cleaning every cell, the report, links"
        " and stubs, SHACL and saving a new generation of the store; the raw load only parses N-Quads.)"
    )


def _networkx(location: str) -> None:
    """Plain networkx's PageRank and Louvain on the same organisation network (bench/network.py does all)."""
    import networkx as nx

    from kg.namespaces import Namespaces
    from kg.network import metrics
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
