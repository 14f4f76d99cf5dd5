"""A written headline: the lead's subject and main action with its place, in headline style.

Every word still comes from the article, so a headline states no figure the article
does not. From the brief's first sentence, headline style drops what a headline
never carries: times ("on Tuesday", "early Monday morning", "at about 14:30
local time"), attributions ("officials said"), relative clauses and appositions (", who
won a prize,"), the auxiliary of a passive ("were killed" is "killed") and the
articles. What is left is cut at a phrase boundary to the word limit, never after a
preposition or an article.

>>> written_headline("Three pupils were killed in a bus crash in Lagos on Monday morning.")
'Three pupils killed in bus crash in Lagos'
"""

from __future__ import annotations

import re

from summarizer.backends.offline.brief import OPENING_CIRCUMSTANCE, shorten
from summarizer.backends.offline.reading import words
from summarizer.schema import HEADLINE_MAX_WORDS
from summarizer.text import count_words, numbers_in, split_sentences

# Where a time phrase is: a weekday, a month with its day, a relative day. Case-sensitive,
# and the first letter screened before the alternatives are tried: a pattern with optional
# words in front, tried at every position of the lead, is many times slower.
_DAY_ANCHOR = re.compile(
    r"\b(?=[A-Zytol])(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:Jan|Feb|Mar|Apr|May"
    r"|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?(?=\s+\d)|(?:[Yy]esterday|[Tt]oday|[Tt]onight"
    r"|[Oo]vernight|(?:this|last|the\s+same)\s+(?:week|month|morning|afternoon|evening|night"
    r"|day))\b)"
)
# A clock time, "14:30" or "8.30 a.m.": not a price or a rate ("$1.125", "2.25%"), which
# the characters around it tell apart.
_CLOCK = re.compile(r"\d{1,2}(?::\d{2}|\.\d{2}(?=\s*[ap]\.?m))")
_NOT_BEFORE_CLOCK = frozenset("0123456789.,$\u00a3\u20ac")
_NOT_AFTER_CLOCK = frozenset("0123456789.,%")
# The words that lead into a time ("on", "late", "at about") and those that complete it.
_LEAD_IN = words("on by since until from at early late earlier later approximately about around")
_AFTER_TIME = re.compile(
    r"(?:\s+\d{1,2}\b(?:,?\s+\d{4}\b)?)?(?:\s*[ap]\.?m\.?)?(?:\s+local\s+time)?"
    r"(?:\s*\([^)]*\))?(?:\s+(?:morning|afternoon|evening|night))?"
)
_ATTRIBUTION_TAIL = re.compile(
    r",\s+(?:[\w'\u2019.-]+\s+){0,6}?(?:said|says|told\s+\w+|reported|added|announced)\b.*$"
    r"|,\s+according\s+to\b.*$",
    re.IGNORECASE,
)
# A clause opening this way describes someone or somewhere already named ("who won a prize",
# "north of the capital"); the headline goes on without it.
_APPOSITION = re.compile(
    r"^(?:who|which|whose|where|a|an|(?:just\s+|far\s+)?(?:north|south|east|west)"
    r"(?:-?(?:east|west))?(?:ern)?\s+of"
    r"|about\s+\d|some\s+\d)\b",
    re.IGNORECASE,
)
# A desk's label before the story: "ANALYSIS - ", "UPDATE 2: ".
_DESK_LABEL = re.compile(r"^[A-Z]{3,}(?:\s+[A-Z0-9]+)*\s*[-:\u2013\u2014]\s+")
# "were killed", "was murdered", "has been arrested": headlines keep only the participle.
_PASSIVE = re.compile(
    r"\b(?:was|were|has\s+been|have\s+been|had\s+been)\s+(?=(?:\w+ed|shot|hit|struck|slain"
    r"|taken|beaten|driven|held|seen|found|sworn|stolen|hurt|killed|freed|caught|sent|given"
    r"|thrown|burnt|known|left|chosen)\b)",
    re.IGNORECASE,
)
_HOWEVER = re.compile(r",?\s*\bhowever\b,?", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_OPENING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")
# Articles a headline leaves out, except where a number word needs one ("a dozen").
_ARTICLE = re.compile(
    r"\b(?<![-'\u2019])(?:the|a|an)\s+(?!(?:dozen|hundred|thousand|million|few|number|total)\b)"
)
_WORD = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s{2,}")
# Where a dropped phrase leaves a mark after a space, or two marks: "Kidal , killing".
_SPACE_BEFORE_MARK = re.compile(r"\s*([,;:])(?:\s*[,;:])*")
_ATTRIBUTION_WORDS = words("said says told reported added announced according")
_PASSIVE_WORDS = words("was were been")
_TIME_WORDS = words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december jan feb aug sep sept oct nov dec "
    "yesterday today tonight overnight this last same am pm"
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
# A finite verb that ends a headline's subject: an auxiliary, or a past tense.
_FINITE = words("have has had is are was were will would can could")
_PAST = re.compile(r"^[a-z]+ed$")
_SUBJECT_DETAIL = words("at in from of near on")
# The fewest words of a predicate a headline must keep: a verb and its object.
_PREDICATE_WORDS = 3
# What may open a second clause; a headline does not end a word or two into one.
_CLAUSE_OPENERS = words("as while when after and but because")


def written_headline(lead: str) -> str:
    """A headline of at most HEADLINE_MAX_WORDS words from the lead sentence (or the brief)."""
    first = split_sentences(lead)[0] if lead.strip() else lead
    text = _DESK_LABEL.sub("", first.rstrip(".!?;: "))
    # Each pattern runs only where a word it needs occurs: this runs on every article.
    lowered = frozenset(_WORD.findall(text.lower()))
    if not lowered.isdisjoint(_ATTRIBUTION_WORDS):
        text = _ATTRIBUTION_TAIL.sub("", text)
    if "however" in lowered:
        text = _HOWEVER.sub("", text)
    if not lowered.isdisjoint(_TIME_WORDS) or ":" in text:
        # "Yesterday, a flight...": the comma after an opening time goes with it.
        text = _without_times(text).lstrip(" ,;:")
    if "(" in text:
        text = _PARENTHESIS.sub("", text)
    text = _without_appositions(text)
    if not lowered.isdisjoint(_PASSIVE_WORDS):
        text = _PASSIVE.sub("", text)
    text = _ARTICLE.sub("", _OPENING_ARTICLE.sub("", text))
    text = _SPACE_BEFORE_MARK.sub(r"\1", _SPACES.sub(" ", text)).strip(" ,;:-")
    headline = _cut(_without_subject_detail(text, HEADLINE_MAX_WORDS), HEADLINE_MAX_WORDS)
    if count_words(headline) < _MIN_WORDS or not numbers_in(headline) <= numbers_in(first):
        # Too little left, or a cut made a figure the lead does not state: the lead, cut.
        headline = _cut(first.rstrip(".!?;: "), HEADLINE_MAX_WORDS)
    if not headline.strip():
        return _cut(lead, HEADLINE_MAX_WORDS) or lead.strip()
    return headline[0].upper() + headline[1:]


def _without_times(text: str) -> str:
    """The text without its time phrases: "on Tuesday", "early Monday morning", "at 14:30"."""
    pieces = []
    cursor = 0
    for start, end in _time_anchors(text):
        if start < cursor:
            continue
        while True:  # "at about 14:30", "on late Monday": the words leading in go too
            before = text[cursor:start].rstrip()
            word_start = before.rfind(" ") + 1
            if before[word_start:].lower() not in _LEAD_IN:
                break
            start = cursor + word_start
        trail = _AFTER_TIME.match(text, end)
        pieces.append(text[cursor:start])
        cursor = trail.end() if trail else end
    pieces.append(text[cursor:])
    return " ".join(piece.strip() for piece in pieces if piece.strip())


def _time_anchors(text: str) -> list[tuple[int, int]]:
    spans = [match.span() for match in _DAY_ANCHOR.finditer(text)]
    if ":" in text or "." in text:
        spans += [
            match.span()
            for match in _CLOCK.finditer(text)
            if (match.start() == 0 or text[match.start() - 1] not in _NOT_BEFORE_CLOCK)
            and (match.end() == len(text) or text[match.end()] not in _NOT_AFTER_CLOCK)
        ]
    return sorted(spans)


def _without_appositions(text: str) -> str:
    """The clauses that carry the news: an apposition or relative clause between commas goes."""
    clauses = text.split(", ")
    if len(clauses) > 1 and OPENING_CIRCUMSTANCE.match(clauses[0]):
        clauses = clauses[1:]
    result = clauses[0]
    skipped = False
    for clause in clauses[1:]:
        if _APPOSITION.match(clause):
            skipped = True
            continue
        # "Quispe, who led a campaign, was murdered": the verb joins its subject again.
        result += (" " if skipped else ", ") + clause
        skipped = False
    return result


def _without_subject_detail(text: str, limit: int) -> str:
    """Too long a headline loses what its subject's phrases add before it loses its verb:
    "1,000 workers at a garment factory in Hue have gone on strike" becomes "1,000 workers
    have gone on strike", not "1,000 workers at garment factory in Hue have gone"."""
    tokens = text.split()
    if count_words(text) <= limit:
        return text
    verb = next(
        (
            index
            for index, token in enumerate(tokens)
            if index >= 1 and (token.lower() in _FINITE or _PAST.match(token))
        ),
        None,
    )
    if verb is None or verb < 2:
        return text
    # An auxiliary needs its participle too: "have gone on strike".
    predicate = _PREDICATE_WORDS + (tokens[verb].lower() in _FINITE)
    if count_words(" ".join(tokens[:verb])) + predicate <= limit:
        return text  # the verb and its object fit: the subject keeps its detail
    detail = next(
        (index for index in range(1, verb) if tokens[index].lower() in _SUBJECT_DETAIL), None
    )
    if detail is None or detail < 2:
        return text
    return " ".join(tokens[:detail] + tokens[verb:])


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
    if len(kept) < len(tokens):
        kept = _without_stub(kept, tokens[len(kept)])
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(",;:-")


def _without_stub(kept: list[str], following: str) -> list[str]:
    """Without a phrase the cut leaves a word or two long: "... as thousands" (of what?),
    "... in centre" when "of" followed, "... between bus" when "and" did."""
    lowered = [token.lower().strip(",;:") for token in kept]
    for back in (1, 2):
        if len(kept) - back - 1 >= _MIN_WORDS and lowered[-back - 1] in _CLAUSE_OPENERS:
            return kept[: -back - 1]
    if (
        following.lower() in ("of", "and")
        and len(kept) - 2 >= _MIN_WORDS
        and (lowered[-2] in _DANGLING or lowered[-2] == "between")
    ):
        return kept[:-2]
    return kept
