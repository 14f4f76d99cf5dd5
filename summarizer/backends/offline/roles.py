"""Parties an event has by the role the text gives them, not by a list of known names.

News names many parties only once, by the part they play in the event: the court that
sentenced, the group it sentenced, the company whose workers struck, the airline whose
flight crashed, the owner of the building that was bombed, the group that organised a
protest. None of them need be a party the lexicon knows; the phrasing says who they are.
Every function reads `sentence.masked[start:end]`, the text of one mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from summarizer.backends.offline.actors import ActorMention
from summarizer.backends.offline.reading import Sentence, words

IsWord = Callable[[str], bool]

# A capitalised name of up to six words, which may hold "of", "for", "and" or "the".
# A word joined by a hyphen stays whole only if the next part is capitalised too:
# "Rolls-Royce", but not "Denmark-based".
_NAME_WORD = r"[A-Z][\w&'\u2019.]*(?:-[A-Z][\w&'\u2019.]*)*(?![\w-])"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:of|for|and|the)\s+)?{_NAME_WORD}){{0,5}}"
_POSSESSIVE = r"(?:'s|\u2019s)"

_COURT = re.compile(
    r"\b(?:[Aa]n?|[Tt]he)\s+(?:(?P<adjective>[A-Z][a-z]+)\s+)?(?:(?:high|supreme|district|regional"
    r"|military|appeals?|federal|provincial|magistrates'?|criminal|local|lower|special)\s+)?"
    r"(?:court|tribunal)\b"
    r"(?=(?:\s+in\s+[^,.;]{1,60}?)?(?:\s+on\s+\w+)?\s+(?:(?:has|had|also)\s+)?"
    r"(?:sentenced|convicted|jailed|acquitted|ruled|ordered|found|handed|fined|dismissed"
    r"|rejected|upheld|overturned|cleared|imposed|gave)\b)"
)
_SENTENCING = re.compile(
    r"\b(?:sentenced|convicted|jailed|acquitted|charged|indicted|fined|cleared)\s+"
    r"(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|dozens\s+of"
    r"|the|all|its)\s+)?"
    r"(?P<group>(?:[a-z-]+\s+)?(?:crew\s+members|crew|members|men|women|people|activists"
    r"|protesters|officers|soldiers|students|journalists|workers|suspects|defendants|executives"
    r"|officials|policemen|police\s+officers|fishermen|sailors|migrants|opposition\s+members))\b"
)
_COURT_WORDS = words("court tribunal")
_SENTENCING_WORDS = words("sentenced convicted jailed acquitted charged indicted fined cleared")

_PROPERTY = (
    r"(?:premises|home|house|office|offices|business|shop|store|restaurant|compound|residence"
    r"|farm|factory|headquarters|centre|center|base|station|camp|hotel|bank|church|mosque"
    r"|convoy|vehicle|car)"
)
# "Peter Kamau's jewellery shop", "a training centre belonging to the Interior Ministry".
_OWNED = re.compile(rf"(?P<owner>{_NAME}){_POSSESSIVE}\s+(?:[\w-]+\s+){{0,4}}?{_PROPERTY}\b")
_OWNED_BY = re.compile(
    rf"\b{_PROPERTY}\s+(?:\w+\s+)?(?:belongs|belonged|belonging|owned|run|operated)\s+(?:to|by)"
    rf"\s+(?:the\s+)?(?P<owner>{_NAME})"
)
_EMPLOYER = re.compile(
    r"\b(?i:workers|employees|staff|miners|drivers|dockers|nurses|teachers)\s+(?:at|of|from)\s+"
    rf"(?:the\s+)?(?P<employer>{_NAME})"
)
_OPERATOR = re.compile(
    rf"\b(?:[Aa]n?|[Tt]he)\s+(?P<operator>{_NAME})\s+(?:passenger\s+|cargo\s+|commuter\s+)?"
    r"(?:flight|plane|jet|airliner|aircraft|train|bus|coach|ferry|ship|vessel)\b"
    rf"|\b(?P<flight>{_NAME})\s+flight\s+\d+"
)
# "retailer Tesco", "the carmaker Volvo": a company named after what it is.
_COMPANY = re.compile(
    r"\b(?:retailer|company|firm|carmaker|automaker|lender|bank|airline|insurer|miner"
    r"|conglomerate|giant|maker|manufacturer|supermarket|chain|grocer|brewer|broker|startup"
    r"|producer|operator|developer|group)\s+"
    rf"(?P<company>{_NAME})"
)
_ORGANISER = re.compile(
    rf"(?P<before>{_NAME})(?:\s+\([A-Za-z]{{2,8}}\))?\s+said\s+(?:on\s+\w+\s+)?at\s+an?\s+"
    r"(?:protest|rally|demonstration|march|picket|vigil)\b"
    rf"|\b(?:protest|rally|demonstration|march|picket|vigil)\s+(?:was\s+)?(?:organi[sz]ed|called"
    rf"|staged|led)\s+by\s+(?:the\s+)?(?:[a-z]+\s+){{0,2}}(?P<after>{_NAME})"
)


def court_parties(
    sentence: Sentence, start: int, end: int, adjective: str | None, is_adjective: IsWord
) -> list[ActorMention]:
    """The court that acted, named as a coder names one the text leaves unnamed:
    "an Ecuadorean court sentenced" gives "Ecuadorean court"."""
    if _COURT_WORDS.isdisjoint(sentence.words):
        return []
    found = []
    for match in _COURT.finditer(sentence.masked, start, end):
        own = match["adjective"]
        own = own if own and is_adjective(own) else None
        if own is None and match.group()[0] in "Tt":
            continue  # "the court" is one named before: "the International Court ... the court"
        country_adjective = own or adjective
        name = f"{country_adjective} court" if country_adjective else "court"
        found.append(ActorMention(name, match.start(), match.end(), None))
    return found


def sentenced_groups(sentence: Sentence, start: int, end: int) -> list[ActorMention]:
    """A group a court acted on, as the text calls it: "sentenced 12 fishermen"."""
    if _SENTENCING_WORDS.isdisjoint(sentence.words):
        return []
    return [
        ActorMention(match["group"], match.start("group"), match.end("group"), None)
        for match in _SENTENCING.finditer(sentence.masked, start, end)
    ]


def target_owners(sentence: Sentence, start: int, end: int, is_place: IsWord) -> list[ActorMention]:
    """Whose building, home or vehicle was hit: a party to the attack on it."""
    return [
        *_named(_OWNED, sentence, start, end, is_place),
        *_named(_OWNED_BY, sentence, start, end, is_place),
    ]


def employers(sentence: Sentence, start: int, end: int, is_place: IsWord) -> list[ActorMention]:
    """The company whose workers struck or marched: "workers at the Lumen textile plant"."""
    return _named(_EMPLOYER, sentence, start, end, is_place)


def operators(sentence: Sentence, start: int, end: int, is_place: IsWord) -> list[ActorMention]:
    """The airline, railway or shipping line whose craft had the accident."""
    return _named(_OPERATOR, sentence, start, end, is_place)


def organisers(sentence: Sentence, start: int, end: int, is_place: IsWord) -> list[ActorMention]:
    """The group that held a protest: "X said at a protest", "a rally organised by X"."""
    return _named(_ORGANISER, sentence, start, end, is_place)


def companies(sentence: Sentence, start: int, end: int, is_place: IsWord) -> list[ActorMention]:
    """Companies the text introduces by their trade: "the retailer Ostmark"."""
    return _named(_COMPANY, sentence, start, end, is_place)


def _named(
    pattern: re.Pattern[str], sentence: Sentence, start: int, end: int, is_place: IsWord
) -> list[ActorMention]:
    """The party each match names, in the one named group of its alternative that matched."""
    found = []
    for match in pattern.finditer(sentence.masked, start, end):
        group = match.lastgroup
        name = _party_name(match[group], is_place) if group else None
        if group and name:
            found.append(ActorMention(name, match.start(group), match.end(group), None))
    return found


# "判处前副市长王立军15年徒刑": sentenced, the defendant's name just before the term.
_CHINESE_SENTENCING = re.compile(r"判处(?P<object>[^\d,\uff0c\u3002\uff1b]{2,16}?)\d")


def chinese_defendants(
    sentence: Sentence, start: int, end: int, article: str
) -> list[ActorMention]:
    """Whom a Chinese court sentenced: the name before the term, as the article repeats it.

    Chinese writes a title and a name with no space between ("前副市长王立军"); the name is
    the longest ending of that run, of two or three characters, that recurs in the article.
    """
    found = []
    for match in _CHINESE_SENTENCING.finditer(sentence.masked, start, end):
        run = match["object"]
        for size in (3, 2):
            name, finish = run[-size:], match.end("object")
            if len(name) == size and article.count(name) >= 2:
                found.append(ActorMention(name, finish - size, finish, None))
                break
    return found


_MINE = re.compile(r"\b(?:mine|mines|colliery|coal\s+pit)\b")


def mine_workers(sentence: Sentence, start: int, end: int) -> list[ActorMention]:
    """Who a mine accident hit, when the text counts only "people": its miners."""
    match = _MINE.search(sentence.lowered, start, end)
    if match is None:
        return []
    return [ActorMention("miners", match.start(), match.end(), None, victim=True, noun="miners")]


# Capitalised words that open a name run without being part of a party's name.
_NOT_NAMES = words("The A An On In At But And As After When While Both Its Their His Her")


def _party_name(name: str, is_place: IsWord) -> str | None:
    """The name as a party, or None for a place, a country's adjective or a bare word."""
    parts = name.split()
    while parts and parts[0] in _NOT_NAMES:
        parts = parts[1:]
    # "Kenyan Airways" is a name; "Kenyan" alone, or "Nairobi", is a place or its people.
    if not parts or (len(parts) == 1 and is_place(parts[0])):
        return None
    if all(is_place(part) for part in parts if part[:1].isupper()):
        return None
    return " ".join(parts)
