"""Write `data/reference/country_names.csv`: the ISO 3166-1 country names in the page languages, from
pycountry's gettext catalogues (domain `iso3166-1`, maintained by Debian's iso-codes project and shipped in
the `pycountry` package). Run from the repository root: `.venv/bin/python bench/country_names.py`.

The codes are those of `countries.csv`; a name a catalogue does not translate (Kosovo, `XK`, is not in ISO
3166-1) is left empty, and the country keeps its English label only."""

from __future__ import annotations

import csv
import gettext
from pathlib import Path

import pycountry

#: The languages of the pages other than English (English is `countries.csv`'s own `name`).
LANGUAGES = ("bg", "el", "es", "fi", "fr", "hu", "it", "lt", "lv", "nl", "pt", "ro", "sk")
HERE = Path(__file__).resolve().parent.parent / "data" / "reference"


def names(lang: str) -> dict[str, str]:
    """Each country code's name in `lang` (only those the catalogue translates)."""
    catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    found = {}
    for country in pycountry.countries:
        # a catalogue holds the names it translates (a name may be spelled as in English: Andorra)
        if name := catalogue._catalog.get(country.name):  # type: ignore[attr-defined]
            found[country.alpha_2] = name
    return found


def main() -> None:
    with (HERE / "countries.csv").open(encoding="utf-8", newline="") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    by_lang = {lang: names(lang) for lang in LANGUAGES}
    with (HERE / "country_names.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["code", *LANGUAGES])
        for code in codes:
            out.writerow([code, *(by_lang[lang].get(code, "") for lang in LANGUAGES)])


if __name__ == "__main__":
    main()
