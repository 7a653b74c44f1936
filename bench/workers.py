"""Compare designs of the query worker pool on the real H2020 data: how fast a stopped worker is replaced,
how much memory the pool holds, and how fast it answers lookups and aggregates.

    python bench/workers.py                 # 2 workers per pool
    python bench/workers.py --workers 4

Designs (kg.query.executor.QueryExecutor, the code `kg serve` runs):
  forked, in memory   one template process copies the store into memory; workers are forked from it
  spawned, in memory  each worker starts on its own and copies the store into memory (the earlier design)
  forked, on disk     workers forked from a template that opened nothing; each opens the on-disk store
  spawned, on disk    each worker starts on its own and opens the on-disk store
Memory is the proportional set size (PSS: pages shared between processes counted once, split among them)
summed over the pool's processes, after lookups and again after every worker ran the aggregates (in memory,
a query writes to most pages it reads, so a forked worker's shared pages become its own as it works).
"replace ms" is the time from a worker stopped at the time limit until the pool is whole again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil
from endpoint import AGGREGATES, light_mix
from h2020 import DATA, STORE, ensure_store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.query.executor import QueryExecutor, QueryRequest, QueryTimeout  # noqa: E402

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?o . ?c ?r ?b }"
DESIGNS = {
    "forked, in memory": {"fork": True, "in_memory": True},
    "spawned, in memory": {"fork": False, "in_memory": True},
    "forked, on disk": {"fork": True, "in_memory": False},
    "spawned, on disk": {"fork": False, "in_memory": False},
}


def pool_pss() -> float:
    """MiB of PSS over this process's children (the pool: template and workers)."""
    total = 0
    for p in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                total += p.memory_full_info().pss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def measure(design: dict, workers: int, light: list[str]) -> dict:
    started = time.perf_counter()
    executor = QueryExecutor(f"oxigraph:{STORE}", workers=workers, timeout=600, spares=0, **design)
    row = {"start s": time.perf_counter() - started}
    try:
        times = []
        for q in light * 3:
            t = time.perf_counter()
            executor.run(QueryRequest(q))
            times.append(time.perf_counter() - t)
        row["lookup ms"] = statistics.median(times) * 1000
        row["PSS after lookups"] = pool_pss()
        first, second = [], []
        for rounds in (first, second):
            for q in AGGREGATES:
                for _ in range(workers):  # the idle queue is FIFO: each worker takes one in turn
                    t = time.perf_counter()
                    executor.run(QueryRequest(q))
                    rounds.append(time.perf_counter() - t)
        row["aggregate s, first"] = statistics.mean(first)
        row["aggregate s, again"] = statistics.mean(second)
        row["PSS after aggregates"] = pool_pss()
        t = time.perf_counter()
        try:
            executor.run(QueryRequest(HEAVY), timeout=1.0)
        except QueryTimeout:
            pass
        while executor.status()["idle"] < workers:  # until the stopped worker's replacement is ready
            time.sleep(0.001)
        row["replace ms"] = (time.perf_counter() - t - 1.0) * 1000  # from the time limit on
    finally:
        executor.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ensure_store()
    lines = (DATA / "participations.csv").read_text().splitlines()[1:]
    rows = [line.split(",") for line in lines[:2000:100]]
    light = light_mix([r[0] for r in rows], [r[1] for r in rows])
    columns = [
        "start s",
        "lookup ms",
        "aggregate s, first",
        "aggregate s, again",
        "PSS after lookups",
        "PSS after aggregates",
        "replace ms",
    ]
    print(f"H2020 store ({STORE}), {args.workers} workers a pool; PSS in MiB over the pool's processes")
    print(f"{'design':<20}" + "".join(f"{c:>22}" for c in columns), flush=True)
    for name, design in DESIGNS.items():
        row = measure(design, args.workers, light)
        print(f"{name:<20}" + "".join(f"{row[c]:>22.3f}" for c in columns), flush=True)


if __name__ == "__main__":
    main()
