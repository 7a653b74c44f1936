"""Measure record linkage on pairs of organisations whose identity the data itself gives away.

The real CORDIS and keep.eu samples (tests/data/eu-open-data/) are imported beside the bundled data, and each
source is read as it describes its organisations. Labelled pairs:

- CORDIS JSON (H2020) against the Horizon Europe CSV: the same organisationID (PIC), names and towns written
  years apart. The ids are hidden from the matcher and used only to score it; two different PICs are two
  organisations, so every link between them counts as false.
- The bundled INNOCRAFTS and REGIO-CRAFTS partners (P01-P15, R01-R04) against the partner rows of the same
  projects in keep.eu's Interreg IVC list (bench/data/linkage-gold-innocrafts-keep.csv, checked by hand; it
  also lists other keep.eu spellings of the same partners, which count as right but are not required). Any
  other link from a bundled organisation into keep.eu counts as false.

Also counted, with no labels to score: the CORDIS XML records (no PIC) against the JSON ones, and the H2020
table (PICs but no names).

    python bench/linkage.py              # precision, recall, F1 per source pair, beside exact-name matching
    python bench/linkage.py projects     # project linkage only, against bench/data/linkage-gold-projects.csv
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import Config  # noqa: E402
from kg.ingest.loader import build, import_files  # noqa: E402
from kg.link.linker import link_organisations  # noqa: E402
from kg.link.records import Record, add_projects, read_records  # noqa: E402
from kg.link.review import read_decisions  # noqa: E402
from kg.link.score import Scorer, candidate_pairs  # noqa: E402
from kg.store import open_store  # noqa: E402

DATA = ROOT / "tests" / "data" / "eu-open-data"
GOLD = ROOT / "bench" / "data" / "linkage-gold-innocrafts-keep.csv"
H2020 = ROOT.parent / "shared" / "data" / "cordis-h2020" / "h2020.csv.gz"
JSON, HORIZON, XML = (
    "cordis-h2020-json-edvard-august",
    "cordis-horizon-head100-voteveto2",
    "cordis-h2020-xml-erenaliaslangiray",
)
KEEP = "keep-eu-interreg-ivc-partners-pgourdongeo"
_CORDIS = {"c": "http://cordis.europa.eu"}
THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95)


def _load() -> tuple[list[Record], float, float, int]:
    config = Config(store="memory")
    store = open_store(config)
    build(store, config)
    import_files(store, config, "keep", [DATA / KEEP / "interreg_ivc_2007_2013_partners.csv"])
    import_files(
        store,
        config,
        "cordis",
        [
            DATA / JSON / "organization.json",
            DATA / JSON / "project.json",
            DATA / HORIZON / "organization_df_100.csv",
            DATA / HORIZON / "project_df_100.csv",
            DATA / XML / "Dataset_Example.zip",
        ],
    )
    started = time.perf_counter()
    records = read_records(store, config.ns, per_source=True)
    add_projects(store, config.ns, records)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    linkage = link_organisations(store, config.ns, read_decisions(None))
    return records, read_s, time.perf_counter() - started, len(linkage.same)


def _exact_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


Predict = Callable[[list[Record]], dict[tuple[int, int], float]]


def exact_names(records: list[Record]) -> dict[tuple[int, int], float]:
    """The baseline: the same name once case, spaces and punctuation are ignored, in the same country."""
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(records):
        for name in r.names:
            by_key.setdefault((r.country, _exact_key(name)), []).append(i)
    found = {}
    for members in by_key.values():
        for i in members:
            for j in members:
                if i < j and records[i].sources != records[j].sources:
                    found[(i, j)] = 1.0
    return found


def scored(records: list[Record]) -> dict[tuple[int, int], float]:
    scorer = Scorer(records)
    return {
        (i, j): scorer.score(records[i], records[j]).value
        for i, j in candidate_pairs(records)
        if records[i].sources != records[j].sources
    }


def splink_fs(records: list[Record]) -> dict[tuple[int, int], float]:
    """splink (Fellegi-Sunter on DuckDB): the same normalised names, towns and NUTS codes, m and u
    probabilities estimated from the data (u by random sampling, m by expectation maximisation), blocked on
    country and the first name word or the town; the score is splink's match probability."""
    import logging

    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from kg.link.names import name_key, town_key

    by_source: dict[frozenset[str], list[int]] = {}
    for i, r in enumerate(records):
        by_source.setdefault(r.sources, []).append(i)
    tables = []
    db = DuckDBAPI()
    for members in by_source.values():
        rows = [records[i] for i in members]
        keys = [name_key(r.names[0]) if r.names else "" for r in rows]
        table = pa.table(
            {
                "unique_id": members,
                "name": keys,
                "first_word": [k.split(" ", 1)[0] for k in keys],
                "town": [town_key(r.towns[0]) if r.towns else None for r in rows],
                "nuts": [r.nuts[0][:5] if r.nuts else None for r in rows],
                "country": [r.country or None for r in rows],
            }
        )
        tables.append(db.register(table))
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.8]),
            cl.ExactMatch("town"),
            cl.ExactMatch("nuts"),
        ],
        blocking_rules_to_generate_predictions=[block_on("country", "first_word"), block_on("country", "town")],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("name", "country")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    # two sessions, as splink's guide does: one fixes the names (trains town and NUTS), one the country
    # (trains the names)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("country"))
    found = {}
    for row in linker.inference.predict(threshold_match_probability=0.01).as_record_list():
        left, right = int(row["unique_id_l"]), int(row["unique_id_r"])
        found[(min(left, right), max(left, right))] = float(row["match_probability"])
    return found


