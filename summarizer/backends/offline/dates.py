"""Dates written in an article, resolved against its publication date.

Wire copy dates events by weekday ("on Tuesday"), relative to publication
("yesterday"), relative to another event ("a day earlier"), or in full ("June 20,
2015"). The rules are calendar arithmetic, not a general date parser, because the
meaning of a weekday in news is fixed: the most recent such day on or before
publication, the same day when the weekdays agree.

A mention also says what kind of date it is: one that follows "said" or "toll rose
to 34" dates a report rather than the event (`weak`); a year, a decade or "years
ago" marks background (`vague_past`); "next week" or "for Monday" marks something
that has not happened (`future`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from summarizer.text import MONTHS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SMALL_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_WEEKDAY = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_COUNT = r"a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2}"
# Month and weekday names are matched case-sensitively ("May 3", not "may already");
# the relative phrases in any case. Each kind of expression has its own pattern, run
# only when the sentence holds a word it needs: most sentences need none of them.
_CALENDAR = re.compile(
    rf"""
    (?P<month_day>\b(?P<md_month>{_MONTH})\.?\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?\b
        (?:,?\s+(?P<md_year>\d{{4}})\b)?)
  | (?P<day_month>\b(?P<dm_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm_month>{_MONTH})\b\.?
        (?:,?\s+(?P<dm_year>\d{{4}})\b)?)
  | (?P<month_year>\b(?P<my_month>{_MONTH})\.?\s+(?P<my_year>(?:1[89]|20)\d{{2}})\b)
  | (?P<month_only>\b(?i:in|since|during|until|by|early|late|mid-?|last)\s*(?P<mo_month>{_MONTH})\b
        (?!\.?\s+\d))
    """,
    re.VERBOSE,
)
_WEEKDAY_NAME = re.compile(rf"\b(?P<wd_which>(?i:last|next|this|coming)\s+)?(?P<wd>{_WEEKDAY})\b")
_RELATIVE = re.compile(
    r"\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|this\s+(?:morning|afternoon"
    r"|evening)|last\s+night)\b",
    re.IGNORECASE,
)
# "A day after the attack" counts from the event before; "a day after Women's Day" from a
# named occasion, whose date the text does not give.
_SHIFT = re.compile(
    rf"\b(?:(?P<shift_count>{_COUNT})\s+days?\s+(?P<shift_way>earlier|before|later|after|ago)"
    r"(?!\s+(?-i:[A-Z]))"
    r"|the\s+(?P<shift_word>previous|preceding|next|following)\s+day"
    r"|the\s+day\s+(?P<shift_day>before|after))\b",
    re.IGNORECASE,
)
_WEEKEND = re.compile(
    r"\b(?:(?:at|over|during|on)\s+the\s+weekend|last\s+weekend|this\s+weekend)\b", re.I
)
_FUTURE = re.compile(
    r"\b(?:tomorrow|next\s+(?:week|month|year)|later\s+this\s+(?:week|month|year)"
    r"|in\s+the\s+coming\s+(?:days|weeks|months))\b",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"(?=\d)"  # both start with a digit: skip the other positions at once
    r"(?P<iso>\b(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})\b)"
    r"|(?P<year>\b(?P<year_value>(?:1[89]|20)\d{2})s?\b)"
)
# What makes a bare year a time reference: "in 2012", "since the early 2000s", "mid-2016".
_BEFORE_YEAR = re.compile(
    r"(?:\b(?:in|since|during|until|by|from|of|before|after)\s+(?:the\s+)?"
    r"(?:early\s+|late\s+|mid-?)?|\b(?:mid-|early\s+|late\s+|the\s+))$",
    re.IGNORECASE,
)
_BACKGROUND = re.compile(
    r"\b(?:(?:years?|decades?|months)\s+ago|last\s+year|the\s+(?:following|previous)\s+year"
    r"|years?\s+(?:earlier|later|after)|in\s+recent\s+(?:years|decades)"
    r"|for\s+(?:more\s+than\s+)?(?:a|two|three|several|many)\s+(?:decades?|years)"
    r"|(?:over|in)\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:years|decades)"
    r"|last\s+(?:week|month)|the\s+previous\s+(?:week|month)"
    r"|earlier\s+this\s+(?:week|month|year))\b",
    re.IGNORECASE,
)
# "on a Friday", "one Sunday": a day of the week with an indefinite article is some such
# day, not the one of the week of publication.
_INDEFINITE_BEFORE = re.compile(r"\b(?:an?|one)\s+$", re.IGNORECASE)
# A sentence that opens with a past year ("In 2011, ...", "Back in March 2009, ...") tells
# history: its weekdays and undated days belong to that year, not to the week of
# publication.
_OPENING_YEAR = re.compile(
    rf"^\W*(?:back\s+)?(?:in|during)\s+(?:(?:early|late|mid-?)\s*)?(?:(?:{_MONTH})\.?\s+)?"
    r"(?P<year>(?:1[89]|20)\d\d)\b",
    re.IGNORECASE,
)
# Which pattern needs which words (None: a digit).
_PATTERNS: tuple[tuple[str, frozenset[str] | None, re.Pattern[str]], ...] = (
    # "may" and "march" are common words: a capitalised one is looked for below.
    ("calendar", frozenset(MONTHS) - {"may", "march"}, _CALENDAR),
    ("weekday", frozenset(WEEKDAYS), _WEEKDAY_NAME),
    (
        "relative",
        frozenset(["yesterday", "today", "tonight", "morning", "afternoon", "evening", "night"]),
        _RELATIVE,
    ),
    ("shift", frozenset({"day", "days"}), _SHIFT),
    ("weekend", frozenset({"weekend"}), _WEEKEND),
    ("future", frozenset({"tomorrow", "next", "later", "coming"}), _FUTURE),
    ("numeric", None, _NUMERIC),
    (
        "background",
        frozenset(
            [
                "ago",
                "year",
                "years",
                "decade",
                "decades",
                "recent",
                "week",
                "month",
                "earlier",
                "previous",
            ]
        ),
        _BACKGROUND,
    ),
)
# Text just before a date that makes it the date of a report: "said on Thursday",
# "rose to 34 on Wednesday", "by Wednesday evening", "put the toll at 21 on Monday".
_REPORT_BEFORE = re.compile(
    r"\b(?:said|says|say|told|announced|reported|added|confirmed|stated|statement|rose|risen"
    r"|climbed|reached|jumped|put|stood|stands|recorded)\b(?:\s+\S+){0,5}\s*$"
    r"|\bby\s+(?:late\s+|early\s+)?$"
    r"|\bfrom\s+(?:about\s+|around\s+)?[\d,.]+\s*$",
    re.IGNORECASE,
)
# "Organisers called for more protests over the weekend": a date of what is planned.
_PLANNED_BEFORE = re.compile(
    r"\b(?:called\s+for|calls\s+for|call\s+for|will|plans?|planned|planning|scheduled|due|set\s+to"
    r"|expected|announced\s+plans)\b",
    re.IGNORECASE,
)
_FOR_BEFORE = re.compile(r"\b(?:for|until|till|by next)\s+$", re.IGNORECASE)
# "The decision came a day after the Fed raised": the Fed acted the day before.
_CAME_BEFORE = re.compile(
    r"\b(?:came|comes|come|followed|was|were)\s+(?:just\s+|only\s+)?$", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"[,;:.]")
_DIGIT = re.compile(r"\d")


class DateMention(NamedTuple):
    """One date expression of a sentence, resolved as far as the sentence allows."""

    start: int
    end: int
    date: dt.date | None = None
    date_end: dt.date | None = None
    shift: int | None = None  # days from the previous event's date, for "a day earlier"
    weak: bool = False
    future: bool = False
    vague_past: bool = False

    @property
    def resolved(self) -> bool:
        return self.date is not None or self.shift is not None


def find_dates(text: str, words: frozenset[str], published: dt.date | None) -> list[DateMention]:
    """Every date expression of the text, in order, resolved against `published`.

    `words` are the text's lower-cased words, to skip the patterns it cannot match.
    """
    has_digit = _DIGIT.search(text) is not None
    found: list[tuple[str, re.Match[str]]] = []
    for kind, needs, pattern in _PATTERNS:
        wanted = needs is None and has_digit
        if needs is not None:
            wanted = not needs.isdisjoint(words) or (
                kind == "calendar" and ("May" in text or "March" in text)
            )
        if wanted:
            found += [(kind, match) for match in pattern.finditer(text)]
    found.sort(key=lambda item: (item[1].start(), -item[1].end()))
    mentions: list[DateMention] = []
    last_end = -1
    for kind, match in found:
        if match.start() < last_end:
            continue  # inside a longer expression already read
        last_end = match.end()
        before = text[max(0, match.start() - 60) : match.start()]
        clause_before = _CLAUSE_END.split(before)[-1]
        mention = _resolve(kind, match, published, before)
        if mention is None:
            continue
        weak = bool(_REPORT_BEFORE.search(clause_before))
        planned = mention.resolved and bool(_PLANNED_BEFORE.search(clause_before))
        mentions.append(
            DateMention(
                start=match.start(),
                end=match.end(),
                date=None if planned else mention.date,
                date_end=None if planned else mention.date_end,
                shift=None if planned else mention.shift,
                weak=weak,
                future=mention.future or planned,
                vague_past=mention.vague_past,
            )
        )
    opening = _OPENING_YEAR.match(text) if has_digit and published else None
    if opening and published and int(opening["year"]) < published.year:
        mentions = [
            DateMention(m.start, m.end, vague_past=True)
            if m.date is not None and m.date.year >= published.year
            else m
            for m in mentions
        ]
    return mentions


def _resolve(
    kind: str, match: re.Match[str], published: dt.date | None, before: str
) -> DateMention | None:
    if kind == "calendar" or kind == "numeric":
        kind = match.lastgroup or kind
    if kind in ("month_day", "day_month", "iso"):
        return _calendar_date(match, kind, published)
    if kind == "month_year":
        year = int(match["my_year"])
        return _year_only(year, published)
    if kind == "month_only":
        # "in July" in a December article: an earlier month, so an earlier story.
        month = MONTHS[match["mo_month"].lower()]
        return DateMention(0, 0, vague_past=published is not None and month != published.month)
    if kind == "weekday":
        which = (match["wd_which"] or "").strip().lower()
        if which in ("next", "coming") or _FOR_BEFORE.search(before):
            return DateMention(0, 0, future=True)
        if _INDEFINITE_BEFORE.search(before):
            return DateMention(0, 0, vague_past=True)
        if published is None:
            return DateMention(0, 0)
        weekday = WEEKDAYS.index(match["wd"].lower())
        return DateMention(0, 0, date=weekday_on_or_before(published, weekday, which == "last"))
    if kind == "relative":
        return DateMention(0, 0, date=_relative_day(match.group().lower(), published))
    if kind == "shift":
        return _shift(match, published, before)
    if kind == "weekend":
        if published is None:
            return DateMention(0, 0)
        sunday = weekday_on_or_before(published, 6, match.group().lower().startswith("last"))
        return DateMention(0, 0, date=sunday - dt.timedelta(days=1), date_end=sunday)
    if kind == "future":
        return DateMention(0, 0, future=True)
    if kind == "year":
        if not _BEFORE_YEAR.search(before[-25:]):
            return None  # "1755 GMT", "2,000 people": a number, not a year
        return _year_only(int(match["year_value"]), published)
    return DateMention(0, 0, vague_past=True)


def weekday_on_or_before(published: dt.date, weekday: int, strictly_before: bool) -> dt.date:
    """The most recent `weekday` (0 = Monday) on or before publication.

    The same weekday as publication is that very day, unless the text said "last".

    >>> weekday_on_or_before(dt.date(2017, 5, 25), 3, False)  # a Thursday, "on Thursday"
    datetime.date(2017, 5, 25)
    """
    days_back = (published.weekday() - weekday) % 7
    if days_back == 0 and strictly_before:
        days_back = 7
    return published - dt.timedelta(days=days_back)


def _calendar_date(match: re.Match[str], kind: str, published: dt.date | None) -> DateMention:
    if kind == "iso":
        parts = (match["iso_year"], match["iso_month"], match["iso_day"])
        year: int | None = int(parts[0])
        month, day = int(parts[1]), int(parts[2])
    else:
        prefix = "md" if kind == "month_day" else "dm"
        month = MONTHS[match[f"{prefix}_month"].lower()]
        day = int(match[f"{prefix}_day"])
        written_year = match[f"{prefix}_year"]
        year = int(written_year) if written_year else None
    if year is None:
        return _nearest_year(month, day, published)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return DateMention(0, 0)
    if published is not None and date > published:
        return DateMention(0, 0, future=True)
    return DateMention(0, 0, date=date)


def _nearest_year(month: int, day: int, published: dt.date | None) -> DateMention:
    """A day and month without a year: the nearest such date to publication.

    "On May 12" in an article of April 18 is coming, not eleven months gone.
    """
    if published is None:
        return DateMention(0, 0)
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return DateMention(0, 0)
    nearest = min(candidates, key=lambda date: abs((date - published).days))
    if nearest > published:
        return DateMention(0, 0, future=True)
    return DateMention(0, 0, date=nearest)


def _year_only(year: int, published: dt.date | None) -> DateMention:
    """A year (or a month of one) names no day; one before publication marks background."""
    return DateMention(0, 0, vague_past=published is None or year < published.year)


def _relative_day(phrase: str, published: dt.date | None) -> dt.date | None:
    if published is None:
        return None
    if "before yesterday" in phrase:
        return published - dt.timedelta(days=2)
    if phrase in ("yesterday", "last night"):
        return published - dt.timedelta(days=1)
    return published


def _shift(match: re.Match[str], published: dt.date | None, before: str) -> DateMention:
    count_word = match["shift_count"]
    count = _SMALL_NUMBERS.get(count_word.lower(), 0) if count_word else 1
    if count_word and count_word.isdigit():
        count = int(count_word)
    way = (match["shift_way"] or match["shift_word"] or match["shift_day"] or "").lower()
    if way == "ago":
        if published is None:
            return DateMention(0, 0)
        return DateMention(0, 0, date=published - dt.timedelta(days=count))
    backwards = way in ("earlier", "before", "previous", "preceding")
    if way == "after" and _CAME_BEFORE.search(before):
        backwards = True
    return DateMention(0, 0, shift=-count if backwards else count)


def shifted(anchor: dt.date | None, mention: DateMention) -> DateMention:
    """A relative mention ("a day earlier") made absolute from the previous event's date."""
    if mention.shift is None or anchor is None:
        return mention
    date = anchor + dt.timedelta(days=mention.shift)
    return DateMention(mention.start, mention.end, date=date, weak=mention.weak)
