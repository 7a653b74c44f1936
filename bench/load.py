"""Hold up under load: drive `kg serve` on the real H2020 data with 32 concurrent clients for 60 s over a
mixed workload, while one more client keeps sending a heavy query that hits the time limit.

    python bench/load.py                          # 32 clients, 60 s (installs wrk where missing)
    python bench/load.py --clients 64 --seconds 120

The light workload: saved queries (JSON and CSV), ad-hoc SPARQL (lookups, joins, ASK, CONSTRUCT),
entity pages in every format (HTML, Turtle, JSON-LD, N-Triples, RDF/XML) and the network and map JSON.
wrk (Debian's package) drives it and reports requests per second, latency percentiles, non-2xx answers
and socket errors (dropped connections). The heavy client is a Python thread. The server's access log
(one JSON line per request) gives the status of every request, light and heavy, counted apart.
Targets: zero 5xx and zero dropped connections among the light requests, p99 under 1 s.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from endpoint import ensure_tools, free_port, kg_serve, light_mix, wrk_percentiles, wrk_script
from h2020 import DATA, ensure_store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.cli.serve import default_processes  # noqa: E402
from kg.config import Config  # noqa: E402

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?o . ?c ?r ?b }"  # joins on shared objects: minutes

WRK_SCRIPT = """
local requests = {%s}
local i = 0
request = function()
  i = i + 1
  local r = requests[(i %% #requests) + 1]
  return wrk.format("GET", r[1], {["Accept"] = r[2], ["X-Request-Id"] = "light"})
end
"""


def workload() -> list[tuple[str, str]]:
    """(path, Accept) pairs, in the proportions of the mix."""
    rows = [line.split(",") for line in (DATA / "participations.csv").read_text().splitlines()[1:400:20]]
    orgs, projects = [r[0] for r in rows], [r[1] for r in rows]
    items: list[tuple[str, str]] = []
    for q in light_mix(orgs[:10], projects[:10]):
        items.append(("/sparql?query=" + urllib.parse.quote(q), "application/sparql-results+json, text/turtle;q=0.9"))
    for project in projects[:4]:  # saved queries about one project (over all of H2020 they are heavy)
        acronym = f"H2020-{project}"
        items += [
            (f"/api/queries/partners-by-country?acronym={acronym}", "application/json"),
            (f"/api/queries/partners-per-country?acronym={acronym}&format=csv", "text/csv"),
            (f"/api/queries/partners-by-type?acronym={acronym}", "application/json"),
        ]
    items.append(("/api/queries/events-timeline", "application/json"))
    for org in orgs[:6]:
        base = f"/id/h2020/organisation/{org}"
        items += [
            (base, "text/html"),
            (base + ".ttl", "*/*"),
            (base + ".jsonld", "*/*"),
            (base + ".nt", "*/*"),
            (base, "application/rdf+xml"),
        ]
    for project in projects[:4]:
        items.append((f"/id/project/{project}", "text/turtle"))
    items += [
        ("/api/network", "application/json"),
        ("/api/network?kind=country", "application/json"),
        ("/api/map", "application/json"),
        ("/api/queries", "application/json"),
        ("/readyz", "application/json"),
    ]
    return items


def heavy_client(url: str, stop: threading.Event, results: collections.Counter) -> None:
    """Send the heavy query again and again until told to stop; count the answers by status."""
    while not stop.is_set():
        request = urllib.request.Request(
            url + "/sparql?query=" + urllib.parse.quote(HEAVY), headers={"X-Request-Id": "heavy"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                results[r.status] += 1
        except urllib.error.HTTPError as e:
            results[e.code] += 1
        except OSError as e:
            results[f"error: {e}"] += 1


def run_wrk(url: str, items: list[tuple[str, str]], seconds: int, clients: int) -> str:
    requests = ", ".join(f"{{{json.dumps(p)}, {json.dumps(a)}}}" for p, a in items)
    return wrk_script(url, WRK_SCRIPT % requests, seconds, clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--timeout", type=float, help="KG_QUERY_TIMEOUT, the query time limit (default: kg's)")
    parser.add_argument("--workers", type=int, help="KG_WORKERS (default: kg's; the heavy query holds one)")
    parser.add_argument(
        "--in-memory",
        choices=["true", "false"],
        help="KG_SERVE_IN_MEMORY: the query workers hold a copy of the store in memory (default: kg's)",
    )
    args = parser.parse_args()
    ensure_tools()
    ensure_store()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="kg-load-bench-")) / "access.log"
    chosen = {"KG_QUERY_TIMEOUT": args.timeout, "KG_WORKERS": args.workers, "KG_SERVE_IN_MEMORY": args.in_memory}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KG_")},
        **{k: str(v) for k, v in chosen.items() if v is not None},
    }
    settings = Config.from_env(env)  # what the server will run with: the shipped defaults unless chosen
    with log.open("w") as err:
        server = kg_serve(port, env, err)
    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=5) as r:
                    if json.load(r).get("network_views") == "ready":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("kg serve did not become ready")
            time.sleep(1)
        items = workload()
        for path, accept in items:  # every request of the mix works before the clock starts
            request = urllib.request.Request(url + path, headers={"Accept": accept})
            with urllib.request.urlopen(request, timeout=120) as r:
                assert r.status == 200, path
        stop = threading.Event()
        heavy: collections.Counter = collections.Counter()
        thread = threading.Thread(target=heavy_client, args=(url, stop, heavy), daemon=True)
        thread.start()
        time.sleep(1)
        out = run_wrk(url, items, args.seconds, args.clients)
        stop.set()
        thread.join(settings.query_timeout + 30)
    finally:
        server.terminate()
        server.wait(30)

    statuses: dict[str, collections.Counter] = {"light": collections.Counter(), "heavy": collections.Counter()}
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            kind = (
                "heavy"
                if entry.get("request_id") == "heavy"
                else "light"
                if entry.get("request_id") == "light"
                else None
            )
            if kind:
                statuses[kind][entry["status"]] += 1
    print(out)
    print(
        f"workload: {len(items)} kinds of request; {args.clients} clients for {args.seconds} s; "
        f"settings: KG_QUERY_TIMEOUT={settings.query_timeout:g} KG_WORKERS={settings.workers} "
        f"KG_SERVE_IN_MEMORY={str(settings.serve_in_memory).lower()} "
        f"KG_PROCESSES={settings.processes or default_processes()}"
    )
    print(f"light requests by status (server log): {dict(sorted(statuses['light'].items()))}")
    print(f"heavy query by status (server log): {dict(sorted(statuses['heavy'].items()))}; client saw {dict(heavy)}")
    light_5xx = sum(n for s, n in statuses["light"].items() if s >= 500)
    p99 = wrk_percentiles(out).get("99%", "?")
    errors = out.split("Socket errors:")[1].splitlines()[0].strip() if "Socket errors:" in out else "none"
    print(f"\nlight 5xx: {light_5xx}; socket errors (dropped connections): {errors}; light p99: {p99} (target < 1 s)")


if __name__ == "__main__":
    main()
