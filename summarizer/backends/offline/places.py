"""Places named in a sentence, how precise each is, and which country it lies in.

Two sources, because most places in conflict reporting are villages no compact
gazetteer lists: the bundled gazetteer (`data/gazetteer.txt`: countries, their
adjectives, major cities and regions), and the phrasing that marks any capitalised
name as a place ("the town of X", "X district", "near X", "X, a farming village").

Each mention gets a rank, higher for a more precise place, so the extractor can
pick the most specific place of an event: a market or a village beats a town, a
town beats a province, a province beats a country. A place that is only a
reference point ("25 km west of Mosul", "between X and Y", "from Athens") ranks
lower than the same place named as where something happened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from summarizer.backends.offline.known_places import package_countries
from summarizer.backends.offline.reading import Sentence, words
from summarizer.text import name_key

FACILITY_RANK = 5.5
VILLAGE_RANK = 5.0
DISTRICT_RANK = 4.6
TOWN_RANK = 4.5
NAMED_RANK = 4.0  # an unknown name after "in", "near", "retook"...
REGION_RANK = 2.5
COUNTRY_RANK = 1.0
REFERENCE_PENALTY = 1.2
# The rank from which a place says where an event happened, not just the country.
SPECIFIC_RANK = NAMED_RANK - REFERENCE_PENALTY + 0.1

_NOUN_RANKS = {
    **dict.fromkeys(
        words(
            "market mine camp base airport prison hospital square refinery port crossing "
            "bridge dam checkpoint school university mosque church stadium station"
        ),
        FACILITY_RANK,
    ),
    **dict.fromkeys(
        words(
            "village villages neighbourhood neighborhood hamlet suburb settlement quarter township"
        ),
        VILLAGE_RANK,
    ),
    **dict.fromkeys(["district"], DISTRICT_RANK),
    **dict.fromkeys(["town", "city", "municipality", "commune", "locality", "capital"], TOWN_RANK),
    **dict.fromkeys(["area", "valley", "island", "oasis"], NAMED_RANK),
    **dict.fromkeys(
        ["region", "province", "state", "governorate", "department", "county", "prefecture"],
        REGION_RANK,
    ),
}
_NOUNS = "|".join(sorted(_NOUN_RANKS, key=len, reverse=True))
_ADJECTIVES = (
    r"(?:[\w'-]+-(?:held|controlled|run|dominated|besieged)|nearby|neighbouring|neighboring"
    r"|central|northern|southern|eastern|western|north-?eastern|north-?western|south-?eastern"
    r"|south-?western|northeast|northwest|southeast|southwest|downtown|rural|coastal|remote"
    r"|restive|volatile|flooded|devastated|newly-freed|besieged)"
)
# Cues, matched on lower-cased text; each ends where the place name begins.
_BEFORE_NAME = re.compile(
    rf"\b(?P<noun>{_NOUNS})\s+of\s+$"
    rf"|\b(?:capital|(?:centre|center|heart|outskirts|streets)\s+of)\s+$"
    rf"|\b(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+$"
    rf"|\b(?:in|at|near|outside|around|inside|across|into|on\s+the\s+outskirts\s+of)\s+"
    rf"(?:the\s+)?(?:{_ADJECTIVES}\s+){{0,2}}$"
    # Verbs whose object is territory; "captured Ovidio Guzman" names a person.
    rf"|\b(?P<verb>liberated|liberating|recaptured|recapturing|recapture|retook|retake|retaking"
    rf"|overran|besieged|shelled|bombed|pounded|entered)\s+(?:the\s+)?(?:{_ADJECTIVES}\s+)?$"
)
# Words of which a place cue before a name ends with one of the last few.
_CUE_WORDS = (
    frozenset(_NOUN_RANKS)
    | words("of in at near outside around inside across into capital outskirts")
    | words("north south east west northern southern eastern western northeast northwest")
    | words("southeast southwest north-east north-west south-east south-west")
    | words("liberated liberating recaptured recapturing recapture retook retake retaking")
    | words("overran besieged shelled bombed pounded entered")
)
_AFTER_NAME = re.compile(rf"^(?:'s|\u2019s)?\s+(?P<noun>{_NOUNS})\b(?P<of>\s+of\s)?")
_APPOSITION = re.compile(
    rf"^,\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}?(?P<noun>{_NOUNS})\b", re.IGNORECASE
)
_REFERENCE_BEFORE = re.compile(
    r"\b(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?|outside)\s+of\b(?:\s+\S+){0,4}\s*$"
    r"|\bfrom\b(?:\s+\S+){0,3}\s*$|\bfrom\s+\S+(?:\s+\S+)?\s+(?:to|towards)\s+(?:the\s+)?$"
    r"|\bbetween\b(?:\s+\S+){0,6}\s*$"
)
_DIRECTION_AFTER = re.compile(
    r"^(?:'s|\u2019s)\s+(?:north|south|east|west|northern|southern|eastern|western|north-?east"
    r"|north-?west|south-?east|south-?west|capital|border|centre|center|interior|coast)",
)
_CLAUSE_END = re.compile(r"[,;:.()]")
# A capitalised word: an optional Arabic article ("al-Qairwan") or ayn ("ʿAfar").
_ARTICLE = r"(?:al|el|ad|ash|as|an|ar|at|az|ath)-"
# Every capital letter Python knows, as a character class: `re` has no \p{Lu}.
_CAPITALS = re.escape("".join(char for char in map(chr, range(0x3000)) if char.isupper()))
# Ayn and hamza ("ʿAfar") may open a transliterated name.
_AYN = "\u02bf\u02be"
# The leading lookahead (the letters a name can start with: an article's "a" or "e", an
# ayn, a capital) spares most positions the lookbehind and the article alternatives.
_NAME_WORD = re.compile(
    rf"(?=[ae{_AYN}{_CAPITALS}])"
    rf"(?<![\w'\u2019.-])(?:{_ARTICLE})?[{_AYN}]?[{_CAPITALS}][\w'\u2019{_AYN}.-]*"
)
# What may join the words of one name: "Democratic Republic of the Congo", "Rio de Janeiro".
_NAME_GAP = re.compile(r"(?: |-| (?:(?:of|and|de|da|do|dos|del|la|le|the|al) )+)")
_POSSESSIVE = re.compile(r"(?:'s|\u2019s|')$")
_MODIFIER_SUFFIX = re.compile(
    r"-(?:held|controlled|led|based|backed|linked|run|owned|allied|dominated|born|era|style)$",
    re.IGNORECASE,
)
_MAX_NAME_TOKENS = 6
# Capitalised words that are never place names on their own.
_NOT_PLACES = words(
    "the a an in on at of and but he she it they we this that these those there monday "
    "tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december mr mrs ms dr president prime "
    "minister ministry general gen col colonel captain police army government parliament "
    "congress senate court state islamic north south east west central northern southern "
    "eastern western reuters twitter facebook god islam christmas ramadan eid easter "
    "muslim muslims christian christians sunni shiite shi'ite shia jewish kurdish arab "
    "arabs english french spanish saturday's analysis update breaking exclusive factbox "
    "explainer place one two three four five six seven eight nine ten eleven twelve "
    "dozens hundreds thousands several many some all both"
)
_ORGANISATION_WORDS = words(
    "court bank committee agency authority ministry council party commission company "
    "group corporation inc ltd airlines union front movement army forces police service "
    "office assembly parliament senate congress government mission observatory institute "
    "university hospital cross crescent foundation fund organisation organization "
    "association network brigade brigades battalion command train railways news radio "
    "television theatre theater hall palace building embassy consulate headquarters "
    "offices"
)


@dataclass(frozen=True)
class Country:
    name: str
    adjective: str | None


class PlaceMention(NamedTuple):
    """A place named in a sentence (offsets in the sentence), ranked by precision."""

    name: str
    start: int
    end: int
    rank: float
    countries: tuple[str, ...] = ()
    is_country: bool = False
    reference: bool = False
    # The phrasing marks it as a place ("in X", "near X"), not only the gazetteer.
    cued: bool = False
    # A noun says what kind of place it is ("the town of X", "X, a village in ...").
    kind_named: bool = False


@dataclass(frozen=True)
class _Entry:
    countries: tuple[str, ...]
    rank: float
    is_country: bool


class Gazetteer:
    """Countries, their names and adjectives, and the cities and regions of each.

    `more_countries`: other countries, each as its names (the first is the one output),
    added where none of their names is in `text` (see `known_places`).
    """

    def __init__(self, text: str, more_countries: Iterable[Sequence[str]] = ()) -> None:
        self.countries: dict[str, Country] = {}
        self.demonyms: dict[str, str] = {}
        self._entries: dict[str, _Entry] = {}
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [field.strip() for field in line.split("|")]
            name, aliases, demonyms, cities, regions = (fields + [""] * 5)[:5]
            names = _split(demonyms)
            self.countries[name] = Country(name, names[0] if names else None)
            for demonym in names:
                self.demonyms.setdefault(place_key(demonym), name)
            for alias in [name, *_split(aliases)]:
                self._add(alias, name, COUNTRY_RANK, is_country=True)
            for city in _split(cities):
                self._add(city, name, TOWN_RANK, is_country=False)
            for region in _split(regions):
                self._add(region, name, REGION_RANK, is_country=False)
        for country_names in more_countries:
            if not any(place_key(other) in self._entries for other in country_names):
                self.countries[country_names[0]] = Country(country_names[0], None)
                for other in country_names:
                    self._add(other, country_names[0], COUNTRY_RANK, is_country=True)
        # A name can only start with the first word of a known name.
        self.first_words = frozenset(key.split()[0] for key in self._entries)

    def _add(self, name: str, country: str, rank: float, *, is_country: bool) -> None:
        key = place_key(name)
        known = self._entries.get(key)
        if known is None:
            self._entries[key] = _Entry((country,), rank, is_country)
        elif country not in known.countries and not known.is_country:
            self._entries[key] = _Entry((*known.countries, country), known.rank, False)

    def entry(self, name: str) -> _Entry | None:
        return self._entries.get(place_key(name))

    def country_of_demonym(self, word: str) -> str | None:
        return self.demonyms.get(place_key(word))

    def adjective(self, country: str | None) -> str | None:
        """ "Kenyan" for Kenya: how actor names are qualified ("Kenyan police")."""
        found = self.countries.get(country) if country else None
        return found.adjective if found else None


def _without_possessive(name: str) -> str:
    """ "Brazil's" is "Brazil"; the test of the last letter spares most names the pattern."""
    return _POSSESSIVE.sub("", name) if name.endswith(("s", "'")) else name


def _split(field: str) -> list[str]:
    return [name.strip() for name in field.split(",") if name.strip()]


@lru_cache(maxsize=65536)
def place_key(name: str) -> str:
    """The gazetteer's lookup form: `name_key`, also folding letters NFKD leaves as they are."""
    return name_key(
        name.replace("\u0131", "i").replace("ł", "l").replace("ø", "o").replace("\u2019", "'")
    )


