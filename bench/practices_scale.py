"""Measure "similar practices" and "search by meaning" at scale: index build time, peak memory and request
latency for each similarity method on thousands of practices made from real good-practice texts.

Why: the catalogue holds 136 practices today (97 URBACT, 39 INNOCRAFTS); an import of a programme's
database brings thousands. This says what `kg build` and a web process would pay then, method by method,
against TF-IDF alone measured in the same run, and checks the targets (build under 60 s, "similar" p99
under 50 ms at 10,000 practices, memory under 1 GB).

The corpus: the 97 URBACT Good Practices (`data/urbact/GoodPracticesURBACT_Corpus.csv`) and the 39
INNOCRAFTS practices (`data/innocrafts/practices.csv`), read with the csv module into the fields under which
the import mappings put their sections (`kg/ingest/mappings/practices.yaml`, `.../sets/urbact/practices.yaml`:
URBACT's Summary is the description, its Description the abstract, Outcomes the evidence of success ...),
keeping those that `kg.practices.text.FIELDS` names when the bench runs, so a section the product does not
compare is not compared here either (the header line lists the fields). Up to N, synthetic practices are
made by recombining whole sentences: each field of a new practice is a run of sentences of that field of one
real practice followed by a run of another's, drawn with a seeded generator (`--seed`), so the vocabulary,
the sentence lengths and the passages per practice are the real ones. A synthetic practice takes the title
and facets (themes, sectors, target groups; URBACT's Kwords lines as themes) of its first donor.

What runs is the product: each method gets a fresh child process (so peaks do not mix) that builds
`kg.practices.similarity.SimilarityIndex(practices, kg.practices.encoders.encoder_for(method))`, which is
what `build_index` and `practice_index` do once they have read the practices from the store (the corpus
never goes through a store, so `read_practices` is the one product step left out), and answers
`SimilarityIndex.similar(iri, top=10)` for random practices and `SimilarityIndex.search(query, top=10)` for
the plain-word queries of `bench/data/similarity-queries.csv` in turn; then `save` and `load` (the cache a
web process reads). Build time excludes importing the encoder and loading its model (timed apart: "load s").
Peak MB is the child's ru_maxrss (all it held: corpus, model, index). The child runs under an address-space
limit (`--memory-limit`), so a build that needs more fails with MemoryError saying how much it asked for,
instead of waking the kernel's OOM killer on a shared machine. Any error in the product is reported with the
file and line of kg/ where it was raised, and the other stages still run.

    python bench/practices_scale.py                          # 10,000 practices, every method
    python bench/practices_scale.py --sizes 1000,10000 --requests 200
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.practices.encoders import ENCODERS, encoder_for  # noqa: E402
from kg.practices.similarity import SimilarityIndex  # noqa: E402
from kg.practices.text import FIELDS, Practice, sentences  # noqa: E402

URBACT = ROOT / "data" / "urbact" / "GoodPracticesURBACT_Corpus.csv"
INNOCRAFTS = ROOT / "data" / "innocrafts" / "practices.csv"
QUERIES = ROOT / "bench" / "data" / "similarity-queries.csv"
BASELINE = "tfidf"
TOP = 10
#: the targets, at 10,000 practices
TARGET_BUILD_S, TARGET_SIMILAR_P99_MS, TARGET_PEAK_MB = 60.0, 50.0, 1024.0
# the columns -> the properties the import mappings give them, named as text.py's FIELDS names them
_URBACT_FIELDS = {
    "Description": "abstract",  # dcterms:abstract
    "Summary": "description",  # dcterms:description
    "Solution": "solution",
    "Approach": "approach",
    "Participation": "stakeholderInvolvement",
    "Outcomes": "evidenceOfSuccess",
    "Transferability": "potentialForTransfer",
}
_MISSING = ("", "NA", "not available")  # the URBACT mapping's placeholders
_INNOCRAFTS_FIELDS = {
    "description": "description",
    "resources_needed": "resourcesNeeded",
    "evidence_of_success": "evidenceOfSuccess",
    "potential_for_transfer": "potentialForTransfer",
    "difficulties_encountered": "difficultiesEncountered",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def real_practices() -> list[Practice]:
    """The 136 real practices with the texts (the fields in FIELDS) and facets the product compares."""
    practices = []
    for r in _read_csv(URBACT):
        texts = {"title": r["Name"].strip()}
        texts.update(
            {f: r[c].strip() for c, f in _URBACT_FIELDS.items() if f in FIELDS and r[c].strip() not in _MISSING}
        )
        themes = {line.strip() for line in r["Kwords"].splitlines() if line.strip()}
        code = r["CodePractices"].strip()
        practices.append(Practice(f"urn:bench:urbact/{code}", code, texts["title"], texts, {"themes": themes}))
    for r in _read_csv(INNOCRAFTS):
        texts = {"title": r["title"].strip()}
        texts.update({f: r[c].strip() for c, f in _INNOCRAFTS_FIELDS.items() if f in FIELDS and r[c].strip()})
        facets = {
            k: {v for v in r[c].split(";") if v.strip()}
            for c, k in (("themes", "themes"), ("sectors", "sectors"), ("target_groups", "target groups"))
        }
        practices.append(
            Practice(
                f"urn:bench:innocrafts/{r['id']}",
                r["id"],
                texts["title"],
                texts,
                {k: v for k, v in facets.items() if v},
            )
        )
    return practices


def corpus(n: int, seed: int = 42) -> list[Practice]:
    """`n` practices: the real ones (a seeded sample when n is smaller), then recombinations of them."""
    rng = random.Random(seed)
    real = real_practices()
    if n <= len(real):
        return sorted(rng.sample(real, n), key=lambda p: p.iri)
    split = [{f: sentences(t) for f, t in p.texts.items() if f != "title"} for p in real]
    donors = {f: [i for i, s in enumerate(split) if s.get(f)] for f in FIELDS}
    made = []
    for k in range(n - len(real)):
        first = rng.randrange(len(real))
        texts = {"title": real[first].texts["title"]}
        for f, own in split[first].items():
            if not own:
                continue
            other = split[rng.choice(donors[f])][f]
            head = own[: rng.randint(1, len(own))]  # a run from the start of the first donor's section
            tail = other[rng.randint(0, len(other) - 1) :]  # and one to the end of another's
            texts[f] = " ".join(head + tail[: max(1, len(own) - len(head))])
        made.append(
            Practice(
                f"urn:bench:synthetic/{k:06d}",
                f"SYN-{k:06d}",
                texts["title"],
                texts,
                {key: set(v) for key, v in real[first].facets.items()},
            )
        )
    return sorted(real + made, key=lambda p: p.iri)


def _queries() -> list[str]:
    with QUERIES.open(newline="", encoding="utf-8") as f:
        return [r["query"] for r in csv.DictReader(f)]


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _latencies(call, keys: list, requests: int, budget: float) -> tuple[list[float], int]:
    """Seconds per call over `requests` keys (fewer when `budget` seconds run out), after one warm-up."""
    call(keys[0])
    times: list[float] = []
    started = time.perf_counter()
    for k in range(requests):
        t = time.perf_counter()
        call(keys[k % len(keys)])
        times.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget and len(times) >= 20:
            break
    return times, len(times)


def _describe(e: BaseException, stage: str) -> str:
    """The error in one line, with the deepest frame of kg/ (where the product raised it)."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(str(ROOT / "kg"))]
    where = f" at {Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__} in {stage}{where}: {e}"