def _metrics(predicted, true, allowed, unknown):
    predicted = {(i, j) for i, j in predicted if i not in unknown and j not in unknown}  # unjudgeable
    right = predicted & (true | allowed)
    precision = len(right) / len(predicted) if predicted else 1.0
    recall = len(predicted & true) / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(predicted - true - allowed)


def _pair_set(records, a, b):
    return [replace(r, ids=[], vats=[]) for r in records if r.sources & {a, b}]


def xml_pics() -> dict[tuple[str, str], str]:
    """The PIC of each organisation of the CORDIS XML sample, where the H2020 table has exactly one
    participation of that project with the same country, role and EC contribution: (name, country) -> PIC."""
    table: dict[str, list[dict]] = {}
    for row in csv.DictReader(gzip.open(H2020, "rt")):
        table.setdefault(row["rcn"], []).append(row)
    found: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(DATA / XML / "Dataset_Example.zip") as archive:
        for member in archive.namelist():
            if not member.endswith(".xml") or member.startswith("__"):
                continue
            root = ET.fromstring(archive.read(member))
            rcn = root.findtext("c:rcn", namespaces=_CORDIS)
            for org in root.iter(f"{{{_CORDIS['c']}}}organization"):
                name = org.findtext("c:legalName", "", _CORDIS)
                country = org.findtext("c:address/c:country", "", _CORDIS)
                money = (org.get("ecContribution") or "0").split(".")[0]
                rows = [
                    r
                    for r in table.get(rcn, [])
                    if r["country"] == country
                    and r["role"] == org.get("type")
                    and r["contribution"].split(".")[0] == money
                ]
                if len(rows) == 1:
                    found[(name, {"EL": "GR", "UK": "GB"}.get(country, country))] = rows[0]["pic"]
    return found


def cordis_pairs(records: list[Record], a: str, b: str, pics: dict[tuple[str, str], str]):
    """Records of two CORDIS sources with their ids hidden, the pairs with one PIC, and the pairs that can
    be judged at all (both PICs known)."""
    subset = _pair_set(records, a, b)

    def pic(r: Record) -> str | None:
        if XML in r.sources:
            return next((pics[(n, r.country)] for n in r.names if (n, r.country) in pics), None)
        return r.iri.rsplit("/", 1)[1]

    truth = [pic(r) for r in subset]
    true = {
        (i, j)
        for i in range(len(subset))
        for j in range(i + 1, len(subset))
        if truth[i] and truth[i] == truth[j] and subset[i].sources != subset[j].sources
    }
    unknown = {i for i, t in enumerate(truth) if t is None}
    return subset, true, set(), unknown


def bundled_pairs(records: list[Record]):
    subset = [r for r in records if r.sources & {"innocrafts", KEEP}]
    gold = list(csv.DictReader(GOLD.open(encoding="utf-8")))
    index = {}
    for i, r in enumerate(subset):
        if "innocrafts" in r.sources:
            index[r.iri.rsplit("/", 1)[1]] = i
        else:
            index[(r.names[0], r.towns[0] if r.towns else "")] = i
    true, allowed = set(), set()
    for row in gold:
        a, b = index[row["bundled"]], index[(row["keep_name"], row["keep_town"])]
        (true if row["relation"] == "partner-row" else allowed).add((min(a, b), max(a, b)))
    return subset, true, allowed, set()