@cache
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, with the `geo` extra's other countries, read once."""
    data = resources.files("summarizer.backends.offline").joinpath("data/gazetteer.txt")
    return Gazetteer(data.read_text(encoding="utf-8"), package_countries())


class _Token(NamedTuple):
    """A capitalised word: the only words names are made of."""

    start: int
    end: int
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _NAME_WORD.finditer(text):
        word = match.group()
        if "-" in word and _MODIFIER_SUFFIX.search(word):
            continue  # "Houthi-held", "Montreal-based" qualify a name; they are not one
        end = match.end()
        # A trailing full stop ends the sentence, unless the word is an abbreviation.
        while word.endswith(".") and word.count(".") == 1:
            word = word[:-1]
            end -= 1
        tokens.append(_Token(match.start(), end, word))
    return tokens


class KnownNames:
    """The capitalised words of one article's sentences, and the gazetteer places among
    them, read once per sentence: the opening sentences are read for the article's
    country, then again for the places of their events."""

    def __init__(self, places: Gazetteer) -> None:
        self.places = places
        self._read: dict[int, tuple[list[_Token], list[PlaceMention]]] = {}

    def of(self, sentence: Sentence) -> tuple[list[_Token], list[PlaceMention]]:
        found = self._read.get(sentence.index)
        if found is None:
            tokens = _tokens(sentence.masked)
            found = (tokens, _gazetteer_places(sentence.masked, tokens, self.places))
            self._read[sentence.index] = found
        return found


