"""Wire copy as feeds deliver it: datelines to read, leftovers to remove.

A wire story opens with a dateline ("BAGHDAD, May 25 (Reuters) - ...") and
often ends with what is not the story: an agency trailer ("Enditem",
"(Reporting by ...)"), an AP credit block under "___", and, scraped from a
page, "Advertisement" lines, newsletter sign-ups and photo captions. Only
whole lines are removed, or a trailer that follows the last sentence: never
words from inside a sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from summarizer.text import MONTHS, PAGE_BREAK

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_PLACE_WORD = r"[A-Z][A-Za-z\u00c0-\u024f'.]*(?:-[A-Za-z\u00c0-\u024f']+)*"
# "CITY, Month D (Agency) --", "CITY (Agency) -", "CITY, Month D --", with an
# optional region after the city ("CHICAGO, Illinois (AP) -"). A date or an agency
# must be there: "Officials - ..." is not a dateline.
_DATELINE = re.compile(
    rf"\A(?P<place>{_PLACE_WORD}(?: {_PLACE_WORD}){{0,3}})"
    rf"(?:, (?P<region>{_PLACE_WORD}(?: {_PLACE_WORD}){{0,2}}))??"
    rf"(?:,? (?P<month>{_MONTH})\.? (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?)?"
    r" ?(?:\((?P<agency>[A-Za-z][\w .&/-]{0,30})\))?"
    r" ?(?:--|-|\u2014|\u2013) ?",
    re.IGNORECASE,
)
# Small words that stay lower case inside a place name written in capitals
# ("Rio de Janeiro", "Port-au-Prince", "Sharm el-Sheikh", "Bosnia and Herzegovina").
_PARTICLES = frozenset(
    {
        *("al", "and", "au", "aux", "da", "das", "de", "del", "des", "di", "do", "dos", "du"),
        *("el", "es", "la", "le", "les", "of", "sur", "the"),
    }
)
# A one-letter elision before a name: "N'Djamena", "d'Ivoire".
_ELISION = re.compile(r"(\w)(['\u2019])(?=\w)")
# How far before the publication date a dateline's day may be and still be the
# story's own date (the feed may stamp it later, or in UTC); further, the feed's date stands.
_DATELINE_DAYS_BEFORE = 7

_AD_LINE = re.compile(
    r"(?:advertisement|advertisements?\s*-\s*scroll to continue|"
    r"story continues (?:below|after) (?:this )?advertisement|"
    r"continue reading the main story|scroll to continue(?: with content)?)",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(r"\bnewsletters?\b", re.IGNORECASE)
_CALL = re.compile(
    r"(?:sign up|subscribe|get|receive|join|want|don't miss|never miss|read)\b", re.IGNORECASE
)
_SIGN_UP = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe|inbox|e-?mail|delivered|register|privacy (?:policy|notice))\b",
    re.IGNORECASE,
)
# A caption marked as one: "Photo: ...", "FILE PHOTO: ...", "Image caption, ...",
# "[Photo ...]", or a line ending in an agency photo credit "(AP Photo/Name)".
_CAPTION = re.compile(
    r"(?:file photo|photo(?: caption)?|image(?: caption| source)?|caption|pictured)\s*[:,]"
    r"|[\[(](?:photo|image|picture)\b[^\])]*[\])]\Z",
    re.IGNORECASE,
)
_PHOTO_CREDIT = re.compile(r"\((?:AP|AFP|Reuters|EPA|Getty Images)(?: Photo)?/[^()]*\)\Z")
# Words every leftover line has one of: a story without any has no line to remove,
# and is not read line by line.
_LEFTOVER_MARKS = (
    "___",
    "advertisement",
    "newsletter",
    "photo",
    "image",
    "caption",
    "pictured",
    "continue reading",
    "scroll to continue",
    "\n(",
    "\n[",
)
# The longest trailer looked for at the end of a story.
_TRAILER_MAX_CHARS = 600
_UNDERSCORES = re.compile(r"_{3,}")
_CREDIT = re.compile(
    r"\b(?:contributed|reporting|writers?|follow|coverage|correspondent|editing)\b|https?://",
    re.IGNORECASE,
)
_AP_CREDIT = re.compile(r"\A(?:Associated Press|AP) (?:writers?|reporters?)\b.*\bcontributed\b")
# A trailer after the story's last sentence, on its line or after the full stop.
_TRAILER = re.compile(
    r"(?:(?<=[.!?\"'\u201d\n])|\A)\s*(?:"
    r"enditem"
    r"|\((?:(?:additional )?reporting|writing|editing|compiled|edited|graphic)"
    r" by [^()]*(?:\([^()]*\)[^()]*)*\)"
    r"|(?:(?:additional )?reporting|writing|editing) by [^\n]*;[^\n]*"
    r"|our standards: the thomson reuters trust principles\.?"
    r"|(?-i:[a-z]{2,6}(?:-[a-z]{2,6})*(?:/[a-z]{2,6})+)"  # AFP's editor slugs: "jm/dl"
    r")\s*\Z",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WireDateline:
    """What a wire dateline says: the place, and the day when its year is known."""

    place: str
    date: dt.date | None


def read_dateline(body: str, published: dt.date | None) -> WireDateline | None:
    """The dateline a wire story opens with, or None.

    The day needs a year: the dateline's own, else the publication date's (the
    year that puts the day on or before it). A dateline whose year is not known
    gives the place only.
    """
    match = _DATELINE.match(body)
    if match is None or not (match["agency"] or match["month"]):
        return None
    date = None
    if match["month"]:
        month, day = MONTHS[match["month"].lower()], int(match["day"])
        date = _dated(month, day, int(match["year"]) if match["year"] else None, published)
    return WireDateline(_place_name(match["place"], body[match.end() :]), date)


def _dated(month: int, day: int, year: int | None, published: dt.date | None) -> dt.date | None:
    try:
        if year is not None:
            return dt.date(year, month, day)
        if published is None:
            return None
        date = dt.date(published.year, month, day)
        return date if date <= published else dt.date(published.year - 1, month, day)
    except ValueError:  # "February 30": no such day
        return None


def story_date(dateline: dt.date | None, published: dt.date | None) -> dt.date | None:
    """The date a story is read against: its dateline's day, when that is the feed's day
    or shortly before it (a feed may stamp a story later, or in UTC); else the feed's."""
    if dateline is None:
        return published
    if published is None:
        return dateline
    days_before = (published - dateline).days
    return dateline if 0 <= days_before <= _DATELINE_DAYS_BEFORE else published