def measure(method: str, n: int, seed: int, requests: int, budget: float) -> dict:
    """One method on one corpus, in this process: build, requests, the cache file. Meant for a fresh child."""
    result: dict = {"method": method, "n": n}
    stage = "corpus"
    try:
        practices = corpus(n, seed)
        result["passages"] = sum(len(p.passages()) for p in practices)
        stage = "load"
        t = time.perf_counter()
        warm = encoder_for(method)  # imports and the model's load, paid once per process
        warm.fit(["a practice about crafts"])
        warm.encode(["a practice about crafts"])
        result["load_s"] = time.perf_counter() - t
        result["rss_before_mb"] = _rss_mb()
        stage = "build"
        t = time.perf_counter()
        index = SimilarityIndex(practices, encoder_for(method))
        result["build_s"] = time.perf_counter() - t
        result["peak_mb"] = _peak_mb()
        result["vectors_mb"] = (index.vectors.nbytes + index.passage_vectors.nbytes) / 2**20
        result["dims"] = int(index.vectors.shape[1])
    except Exception as e:  # MemoryError or a product error: reported
        result["error"] = _describe(e, stage)
        result["peak_mb"] = _peak_mb()
        return result

    rng = random.Random(seed + 1)
    with_text = [p for p in practices if p.has_text]
    keys = [p.iri for p in rng.sample(with_text, min(requests, len(with_text)))]
    for kind, call, asked in (
        ("similar", partial(index.similar, top=TOP), keys),
        ("search", partial(index.search, top=TOP), _queries()),
    ):
        try:
            times, result[f"{kind}_n"] = _latencies(call, asked, requests, budget)
            result[f"{kind}_ms"] = [1000 * x for x in times]
        except Exception as e:
            result[f"{kind}_error"] = _describe(e, kind)

    try:
        with tempfile.TemporaryDirectory(prefix="practices-scale-") as folder:
            path = Path(folder) / f"{method}.npz"
            index.save(path)
            result["cache_mb"] = path.stat().st_size / 2**20
            del index, call
            t = time.perf_counter()
            loaded = SimilarityIndex.load(path, practices, encoder_for(method))
            result["cache_load_s"] = time.perf_counter() - t if loaded is not None else None
    except Exception as e:
        result["cache_error"] = _describe(e, "cache")
    return result


