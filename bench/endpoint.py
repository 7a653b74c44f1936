"""Measure the SPARQL endpoint under 8 concurrent clients beside its peers, on the same data and queries.

In one run, on the real Horizon 2020 data (bench/h2020.py, about 1.4M quads): `kg serve`, Oxigraph's own
Rust server (PyPI package `oxigraph`, in memory like kg's query workers), rdflib-endpoint (the closest
Python peer) and direct pyoxigraph calls in one thread. wrk (Debian's package) drives each server for a
fixed time with a light mix (lookups, joins, ASK, CONSTRUCT) and a full mix (the same plus GROUP BY
aggregates). Prints requests per second, latency and errors, and the ratios against kg.

    python bench/endpoint.py                 # installs wrk and the peers where missing
    python bench/endpoint.py --seconds 30 --clients 8
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from h2020 import DATA, STORE, ensure_store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sparql_server import free_port  # noqa: E402

PEERS = ROOT / "bench" / "out" / "peers-venv"

PREFIXES = (
    "PREFIX coop: <https://w3id.org/coopkg/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
    "PREFIX schema: <https://schema.org/> "
)
ID = "https://w3id.org/coopkg/id/"


def light_mix(orgs: list[str], projects: list[str]) -> list[str]:
    queries = []
    for org, project in zip(orgs, projects, strict=True):
        queries += [
            f"SELECT ?p ?o WHERE {{ <{ID}h2020/organisation/{org}> ?p ?o }}",
            PREFIXES + f"SELECT ?org ?country WHERE {{ ?m org:organization <{ID}project/{project}> ; org:member ?org . "
            "?org coop:country/coop:countryCode ?country }",
            PREFIXES + f"ASK {{ ?m org:organization <{ID}project/{project}> }}",
            f"CONSTRUCT {{ <{ID}project/{project}> ?p ?o }} WHERE {{ <{ID}project/{project}> ?p ?o }}",
        ]
    return queries


AGGREGATES = [
    PREFIXES
    + "SELECT ?country (COUNT(*) AS ?n) WHERE { ?m org:member ?o . ?o coop:country/coop:countryCode ?country } "
    "GROUP BY ?country ORDER BY DESC(?n) LIMIT 20",
    PREFIXES + "SELECT ?type (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a coop:Organisation ; org:classification ?type } "
    "GROUP BY ?type",
    PREFIXES
    + "SELECT ?year (COUNT(*) AS ?n) WHERE { ?p a coop:Project ; schema:startDate ?d BIND(YEAR(?d) AS ?year) } "
    "GROUP BY ?year ORDER BY ?year",
]

WRK_SCRIPT = """
local paths = {%s}
local headers = {["Accept"] = "application/sparql-results+json, text/turtle;q=0.9"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
"""


def kg_serve(port: int, env: dict[str, str], stderr) -> subprocess.Popen:
    """`kg serve` on the H2020 store, on a loopback port, with 16 HTTP threads."""
    command = [sys.executable, "-m", "kg", "--store", f"oxigraph:{STORE}", "serve", "--port", str(port)]
    return subprocess.Popen([*command, "--threads", "16"], cwd=ROOT, env=env, stderr=stderr)


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if not (PEERS / "bin" / "oxigraph").exists():  # a venv of its own: rdflib-endpoint pins its own rdflib
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run(
            [PEERS / "bin" / "pip", "install", "-q", "oxigraph==0.5.13", "rdflib-endpoint==0.6.3", "uvicorn"],
            check=True,
        )


def wrk_script(base_url: str, script: str, seconds: int, clients: int) -> str:
    """wrk's report for `clients` connections over `seconds`, with a Lua script making the requests."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s", "--latency"]
        return subprocess.run([*command, "-s", f.name, base_url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)


def wrk(url: str, queries: list[str], seconds: int, clients: int) -> dict:
    parsed = urllib.parse.urlparse(url)
    paths = ", ".join(json.dumps(parsed.path + "?query=" + urllib.parse.quote(q)) for q in queries)
    out = wrk_script(f"{parsed.scheme}://{parsed.netloc}", WRK_SCRIPT % paths, seconds, clients)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


def direct(queries: list[str], seconds: int) -> float:
    """Queries per second from pyoxigraph in this process, one thread, in memory."""
    import pyoxigraph as ox

    from kg.store import open_store

    store = open_store(f"oxigraph:{STORE}", read_only=True).in_memory()
    done, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        result = store.query(queries[done % len(queries)])
        if isinstance(result, ox.QuerySolutions | ox.QueryTriples):
            list(result)
        done += 1
    return done / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--skip-rdflib", action="store_true", help="leave out rdflib-endpoint (slow to load)")
    parser.add_argument("--start-timeout", type=float, default=900, help="seconds a server may take to start")
    args = parser.parse_args()
    ensure_tools()
    ensure_store()
    work = Path(tempfile.mkdtemp(prefix="kg-endpoint-bench-"))
    dump = work / "dump.nq"
    subprocess.run(
        [sys.executable, "-m", "kg", "--store", f"oxigraph:{STORE}", "export", "-f", "nquads", "-o", dump],
        check=True,
        cwd=ROOT,
    )
    ntriples = work / "dump.nt"
    subprocess.run(
        [sys.executable, "-m", "kg", "--store", f"oxigraph:{STORE}", "export", "-f", "ntriples", "-o", ntriples],
        check=True,
        cwd=ROOT,
    )
    rows = [line.split(",") for line in (DATA / "participations.csv").read_text().splitlines()[1:200:20]]
    light = light_mix([r[0] for r in rows], [r[1] for r in rows])
    full = light + AGGREGATES * (len(light) // 8)
    mixes = {"light": light, "full": full}

    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    env = {**os.environ, "KG_WORKERS": "2", "KG_QUERY_TIMEOUT": "30"}
    port = free_port()
    servers["kg serve"] = (kg_serve(port, env, subprocess.DEVNULL), f"http://127.0.0.1:{port}/sparql")
    port = free_port()
    proc = subprocess.Popen(
        [PEERS / "bin" / "oxigraph", "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stderr=subprocess.DEVNULL,
    )
    servers["oxigraph server"] = (proc, f"http://127.0.0.1:{port}/query")
    time.sleep(1)
    with dump.open("rb") as f:
        urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{port}/store",
                data=f.read(),
                method="POST",
                headers={"Content-Type": "application/n-quads"},
            ),
            timeout=600,
        )
    if not args.skip_rdflib:
        port = free_port()
        servers["rdflib-endpoint"] = (
            subprocess.Popen(
                [PEERS / "bin" / "rdflib-endpoint", "serve", ntriples, "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            f"http://127.0.0.1:{port}/sparql",
        )
    results: dict[tuple[str, str], dict] = {}
    print(f"data: H2020 ({STORE}), {args.clients} clients, {args.seconds} s per run", flush=True)
    print(f"{'server':<30} {'mix':<6} {'req/s':>8} {'p50':>9} {'p99':>9} {'non-2xx':>8}  socket errors", flush=True)

    def report(name: str, mix: str, r: dict) -> None:
        results[(name, mix)] = r
        print(
            f"{name:<30} {mix:<6} {r['rps']:>8.1f} {r['p50']:>9} {r['p99']:>9} {r['non2xx']:>8}  {r['errors']}",
            flush=True,
        )

    try:
        for mix, queries in mixes.items():
            rps = direct(queries, args.seconds)
            report(
                "pyoxigraph direct, 1 thread", mix, {"rps": rps, "p50": "-", "p99": "-", "non2xx": 0, "errors": "none"}
            )
        for name, (_, url) in servers.items():
            try:
                wait_for(url, args.start_timeout)
            except SystemExit as e:
                print(f"{name}: {e}", flush=True)
                continue
            for mix, queries in mixes.items():
                report(name, mix, wrk(url, queries, args.seconds, args.clients))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    for mix in mixes:
        ours = results[("kg serve", mix)]["rps"]
        line = [f"{mix} mix: kg serve / oxigraph server = {ours / results[('oxigraph server', mix)]['rps']:.2f}"]
        if ("rdflib-endpoint", mix) in results:
            line.append(
                f"kg serve / rdflib-endpoint = {ours / max(results[('rdflib-endpoint', mix)]['rps'], 0.01):.1f}"
            )
        print("; ".join(line))


if __name__ == "__main__":
    main()