def main() -> None:
    records, read_s, link_s, links = _load()
    print(f"{len(records)} organisation records read from the store in {read_s:.2f} s")
    print(f"the whole store linked (kg link: read, block, score, decide) in {link_s:.2f} s: {links} links")
    json_pics = {r.iri.rsplit("/", 1)[1] for r in records if JSON in r.sources}
    xml = sum(1 for r in records if XML in r.sources)
    h2020 = {row["pic"] for row in csv.DictReader(gzip.open(H2020, "rt"))} if H2020.exists() else set()
    print("\nLabelled pairs each source pair gives:")
    print(f"{'source pair':<44} {'labelled pairs':>15}  note")
    pics = xml_pics()
    pairs = {
        "CORDIS JSON | Horizon CSV": cordis_pairs(records, JSON, HORIZON, pics),
        "CORDIS XML | CORDIS JSON": cordis_pairs(records, XML, JSON, pics),
        "CORDIS XML | Horizon CSV": cordis_pairs(records, XML, HORIZON, pics),
        "bundled | keep.eu IVC": bundled_pairs(records),
    }
    notes = {
        "CORDIS JSON | Horizon CSV": "the same PIC",
        "CORDIS XML | CORDIS JSON": f"the same PIC, the XML's ({len(pics)} of {xml}) joined from the H2020 table",
        "CORDIS XML | Horizon CSV": "the same PIC, as above",
        "bundled | keep.eu IVC": "the projects' partner rows, matched by hand",
    }
    for pair, (_, true, _, _) in pairs.items():
        print(f"{pair:<44} {len(true):>15}  {notes[pair]}")
    print(
        f"{'H2020 table | CORDIS JSON':<44} {0:>15}  {len(json_pics & h2020)} shared PICs, but the table has no names"
    )
    methods: dict[str, Predict] = {"exact normalised name": exact_names, "coopkg scorer (rapidfuzz)": scored}
    try:
        import splink  # noqa: F401  (optional: pip install splink duckdb)

        methods["splink (Fellegi-Sunter)"] = splink_fs
    except ImportError:
        print("\nsplink is not installed: its rows are left out (pip install 'splink==5.0.0')")
    print(f"\n{'source pair':<30} {'method':<28} {'threshold':>9} {'P':>6} {'R':>6} {'F1':>6} {'false':>6} {'s':>6}")
    combined: dict[tuple[str, float], list[int]] = {}
    for pair, (subset, true, allowed, unknown) in pairs.items():
        for name, predict in methods.items():
            started = time.perf_counter()
            scores = predict(subset)
            seconds = time.perf_counter() - started
            for threshold in THRESHOLDS if not name.startswith("exact") else (1.0,):
                predicted = {p for p, s in scores.items() if s >= threshold}
                p, r, f1, false = _metrics(predicted, true, allowed, unknown)
                shown = "-" if name.startswith("exact") else f"{threshold:.2f}"
                print(f"{pair:<30} {name:<28} {shown:>9} {p:>6.3f} {r:>6.3f} {f1:>6.3f} {false:>6} {seconds:>6.2f}")
                judged = {(i, j) for i, j in predicted if not {i, j} & unknown}
                group = "CORDIS" if pair.startswith("CORDIS") else "INNOCRAFTS"
                if group == "INNOCRAFTS":  # the 15 INNOCRAFTS partners alone
                    innocrafts = {(i, j) for i, j in true if "/organisation/P" in subset[i].iri + subset[j].iri}
                    true_counted = innocrafts
                else:
                    true_counted = true
                tally = combined.setdefault((f"{group} | {name}", threshold), [0, 0, 0, 0])
                tally[0] += len(judged & true_counted)
                tally[1] += len(judged - true - allowed)
                tally[2] += len(true_counted)
                tally[3] += len(judged)
        _show_errors(subset, scored(subset), true, allowed, unknown)
    print("\nCORDIS: all three CORDIS source pairs together; INNOCRAFTS: its 15 partners (recall), every bundled link")
    print(f"{'labels | method':<48} {'threshold':>9} {'P':>6} {'R':>6} {'found':>6} {'false':>6}")
    for (label, threshold), (found, false, total, linked) in combined.items():
        precision = (linked - false) / linked if linked else 1.0
        shown = "-" if threshold == 1.0 and "exact" in label else f"{threshold:.2f}"
        print(f"{label:<48} {shown:>9} {precision:>6.3f} {found / total:>6.3f} {found:>3}/{total:<3} {false:>5}")