def find_places(
    sentence: Sentence, names: KnownNames, is_party: Callable[[str], bool]
) -> list[PlaceMention]:
    """Every place the sentence names, gazetteer entries and cue-marked names alike.

    `is_party` tells a named organisation ("Boko Haram") from an unknown place.
    """
    text = sentence.masked
    places = names.places
    tokens, known_places = names.of(sentence)
    found = {mention.start: mention for mention in known_places}
    for mention, from_noun in _cued_names(text, sentence.lowered, tokens, places, is_party):
        known = found.get(mention.start)
        if known is not None and (known.is_country or not from_noun):
            # "In eastern Turkey" names a country however it is introduced, and "in Luzon"
            # the region the gazetteer knows: only a noun ("Elazig province") says a known
            # name means another kind of place. The cue still says something happens there.
            found[mention.start] = known._replace(cued=True)
            continue
        countries = known.countries if known else mention.countries
        found[mention.start] = mention._replace(
            countries=countries, cued=True, kind_named=from_noun
        )
    return sorted(found.values(), key=lambda mention: mention.start)


def _gazetteer_places(text: str, tokens: list[_Token], places: Gazetteer) -> list[PlaceMention]:
    found = []
    index = 0
    while index < len(tokens):
        mention, used = _gazetteer_match(text, tokens, index, places)
        if mention is not None:
            found.append(mention)
            index += used
            continue
        index += 1
    return found


