"""Turn the real Horizon 2020 participation table (shared/data/cordis-h2020/h2020.csv.gz) into a dataset
folder in the project's own CSV format, for the benchmarks: about 1.3M quads once built.

The data has no organisation names, so an organisation is named by its PIC. Country codes are normalised
to ISO (EL -> GR, UK -> GB); CORDIS roles and activity types map onto the ontology's code lists. (The
proper CORDIS importer, for the published CORDIS layouts, is the EU open data issue's work.)

    python bench/h2020.py ../shared/data/cordis-h2020/h2020.csv.gz --out bench/out/h2020
"""

from __future__ import annotations

import argparse
import csv
import gzip
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "cordis-h2020" / "h2020.csv.gz"
DATA = ROOT / "bench" / "out" / "h2020"
STORE = ROOT / "bench" / "out" / "h2020-store"

SOURCE = "https://cordis.europa.eu/data/cordis-h2020projects.csv"
TYPES = {"HES": "university", "PRC": "enterprise", "REC": "research-organisation", "PUB": "public-body", "OTH": "other"}
ROLES = {
    "coordinator": "lead-partner",
    "participant": "partner",
    "partner": "associated-partner",
    "thirdparty": "third-party",
}
COUNTRIES = {"EL": "GR", "UK": "GB"}


def convert(source: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    projects: dict[str, list] = {}
    organisations: dict[str, list] = {}
    participations: dict[tuple[str, str], list] = {}
    with gzip.open(source, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            row = {k: ("" if v == "NA" else v) for k, v in row.items()}  # R's missing values
            rcn, pic = row["rcn"], row["pic"]
            country = COUNTRIES.get(row["country"], row["country"])
            if rcn not in projects:
                projects[rcn] = [
                    rcn,
                    f"H2020-{rcn}",
                    f"Horizon 2020 project {rcn}",
                    "h2020",
                    row["start_date"],
                    row["end_date"],
                    row["total_cost"] or "",
                    row["max_contribution"] or "",
                    SOURCE,
                ]
            if pic not in organisations:
                organisations[pic] = [pic, f"Organisation PIC {pic}", TYPES.get(row["type"], "other"), country, SOURCE]
            participations.setdefault((pic, rcn), [pic, rcn, ROLES.get(row["role"], "partner"), SOURCE])
    for p in projects.values():  # a few projects have costs the EU contribution exceeds, or none
        if p[6] and p[7] and float(p[7]) > float(p[6]):
            p[7] = ""
    files = {
        "programmes.csv": (["id", "name", "period", "source_url"], [["h2020", "Horizon 2020", "2014-2020", SOURCE]]),
        "projects.csv": (
            [
                "id",
                "acronym",
                "title",
                "programme",
                "start_date",
                "end_date",
                "total_budget",
                "eu_contribution",
                "source_url",
            ],
            projects.values(),
        ),
        "organisations.csv": (["id", "name", "type", "country", "source_url"], organisations.values()),
        "participations.csv": (["organisation", "project", "role", "source_url"], participations.values()),
    }
    counts = {}
    for name, (header, rows) in files.items():
        with (out / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            rows = list(rows)
            writer.writerows(rows)
        counts[name] = len(rows)
    return counts


def ensure_store() -> Path:
    """The H2020 dataset folder and a store built from it, made once under bench/out/."""
    if not (STORE / "current").exists():
        if not (DATA / "participations.csv").exists():
            print(convert(SHARED, DATA), "->", DATA)
        subprocess.run(
            [sys.executable, "-m", "kg", "--store", f"oxigraph:{STORE}", "build", "-q", DATA], check=True, cwd=ROOT
        )
    return STORE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source",
        type=Path,
        nargs="?",
        default=SHARED,
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out/h2020"))
    args = parser.parse_args()
    print(convert(args.source, args.out), "->", args.out)


if __name__ == "__main__":
    main()
