"""Death figures: what a sentence says about how many died, and what an event's toll is.

Reports come in a few shapes: "killing 37 people", "five people were shot dead",
"eleven insurgents and one soldier were killed", "the death toll rose to 34 from
21", "killing between eight and 13", "recovered 19 bodies", "no one was killed".
Wounded and missing people are never counted.

Combining an event's reports follows what they mean: a rising toll supersedes the
figures it rose from; figures for different sides (soldiers, attackers) add up;
different figures for the same people are a range, as sources differ, and so are
deaths one source reports and another denies (from 0); zero only when the article
says nobody died and no one is reported dead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import NamedTuple

from summarizer.schema import Fatalities, FatalityRange

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+|(?:"
    + "|".join(_TENS)
    + r")(?:-(?:"
    + "|".join(_UNITS[1:10])
    + r"))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r"|a\s+dozen|a\s+hundred)"
)
_QUALIFIER = (
    r"(?:(?:at\s+least|more\s+than|over|nearly|almost|about|around|some|up\s+to|as\s+many\s+as"
    r"|roughly|approximately|an\s+estimated|a\s+total\s+of)\s+)?"
)
_SECURITY = (
    r"soldiers?|troops|servicemen|policem[ae]n|police\s+officers?|officers?|peacekeepers?"
    r"|guards?|gendarmes|marines|personnel|members\s+of\s+the\s+security\s+forces"
)
_MILITANT = (
    r"militants?|insurgents?|fighters?|attackers?|rebels?|jihadists?|gunmen|assailants?"
    r"|bandits?|terrorists?|extremists?|(?:suicide\s+)?bombers?|kidnappers?|militiamen"
)
_GENERIC = (
    r"people|persons|civilians?|villagers|residents|children|women|men|passengers|workers"
    r"|students|pupils|worshippers|pilgrims|miners|traders|others|victims|migrants|refugees"
    r"|protesters|demonstrators|family\s+members|members"
)
_VICTIM = rf"(?:{_SECURITY}|{_MILITANT}|{_GENERIC})"


def _counted(named: bool) -> str:
    """ "at least 18 people": a figure and whose deaths it counts (groups named or not)."""
    count, noun = ("?P<count>", "?P<noun>") if named else ("?:", "?:")
    return rf"{_QUALIFIER}({count}{_NUMBER})\s+(?:[\w'-]+\s+){{0,3}}?({noun}{_VICTIM})\b"


_DIED = (
    r"(?:were|was|have\s+been|had\s+been|are|been)\s+(?:\w+\s+)?(?:killed|shot\s+dead|dead"
    r"|confirmed\s+dead|reported\s+dead|found\s+dead|murdered|slain|executed)\b"
    r"|(?:have\s+|had\s+)?died\b|(?:were\s+|was\s+)?among\s+the\s+dead\b"
)
_KILL_VERB = (
    r"\b(?:killing|killed|kills|kill|claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of"
    r"|shot\s+dead|shooting\s+dead|gunned\s+down|gunning\s+down|(?:stabbed|hacked|beat|beaten"
    r"|burned|burnt)\s+to\s+death)"
)
# "killed two guards and a driver": further victims listed after the first.
_MORE_VICTIMS = re.compile(
    rf"(?:\s*,\s*|\s+and\s+|\s*,\s+and\s+)(?P<count>{_NUMBER}|an?)\s+(?:[\w'-]+\s+){{0,2}}?"
    r"[a-z]+\b",
    re.IGNORECASE,
)
# "Rosa Quispe ... was murdered", "a nurse was killed", "shot him to death": one
# person, though no number is written.
_ONE_DIED = re.compile(
    r"\b(?=was\s)(?<![Nn]o\s)(?<![Nn]obody\s)(?<![Nn]one\s)(?<![Oo]ne\s)was\s+(?:\w+\s+)?(?:killed"
    r"|shot\s+dead|murdered|slain|assassinated|executed|beheaded|(?:shot|stabbed|beaten|hacked)"
    r"\s+to\s+death)\b"
    r"|\b(?:shot|stabbed|beat|hacked)\s+(?:him|her|[A-Z][\w'-]+)\s+to\s+death\b"
    r"|\b(?:shot|gunned)\s+(?:him|her|[A-Z][\w'-]+)\s+(?:dead|down)\b",
)
_NOT_DEAD = re.compile(
    r"\s+(?:(?:were|was|have\s+been|had\s+been)\s+)?(?:\w+\s+)?(?:injured|wounded|hurt|missing"
    r"|arrested|rescued|detained|abducted|kidnapped)\b",
    re.IGNORECASE,
)
_RANGE = rf"between\s+(?P<low>{_NUMBER})\s+and\s+(?P<high>{_NUMBER})"

# "killing 37 people", "killed five al Shabaab fighters", "killing between eight and 13 people"
# "killing a soldier", "killed an aid worker": one victim, named by a singular noun.
_ONE_VICTIM = (
    r"(?P<one>an?|one)\s+(?:[\w'-]+\s+){0,3}?(?:soldier|policeman|police\s+officer|officer"
    r"|peacekeeper|guard|civilian|man|woman|child|boy|girl|student|pupil|worker|journalist|driver"
    r"|farmer|person|resident|villager|passenger|teacher|nurse|doctor|militant|fighter|rebel"
    r"|attacker|expert|official|activist|protester|demonstrator)\b"
)
_AFTER_VERB = re.compile(
    rf"{_KILL_VERB}\s+(?:{_RANGE}|{_ONE_VICTIM}|{_QUALIFIER}(?P<count>{_NUMBER}))"
    rf"(?:\s+(?:of\s+(?:the|its|their)\s+)?(?:[\w'-]+\s+){{0,3}}?(?P<noun>{_VICTIM})\b)?",
    re.IGNORECASE,
)
# "Eleven insurgents and one soldier were killed", "at least 18 people had been killed"
_BEFORE_VERB = re.compile(
    rf"(?P<chain>{_counted(False)}(?:\s*(?:,|and|,\s+and)\s+{_counted(False)})*)"
    rf"\s+(?:{_DIED})",
    re.IGNORECASE,
)
_COUNTED_PAIR = re.compile(_counted(True), re.IGNORECASE)
_RANGE_BEFORE_VERB = re.compile(
    rf"{_RANGE}\s+(?:[\w'-]+\s+){{0,3}}?(?P<noun>{_VICTIM})\s+(?:{_DIED})", re.IGNORECASE
)
# "the death toll rose to 34 on Wednesday from 21"; "the toll had risen to 36, up from 32"
_RISE = re.compile(
    rf"\b(?:toll|number\s+of\s+(?:dead|deaths|people\s+killed|victims|fatalities))\b(?:\s+\S+){{0,16}}?"
    rf"\s+(?:rose|risen|climbed|increased|jumped|reached|hit|rising|soared|stood)\s+(?:to\s+|at\s+)?"
    rf"{_QUALIFIER}(?P<count>{_NUMBER})(?P<rest>[^.;]{{0,50}})",
    re.IGNORECASE,
)
# "bringing the toll to 937"
_TOLL_TO = re.compile(
    rf"\b(?:bringing|brought|taking|took|pushing|pushed|raising|raised)\s+(?:the\s+)?"
    rf"(?:death\s+)?toll\s+to\s+{_QUALIFIER}(?P<count>{_NUMBER})(?P<rest>[^.;]{{0,50}})",
    re.IGNORECASE,
)
_RISE_FROM = re.compile(rf"\bfrom\s+{_QUALIFIER}(?P<count>{_NUMBER})\b", re.IGNORECASE)
# "put the toll at 21", "a death toll of 40"
_TOLL_AT = re.compile(
    rf"\btoll\s+(?:at|of|stood\s+at|stands\s+at|is|was)\s+{_QUALIFIER}(?P<count>{_NUMBER})",
    re.IGNORECASE,
)
# "recovered 19 bodies", "34 deaths", "12 dead"
_BODIES = re.compile(
    rf"\b(?:recovered|pulled|found|retrieved|collected|counted|buried)\s+(?:the\s+)?{_QUALIFIER}"
    rf"(?P<count>{_NUMBER})\s+bodies\b|{_QUALIFIER}\b(?P<count2>{_NUMBER})\s+"
    rf"(?:(?:confirmed|reported|more)\s+)?(?:deaths|dead|bodies\s+(?:were|have\s+been)"
    rf"\s+(?:recovered|found|pulled))\b",
    re.IGNORECASE,
)
_NONE_DIED = re.compile(
    r"\b(?:no\s+one|nobody|none)\s+(?:was|were|had\s+been|has\s+been)\s+(?:\w+\s+)?(?:killed"
    r"|hurt|injured|harmed|wounded)\b|\b(?:no\s+one|nobody)\s+died\b"
    r"|\bno\s+(?:casualties|deaths|fatalities|injuries)\s+(?:were|was|have\s+been|had\s+been)"
    r"\s+reported\b|\bthere\s+were\s+no\s+(?:casualties|deaths|fatalities|injuries)\b"
    r"|\bwithout\s+(?:any\s+)?casualties\b|\bcaused\s+no\s+(?:casualties|deaths|injuries)\b",
    re.IGNORECASE,
)
_DEATHS_DENIED = re.compile(
    r"\b(?:no\s+one|nobody|none)\s+(?:was|were|had\s+been|has\s+been)\s+(?:\w+\s+)?killed\b"
    r"|\b(?:no\s+one|nobody)\s+died\b|\bno\s+(?:deaths|fatalities)\b|\bthere\s+were\s+no\s+"
    r"(?:deaths|fatalities)\b",
    re.IGNORECASE,
)
# The words each pattern needs, to skip the patterns a text cannot match.
_WORD = re.compile(r"[a-z]+")
_TOLL_WORDS = frozenset({"toll", "number"})
_KILL_WORDS = frozenset(
    {"killing", "killed", "kills", "kill", "claimed", "claiming", "dead", "down", "death"}
)
_DIED_WORDS = frozenset({"killed", "dead", "died", "murdered", "slain", "executed"})
_ONE_WORDS = frozenset(
    {"killed", "dead", "murdered", "slain", "assassinated", "executed", "beheaded", "death", "down"}
)
_ONE_VERBS = frozenset({"was", "shot", "stabbed", "beat", "hacked", "gunned"})
_BODY_WORDS = frozenset({"bodies", "deaths", "dead"})
_NONE_WORDS = frozenset({"nobody", "one", "none", "casualties", "deaths", "fatalities", "injuries"})
_SECURITY_NOUN = re.compile(rf"^(?:{_SECURITY})$", re.IGNORECASE)
_MILITANT_NOUN = re.compile(rf"^(?:{_MILITANT})$", re.IGNORECASE)


class Side(str, Enum):
    """Whose deaths a figure counts; figures for different sides add up."""

    ANYONE = "anyone"
    SECURITY = "security"
    MILITANTS = "militants"


class Shape(str, Enum):
    COUNT = "count"
    RISE = "rise"
    NONE_DIED = "none_died"


class DeathReport(NamedTuple):
    """One statement of deaths in a sentence."""

    shape: Shape
    low: int = 0
    high: int = 0
    side: Side = Side.ANYONE
    superseded: tuple[int, ...] = ()  # the figures a rising toll rose from
    # NONE_DIED: the statement is that nobody died, not only that nobody was hurt.
    deaths_denied: bool = False


def number_value(text: str) -> int | None:
    """The value of a number in digits or words ("17,000", "eleven", "twenty-five")."""
    word = re.sub(r"\s+", " ", text.strip().lower())
    if word.replace(",", "").isdigit():
        return int(word.replace(",", ""))
    if word == "a dozen":
        return 12
    if word == "a hundred":
        return 100
    if word in _UNITS:
        return _UNITS.index(word)
    tens, _, unit = word.partition("-")
    if tens in _TENS:
        return (_TENS.index(tens) + 2) * 10 + (_UNITS.index(unit) if unit in _UNITS else 0)
    return None


def _side(noun: str | None) -> Side:
    if not noun:
        return Side.ANYONE
    if _SECURITY_NOUN.match(noun):
        return Side.SECURITY
    if _MILITANT_NOUN.match(noun):
        return Side.MILITANTS
    return Side.ANYONE


def _count(low: int | None, high: int | None, noun: str | None) -> list[DeathReport]:
    if low is None or high is None:
        return []
    return [DeathReport(Shape.COUNT, min(low, high), max(low, high), _side(noun))]


def death_reports(text: str) -> list[DeathReport]:
    """Every statement of deaths in `text` (a clause or a sentence, quotes masked)."""
    words = frozenset(_WORD.findall(text.lower()))
    reports: list[DeathReport] = []
    claimed: list[tuple[int, int]] = []

    def fresh(match: re.Match[str]) -> bool:
        if any(match.start() < end and start < match.end() for start, end in claimed):
            return False
        claimed.append(match.span())
        return True

    tolls = (
        [] if words.isdisjoint(_TOLL_WORDS) else [*_RISE.finditer(text), *_TOLL_TO.finditer(text)]
    )
    for match in tolls:
        if not fresh(match):
            continue
        value = number_value(match["count"])
        if value is None:
            continue
        superseded = tuple(
            found
            for rest in _RISE_FROM.finditer(match["rest"])
            if (found := number_value(rest["count"])) is not None
        )
        reports.append(DeathReport(Shape.RISE, value, value, Side.ANYONE, superseded))
    for match in [] if words.isdisjoint(_KILL_WORDS) else _AFTER_VERB.finditer(text):
        if not fresh(match):
            continue
        if match["low"]:
            reports += _count(
                number_value(match["low"]), number_value(match["high"]), match["noun"]
            )
        else:
            value = 1 if match["one"] else number_value(match["count"])
            more = _listed_after(text, match.end()) if value is not None else 0
            if more:
                # Victims of different kinds in one list: one figure, whoever they were.
                reports += _count(value + more, value + more, None)  # type: ignore[operator]
            else:
                reports += _count(value, value, match["noun"])
    for match in [] if "between" not in words else _RANGE_BEFORE_VERB.finditer(text):
        if fresh(match):
            reports += _count(
                number_value(match["low"]), number_value(match["high"]), match["noun"]
            )
    for match in [] if words.isdisjoint(_DIED_WORDS) else _BEFORE_VERB.finditer(text):
        if not fresh(match):
            continue
        for pair in _COUNTED_PAIR.finditer(match["chain"]):
            value = number_value(pair["count"])
            reports += _count(value, value, pair["noun"])
    if not (words.isdisjoint(_ONE_WORDS) or words.isdisjoint(_ONE_VERBS)):
        for match in _ONE_DIED.finditer(text):
            # "Five people were killed" was counted above; a bare "was killed" is one.
            if not any(start <= match.end() and match.start() <= end for start, end in claimed):
                claimed.append(match.span())
                reports += _count(1, 1, None)
    for pattern, needs in ((_TOLL_AT, _TOLL_WORDS), (_BODIES, _BODY_WORDS)):
        for match in [] if words.isdisjoint(needs) else pattern.finditer(text):
            if not fresh(match):
                continue
            groups = match.groupdict()
            value = number_value(groups.get("count") or groups.get("count2") or "")
            reports += _count(value, value, None)
    if not words.isdisjoint(_NONE_WORDS) and _NONE_DIED.search(text):
        denied = bool(_DEATHS_DENIED.search(text))
        reports.append(DeathReport(Shape.NONE_DIED, deaths_denied=denied))
    return reports


def _listed_after(text: str, offset: int) -> int:
    """How many more victims a list adds after its first figure ("and a driver": 1)."""
    more = 0
    while match := _MORE_VICTIMS.match(text, offset):
        value = 1 if match["count"].lower() in ("a", "an") else number_value(match["count"])
        if value is None or _NOT_DEAD.match(text, match.end()):
            break  # "and 42 others injured": the list has moved on to the wounded
        more += value
        offset = match.end()
    return more


def event_fatalities(reports: Iterable[DeathReport]) -> Fatalities:
    """An event's toll from all its reports: a figure, a {min, max} range, 0, or None."""
    reports = list(reports)
    counted = [report for report in reports if report.shape is not Shape.NONE_DIED]
    if not counted:
        return 0 if reports else None
    denied = any(report.deaths_denied for report in reports)
    rises = [report for report in counted if report.shape is Shape.RISE]
    anyone = [
        (report.low, report.high)
        for report in counted
        if report.side is Side.ANYONE and report.shape is Shape.COUNT
    ]
    if rises:
        # Tolls only rise: the latest figure stands, older and lower ones are history.
        peak = max(report.high for report in rises)
        anyone = [(peak, peak)] + [(low, high) for low, high in anyone if low > peak]
    by_side = [
        _spread([(report.low, report.high) for report in counted if report.side is side])
        for side in (Side.SECURITY, Side.MILITANTS)
    ]
    sides = [values for values in by_side if values is not None]
    total = (sum(low for low, _ in sides), sum(high for _, high in sides)) if sides else None
    overall = _spread(anyone)
    if overall is None or (total is not None and total[1] > overall[1]):
        overall = total
    if overall is None:
        return None
    low, high = overall
    if denied and not rises:
        # One source counts deaths, another says nobody died: the sources differ.
        low = 0
    return low if low == high else FatalityRange(min=low, max=high)


def _spread(values: list[tuple[int, int]]) -> tuple[int, int] | None:
    if not values:
        return None
    return min(low for low, _ in values), max(high for _, high in values)
