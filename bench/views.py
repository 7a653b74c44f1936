"""Measure the /network view's first paint in headless Chromium on the synthetic 100,000-organisation graph.

One run, one machine: `kg serve` over the synthetic store (bench/generate.py, built once under bench/out/),
then Debian's Chromium opens /network and reports when the network was first drawn (performance.now(),
from the start of navigation). Measured on the first visit after `kg serve` starts with no network
cache on disk (as after a build: the server prepares the default view while its workers start), again,
then how long interactions take (re-colour, search, drill-down to a country and to a city). The
baseline, in the same run: the same page on the bundled INNOCRAFTS data (36 organisations).

    python bench/views.py                   # target: first paint under 3 s on the 100k graph
"""

from __future__ import annotations

import os
import shutil
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


def main() -> None:
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
