"""Measure the SPARQL endpoint under 8 concurrent clients beside its peers, on the same data and queries.

In one run, on the real Horizon 2020 data (bench/h2020.py, about 1.4M quads): `kg serve`, Oxigraph's own
Rust server (PyPI package `oxigraph`, in memory like kg's query workers), rdflib-endpoint (the closest
Python peer) and direct pyoxigraph calls in one thread. wrk (Debian's package) drives each server for a
fixed time with a light mix (lookups, joins, ASK, CONSTRUCT about 10 organisations, repeated: a result
cache may answer it), a varied light mix (the same kinds of query about a different organisation in every
request, so no cache can) and a full mix (the light mix plus GROUP BY aggregates). Prints requests per
second, latency and errors, kg serve's result-cache hit rate, and the ratios against kg.

    python bench/endpoint.py                 # installs wrk and the peers where missing
    python bench/endpoint.py --seconds 30 --clients 8
    python bench/endpoint.py --baseline 6ec9e7e --only "kg serve,baseline,oxigraph"  # beside an older commit
    python bench/endpoint.py --processes 1,2 --only "kg serve,oxigraph"  # kg serve with 1, then 2 web processes
    python bench/endpoint.py --store oxigraph:/tmp/small --processes 1,2 --only "kg serve" --seconds 5  # any store

`--baseline REV` also serves the same store with the code of an older commit (a git worktree, this venv),
for "what did this change cost" in the same run. `--processes 1,2` serves with each number of web processes
(KG_PROCESSES) in turn and prints their requests per second and peak memory against one process.
`--store` measures another store (its own organisations and projects make the mixes) instead of H2020's.
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
from collections.abc import Callable
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
    """The light mix about H2020 organisations and projects, by their PIC and RCN."""
    return light_mix_iris(
        [(f"{ID}h2020/organisation/{o}", f"{ID}project/{p}") for o, p in zip(orgs, projects, strict=True)]
    )


def light_mix_iris(pairs: list[tuple[str, str]]) -> list[str]:
    """A lookup, a join, an ASK and a CONSTRUCT for each (organisation IRI, project IRI)."""
    queries = []
    for org, project in pairs:
        queries += [
            f"SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}",
            PREFIXES + f"SELECT ?org ?country WHERE {{ ?m org:organization <{project}> ; org:member ?org . "
            "?org coop:country/coop:countryCode ?country }",
            PREFIXES + f"ASK {{ ?m org:organization <{project}> }}",
            f"CONSTRUCT {{ <{project}> ?p ?o }} WHERE {{ <{project}> ?p ?o }}",
        ]
    return queries


def store_pairs(location: str, limit: int) -> list[tuple[str, str]]:
    """Up to `limit` (organisation, project) pairs of memberships in a store, for the mixes on any store."""
    from kg.store import open_store

    query = PREFIXES + f"SELECT ?org ?project WHERE {{ ?m org:organization ?project ; org:member ?org }} LIMIT {limit}"
    with open_store(location, read_only=True) as store:
        return [(row["org"].value, row["project"].value) for row in store.query(query)]


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


def kg_serve(
    port: int, env: dict[str, str], stderr, code: Path = ROOT, location: str = f"oxigraph:{STORE}"
) -> subprocess.Popen:
    """`kg serve` on the H2020 store (or `location`), on a loopback port, as shipped (its default threads,
    connections and web processes unless `env` sets KG_PROCESSES), with the code in `code` (this checkout, or
    a worktree of an older commit)."""
    command = [sys.executable, "-m", "kg", "--store", location, "serve", "--port", str(port)]
    return subprocess.Popen(command, cwd=code, env={**env, "PYTHONPATH": str(code)}, stderr=stderr)


def worktree(revision: str, work: Path) -> Path:
    """A checkout of `revision` beside this one (removed with the work folder)."""
    path = work / f"baseline-{revision}"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), revision], cwd=ROOT, check=True)
    return path


NGINX_CONF = """worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  proxy_cache_path {work}/nginx-cache keys_zone=kg:16m max_size=512m inactive=10m use_temp_path=off;
  upstream kg {{ server 127.0.0.1:{upstream}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://kg;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache kg;
      proxy_cache_key $request_method$request_uri$http_accept;
      proxy_cache_lock on;
      proxy_cache_revalidate on;
    }}
  }}
}}
"""


def _tool(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin")


def nginx(work: Path, port: int, upstream: int) -> subprocess.Popen:
    """nginx (Debian's package) as a caching reverse proxy in front of `upstream`: it keeps the public GET
    answers for as long as their Cache-Control allows, and revalidates them with the ETag after."""
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, upstream=upstream))
    (work / "nginx-cache").mkdir(exist_ok=True)
    work.chmod(0o755)  # nginx's workers run as another user when started as root
    (work / "nginx-cache").chmod(0o777)
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work), "-g", "daemon off;"], stderr=subprocess.DEVNULL)


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def ensure_tools(wanted: Callable[[str], bool] = lambda name: True) -> None:
    """Install wrk, and the servers of the run that `wanted` keeps, where missing."""
    for tool, package, server in (("wrk", "wrk", ""), ("nginx", "nginx-light", "nginx cache before kg serve")):
        if _tool(tool) is None and (not server or wanted(server)):
            sudo = [] if os.geteuid() == 0 else ["sudo"]
            subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", package], check=True)
    for module, package, server in (
        ("waitress-serve", "waitress>=3,<4", "kg app, Waitress 16 threads"),
        ("gunicorn", "gunicorn>=23,<24", "kg app, gunicorn 2 workers"),
    ):
        if shutil.which(module, path=str(Path(sys.executable).parent)) is None and wanted(server):
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)  # kg's app elsewhere
    peers = wanted("oxigraph server") or wanted("rdflib-endpoint")
    if peers and not (PEERS / "bin" / "oxigraph").exists():  # a venv of its own: rdflib-endpoint pins its own rdflib
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


def wrk_percentiles(out: str) -> dict[str, str]:
    """The rows of the "Latency Distribution" table of wrk's report (`--latency`), e.g. {"50%": "1.2ms"}:
    read line by line, so a figure such as "91.99%" in the thread statistics above is not taken for one."""
    table = out.split("Latency Distribution", 1)[1] if "Latency Distribution" in out else ""
    rows = {}
    for line in table.splitlines()[1:]:
        parts = line.split()
        if len(parts) != 2 or not parts[0].endswith("%"):
            break
        rows[parts[0]] = parts[1]
    return rows


def wrk(url: str, queries: list[str], seconds: int, clients: int) -> dict:
    parsed = urllib.parse.urlparse(url)
    paths = ", ".join(json.dumps(parsed.path + "?query=" + urllib.parse.quote(q)) for q in queries)
    out = wrk_script(f"{parsed.scheme}://{parsed.netloc}", WRK_SCRIPT % paths, seconds, clients)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = wrk_percentiles(out)
    p50, p99 = latency.get("50%", "?"), latency.get("99%", "?")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


class PeakMemory:
    """The peak, over a server's runs, of the memory of its process and all its children (MiB of PSS: a
    page shared between processes, as after a fork, counts once), sampled every 0.2 s in a thread."""

    def __init__(self, pid: int):
        import threading

        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def now(self) -> float:
        import psutil

        total = 0
        try:
            root = psutil.Process(self.pid)
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        except psutil.NoSuchProcess:
            pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def stages(queries: list[str], location: str, rounds: int = 3) -> list[tuple[str, float]]:
    """Where a light request's time goes, in milliseconds per request (median of `rounds` passes over the
    queries), measured in this process: the query and its serialisation in pyoxigraph, the hand-off to a
    query worker and back, Flask with kg's checks and negotiation (uncached and from the result cache), and
    the HTTP server (each server's /healthz under wrk, printed per server)."""
    import statistics

    import pyoxigraph as ox

    from api import create_app
    from kg.config import Config
    from kg.query.executor import QueryExecutor, QueryRequest
    from kg.store import open_store

    def per_request(call) -> float:
        passes = []
        for _ in range(rounds):
            started = time.perf_counter()
            for q in queries:
                call(q)
            passes.append((time.perf_counter() - started) * 1000 / len(queries))
        return statistics.median(passes)

    store = open_store(location, read_only=True).in_memory()

    def query(q: str) -> None:
        result = store.query(q)
        if isinstance(result, ox.QueryTriples):
            result.serialize(format=ox.RdfFormat.TURTLE)
        else:
            result.serialize(format=ox.QueryResultsFormat.JSON)

    t_query = per_request(query)
    config = Config(store=location, workers=1, spare_workers=0, access_log=False)
    executor = QueryExecutor(config, workers=1, spares=0, timeout=30, max_bytes=50_000_000, in_memory=True)
    try:
        t_worker = per_request(lambda q: executor.run(QueryRequest(q)))
        rows = []
        headers = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
        for cache in (0, 64_000_000):
            app = create_app(config.with_(result_cache_bytes=cache), executor=executor)
            app.extensions["coopkg"].warm_up.join()  # the network views' warm-up would compete for the GIL
            web = app.test_client()
            rows.append(per_request(lambda q, web=web: web.get("/sparql", query_string={"query": q}, headers=headers)))
            if cache:
                app.test_client().get("/healthz")
                t_health_app = per_request(lambda q, web=web: web.get("/healthz"))
        t_flask, t_cached = rows
    finally:
        executor.close()
    return [
        ("query and serialisation (pyoxigraph, in memory)", t_query),
        ("hand-off to a query worker and back (pipe, pickling)", t_worker - t_query),
        ("Flask, checks, negotiation, logging (uncached)", t_flask - t_worker),
        ("a whole request in-process, uncached", t_flask),
        ("a whole request in-process, from the result cache", t_cached),
        ("Flask's cost of a request that does nothing (/healthz)", t_health_app),
    ]


def http_cost(url: str, seconds: int, clients: int) -> float:
    """Milliseconds of server time per request on /healthz under wrk (the HTTP server and Flask's floor)."""
    out = wrk_script(url, 'request = function() return wrk.format("GET", "/healthz") end', seconds, clients)
    return 1000 / float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def hit_rate(metrics_url: str) -> str:
    """The result cache's hits and misses over the whole run, from kg serve's /metrics."""
    text = urllib.request.urlopen(metrics_url, timeout=10).read().decode()
    hits = float(re.search(r"^coopkg_result_cache_hits_total (\S+)", text, re.M).group(1))
    misses = float(re.search(r"^coopkg_result_cache_misses_total (\S+)", text, re.M).group(1))
    return f"{hits:.0f} hits, {misses:.0f} misses, hit rate {hits / max(hits + misses, 1):.2f}"


def direct(queries: list[str], seconds: int, location: str) -> float:
    """Queries per second from pyoxigraph in this process, one thread, in memory."""
    import pyoxigraph as ox

    from kg.store import open_store

    store = open_store(location, read_only=True).in_memory()
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
    parser.add_argument("--baseline", metavar="REV", help="also serve with the code of this older commit")
    parser.add_argument(
        "--processes",
        default="",
        help="comma-separated numbers of web processes (KG_PROCESSES) to serve with in turn, e.g. 1,2 "
        "(default: kg serve as shipped)",
    )
    parser.add_argument("--store", help="an oxigraph: store to measure instead of H2020's (not built here)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated servers to run, by the start of their name (kg,baseline,oxigraph,nginx,gunicorn,...)",
    )
    args = parser.parse_args()
    only = [w.strip() for w in args.only.split(",") if w.strip()]

    def wanted(name: str) -> bool:
        return not only or any(name.startswith(w) for w in only)

    ensure_tools(wanted)
    location = args.store or f"oxigraph:{STORE}"
    if not args.store:
        ensure_store()
    work = Path(tempfile.mkdtemp(prefix="kg-endpoint-bench-"))
    dump = work / "dump.nq"
    subprocess.run(
        [sys.executable, "-m", "kg", "--store", location, "export", "-f", "nquads", "-o", dump],
        check=True,
        cwd=ROOT,
    )
    ntriples = work / "dump.nt"
    subprocess.run(
        [sys.executable, "-m", "kg", "--store", location, "export", "-f", "ntriples", "-o", ntriples],
        check=True,
        cwd=ROOT,
    )
    if args.store:
        pairs = store_pairs(location, 6000)
        light = light_mix_iris(pairs[:200:20])
        varied = light_mix_iris(pairs)
    else:
        lines = (DATA / "participations.csv").read_text().splitlines()[1:]
        rows = [line.split(",") for line in lines[:200:20]]
        light = light_mix([r[0] for r in rows], [r[1] for r in rows])
        # a different organisation and project in every request of a run (thousands of each), so that no
        # result cache can answer: what a crawler or a client looking up many entities sends
        many = [line.split(",") for line in lines[:: max(1, len(lines) // 6000)]][:6000]
        varied = light_mix([r[0] for r in many], [r[1] for r in many])
    full = light + AGGREGATES * (len(light) // 8)
    mixes = {"light": light, "varied": varied, "full": full}

    print("where a light request's time goes (ms per request, in this process):", flush=True)
    for stage, ms in stages(light, location):
        print(f"  {stage:<58} {ms:>7.3f}", flush=True)
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    env = {**os.environ, "KG_WORKERS": "2", "KG_QUERY_TIMEOUT": "30"}
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    # kg serve with each number of web processes; "kg serve" alone is as shipped (KG_PROCESSES unset: per core)
    ours = {process_name(n): n for n in counts} or {"kg serve": None}
    for name, count in ours.items():
        if wanted(name):
            port = free_port()
            served = {**env, "KG_PROCESSES": str(count)} if count else env
            servers[name] = (
                kg_serve(port, served, subprocess.DEVNULL, location=location),
                f"http://127.0.0.1:{port}/sparql",
            )
    baseline = f"baseline kg serve @{args.baseline}"
    if args.baseline and wanted(baseline):
        port = free_port()
        code = worktree(args.baseline, work)
        servers[baseline] = (
            kg_serve(port, env, subprocess.DEVNULL, code, location=location),
            f"http://127.0.0.1:{port}/sparql",
        )
    upstream, port = free_port(), free_port()
    cached = None  # the kg serve behind nginx
    if wanted("nginx cache before kg serve"):
        cached = kg_serve(upstream, {**env, "KG_CACHE_MAX_AGE": "60"}, subprocess.DEVNULL, location=location)
        servers["nginx cache before kg serve"] = (nginx(work, port, upstream), f"http://127.0.0.1:{port}/sparql")
    bin_dir = Path(sys.executable).parent
    app_env = {**env, "KG_STORE": location, "KG_ACCESS_LOG": "true"}
    port = free_port()
    if wanted("kg app, gunicorn 2 workers"):
        servers["kg app, gunicorn 2 workers"] = (
            subprocess.Popen(
                [bin_dir / "gunicorn", "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}", "api.wsgi:app"],
                cwd=ROOT,
                env=app_env,
                stderr=subprocess.DEVNULL,
            ),
            f"http://127.0.0.1:{port}/sparql",
        )
    port = free_port()
    if wanted("kg app, Waitress 16 threads"):
        servers["kg app, Waitress 16 threads"] = (
            subprocess.Popen(
                [bin_dir / "waitress-serve", "--threads", "16", f"--listen=127.0.0.1:{port}", "api.wsgi:app"],
                cwd=ROOT,
                env=app_env,
                stderr=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            ),
            f"http://127.0.0.1:{port}/sparql",
        )
    port = free_port()
    if wanted("oxigraph server"):
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
    if not args.skip_rdflib and wanted("rdflib-endpoint"):
        port = free_port()
        servers["rdflib-endpoint"] = (
            subprocess.Popen(
                [PEERS / "bin" / "rdflib-endpoint", "serve", ntriples, "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            f"http://127.0.0.1:{port}/",  # its command line serves the endpoint at the root
        )
    results: dict[tuple[str, str], dict] = {}
    peaks: dict[str, float] = {}
    first = next(iter(ours))  # the kg serve the peers are compared with: as shipped, or the fewest processes
    cache_report = "not measured"
    print(f"data: {location}, {args.clients} clients, {args.seconds} s per run", flush=True)
    print(f"{'server':<30} {'mix':<6} {'req/s':>8} {'p50':>9} {'p99':>9} {'non-2xx':>8}  socket errors", flush=True)

    def report(name: str, mix: str, r: dict) -> None:
        results[(name, mix)] = r
        print(
            f"{name:<30} {mix:<6} {r['rps']:>8.1f} {r['p50']:>9} {r['p99']:>9} {r['non2xx']:>8}  {r['errors']}",
            flush=True,
        )

    try:
        for mix, queries in mixes.items():
            rps = direct(queries, args.seconds, location)
            report(
                "pyoxigraph direct, 1 thread", mix, {"rps": rps, "p50": "-", "p99": "-", "non2xx": 0, "errors": "none"}
            )
        for name, (proc, url) in servers.items():
            try:
                wait_for(url, args.start_timeout)
            except SystemExit as e:
                print(f"{name}: {e}", flush=True)
                continue
            memory = PeakMemory(proc.pid)
            for mix, queries in mixes.items():
                report(name, mix, wrk(url, queries, args.seconds, args.clients))
            peaks[name] = memory.stop()
            print(f"{name}: peak memory over its runs {peaks[name]:,.0f} MiB (PSS, its processes)", flush=True)
            if name.startswith("kg"):
                base = url.removesuffix("/sparql")
                cache = hit_rate(base + "/metrics")
                cache_report = cache if name == first else cache_report
                cost = http_cost(base, args.seconds, args.clients)
                print(f"{name}: result cache {cache}; /healthz {cost:.3f} ms of server time a request", flush=True)
    finally:
        for proc in [*([cached] if cached else []), *(proc for proc, _ in servers.values())]:
            proc.terminate()
            proc.wait(30)
        if args.baseline:
            subprocess.run(["git", "worktree", "remove", "--force", str(work / f"baseline-{args.baseline}")], cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{first}'s result cache over the run: {cache_report}")
    for name in ours:
        compare(name, mixes, results, baseline)
    if "oxigraph server" in peaks:
        for name in ours:
            if name in peaks:
                print(f"peak memory: {name} / oxigraph server = {peaks[name] / peaks['oxigraph server']:.2f}")
    if len(counts) > 1:
        print(scaling(counts, mixes, results, peaks))


def process_name(count: int) -> str:
    return f"kg serve, {count} process{'es' if count > 1 else ''}"


def compare(name: str, mixes: dict, results: dict, baseline: str) -> None:
    """One line a mix: a kg serve's requests per second against the baseline and the peers."""
    for mix in mixes:
        if (name, mix) not in results:
            continue
        ours = results[(name, mix)]["rps"]
        line = []
        if (baseline, mix) in results:
            line.append(f"{mix} mix: {name} / {baseline} = {ours / max(results[(baseline, mix)]['rps'], 0.01):.3f}")
        if ("oxigraph server", mix) in results:
            ratio = ours / results[("oxigraph server", mix)]["rps"]
            line.append(f"{mix} mix: {name} / oxigraph server = {ratio:.2f}")
        if ("rdflib-endpoint", mix) in results:
            line.append(f"{name} / rdflib-endpoint = {ours / max(results[('rdflib-endpoint', mix)]['rps'], 0.01):.1f}")
        if line:
            print("; ".join(line))


def scaling(counts: list[int], mixes: dict, results: dict, peaks: dict) -> str:
    """A table of requests per second and peak memory by number of web processes, and each against one
    (or the fewest) process: the varied mix's ratio is the scaling no result cache helps."""
    one = process_name(min(counts))
    rows = [f"\n{'web processes':<14}" + "".join(f"{m + ' req/s':>14}" for m in mixes) + f"{'peak MiB':>10}"]
    for count in counts:
        name = process_name(count)
        cells = [f"{results[(name, m)]['rps']:>14.1f}" if (name, m) in results else f"{'-':>14}" for m in mixes]
        rows.append(f"{count:<14}" + "".join(cells) + f"{peaks.get(name, 0):>10,.0f}")
    for count in counts:
        if count == min(counts):
            continue
        name = process_name(count)
        cells = [
            f"{results[(name, m)]['rps'] / results[(one, m)]['rps']:>13.2f}x"
            if (name, m) in results and (one, m) in results
            else f"{'-':>14}"
            for m in mixes
        ]
        memory = f"{peaks[name] / peaks[one]:>9.2f}x" if peaks.get(name) and peaks.get(one) else f"{'-':>10}"
        rows.append(f"{f'{count} / {min(counts)}':<14}" + "".join(cells) + memory)
    return "\n".join(rows)


if __name__ == "__main__":
    main()
