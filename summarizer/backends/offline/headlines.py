"""A written headline: the lead's subject and main action with its place, in headline style.

Every word still comes from the article, so a headline states no figure the article
does not. From the brief's first sentence, headline style drops what a headline
never carries: times ("on Tuesday", "late Thursday night", "at about 20:45 local
time"), attributions ("officials said"), relative clauses and appositions (", who
won a prize,"), the auxiliary of a passive ("were killed" is "killed") and the
articles. What is left is cut at a phrase boundary to the word limit, never after a
preposition or an article.

>>> written_headline("Four pupils were killed in a bus crash in Durban on Wednesday morning.")
'Four pupils killed in bus crash in Durban'
"""

from __future__ import annotations

import re

from summarizer.backends.offline.brief import shorten
from summarizer.backends.offline.reading import words
from summarizer.schema import HEADLINE_MAX_WORDS
from summarizer.text import count_words, numbers_in, split_sentences

_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
_TIME_PHRASES = re.compile(
    rf"\s*,?\s*\b(?:(?:on|by|since|until|from)\s+)?(?:(?:early|late)\s+)?"
    rf"(?:{_WEEKDAYS}{_PART_OF_DAY}|{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)\b"
    r"|\s*\b(?:yesterday|today|tonight|overnight|(?:earlier\s+|later\s+)?this\s+(?:week|month"
    r"|morning|afternoon|evening)|last\s+(?:week|night|month)|on\s+the\s+same\s+day)\b"
    # A clock time, not a price or a rate: "20:45", "8.30 a.m.", never "$1.125" or "2.25%".
    r"|\s*\b(?:at\s+)?(?:(?:approximately|about|around)\s+)?(?<![\d.,$\u00a3\u20ac])"
    r"(?:\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?|\d{1,2}\.\d{2}\s*[ap]\.?m\.?)(?![\d.,%])"
    r"(?:\s+local\s+time)?(?:\s*\([^)]*\))?",
    re.IGNORECASE,
)
# A weekday or month is a time only with its capital; "may" and "march" are words too.
_CAPITALISED_TIME = re.compile(rf"{_WEEKDAYS}|{_MONTHS}")
_ATTRIBUTION_TAIL = re.compile(
    r",\s+(?:[\w'\u2019.-]+\s+){0,6}?(?:said|says|told\s+\w+|reported|added|announced)\b.*$"
    r"|,\s+according\s+to\b.*$",
    re.IGNORECASE,
)
# A clause opening this way describes someone already named; the headline goes on without it.
_APPOSITION = re.compile(r"^(?:who|which|whose|where|a|an)\b", re.IGNORECASE)
# "were killed", "was murdered", "has been arrested": headlines keep only the participle.
_PASSIVE = re.compile(
    r"\b(?:was|were|has\s+been|have\s+been|had\s+been)\s+(?=(?:\w+ed|shot|hit|struck|slain"
    r"|taken|beaten|driven|held|seen|found|sworn|stolen|hurt|killed|freed|caught|sent|given"
    r"|thrown|burnt|known|left|chosen)\b)",
    re.IGNORECASE,
)
_HOWEVER = re.compile(r",?\s*\bhowever\b,?", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
# An opening clause of circumstance ("After nearly 20 years of talks, ..."): not the news.
_CIRCUMSTANCE = re.compile(
    r"^(?:after|before|despite|amid|while|following|as|since|with|in|during|although|though)\b",
    re.IGNORECASE,
)
_OPENING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")
# Articles a headline leaves out, except where a number word needs one ("a dozen").
_ARTICLE = re.compile(
    r"(?<![\w'\u2019-])(?:the|a|an)\s+(?!(?:dozen|hundred|thousand|million|few|number|total)\b)"
)
_CUT_BEFORE = words(
    "in on at near with after as and while when by over from for of to during amid who "
    "which that where but killing leaving wounding injuring"
)
_DANGLING = words(
    "a an the of in on at to and or but with by for from as its their his her into near west east "
    "north south northwest northeast southwest southeast however"
)
_MIN_WORDS = 4


def written_headline(lead: str) -> str:
    """A headline of at most HEADLINE_MAX_WORDS words from the lead sentence (or the brief)."""
    first = split_sentences(lead)[0] if lead.strip() else lead
    text = _ATTRIBUTION_TAIL.sub("", first.rstrip(".!?;: "))
    text = _HOWEVER.sub("", text)
    text = _TIME_PHRASES.sub(_drop_time, text)
    text = _without_appositions(_PARENTHESIS.sub("", text))
    text = _PASSIVE.sub("", text)
    text = _ARTICLE.sub("", _OPENING_ARTICLE.sub("", text))
    text = re.sub(r"\s+([,;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;:-")
    headline = _cut(text, HEADLINE_MAX_WORDS)
    if count_words(headline) < _MIN_WORDS or not numbers_in(headline) <= numbers_in(first):
        # Too little left, or a cut made a figure the lead does not state: the lead, cut.
        headline = _cut(first.rstrip(".!?;: "), HEADLINE_MAX_WORDS)
    if not headline.strip():
        return _cut(lead, HEADLINE_MAX_WORDS) or lead.strip()
    return headline[0].upper() + headline[1:]


def _drop_time(match: re.Match[str]) -> str:
    found = match.group()
    named = _CAPITALISED_TIME.search(found)
    if named is not None or not re.search(rf"{_WEEKDAYS}|{_MONTHS}", found, re.IGNORECASE):
        return " "
    return found  # "march" or "may" in lower case: a verb, not a date


def _without_appositions(text: str) -> str:
    """The clauses that carry the news: an apposition or relative clause between commas goes."""
    clauses = text.split(", ")
    if len(clauses) > 1 and _CIRCUMSTANCE.match(clauses[0]):
        clauses = clauses[1:]
    result = clauses[0]
    skipped = False
    for clause in clauses[1:]:
        if _APPOSITION.match(clause):
            skipped = True
            continue
        # "Caceres, who won a prize, was murdered": the verb joins its subject again.
        result += (" " if skipped else ", ") + clause
        skipped = False
    return result


def _cut(text: str, limit: int) -> str:
    """At most `limit` words, cut at a clause or before a preposition, never dangling."""
    tokens = text.split()
    if count_words(text) <= limit:
        kept = tokens
    else:
        kept = tokens[:limit]
        while kept and count_words(" ".join(kept)) > limit:
            kept.pop()
        if not kept:
            return shorten(text, limit)  # one token of many words ("a/b/c/...")
        clause_end = max(
            (index + 1 for index, token in enumerate(kept[:-1]) if token.endswith((",", ";"))),
            default=0,
        )
        if clause_end >= _MIN_WORDS:
            kept = kept[:clause_end]
        else:
            for cut in range(len(kept), _MIN_WORDS - 1, -1):
                if cut < len(tokens) and tokens[cut].lower() in _CUT_BEFORE:
                    kept = tokens[:cut]
                    break
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(",;:-")