class CountrySign(NamedTuple):
    """A word that points at a country: a place in it, or an adjective ("Colombian")."""

    country: str
    key: str  # the word's `place_key`: signs of one country are counted by distinct words
    # Only qualifies, does not place: an adjective ("Colombian"), or a country named
    # with no cue that anything happens in it ("the US dollar", "to fight Russia").
    in_passing: bool


def countries_named(sentence: Sentence, names: KnownNames) -> list[CountrySign]:
    """The countries a sentence points at, and by which words.

    "Iraqi-Syrian border" points at both; "Mosul" at Iraq; an ambiguous name at none.
    """
    tokens, known_places = names.of(sentence)
    named = [
        CountrySign(
            mention.countries[0],
            place_key(mention.name),
            mention.is_country and not _locates(sentence, mention),
        )
        for mention in known_places
        if len(mention.countries) == 1
    ]
    return named + _demonym_signs(sentence.masked, tokens, names.places)


def _locates(sentence: Sentence, mention: PlaceMention) -> bool:
    """Whether the phrasing says something is in the place: "in Russia", "Russia's east"."""
    before = sentence.lowered[max(0, mention.start - 60) : mention.start]
    return bool(
        _BEFORE_NAME.search(before) or _DIRECTION_AFTER.match(sentence.masked[mention.end :])
    )


def _gazetteer_match(
    text: str, tokens: list[_Token], index: int, places: Gazetteer
) -> tuple[PlaceMention | None, int]:
    """The longest gazetteer name starting at token `index`, and how many tokens it spans."""
    best: tuple[PlaceMention | None, int] = (None, 0)
    first = place_key(_without_possessive(tokens[index].text)).split()
    if not first or first[0] not in places.first_words:
        return best
    for end_index in range(index, min(len(tokens), index + _MAX_NAME_TOKENS)):
        token = tokens[end_index]
        if end_index > index and not _NAME_GAP.fullmatch(
            text, tokens[end_index - 1].end, token.start
        ):
            break
        surface = text[tokens[index].start : token.end]
        bare = _without_possessive(surface)
        entry = places.entry(bare)
        if entry is None:
            continue
        start, end = tokens[index].start, tokens[index].start + len(bare)
        rank = entry.rank
        if entry.is_country and surface != bare and not _DIRECTION_AFTER.match(text[end:]):
            rank = 0.0  # "Brazil's biggest city": the country qualifies, it does not locate
        reference = _is_reference(text, start)
        if reference and rank > COUNTRY_RANK:
            rank -= REFERENCE_PENALTY
        best = (
            PlaceMention(bare, start, end, rank, entry.countries, entry.is_country, reference),
            end_index - index + 1,
        )
    return best


def _cued_names(
    text: str,
    lowered: str,
    tokens: list[_Token],
    places: Gazetteer,
    is_party: Callable[[str], bool],
) -> list[tuple[PlaceMention, bool]]:
    """Capitalised names that the phrasing around them marks as places.

    `lowered` is `text` in lower case. Each name comes with whether a noun ("province",
    "village") said what kind of place it is.
    """
    mentions: list[tuple[PlaceMention, bool]] = []
    for run_start, run_end in _capitalised_runs(text, tokens):
        name = text[run_start:run_end]
        bare = _without_possessive(name)
        before = lowered[max(0, run_start - 60) : run_start]
        after = text[run_start + len(bare) : run_start + len(bare) + 60]
        # The cheapest screen first: most names have no cue around them.
        if not _may_be_cued(before, after) or not _could_be_place(bare, places) or is_party(bare):
            continue
        entry = places.entry(bare)
        if entry is None and bare != name and _owned_thing(after):
            continue
        cue = _cue_rank(before, after, known=entry is not None)
        if cue is None:
            continue
        rank, from_noun = cue
        reference = _is_reference(lowered, run_start)
        if reference:
            rank -= REFERENCE_PENALTY
        countries = entry.countries if entry else ()
        mentions.append(
            (
                PlaceMention(
                    bare, run_start, run_start + len(bare), rank, countries, False, reference
                ),
                from_noun,
            )
        )
    return mentions


