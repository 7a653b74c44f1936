"""Profile `kg serve` under wrk with py-spy: where the web process's CPU goes on the varied light mix.

    python bench/profile.py                  # 20 s of the varied mix, 8 clients (installs py-spy and wrk)
    python bench/profile.py --mix light
    python bench/profile.py --store oxigraph:PATH --seconds 10   # any store (its memberships make the mix)

py-spy samples the process that holds the app (granian's worker) 200 times a second, after its warm-up,
keeping only the thread that holds the GIL (`--gil`: the Python work; a thread waiting for a query worker,
a lock or a request holds none). Each sample is charged to the first stage of the list below that its
stack reaches, else to "other"; the table gives each stage's share of the samples, and then the functions
most often on top of the stack.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
from endpoint import ensure_tools, free_port, kg_serve, light_mix, light_mix_iris, store_pairs, wait_for, wrk_script
from h2020 import DATA, ensure_store

#: (stage, function or None for any, a piece of its file's path), in the order a stack is matched against them
STAGES = [
    ("query hand-off (send the request, wait, read the answer)", "run", "kg/query/pool.py"),
    ("result cache", None, "kg/query/cache.py"),
    ("access log", "log", "api/__init__.py"),
    ("metrics", None, "api/metrics.py"),
    ("validators (ETag, 304)", None, "api/validators.py"),
    ("CORS", None, "flask_cors/"),
    ("kg's endpoint: checks, negotiation, response", None, "api/sparql.py"),
    ("Flask and Werkzeug: routing, request and response objects", None, "flask/"),
    ("Werkzeug", None, "werkzeug/"),
    ("granian's WSGI glue", None, "granian/"),
]


#: py-spy's samples a second
RATE = 200


def stage_of(frames: list[str]) -> str:
    """py-spy's raw frames read 'Class.function (path:line)'."""
    for name, function, path in STAGES:
        for frame in frames:
            if path in frame and (function is None or frame.split(" (")[0].split(".")[-1] == function):
                return name
    return "other"


def h2020_mix(mix: str) -> list[str]:
    lines = (DATA / "participations.csv").read_text().splitlines()[1:]
    step = 20 if mix == "light" else max(1, len(lines) // 6000)
    rows = [line.split(",") for line in lines[: 200 if mix == "light" else None : step]][:6000]
    return light_mix([r[0] for r in rows], [r[1] for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mix", choices=["light", "varied"], default="varied")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--store", help="an oxigraph: store to profile instead of H2020's (not built here)")
    args = parser.parse_args()
    ensure_tools()
    if args.store:
        pairs = store_pairs(args.store, 6000)
        queries = light_mix_iris(pairs[:200:20] if args.mix == "light" else pairs)
    else:
        ensure_store()
        queries = h2020_mix(args.mix)
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy>=0.4,<0.5"], check=True)
    port = free_port()
    # one web process: py-spy samples one interpreter, and the per-request figure is that process's
    env = {**os.environ, "KG_WORKERS": "2", "KG_PROCESSES": "1"}
    server = kg_serve(port, env, subprocess.DEVNULL, **({"location": args.store} if args.store else {}))
    url = f"http://127.0.0.1:{port}"
    out = Path(tempfile.mkdtemp(prefix="kg-profile-")) / "samples.txt"
    try:
        wait_for(url + "/sparql", 900)
        deadline = time.monotonic() + 900
        while json.load(urllib.request.urlopen(url + "/readyz", timeout=30)).get("network_views") != "ready":
            assert time.monotonic() < deadline, "kg serve's warm-up did not end"
            time.sleep(1)
        app = next(p for p in psutil.Process(server.pid).children() if "spawn_main" not in " ".join(p.cmdline()))
        record = subprocess.Popen(
            [spy, "record", "--gil", "-p", str(app.pid), "-r", str(RATE), "-d", str(args.seconds + 2), "-f", "raw"]
            + ["-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        paths = ", ".join(f'"/sparql?query={urllib.parse.quote(q)}"' for q in queries)
        script = (
            f"local paths = {{{paths}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n"
            '  return wrk.format("GET", paths[(i % #paths) + 1], {["Accept"] = "application/sparql-results+json"})\n'
            "end\n"
        )
        report = wrk_script(url, script, args.seconds, args.clients)
        record.wait(60)
    finally:
        server.terminate()
        server.wait(30)
    stages: collections.Counter = collections.Counter()
    tops: collections.Counter = collections.Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stages[stage_of(stack.split(";"))] += int(count)
        tops[stack.split(";")[-1]] += int(count)
    total = sum(stages.values())
    rps = next((x for x in report.splitlines() if "Requests/sec" in x), "").strip()
    done = next((int(x.split()[0]) for x in report.splitlines() if " requests in " in x), 0)
    print(f"{args.mix} mix, {args.clients} clients, {args.seconds} s; {rps}; {total} busy samples of the web process")
    if done:  # a sample is 1/RATE s of Python holding the GIL in the web process
        print(f"Python per request in the web process: {total / RATE * 1000 / done:.3f} ms ({done} requests)")
    print(f"{'stage':<62} {'share':>6}")
    for name, count in stages.most_common():
        print(f"{name:<62} {count / total:>6.1%}")
    print("\nmost often on top of the stack:")
    for frame, count in tops.most_common(12):
        print(f"  {count / total:>6.1%}  {frame[:110]}")


if __name__ == "__main__":
    main()
