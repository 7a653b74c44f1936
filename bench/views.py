"""Measure the /network view's first paint in headless Chromium on the synthetic 100,000-organisation graph.

One run, one machine: `kg serve` over the synthetic store (bench/generate.py, built once under bench/out/),
then Debian's Chromium opens /network and reports when the network was first drawn (performance.now(),
from the start of navigation). Measured on the first visit after `kg serve` starts with no network
cache on disk (as after a build: the server prepares the default view while its workers start), again,
then how long interactions take (re-colour, search, drill-down to a country and to a city). The
baseline, in the same run: the same page on the bundled INNOCRAFTS data (36 organisations).

    python bench/views.py                   # target: first paint under 3 s on the 100k graph

With `--phone`, the pages a phone opens first, on the bundled data (`kg build`, under bench/out/): `/`, a
practice page, `/network` and `/map` in Chromium under DevTools' "Slow 4G" network preset (1.44 Mbit/s down,
675 kbit/s up, 562.5 ms round trip) and a 4x slower CPU, with an empty browser cache each time. It prints first
paint (the Paint Timing API's first-contentful-paint), data drawn (the pages' `coopkg:drawn` performance mark;
on the pages without a drawing, the load event) and the bytes transferred (the encoded bodies of the page and
everything it loaded, from the Resource Timing API): "before" (Accept-Encoding: identity, so nothing is
compressed, and the whole-world 1:50m outline) and "after" (compressed, the Europe outline).

    python bench/views.py --phone           # target: data drawn under 3 s on /network and /map
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.chromium import chromium_page  # noqa: E402
from tests.sparql_server import free_port  # noqa: E402

DATA = ROOT / "bench" / "out" / "synthetic"
STORE = ROOT / "bench" / "out" / "synthetic-store"
SMALL = ROOT / "bench" / "out" / "bundled-store"
KG = [sys.executable, "-m", "kg"]


def ensure_stores() -> None:
    if not (STORE / "current").exists():
        if not (DATA / "participations.csv").exists():
            subprocess.run([sys.executable, ROOT / "bench" / "generate.py", "--out", DATA], check=True)
        subprocess.run([*KG, "--store", f"oxigraph:{STORE}", "build", "-q", DATA], check=True, cwd=ROOT)
    if not (SMALL / "current").exists():
        subprocess.run([*KG, "--store", f"oxigraph:{SMALL}", "build", "-q"], check=True, cwd=ROOT)


def serve(store: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KG_STORE": f"oxigraph:{store}"}
    proc = subprocess.Popen([*KG, "serve", "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("kg serve did not start")


def first_paint(page, url: str) -> float:
    page.goto(url + "/network")
    page.wait_for_function("() => window.networkView && window.networkView.paintedAt > 0", timeout=120_000)
    return page.evaluate("window.networkView.paintedAt") / 1000


def timed(page, action, done: str) -> float:
    started = time.perf_counter()
    action()
    page.wait_for_function(f"() => {done}", timeout=120_000)  # a function: the page's CSP forbids eval
    return time.perf_counter() - started


def drill_down(page, country: str) -> float:
    """Seconds from choosing a country to its network (organisations, or its cities) being drawn."""
    done = (
        f"new URLSearchParams(location.search).get('country') === '{country}' && window.networkView.cy.nodes().length"
    )
    return timed(page, lambda: page.select_option("select[name=country]", country), done)


#: Chrome DevTools' "Slow 4G" preset (its former "Fast 3G"): bytes a second, and the added round trip in ms.
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6e6 / 8 * 0.9,
    "uploadThroughput": 750e3 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
PHONE_PAGES = [("/", None), ("/id/innocrafts/practice/IC-GP01", None), ("/network", "network"), ("/map", "map")]
#: What one visit reports: first contentful paint, the drawing's mark (else the load event), and the bytes.
PHONE_TIMES = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('coopkg:drawn')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  const entries = [nav, ...performance.getEntriesByType('resource')];
  return { paint: paint ? paint.startTime : null, drawn: drawn ? drawn.startTime : nav.loadEventEnd,
    bytes: entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0) };
}"""


def phone_visit(page, url: str, path: str, view: str | None) -> tuple[float, float, int]:
    """One cold visit (empty cache) of `path`: seconds to first paint and to the data drawn, and bytes."""
    page.goto("about:blank")
    page.goto(url + path, wait_until="load", timeout=180_000)
    if view:
        page.wait_for_function(
            "() => performance.getEntriesByName('coopkg:drawn').length > 0", timeout=180_000, polling=100
        )
    page.wait_for_load_state("networkidle", timeout=180_000)  # the filter lists too: every byte is counted
    times = page.evaluate(PHONE_TIMES)
    return times["paint"] / 1000, times["drawn"] / 1000, times["bytes"]