def run_child(args: argparse.Namespace, method: str, n: int) -> dict:
    """`measure` in a fresh Python under the address-space limit; a crash or a timeout is a result too."""
    command = [
        sys.executable,
        __file__,
        "--child",
        method,
        "--sizes",
        str(n),
        "--seed",
        str(args.seed),
        "--requests",
        str(args.requests),
        "--budget",
        str(args.budget),
        "--memory-limit",
        str(args.memory_limit),
    ]
    env = dict(os.environ)
    if args.blas_threads:  # numpy reads these when it loads OpenBLAS, so only a fresh process can be told
        env.update({k: str(args.blas_threads) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")})
    started = time.perf_counter()
    try:
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"method": method, "n": n, "error": f"timed out after {args.timeout:.0f} s"}
    wall = time.perf_counter() - started
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        tail = out.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"method": method, "n": n, "error": f"exit code {out.returncode}: {tail[0]}", "wall_s": wall}
    result = json.loads(lines[-1])
    result["wall_s"] = wall
    return result


def _pct(values: list[float] | None, q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or not base else f"{value / base:.2f}x"


def figures(r: dict) -> dict[str, float | None]:
    return {
        "build s": r.get("build_s"),
        "peak MB": r.get("peak_mb"),
        "similar p50 ms": _pct(r.get("similar_ms"), 50),
        "similar p99 ms": _pct(r.get("similar_ms"), 99),
        "search p50 ms": _pct(r.get("search_ms"), 50),
        "search p99 ms": _pct(r.get("search_ms"), 99),
    }


def _cell(value: float | str | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:,.{digits}f}"


def report(results: list[dict], methods: list[str]) -> None:
    """The figures, the ratios against TF-IDF alone at the same N, and the targets."""
    print(
        "| method | N | passages | dims | load s | build s | peak MB | RSS before build MB | index MB "
        "| similar p50 ms | similar p99 ms | search p50 ms | search p99 ms | requests | cache file MB | cache load s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        f = figures(r)
        failed = "error" in r
        similar = ("error", "error") if "similar_error" in r else (f["similar p50 ms"], f["similar p99 ms"])
        search = ("error", "error") if "search_error" in r else (f["search p50 ms"], f["search p99 ms"])
        cells = [
            r["method"],
            f"{r['n']:,}",
            _cell(r.get("passages"), 0),
            _cell(r.get("dims"), 0),
            _cell(r.get("load_s"), 2),
            "failed" if failed else _cell(r.get("build_s"), 2),
            _cell(r.get("peak_mb"), 0),
            _cell(r.get("rss_before_mb"), 0),
            _cell(r.get("vectors_mb"), 0),
            _cell(similar[0]),
            _cell(similar[1]),
            _cell(search[0]),
            _cell(search[1]),
            "-" if failed else f"{r.get('similar_n', 0)}/{r.get('search_n', 0)}",
            _cell(r.get("cache_mb"), 0),
            "error" if "cache_error" in r else _cell(r.get("cache_load_s"), 2),
        ]
        print("| " + " | ".join(cells) + " |")
    for r in results:
        for key in ("error", "similar_error", "search_error", "cache_error"):
            if key in r:
                print(f"\n{r['method']} at N={r['n']:,}: {r[key]}")

    print(f"\nRatios against {BASELINE} alone at the same N (below 1: cheaper than TF-IDF):\n")
    names = list(figures({}))
    print("| method | N | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    base = {r["n"]: figures(r) for r in results if r["method"] == BASELINE and "error" not in r}
    for r in results:
        if r["method"] == BASELINE or "error" in r:
            continue
        b = base.get(r["n"])
        cells = [_ratio(v, b[k]) if b else f"- ({BASELINE} failed)" for k, v in figures(r).items()]
        print(f"| {r['method']} | {r['n']:,} | " + " | ".join(cells) + " |")

    largest = max(r["n"] for r in results)
    print(
        f"\nTargets at N={largest:,} (build under {TARGET_BUILD_S:.0f} s, similar p99 under "
        f"{TARGET_SIMILAR_P99_MS:.0f} ms, peak under {TARGET_PEAK_MB:,.0f} MB):"
    )
    for method in methods:
        r = next(x for x in results if x["method"] == method and x["n"] == largest)
        if "error" in r:
            print(f"- {method}: FAILS (the build did not finish: {r['error'][:200]})")
            continue
        f = figures(r)
        checks = [
            ("build", f["build s"], TARGET_BUILD_S, "s"),
            ("similar p99", f["similar p99 ms"], TARGET_SIMILAR_P99_MS, "ms"),
            ("peak", f["peak MB"], TARGET_PEAK_MB, "MB"),
        ]
        parts = [
            f"{name} {value:,.1f} {unit} {'ok' if value < limit else 'OVER'}" if value is not None else f"{name}: error"
            for name, value, limit, unit in checks
        ]
        met = all(v is not None and v < lim for _, v, lim, _ in checks)
        print(f"- {method}: {'meets all' if met else 'misses'} ({'; '.join(parts)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated corpus sizes (default 10000)")
    parser.add_argument("--methods", default=",".join(ENCODERS), help=f"default: {','.join(ENCODERS)}")
    parser.add_argument("--requests", type=int, default=200, help="requests per kind (default 200)")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="at most this many seconds per kind (>= 20 requests)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", type=float, default=10.0, help="GiB of address space per child (default 10)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per child")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="OPENBLAS_NUM_THREADS for the children (default: unset, as kg runs; on a busy machine 1 avoids stalls)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    if args.child:
        limit = int(args.memory_limit * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(json.dumps(measure(args.child, sizes[0], args.seed, args.requests, args.budget)))
        return

    methods = [m for m in args.methods.split(",") if m]
    methods = [BASELINE] + [m for m in methods if m != BASELINE]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start", flush=True)
    for n in sizes:
        sample = corpus(n, args.seed)
        bodies = [len(p.body) for p in sample]
        print(
            f"N={n:,}: {sum(p.iri.startswith('urn:bench:synthetic') for p in sample):,} synthetic practices, "
            f"{sum(len(p.passages()) for p in sample):,} passages, body {np.median(bodies):,.0f} chars median "
            f"({max(bodies):,} max)",
            flush=True,
        )
    results = []
    for n in sizes:
        for method in methods:
            r = run_child(args, method, n)
            results.append(r)
            state = r.get("error") or f"build {r['build_s']:.1f} s, peak {r['peak_mb']:,.0f} MB"
            print(f"  {method} N={n:,}: {state} ({r.get('wall_s', 0):.0f} s in all)", file=sys.stderr, flush=True)
    print(
        f"\nfields compared (kg.practices.text.FIELDS): {', '.join(FIELDS)}\n"
        f"seed {args.seed}; top {TOP}; up to {args.requests} requests per kind "
        f"(or {args.budget:.0f} s); search queries: the {len(_queries())} of {QUERIES.relative_to(ROOT)} in turn; "
        f"children limited to {args.memory_limit:g} GiB of address space; "
        f"BLAS threads: {args.blas_threads or 'unset (OpenBLAS uses every core)'}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end\n"
    )
    report(results, methods)


if __name__ == "__main__":
    main()
