"""Load the real Horizon 2020 data into the embedded Oxigraph store and into Virtuoso (the sparql:
backend), then run the endpoint bench's query mixes on both; prints the times side by side.

    python bench/remote.py                  # starts Debian's Virtuoso (make virtuoso) in bench/out/
    python bench/remote.py --batch 10000    # triples per SPARQL Update request

Both loads are `kg build` of the same dataset folder (bench/h2020.py), with the same checks and SHACL
validation; the query mixes are the light and full mixes of bench/endpoint.py, run one after another
through the store interface (what the CLI and the web service's workers do), each query once per round.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from endpoint import AGGREGATES, light_mix
from h2020 import DATA, SHARED, convert

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from kg.config import Config  # noqa: E402
from kg.store import open_store  # noqa: E402
from tests.virtuoso import PASSWORD, USER, start_virtuoso  # noqa: E402


def build(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "build", "-q", str(DATA)], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - started


def run_mix(config: Config, queries: list[str], rounds: int) -> tuple[float, int]:
    """Seconds for `rounds` passes over the mix, and the rows or triples the last pass returned."""
    with open_store(config, read_only=True) as store:
        started = time.perf_counter()
        for _ in range(rounds):
            answers = 0
            for q in queries:
                result = store.query(q)
                answers += 1 if hasattr(result, "__bool__") and not hasattr(result, "__iter__") else len(list(result))
        return time.perf_counter() - started, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=2000, help="triples per SPARQL Update request")
    parser.add_argument("--rounds", type=int, default=3, help="passes over each query mix")
    parser.add_argument("--buffers", type=int, default=170000, help="Virtuoso's NumberOfBuffers (8 KiB each)")
    args = parser.parse_args()
    if not (DATA / "participations.csv").exists():
        print(convert(SHARED, DATA), "->", DATA)

    oxigraph = Config(store=f"oxigraph:{OUT / 'remote-bench-oxigraph'}")
    shutil.rmtree(OUT / "remote-bench-oxigraph", ignore_errors=True)
    shutil.rmtree(OUT / "remote-bench-virtuoso", ignore_errors=True)
    server = start_virtuoso(OUT / "remote-bench-virtuoso", buffers=args.buffers)
    try:
        virtuoso = Config(
            store=server.location,
            remote_user=USER,
            remote_password=PASSWORD,
            remote_auth="digest",
            remote_batch=args.batch,
            remote_timeout=600,
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        loads = {
            "oxigraph": build({**env, "KG_STORE": oxigraph.store}),
            "virtuoso": build(
                {
                    **env,
                    "KG_STORE": virtuoso.store,
                    "KG_REMOTE_USER": USER,
                    "KG_REMOTE_PASSWORD": PASSWORD,
                    "KG_REMOTE_AUTH": "digest",
                    "KG_REMOTE_BATCH": str(args.batch),
                    "KG_REMOTE_TIMEOUT": "600",
                }
            ),
        }
        counts = {}
        for name, config in (("oxigraph", oxigraph), ("virtuoso", virtuoso)):
            with open_store(config, read_only=True) as store:
                counts[name] = store.count()
        rows = [line.split(",") for line in (DATA / "participations.csv").read_text().splitlines()[1:200:20]]
        light = light_mix([r[0] for r in rows], [r[1] for r in rows])
        mixes = {"light": light, "aggregates": AGGREGATES}
        times = {
            (mix, name): run_mix(config, queries, args.rounds)
            for mix, queries in mixes.items()
            for name, config in (("oxigraph", oxigraph), ("virtuoso", virtuoso))
        }
    finally:
        server.stop()

    print(f"\nH2020 dataset folder {DATA}, batch {args.batch} triples, {args.rounds} rounds per mix\n")
    print(f"{'':<34} {'Oxigraph (embedded, disk)':>26} {'Virtuoso (sparql:)':>20} {'ratio':>7}")
    print(f"{'quads':<34} {counts['oxigraph']:>26,} {counts['virtuoso']:>20,}")
    print(
        f"{'kg build, seconds':<34} {loads['oxigraph']:>26.1f} {loads['virtuoso']:>20.1f} "
        f"{loads['virtuoso'] / loads['oxigraph']:>6.2f}x"
    )
    for mix, queries in mixes.items():
        ox_s, ox_n = times[(mix, "oxigraph")]
        v_s, v_n = times[(mix, "virtuoso")]
        per = len(queries) * args.rounds
        label = f"{mix} mix ({len(queries)} queries), ms/query"
        print(f"{label:<34} {ox_s / per * 1000:>26.1f} {v_s / per * 1000:>20.1f} {v_s / ox_s:>6.2f}x")
        if ox_n != v_n:
            print(f"  (answers differ: {ox_n} vs {v_n})")


if __name__ == "__main__":
    main()