def _owned_thing(after: str) -> bool:
    """Whether what a possessive name owns is no place: "at Smith's Corner Deli" names the
    owner of a shop, where "Gao's main market" names a town by its market."""
    owned = after.split(None, 4)[1:4]
    return not any(word.strip(",.;:()").lower() in _NOUN_RANKS for word in owned)


def _may_be_cued(before: str, after: str) -> bool:
    """A cheap screen before the cue patterns: a cue word just before, or a noun or an
    apposition just after. Most capitalised names are people and organisations."""
    if after.startswith((", a ", ", an ", ", the ")):
        return True
    following = [word.strip(",.;:()") for word in after.split(None, 2)[:2]]
    if following and _without_possessive(following[0]) in _NOUN_RANKS:
        return True
    if len(following) > 1 and following[0] in ("'s", "\u2019s") and following[1] in _NOUN_RANKS:
        return True
    return not _CUE_WORDS.isdisjoint(before.split()[-6:])


def _cue_rank(before: str, after: str, *, known: bool) -> tuple[float, bool] | None:
    """How precise a place the phrasing marks, and whether a noun said so; None: no place.

    `known`: the gazetteer knows the name. "The Sivrice district of Elazig" names the
    district Sivrice, but "the Luzon village of Bantayan" names Bantayan: a known place
    before "<noun> of" only says where the place named after it lies.
    """
    by_noun: list[float] = []
    apposition = _APPOSITION.match(after)
    if apposition:
        by_noun.append(max(_NOUN_RANKS[apposition["noun"].lower()], VILLAGE_RANK))
    following = _AFTER_NAME.match(after)
    if following and not (known and following["of"]):
        by_noun.append(_NOUN_RANKS[following["noun"]])
    preceding = _BEFORE_NAME.search(before)
    if preceding and preceding["noun"]:
        by_noun.append(_NOUN_RANKS[preceding["noun"]])
    if by_noun:
        return max(by_noun), True
    if preceding:
        return (TOWN_RANK if "capital" in preceding.group() else NAMED_RANK), False
    return None


def _capitalised_runs(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """(start, end) of each run of up to three capitalised words joined by single spaces."""
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        end_index = index
        while (
            end_index + 1 < len(tokens)
            and end_index - index < 2
            and text[tokens[end_index].end : tokens[end_index + 1].start] == " "
            and not tokens[end_index].text.endswith(("'s", "\u2019s"))
        ):
            end_index += 1
        runs.append((tokens[index].start, tokens[end_index].end))
        index = end_index + 1
    return runs


def _could_be_place(name: str, places: Gazetteer) -> bool:
    words = place_key(name).split()
    if not words or words[0] in _NOT_PLACES or words[-1] in _NOT_PLACES:
        return False
    if any(word in _ORGANISATION_WORDS for word in words):
        return False
    # "Iraqi-Syrian border": adjectives, however joined, are not a place.
    return not any(places.country_of_demonym(part) for part in re.split(r"[-\s]", name))


def _is_reference(lowered_text: str, start: int) -> bool:
    """Whether the place at `start` is a reference point rather than where things happened."""
    before = lowered_text[max(0, start - 50) : start].lower()
    clause_before = _CLAUSE_END.split(before)[-1]
    return bool(_REFERENCE_BEFORE.search(clause_before))


# People an adjective gives a nationality to, which says where they come from, not where
# the news happens: "a Czech businessman's premises", "a Norwegian journalist was hurt".
_FOREIGN_PERSON = re.compile(
    r"\s+(?:business(?:man|woman|men|women)|tycoons?|billionaires?|investors?|journalists?"
    r"|reporters?|photographers?|tourists?|nationals?|citizens?|expatriates?|diplomats?)\b",
    re.IGNORECASE,
)


def _demonym_signs(text: str, tokens: list[_Token], places: Gazetteer) -> list[CountrySign]:
    """Countries that adjectives point at ("Iraqi-Syrian" gives both), but not a person's
    nationality."""
    found = []
    for token in tokens:
        if _FOREIGN_PERSON.match(text, token.end):
            continue
        for part in token.text.split("-"):
            country = places.country_of_demonym(part)
            if country is not None:
                found.append(CountrySign(country, place_key(part), True))
    return found