def _place_name(written: str, story: str) -> str:
    """A place written in capitals, as a name: spelt as the story spells it where the
    story names it in ordinary case ("BAMAKO" is the "Bamako" of "officials in Bamako
    said", "MCALLEN" its "McAllen"), else title-cased ("RIO DE JANEIRO" is "Rio de
    Janeiro", "PORT-AU-PRINCE" "Port-au-Prince", "N'DJAMENA" "N'Djamena"). A name not
    in capitals is already one.

    >>> _place_name("BAMAKO", "Gunmen attacked a market, officials in Bamako said.")
    'Bamako'
    >>> _place_name("DAR ES SALAAM", "Floods hit the coast.")
    'Dar es Salaam'
    """
    if not written.isupper():
        return written
    words = written.split()
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"
    for found in re.finditer(pattern, story, re.IGNORECASE):
        spelling = found.group()
        if not spelling.isupper():
            return " ".join(spelling.split())
    parts = re.split(r"([\s-])", written.lower())
    return "".join(
        _titled(part, first=index == 0) if index % 2 == 0 else part
        for index, part in enumerate(parts)
    )


def _titled(word: str, *, first: bool) -> str:
    """One word of a place name in capitals, title-cased: particles stay lower case
    inside a name ("Port-au-Prince"), an elided letter before a name too, unless it
    opens the name ("N'Djamena", "Côte d'Ivoire")."""
    if not first and word in _PARTICLES:
        return word
    elided = _ELISION.match(word)
    if elided:
        letter = elided[1].upper() if first else elided[1]
        return letter + elided[2] + word[elided.end(2) :].capitalize()
    return word.capitalize()


def remove_leftovers(body: str) -> str:
    """The story without the wire and web leftovers around it (see the module's doc)."""
    folded = body.lower()
    suspect = body.startswith(("(", "[")) or any(mark in folded for mark in _LEFTOVER_MARKS)
    text = _remove_lines(body) if suspect else body.strip()
    while True:
        # Only the end is searched: a trailer is short, and a story is long.
        trailer = _TRAILER.search(text, max(0, len(text) - _TRAILER_MAX_CHARS))
        shorter = text[: trailer.start()].rstrip() if trailer else text
        last_paragraph = shorter.rsplit("\n", 1)[-1].strip()
        if _AP_CREDIT.match(last_paragraph):
            shorter = shorter[: len(shorter) - len(last_paragraph)].rstrip()
        if shorter == text:
            return text
        text = shorter


def _remove_lines(body: str) -> str:
    """The body without its leftover lines: most stories have none, and skip this.

    A form feed is a page break (a PDF's text, `summarizer.formats.pdf`): each page
    is cleaned on its own, so no removed line takes a page break with it.
    """
    if "\f" in body:
        return PAGE_BREAK.join(_remove_lines(page) for page in body.split("\f"))
    lines = body.splitlines()
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if _UNDERSCORES.fullmatch(line):
            # An AP credit block: the rule, then credit paragraphs.
            index += 1
            while index < len(lines) and (not lines[index].strip() or _CREDIT.search(lines[index])):
                index += 1
            continue
        if _is_newsletter(line):
            # Its block: the sign-up lines around it.
            while kept and _is_sign_up(kept[-1]):
                kept.pop()
            index += 1
            while index < len(lines) and _is_sign_up(lines[index].strip()):
                index += 1
            kept.append("")  # the paragraphs either side stay apart
            continue
        if not (_AD_LINE.fullmatch(line) or _is_caption(line)):
            kept.append(lines[index])
        index += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept).strip())


def _is_caption(line: str) -> bool:
    return bool(_CAPTION.match(line)) or (
        line.endswith(")") and bool(_PHOTO_CREDIT.match(line, line.rfind("(")))
    )


def _is_newsletter(line: str) -> bool:
    """A newsletter's call: an imperative ("Sign up for our newsletter"), or a sign-up
    line that is no sentence of the story (it has no full stop)."""
    if not _NEWSLETTER.search(line) or len(line.split()) > 30:
        return False
    return bool(_CALL.match(line)) or (bool(_SIGN_UP.search(line)) and not line.endswith("."))


def _is_sign_up(line: str) -> bool:
    """A short line of a sign-up form ("Enter your email", "Sign up"), or a blank."""
    return not line.strip() or (bool(_SIGN_UP.search(line)) and len(line.split()) <= 12)
