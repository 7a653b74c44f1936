"""Measure `kg build` on a dataset folder beside pyoxigraph's raw bulk load of the same triples.

Both run as child processes in the same run on the same machine; the script prints their wall time,
triples per second and peak memory (resident set of the process tree), and the ratios kg/raw.

    python bench/build.py bench/out/synthetic
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "kg"]

RAW_LOAD = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
store.flush()
"""


def measure(args: list[str], **kwargs) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of it and its children)."""
    started = time.perf_counter()
    proc = psutil.Popen(args, stdout=subprocess.DEVNULL, **kwargs)
    peak = 0
    while proc.poll() is None:
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed with exit code {proc.returncode}")
    return seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="a folder of the project's CSV files (bench/generate.py)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stores")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        store = work / "kg-store"
        kg_s, kg_mb = measure([*KG, "--store", f"oxigraph:{store}", "build", "-q", str(args.dataset)], cwd=ROOT)
        dump = work / "dump.nq"
        subprocess.run(
            [*KG, "--store", f"oxigraph:{store}", "export", "-f", "nquads", "-o", str(dump)], check=True, cwd=ROOT
        )
        quads = sum(1 for _ in dump.open("rb"))
        raw_s, raw_mb = measure([sys.executable, "-c", RAW_LOAD, str(work / "raw-store"), str(dump)])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"dataset: {args.dataset} ({quads} quads)")
    print(f"{'':<22} {'seconds':>8} {'quads/s':>10} {'peak MiB':>9}")
    print(f"{'kg build':<22} {kg_s:>8.1f} {quads / kg_s:>10.0f} {kg_mb:>9.0f}")
    print(f"{'pyoxigraph bulk_load':<22} {raw_s:>8.1f} {quads / raw_s:>10.0f} {raw_mb:>9.0f}")
    print(
        f"ratio kg/raw: time {kg_s / raw_s:.2f}x, peak memory {kg_mb / raw_mb:.2f}x "
        "(kg build also maps and checks every row, validates with SHACL and optimises the store)"
    )


if __name__ == "__main__":
    main()
