"""The parties of an event: named groups and institutions, forces, victims, persons.

Named parties come from a bundled lexicon (`data/actors.txt`) that also groups the
spellings of one party ("IS", "ISIL", "Daesh" are "Islamic State"), or from the
shape of an organisation's name ("Independent Policing Oversight Authority").
Unnamed parties come from nouns: a country's forces take the country's adjective
("police" in Kenya is "Kenyan police"), victims are "civilians", crowds
"protesters". News agencies and monitors are sources, never parties, and nobody is
a party to a violent event merely for having reported it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from summarizer.backends.offline.reading import Sentence, words
from summarizer.text import name_key

_MAX_ACTORS = 4
_MAX_NAME_WORDS = 8


class PartyKind(str, Enum):
    ARMED = "armed"
    OFFICIAL = "official"
    INTERNATIONAL = "international"
    HUMANITARIAN = "humanitarian"
    PRESS = "press"


@dataclass(frozen=True)
class Party:
    name: str
    kind: PartyKind


class ActorMention(NamedTuple):
    """A party named or described in a sentence (offsets in the sentence)."""

    name: str
    start: int
    end: int
    kind: PartyKind | None  # None: an unnamed party described by a noun, or a person
    victim: bool = False
    reporter: bool = False  # the subject of "said", or the object of "according to"
    crowd: bool = False
    group: str | None = None  # the victims' own noun ("students"), for a crowd they form
    noun: str | None = None  # the victims' own noun, whatever they are ("children")


class PartyLexicon:
    """Canonical names of known parties, by every spelling."""

    def __init__(self, text: str) -> None:
        self._by_key: dict[str, Party] = {}
        # Spellings in capitals ("IS", "WHO") only match in capitals, not "is" or "who".
        self._capitals: set[str] = set()
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, aliases, kind = (field.strip() for field in line.split("|"))
            party = Party(name, PartyKind(kind))
            for spelling in [name, *(alias.strip() for alias in aliases.split(","))]:
                if not spelling:
                    continue
                self._by_key.setdefault(name_key(spelling), party)
                if spelling.isupper():
                    self._capitals.add(name_key(spelling))
        self.first_words = frozenset(key.split()[0] for key in self._by_key)

    def lookup(self, surface: str) -> Party | None:
        key = party_key(surface)
        party = self._by_key.get(key)
        if party is None or not surface[:1].isalpha():
            return None
        if key in self._capitals and not surface.isupper():
            return None  # "is", "who", "Amal" spelled as a word: not the acronym
        if not surface[0].isupper() and not surface.lower().startswith(("al ", "al-", "anti-")):
            return None  # "fed", "wagner" in lower case are words
        return party


@lru_cache(maxsize=65536)
def party_key(surface: str) -> str:
    return name_key(surface)


@cache
def lexicon() -> PartyLexicon:
    data = resources.files("summarizer.backends.offline").joinpath("data/actors.txt")
    return PartyLexicon(data.read_text(encoding="utf-8"))


def is_known_party(name: str) -> bool:
    return lexicon().lookup(name) is not None


# Where a party's name may start: a capital, or "al Qaeda", "anti-balaka".
_PARTY_START = re.compile(r"(?<![\w'\u2019.-])(?:[A-Z]|al[\s-]|anti-)")
# Up to eight words joined by single spaces: the longest name looked up.
_WORD_RUN = re.compile(r"[\w'\u2019.-]+(?: [\w'\u2019.-]+){0,7}")
_POSSESSIVE = re.compile(r"(?:'s|\u2019s)$")
_FIRST_PIECE = re.compile(r"[^\w]+")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
# "Houthi-held", "IS-held", "al Qaeda-linked": the party that holds or backs something.
_QUALIFIED_PARTY = re.compile(r"^(?P<party>.+?)-(?:held|controlled|led|backed|linked|allied)$")
_ACRONYM_AFTER = re.compile(r"^\s*\((?P<acronym>[A-Z][A-Za-z]{1,7})\)")
# Capitalised names ending in an organisation word: "Free Fare Movement".
_ORGANISATION_NOUNS = words(
    "Court Tribunal Bank Committee Agency Authority Ministry Council Party Commission Company "
    "Corporation Movement Front Union Service Institute Organisation Organization Association "
    "Alliance Federation Airlines Command Railways Group Inc Ltd Consulate Embassy"
)
_ORGANISATION = re.compile(
    r"(?:\b[A-Z][\w'\u2019.-]*\s+(?:(?:of|for|and|the)\s+)?){1,6}"
    rf"(?:{'|'.join(sorted(_ORGANISATION_NOUNS))})\b"
)
# A sentence without one of these words names no organisation: skip the pattern.
_ORGANISATION_WORDS = frozenset(noun.lower() for noun in _ORGANISATION_NOUNS)
_NAME_TOKEN = r"(?:(?:al|el|bin|ibn|de|van|von|der|da|di|du|le|la|abu)[-\s])?[A-Z][\w'\u2019-]+"
_TITLES = re.compile(
    r"\b(?:President|Prime Minister|Minister|Secretary|Chancellor|King|Queen|Prince|Emir|Sheikh"
    r"|General|Gen\.|Colonel|Col\.|Commander|commander|leader|Judge|judge|Governor|Mayor|Senator"
    r"|Sen\.|Rep\.|Ambassador|Pope|Archbishop|Bishop|Chief Justice|Justice|opposition leader"
    r"|chief executive|Chief Executive|CEO|chairman|Chairman)\s+"
    rf"(?P<name>(?:{_NAME_TOKEN}\s+){{1,3}}{_NAME_TOKEN})(?![\w'\u2019-])"
)
# The words of _TITLES, to skip it in sentences that introduce nobody.
_TITLE_WORDS = words(
    "president prime minister secretary chancellor king queen prince emir sheikh general gen "
    "colonel col commander leader judge governor mayor senator sen rep ambassador pope "
    "archbishop bishop justice executive ceo chairman"
)
# A source's seat, the rest of its name or the day may stand between it and its verb:
# "the embassy in Bamako confirmed", "the Ministry of Health on the same day said".
_SOURCE_QUALIFIER = (
    r"(?:\s+(?:in|at|of)\s+(?:the\s+)?[A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*){0,2})?"
    r"(?:\s+(?:on\s+)?(?:[A-Z][a-z]+day|the\s+same\s+day))?"
)
_REPORTING_AFTER = re.compile(
    r"^(?:\s*\([^)]*\))?(?:\s+and\s+(?:[\w-]+\s+){0,2}?[\w-]+)?"
    + _SOURCE_QUALIFIER
    + r",?\s+(?:(?:also|later|earlier)\s+)?"
    # "claimed responsibility" is authorship, not a report.
    r"(?:said|says|say|told|reported|added|confirmed|announced|stated|cited|quoted"
    r"|claimed(?!\s+(?:responsibility|credit)))\b"
    r"|^\s+(?:officials?|spokes(?:man|woman|person)|sources?|statement|commanders?|chiefs?"
    r"|envoys?|ambassadors?|representatives?)\b"
    # Who investigates an event reports on it: "police were unsure of the motive".
    r"|^\s+(?:were|are|was|is|have\s+been|had\s+been)\s+(?:still\s+)?(?:unsure|investigating"
    r"|probing|trying\s+to\s+establish|looking\s+into)\b",
    re.IGNORECASE,
)
# Who condemns or mourns an event reacts to it; it is not a party to it.
_REACTING_AFTER = re.compile(
    r"^(?:\s*\([^)]*\))?"
    + _SOURCE_QUALIFIER
    + r"\s+(?:(?:on|has|have|had|also|strongly|swiftly|\w+day)\s+){0,3}"
    r"(?:condemned|condemns|denounced|denounces|deplored|deplores|mourned|mourns|welcomed"
    r"|welcomes|expressed|expresses|offered|offers)\b",
    re.IGNORECASE,
)
_ACCORDING_BEFORE = re.compile(
    r"\b(?:according\s+to|cited|citing|quoted|told|(?:advised|informed|briefed)\s+by)\s+"
    r"(?:the\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)
# Whom a reaction calls on to act ("urged the government and the UN to investigate")
# is addressed by it, not a party to the event.
_APPEALED_TO_BEFORE = re.compile(
    r"\b(?:urged|urging|urges|called\s+on|calling\s+on|calls\s+on|appealed\s+to|appealing\s+to)"
    r"\s+(?:the\s+)?(?:(?:[\w-]+\s+){1,3}and\s+(?:the\s+)?)?(?:\w+\s+)?$",
    re.IGNORECASE,
)

# Unnamed parties. A country's army and police take its adjective: "Kenyan police".
_ARMY_NOUNS = frozenset(["soldiers", "soldier", "troops", "army", "military"])
_POLICE_NOUNS = frozenset(["police", "policemen"])
_FORCE_MODIFIERS = frozenset(
    ["riot", "federal", "military", "state", "national", "border", "local", "traffic"]
)
_ARMED_NOUNS = {
    "gunmen": "gunmen",
    "armed men": "gunmen",
    # Who attacked, as the text calls them: a coder keeps "assailants" rather than
    # guessing they carried guns.
    "attackers": "attackers",
    "assailants": "assailants",
    "armed individuals": "gunmen",
    "militants": "militants",
    "insurgents": "insurgents",
    "jihadists": "jihadists",
    "fighters": "fighters",
    "rebels": "rebels",
    "rebel": "rebels",
    "bandits": "bandits",
    "separatists": "separatists",
    "extremists": "extremists",
    "kidnappers": "kidnappers",
    "militia": "militia",
    "militias": "militia",
    "militiamen": "militia",
    "pirates": "pirates",
}
# Generic names of armed groups, dropped from an event whose group is named.
_ARMED_GENERIC_NAMES = frozenset(_ARMED_NOUNS.values())
_CIVILIAN_NOUNS = words(
    "civilians civilian villagers residents passengers workers employees worshippers "
    "students pupils children women farmers herders traders shoppers pilgrims miners "
    "refugees patients teachers nurses doctors"
)
# Victims who are a group by what they do, and so may be a crowd of their own.
_GROUP_NOUNS = words(
    "students pupils workers employees farmers herders traders miners teachers nurses doctors"
)
# Victims of a crash named as a coder would: who they were, when it is more than "people".
_ACCIDENT_VICTIM_NOUNS = words("children pupils students workers miners pilgrims")
_CROWD_NOUNS = words("protesters protestors demonstrators marchers rioters crowd crowds")
# Victims a coder names by who they are, as their work is why they were targeted.
_WITNESS_NOUNS = words("journalists reporters activists")
_ADDRESSED_BEFORE = re.compile(r"\b(?:to|told|briefed|informed|by|with)\s+(?:the\s+)?$")
_NEEDS_ADJECTIVE = frozenset(["jets", "warplanes", "aircraft", "air", "force", "navy"])
# "the government", not "a government school" or "government forces".
_GOVERNMENT = re.compile(
    r"\b(?:federal\s+|central\s+|national\s+)?government\b(?!\s+(?:[\w-]+\s+)?(?:school|schools"
    r"|offices?|buildings?|hospitals?|troops|forces|soldiers|officials?|spokes\w+|sources"
    r"|statement|employees|workers|bonds?|debt|-held|primary|secondary|ministers?))",
    re.IGNORECASE,
)
_NOUN_PHRASE = re.compile(
    r"\b(?:(?P<qualifier>[A-Z][a-z]+|riot|federal|military|state|national|border|local|traffic"
    r"|suspected|unidentified|armed|rebel)\s+)?(?P<noun>police officers|armed forces|armed men"
    r"|armed individuals|security forces|government forces|pro-government forces|federal forces"
    # "the military" is a party; "military plans" or "military officials" are not.
    r"|air force|policemen|police|soldiers?|troops|army|(?<=the\s)military(?!\s+[a-z])|jets"
    r"|warplanes|aircraft|navy"
    r"|peacekeepers|gunmen|attackers|assailants|militants|insurgents|jihadists|fighters|rebels?"
    r"|bandits|separatists|extremists|kidnappers|militias?|militiamen|pirates|civilians?"
    r"|villagers|residents|passengers|workers|employees|worshippers|students|pupils|children"
    r"|women|farmers|herders|traders|shoppers|pilgrims|miners|refugees|patients|teachers|nurses"
    r"|doctors|journalists|reporters|activists|protesters"
    r"|protestors|demonstrators|marchers|rioters|crowds?)\b"
    # "rebel commander", "army units": the noun qualifies someone else.
    r"(?!\s+(?:commanders?|leaders?|chiefs?|spokes\w+|officials?|sources|headquarters|units"
    r"|bases?|groups?|movements?|uniforms?|vehicles?|helicopters?|gunships?|courts?|camps?)\b)"
)

# A noun phrase under negation names nobody who took part: "no police were present".
_NEGATIONS = words("no without")
_NEGATED_BEFORE = re.compile(r"\b(?:[Nn]o|without)\s+$")

# The words of _NOUN_PHRASE's nouns, to skip it in sentences that describe nobody.
_DESCRIBED_WORDS = words(
    "police policemen officers forces men individuals soldier soldiers troops army "
    "military jets warplanes aircraft force navy peacekeepers gunmen attackers assailants "
    "militants insurgents jihadists fighters rebel rebels bandits separatists extremists "
    "kidnappers militia militias militiamen pirates civilian civilians villagers "
    "residents passengers workers employees worshippers students pupils children women "
    "farmers herders traders shoppers pilgrims miners refugees patients teachers nurses doctors "
    "student teacher worker farmer trader nurse doctor administration journalists reporters "
    "activists protesters "
    "protestors demonstrators marchers rioters crowd crowds"
)


# "a nurses' march", "a farmer protest": the crowd named by the group it is.
_GROUP_CROWD = re.compile(
    r"\b(?P<group>student|teacher|worker|farmer|trader|nurse|doctor)s?'?\s+(?:union\s+)?"
    r"(?:protests?|demonstrations?|march(?:es)?|rall(?:y|ies)|strikes?|sit-ins?)\b",
    re.IGNORECASE,
)
# The words _GROUP_CROWD needs, to skip it in sentences that cannot match.
_GROUP_WORDS = words(
    "student students teacher teachers worker workers farmer farmers trader traders nurse nurses "
    "doctor doctors"
)
_CROWD_ACTS = words(
    "protest protests demonstration demonstrations march marches rally rallies strike strikes sit"
)
# "the Biden administration": a government named by its leader.
_ADMINISTRATION = re.compile(r"\b(?:the\s+)?(?P<name>[A-Z][a-z]+\s+administration)\b")


def named_parties(sentence: Sentence, start: int, end: int) -> list[ActorMention]:
    """Known parties and organisation names in `sentence.masked[start:end]`."""
    text = sentence.masked
    parties = lexicon()
    mentions: list[ActorMention] = []
    cursor = start
    for candidate in _PARTY_START.finditer(text, start, end):
        if candidate.start() < cursor:
            continue  # inside a party already read
        found = _longest_party(text, candidate.start(), end, parties)
        if found is not None:
            mentions.append(found)
            cursor = found.end
    if "administration" in sentence.words:
        mentions += [
            ActorMention(
                match["name"],
                match.start("name"),
                match.end("name"),
                PartyKind.OFFICIAL,
                reporter=_is_reporter(text, match.start("name"), match.end("name")),
            )
            for match in _ADMINISTRATION.finditer(text, start, end)
            if parties.lookup(match["name"].split()[0]) is None
        ]
    known = [(mention.start, mention.end) for mention in mentions]
    organisations = (
        ()
        if _ORGANISATION_WORDS.isdisjoint(sentence.words)
        else _ORGANISATION.finditer(text, start, end)
    )
    for match in organisations:
        first = _LEADING_ARTICLE.sub("", match.group())
        begin, finish = match.end() - len(first), match.end()
        if " " not in first or any(s < finish and begin < e for s, e in known):
            continue  # one word ("Court") names nothing in particular
        mentions.append(
            ActorMention(
                _POSSESSIVE.sub("", first),
                begin,
                finish,
                PartyKind.OFFICIAL,
                reporter=_is_reporter(text, begin, finish),
            )
        )
    return sorted(mentions, key=lambda mention: mention.start)


def _longest_party(text: str, start: int, end: int, parties: PartyLexicon) -> ActorMention | None:
    """The longest known party whose name starts at `start`."""
    run = _WORD_RUN.match(text, start, end)
    if run is None:
        return None
    words = run.group().split(" ")
    qualified = _QUALIFIED_PARTY.match(words[0]) if "-" in words[0] else None
    if qualified:
        party = parties.lookup(qualified["party"])
        if party is not None:
            return ActorMention(party.name, start, start + len(words[0]), party.kind)
    if _FIRST_PIECE.split(words[0].lower(), maxsplit=1)[0] not in parties.first_words:
        return None
    for count in range(len(words), 0, -1):
        surface = " ".join(words[:count])
        bare = _POSSESSIVE.sub("", surface.rstrip(".,"))
        party = parties.lookup(bare)
        if party is not None:
            finish = start + len(bare)
            return ActorMention(
                party.name, start, finish, party.kind, reporter=_is_reporter(text, start, finish)
            )
    return None


def _is_reporter(text: str, start: int, end: int) -> bool:
    after = text[end : end + 60]
    acronym = _ACRONYM_AFTER.match(after)
    if acronym:
        after = after[acronym.end() :]
    before = text[max(0, start - 40) : start]
    return bool(
        _REPORTING_AFTER.match(after)
        or _REACTING_AFTER.match(after)
        or _ACCORDING_BEFORE.search(before)
        or _APPEALED_TO_BEFORE.search(before)
    )


def described_parties(
    sentence: Sentence,
    start: int,
    end: int,
    adjective: str | None,
    is_adjective: Callable[[str], bool],
) -> list[ActorMention]:
    """Parties described by a noun in `sentence.masked[start:end]`, named as labels name them.

    "police opened fire on traders" in Kenya gives "Kenyan police", then "civilians" as
    the victims; `adjective` is the event country's ("Kenyan"), and `is_adjective` tells
    a country's adjective ("Malian troops") from any other capitalised word.
    """
    text = sentence.masked
    if text[:1].isupper() and text[: text.find(" ")].lower() in _DESCRIBED_WORDS:
        # "Gunmen stormed...": the noun opening the sentence, read as it is written elsewhere.
        text = text[0].lower() + text[1:]
    mentions = []
    described = not _DESCRIBED_WORDS.isdisjoint(sentence.words)
    for match in _NOUN_PHRASE.finditer(text, start, end) if described else ():
        qualifier = match["qualifier"] or ""
        if qualifier.lower() in _NEGATIONS or _NEGATED_BEFORE.search(
            text, max(0, match.start() - 9), match.start()
        ):
            continue  # "there were no police", "without soldiers": nobody was there
        noun = match["noun"].lower()
        if noun in _WITNESS_NOUNS and _ADDRESSED_BEFORE.search(
            text, max(0, match.start() - 12), match.start()
        ):
            continue  # "officials told journalists": the press, addressed
        demonym = qualifier if qualifier[:1].isupper() and is_adjective(qualifier) else None
        name = _described_name(noun, qualifier, demonym, adjective)
        if name is None:
            continue
        mentions.append(
            ActorMention(
                name,
                match.start(),
                match.end(),
                None,
                victim=noun in _CIVILIAN_NOUNS or noun in _CROWD_NOUNS or noun in _WITNESS_NOUNS,
                reporter=_is_reporter(text, match.start(), match.end()),
                crowd=noun in _CROWD_NOUNS,
                group=noun if noun in _GROUP_NOUNS else None,
                noun=noun if noun in _CIVILIAN_NOUNS else None,
            )
        )
    groups = (
        _GROUP_CROWD.finditer(text, start, end)
        if not (_GROUP_WORDS.isdisjoint(sentence.words) or _CROWD_ACTS.isdisjoint(sentence.words))
        else ()
    )
    for match in groups:
        group = match["group"].lower() + "s"
        mentions.append(
            ActorMention("civilians", match.start(), match.end(), None, victim=True, group=group)
        )
    # The word screen spares most sentences the pattern.
    government = (
        _GOVERNMENT.search(text, start, end)
        if adjective and "government" in sentence.words
        else None
    )
    if government and adjective:
        reporter = _is_reporter(text, government.start(), government.end())
        mentions.append(
            ActorMention(
                f"{adjective} government",
                government.start(),
                government.end(),
                None,
                reporter=reporter,
            )
        )
    return mentions


def _described_name(
    noun: str, qualifier: str, demonym: str | None, adjective: str | None
) -> str | None:
    country_adjective = demonym or adjective
    if noun in _ARMY_NOUNS:
        return f"{country_adjective} army" if country_adjective else "army"
    if noun in _POLICE_NOUNS or noun == "police officers":
        if qualifier.lower() in _FORCE_MODIFIERS:
            return f"{qualifier.lower()} police"
        return f"{country_adjective} police" if country_adjective else "police"
    if noun in _NEEDS_ADJECTIVE:
        return f"{demonym} {noun}" if demonym else None
    if noun in ("security forces", "government forces", "pro-government forces", "federal forces"):
        return f"{demonym} {noun}" if demonym else noun
    if noun == "armed forces":
        return f"{country_adjective} army" if country_adjective else "army"
    if noun == "peacekeepers":
        return noun
    if noun in _ARMED_NOUNS:
        return _ARMED_NOUNS[noun]
    if noun in _CROWD_NOUNS:
        return "protesters"
    if noun in _CIVILIAN_NOUNS:
        return "civilians"
    if noun in _WITNESS_NOUNS:
        return noun
    return None


def persons(sentence: Sentence, start: int, end: int) -> list[ActorMention]:
    """People introduced by a title: "Transport Minister Kostas Karamanlis"."""
    if _TITLE_WORDS.isdisjoint(sentence.words):
        return []
    text = sentence.masked
    return [
        ActorMention(
            match["name"],
            match.start("name"),
            match.end("name"),
            None,
            reporter=_is_reporter(text, match.start("name"), match.end()),
        )
        for match in _TITLES.finditer(text, start, end)
    ]


def surnamed_persons(
    sentence: Sentence, start: int, end: int, full_names: list[str]
) -> list[ActorMention]:
    """People the article named in full, met again by surname in `sentence.masked[start:end]`.

    News names a person in full once, then by surname: "Maria Okafor ... Okafor voted at
    a school" makes Maria Okafor a party to the vote. Who only speaks of it is not.
    """
    text = sentence.masked
    mentions = []
    for name in full_names:
        surname = name.rsplit(" ", 1)[-1]
        if surname not in text:
            continue  # the common case, without a pattern
        for match in re.finditer(rf"(?<![\w'\u2019-]){re.escape(surname)}(?![\w'\u2019-])", text):
            if start <= match.start() < end and not _is_reporter(text, match.start(), match.end()):
                mentions.append(ActorMention(name, match.start(), match.end(), None))
                break
    return mentions


_NAME_TOKENS = re.compile(r"[\w'\u2019-]+")
# Two or three capitalised words, the last of which may later stand alone: a person's name.
_FULL_NAME = re.compile(
    r"(?=[A-Z])(?<![\w'\u2019.-])(?P<name>[A-Z][a-z][\w'\u2019]*(?:\s+[A-Z][a-z][\w'\u2019]*)?"
    r"\s+(?P<surname>[A-Z][a-z][\w'\u2019-]+))(?![\w'\u2019-])"
)


def introduced_persons(sentences: list[Sentence], is_place: Callable[[str], bool]) -> list[str]:
    """People the article names in full and then by surname alone, most mentioned first.

    "Police named the suspect as Eleni Markou ... Markou denies it": a person coding the
    article by hand names her in full, wherever the event itself only says "a young woman".
    """
    text = " ".join(sentence.masked for sentence in sentences)
    counts: dict[str, int] = {}
    full: dict[str, str] = {}
    for match in _FULL_NAME.finditer(text):
        name, surname = match["name"], match["surname"]
        words_of_name = name.split()
        if any(is_place(word) or lexicon().lookup(word) for word in words_of_name):
            continue
        if words_of_name[0] in _NOT_FIRST_NAMES:
            continue
        full.setdefault(surname, name)
    tokens = Counter(_NAME_TOKENS.findall(text))
    for surname, name in full.items():
        if tokens[surname] >= 2:
            counts[name] = tokens[surname]
    return sorted(counts, key=lambda name: -counts[name])


# Capitalised words that open sentences or titles, never a first name.
_NOT_FIRST_NAMES = words(
    "The A An In On At But And As After Before When While If His Her Their Its This That These "
    "Those Police President Prime Minister Mr Mrs Ms Dr Gov General Judge Chief Former State "
    "National Federal North South East West Northern Southern Eastern Western Central New "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
    "June July August September October November December Both All Each Either Neither Only "
    "Even Also Yesterday Today Meanwhile However"
)


def choose_actors(
    found: list[ActorMention],
    *,
    crowd_event: bool,
    civilian_victims: bool,
    reporters_excluded: bool,
    accident: bool = False,
) -> list[str]:
    """The parties of one event: in order of appearance, victims last, each once.

    `crowd_event`: a protest or riot, whose crowd is a party ("protesters", named if
    the text does not); `civilian_victims`: an attack or explosion, whose victims are
    "civilians"; `reporters_excluded`: sources of the report are not parties to it;
    `accident`: a crash, whose victims are a party when the text says who they were.
    """
    chosen: list[ActorMention] = []
    for mention in found:
        if mention.kind is PartyKind.PRESS:
            continue
        if reporters_excluded and (mention.reporter or mention.kind is PartyKind.HUMANITARIAN):
            continue
        if mention.crowd and not (crowd_event or civilian_victims):
            continue
        if mention.victim and not mention.crowd and not civilian_victims:
            if accident and mention.noun in _ACCIDENT_VICTIM_NOUNS:
                mention = mention._replace(name=mention.noun)
            elif not (crowd_event and mention.group):
                continue
        chosen.append(mention)
    if crowd_event:
        # The crowd is named by the group it is ("students"), as the text names it.
        chosen = [
            mention._replace(name=mention.group, crowd=True) if mention.group else mention
            for mention in chosen
        ]
    if crowd_event and not any(mention.crowd for mention in chosen):
        chosen.append(ActorMention("protesters", 0, 0, None, victim=True, crowd=True))
    named_armed = any(mention.kind is PartyKind.ARMED for mention in chosen)
    full_names = [m.name for m in chosen if m.kind is None and " " in m.name]
    names: list[str] = []
    victims: list[str] = []
    keys: set[str] = set()
    generic_named = False
    for mention in sorted(chosen, key=lambda m: m.victim):
        name = mention.name
        if name in _ARMED_GENERIC_NAMES:
            if named_armed or generic_named:
                continue  # "militants", "fighters", "gunmen": one unnamed group, named once
            generic_named = True
        if " " not in name:
            # "Ntaganda" after "Bosco Ntaganda": the person already named.
            name = next((full for full in full_names if full.endswith(" " + name)), name)
        key = name_key(name)
        if key and key not in keys:
            keys.add(key)
            (victims if mention.victim else names).append(name)
    # Whoever else is named, the victims of an event are among its parties.
    kept_victims = victims[: max(1, _MAX_ACTORS - len(names))]
    return names[: _MAX_ACTORS - len(kept_victims)] + kept_victims