def _show_errors(subset, scores, true, allowed, unknown, threshold: float = 0.85) -> None:
    for (i, j), s in sorted(scores.items(), key=lambda x: -x[1]):
        if s >= threshold and (i, j) not in true | allowed and not {i, j} & unknown:
            print(
                f"    false at {s:.2f}: {subset[i].label} [{subset[i].place}] | {subset[j].label} [{subset[j].place}]"
            )
    for i, j in sorted(true):
        if scores.get((i, j), 0) < threshold:
            print(
                f"    missed at {scores.get((i, j), 0):.2f}: {subset[i].label} [{subset[i].place}] | "
                f"{subset[j].label} [{subset[j].place}]"
            )


PROJECT_GOLD = ROOT / "bench" / "data" / "linkage-gold-projects.csv"
CLOSED = "keep-eu-closed-2014-2020-pgourdongeo"


def projects() -> None:
    """Project linkage (kg.link.projects) against the labelled pairs of bench/data/linkage-gold-projects.md,
    beside linking every pair with one acronym and linking only within one programme."""
    from kg.link.projects import acronym_key, link_projects  # noqa: PLC0415
    from kg.store.rows import select_tuples  # noqa: PLC0415

    config = Config(store="memory", link_review="none")
    store = open_store(config)
    started = time.perf_counter()
    build(store, config)
    import_files(store, config, "keep", [DATA / KEEP])
    report = import_files(store, config, "keep", [DATA / CLOSED])
    loaded = time.perf_counter() - started
    ns = config.ns
    started = time.perf_counter()
    result = link_projects(store, ns, report.linkage.canonical)
    seconds = time.perf_counter() - started
    gold = {
        frozenset((f"{ns.id}{r['left']}", f"{ns.id}{r['right']}")): r["same"] == "yes"
        for r in csv.DictReader(PROJECT_GOLD.open(encoding="utf-8"))
    }
    acronyms = dict(select_tuples(store, ns.sparql_prefixes() + "SELECT ?p ?a WHERE { ?p coop:acronym ?a }"))
    one_acronym = {pair for pair in gold if len({acronym_key(acronyms.get(p, "")) for p in pair}) == 1}
    same_programme = {
        frozenset((link.left, link.right)) for link in result.links if link.method == "acronym and programme"
    }
    clusters = result.canonical
    linked = {pair for pair in gold if len({clusters.get(p, p) for p in pair}) == 1}
    print(f"\nProjects: {len(gold)} labelled pairs ({sum(gold.values())} one project), data loaded in {loaded:.0f} s")
    print(f"{'method':<44} {'P':>6} {'R':>6} {'linked':>7} {'false':>6} {'s':>6}")
    for name, predicted in (
        ("one acronym (every pair)", one_acronym),
        ("acronym and one programme", same_programme & set(gold)),
        ("coopkg: acronym and programme, or 2 partners", linked),
    ):
        true = {pair for pair in predicted if gold[pair]}
        precision = len(true) / len(predicted) if predicted else 1.0
        recall = len(true) / sum(gold.values())
        shown = f"{seconds:>6.2f}" if name.startswith("coopkg") else f"{'-':>6}"
        print(f"{name:<44} {precision:>6.3f} {recall:>6.3f} {len(predicted):>7} {len(predicted - true):>6} {shown}")
    for pair in sorted(gold, key=sorted):
        if gold[pair] != (pair in linked):
            print(f"    {'missed' if gold[pair] else 'false'}: {' | '.join(sorted(pair))}")
    print(
        f"programmes: {result.programmes}; linked as one: "
        + "; ".join(
            f"{link.left.removeprefix(str(ns.id))} = {link.right.removeprefix(str(ns.id))}"
            for link in result.links
            if link.method == "programme name"
        )
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["projects"]:
        projects()
    else:
        main()
        projects()