def phone(runs: int) -> None:
    """The phone profile's table, before and after (compression, the Europe outline), the median of `runs`."""
    if not (SMALL / "current").exists():
        subprocess.run([*KG, "--store", f"oxigraph:{SMALL}", "build", "-q"], check=True, cwd=ROOT)
    proc, url = serve(SMALL)
    rows = []
    try:
        with chromium_page(412, 915) as page:  # a phone's screen (CSS pixels)
            for path, _ in PHONE_PAGES:  # the server's caches warm: the phone's wait is measured, not a build
                page.goto(url + path, wait_until="networkidle")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            for state in ("before", "after"):
                if state == "before":
                    cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
                    page.route(
                        "**/world-atlas/europe-50m.json",
                        lambda r: r.continue_(url=r.request.url.replace("europe-50m.json", "countries-50m.json")),
                    )
                else:
                    cdp.send("Network.setExtraHTTPHeaders", {"headers": {}})
                    page.unroute("**/world-atlas/europe-50m.json")
                for path, view in PHONE_PAGES:
                    visits = [phone_visit(page, url, path, view) for _ in range(runs)]
                    paint, drawn, size = (statistics.median(v[i] for v in visits) for i in range(3))
                    rows.append((state, path, paint, drawn, size))
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"phone profile: Slow 4G (1.44 Mbit/s down, 562.5 ms RTT), CPU {CPU_SLOWDOWN}x slower, empty cache; ", end="")
    print(f"median of {runs}")
    print("{:<7} {:<34} {:>12} {:>11} {:>14}".format("", "page", "first paint", "data drawn", "transferred"))
    for state, path, paint, drawn, size in rows:
        print(f"{state:<7} {path:<34} {paint:>10.2f} s {drawn:>9.2f} s {size / 1000:>11.1f} kB")
    after = {path: drawn for state, path, _, drawn, _ in rows if state == "after"}
    met = all(after[p] < 3 for p in ("/network", "/map"))
    print(f"target, data drawn under 3 s on /network and /map (after): {'met' if met else 'not met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phone", action="store_true", help="the phone profile over the bundled data")
    parser.add_argument("--runs", type=int, default=3, help="visits per page in --phone mode (the median)")
    args = parser.parse_args()
    if args.phone:
        phone(args.runs)
        return
    ensure_stores()
    with chromium_page() as page:
        results = {}
        for name, store in (("bundled (36 organisations)", SMALL), ("synthetic (100,000 organisations)", STORE)):
            shutil.rmtree(store / "cache", ignore_errors=True)
            proc, url = serve(store)
            try:
                cold = first_paint(page, url)
                warm = first_paint(page, url)
                nodes = page.evaluate("window.networkView.data.nodes.length")
                kind = page.evaluate("window.networkView.data.kind")
                recolour = timed(
                    page,
                    lambda: page.select_option("select[name=colour]", "community"),
                    "window.networkView.cy && window.networkView.cy.nodes().length > 0",
                )
                search = timed(page, lambda: page.fill("input[name=find]", "a"), "true")
                first = page.evaluate(
                    "[...window.networkView.data.nodes].sort((a,b)=>b.organisations-a.organisations)[0]"
                )
                drill = None
                if kind == "country":
                    drill = drill_down(page, first["id"])
                results[name] = (cold, warm, nodes, kind, recolour, search, drill)
            finally:
                proc.terminate()
                proc.wait(30)
    header = ("graph", "first visit", "again", "drawn", "re-colour", "search", "drill")
    print("{:<36} {:>12} {:>8} {:>16} {:>10} {:>7} {:>7}".format(*header))
    for name, (cold, warm, nodes, kind, recolour, search, drill) in results.items():
        drilled = "" if drill is None else f"{drill:5.2f} s"
        drawn = f"{nodes:>6} {kind:<9}"
        print(f"{name:<36} {cold:>10.2f} s {warm:>6.2f} s {drawn} {recolour:>8.2f} s {search:>5.2f} s {drilled}")
    small, large = results["bundled (36 organisations)"], results["synthetic (100,000 organisations)"]
    print(f"\n100k graph / bundled graph, first paint: {large[0] / small[0]:.2f}x on the first visit, ", end="")
    print(f"{large[1] / small[1]:.2f}x again")
    verdict = "met" if large[0] < 3 else "not met"
    print(f"target, first paint under 3 s on the 100k graph (first visit after `kg serve` starts): {verdict}")


if __name__ == "__main__":
    main()
