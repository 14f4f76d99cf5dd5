"""Mentions: what one sentence says about one event, before sentences are merged.

A sentence's triggers are sorted into mentions by family (violence, disaster,
legal...): "Gunmen ambushed a convoy..., killing 37" is one mention of violence;
"The arrests followed an attack on Sunday on Dogofry" is two, an arrest and an
attack. Each mention owns the clauses of its triggers and the clauses without a
trigger that follow them, and with them the dates, places and death figures
written there; where two mentions share a clause, each date or place goes to the
nearer trigger.

Triggers that report nothing new are dropped here: in background clauses ("since
2009", "tens of thousands"), in things yet to happen ("will appeal", "called a
strike for Thursday"), and in what another event is about ("arrested nine people
suspected of taking part in a massacre").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import Enum

from summarizer.backends.offline.dates import DateMention, find_dates
from summarizer.backends.offline.fatalities import DeathReport, death_reports
from summarizer.backends.offline.reading import Sentence, words
from summarizer.backends.offline.triggers import (
    DISEASE,
    LOOTING,
    VOTE,
    Role,
    Rule,
    Trigger,
    candidate_rules,
    find_triggers,
)
from summarizer.schema import EventType


class Family(str, Enum):
    """Event types whose mentions may describe the same occurrence."""

    VIOLENCE = "violence"
    DISASTER = "disaster"
    ACCIDENT = "accident"
    LEGAL = "legal"
    STRATEGIC = "strategic"
    POLITICAL = "political"
    ECONOMIC = "economic"
    HEALTH = "health"
    DEATHS = "deaths"  # deaths or a toll, with no event named in the sentence


_FAMILY = {
    EventType.BATTLE: Family.VIOLENCE,
    EventType.EXPLOSION_REMOTE_VIOLENCE: Family.VIOLENCE,
    EventType.VIOLENCE_AGAINST_CIVILIANS: Family.VIOLENCE,
    EventType.RIOT: Family.VIOLENCE,
    EventType.PROTEST: Family.VIOLENCE,
    EventType.DISASTER: Family.DISASTER,
    EventType.ACCIDENT: Family.ACCIDENT,
    EventType.LEGAL: Family.LEGAL,
    EventType.STRATEGIC_DEVELOPMENT: Family.STRATEGIC,
    EventType.POLITICAL: Family.POLITICAL,
    EventType.ECONOMIC: Family.ECONOMIC,
    EventType.HEALTH: Family.HEALTH,
    EventType.OTHER: Family.POLITICAL,
}
# Families in which people die, so deaths and tolls may join their events.
DEADLY_FAMILIES = frozenset({Family.VIOLENCE, Family.DISASTER, Family.ACCIDENT, Family.HEALTH})

# Words without which a sentence states no death figure (see fatalities).
_DEATH_WORDS = words(
    "killed killing kill kills dead died deaths death toll tolls bodies casualties nobody no lives "
    "murdered slain assassinated executed beheaded"
)
_MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
# Phrases of background (history, context, habit), each with the words it needs, so
# that a sentence is only searched for the phrases its words allow.
_BACKGROUND: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (frozenset(words.split()), re.compile(pattern, re.IGNORECASE))
    for words, pattern in (
        (
            "since",
            r"\bsince\s+(?:(?:early|late|mid-?)\s*)?(?:\d{4}|the\s+(?:\d{4}s|start|beginning|end"
            r"|war|conflict|invasion|uprising|coup|fall|outbreak))\b|\btime\s+since\b",
        ),
        (
            "weeks months years decades",
            r"\b\w+\s+(?:weeks|months|years|decades)\s+of\s+(?:fighting|war|conflict|violence"
            r"|clashes|unrest|insurgency|civil\s+war)\b|\bin\s+recent\s+(?:years|months|weeks)\b",
        ),
        (
            "hundreds thousands dozens scores millions tens",
            r"\b(?:has|have|had)\s+(?:killed|left|displaced|claimed|forced)\s+(?:more\s+than\s+)?"
            r"(?:hundreds|thousands|dozens|scores|millions|tens)\b"
            r"|\b(?:tens|hundreds)\s+of\s+thousands\b|\bthousands\s+of\s+(?:people|civilians|lives)\b",
        ),
        (
            "repeatedly frequently regularly routinely often frequent previously historically",
            r"\b(?:repeatedly|frequently|regularly|routinely|often|frequent|previously"
            r"|historically)\b",
        ),
        ("long", r"\b(?:has|have|had)\s+long\b"),
        (
            "year years month months decade decades week",
            r"\b(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(?:years?|months?"
            r"|decades?)\s+(?:after|since|before|on)\b"
            r"|\b(?:capping|ending|after|during)\s+a\s+(?:week|month|year)\s+(?:in\s+which|of)\b",
        ),
        ("before", r"\b(?:has|have|had)\s+been\s+\w+ed\s+before\b"),
        (
            # A rate over a period is a statistic, not a toll: "900 annually", "13 a day".
            "annually annum each every year day",
            r"\b(?:annually|per\s+(?:year|annum)|(?:each|every)\s+year)\b"
            r"|\d[\d,.]*\s+(?:[\w-]+\s+){0,3}?a\s+(?:day|year)\b",
        ),
    )
)
# A record the event is measured against: what follows it is an earlier event ("the
# deadliest since a blast in 2015 that killed 31", "in the worst accident this year").
_RECORD_WORDS = words("worst deadliest biggest largest bloodiest")
_RECORD = re.compile(
    r"\b(?:worst|deadliest|biggest|largest|bloodiest)\s+(?:[\w-]+\s+){0,3}?(?:since"
    r"|on\s+record|in\s+(?:years|decades)|(?:this|last)\s+(?:year|month|decade))\b",
    re.IGNORECASE,
)
# An ongoing state since some date is background even when the date is a day:
# "has been under bombardment since Russian forces opened a new front on May 10".
_ONGOING = re.compile(r"\b(?:has|have)\s+been\s+(?:under|in|at|on)\s+[^,;]*\bsince\b", re.I)
# "Since July": background, except in the lead, where it dates the story being told
# ("floods that have killed more than 900 people since mid-June").
_SINCE_MONTH = re.compile(rf"\bsince\s+(?:(?:early|late|mid-?)\s*)?(?:{_MONTH_NAMES})\b", re.I)
_FUTURE_BEFORE = re.compile(
    r"\b(?:will|would|could|might|may|shall|can|cannot|plans?\s+to|planning\s+to|due\s+to"
    r"|expected\s+to|set\s+to|going\s+to|threaten(?:ed|s)?\s+to|vow(?:ed|s)?\s+to|aims?\s+to"
    r"|seeks?\s+to|wants?\s+to|intends?\s+to|ha(?:ve|s|d)\s+to|needs?\s+to|hopes?\s+to|hoped"
    r"|promised\s+to|pledged\s+to|called\s+for|calls\s+for|urged|urging|ready\s+to|refused\s+to"
    r"|failed\s+to|if|unless|whether|risk\s+of|fear(?:s|ed)?\s+of|prevent|avoid)\s+"
    r"(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)
# Words after which a trigger names what another event is about.
_GUARD = re.compile(
    r"\b(?:suspected\s+of|accused\s+(?:\w+\s+){0,3}of|accusing|charged\s+with|charges?\s+of"
    r"|convicted\s+of|on\s+charges|for|over|against|including|in\s+connection\s+with"
    r"|blamed\s+(?:\w+\s+){0,2}for|responsibility\s+for|condemned|bowing\s+to|in\s+response\s+to"
    r"|in\s+the\s+wake\s+of|amid|despite|defying|because\s+of|due\s+to|into|about|to\s+protest"
    r"|to\s+demand|in\s+protest)\b",
    re.IGNORECASE,
)
_GUARD_REACH_WORDS = 6
# A clause opening with one of these takes its triggers from what precedes it.
_GUARD_OPENING = re.compile(
    r"^\s*(?:bowing\s+to|in\s+response\s+to|in\s+the\s+wake\s+of|amid|despite|defying"
    r"|because\s+of|due\s+to|including)\b",
    re.IGNORECASE,
)
# A trigger-less clause opening with these says no more about the event before it.
_DETOUR = re.compile(
    r"\s*(?:including|committed|who|which|whose|where|whom|once|before|until)\b", re.IGNORECASE
)
_CROWD_WORDS = re.compile(
    r"\b(?:protesters|protestors|demonstrators|marchers|rioters|protest\s+camp|rally|crowds?)\b",
    re.IGNORECASE,
)
_SECURITY_TARGETS = re.compile(
    r"\b(?:soldiers?|troops|army|military|police|policemen|officers|checkpoints?|bases?"
    r"|barracks|outposts?|posts?|patrols?|security\s+forces|peacekeepers|positions|gendarmes"
    r"|militia|militants|insurgents|fighters|rebels)\b",
    re.IGNORECASE,
)
_CIVILIAN_TARGETS = re.compile(
    r"\b(?:civilians?|villagers|residents|people|passengers|workers|employees|worshippers"
    r"|students|pupils|children|women|farmers|herders|traders|shoppers|pilgrims|miners|buses"
    r"|bus|villages?|markets?|mosques?|churches|church|schools?|hospitals?|camps?|wedding"
    r"|funeral|homes?|houses?|shops?|refugees|families|family)\b",
    re.IGNORECASE,
)
# "an attack by rebel fighters on a market in which 12 traders were killed": the attackers,
# named after the attack, are who did it, not who it hit.
_AGENT_PHRASE = re.compile(
    r"\s*(?:carried\s+out\s+|claimed\s+|launched\s+|staged\s+)?by\s+(?:suspected\s+)?"
    r"(?:(?!(?:in|on|at|near|against|which|who|that)\b)[\w'-]+\s+){0,4}(?:militants|insurgents"
    r"|fighters|gunmen|rebels|jihadists|groups?|forces|troops|soldiers|police|militias?"
    r"|attackers|assailants|bandits|extremists"
    r"|(?-i:[A-Z][\w'-]+))\b",
    re.IGNORECASE,
)
_ARMED_TYPES = frozenset({EventType.BATTLE, EventType.VIOLENCE_AGAINST_CIVILIANS})
# Security forces acting, just before the trigger: "police fired on", "troops shot".
_SECURITY_AGENT = re.compile(
    r"\b(?:police|policemen|officers|troops|soldiers|security\s+forces|army|military"
    r"|gendarmes)\b[^.;,]{0,40}$",
    re.IGNORECASE,
)
_NUMBERING_WORDS = words("second third another separate series two three")
_OCCURRENCE_NOUNS = words("attack attacks raid raids ambush ambushes incident incidents")
# Hearsay and allegations: what someone was told, or alleges, happened.
_ALLEGED_BEFORE = re.compile(
    r"\b(?:(?:was|were|had\s+been)\s+told|alleg(?:ed|es|ing)|claim(?:ed|s|ing)"
    r"|insist(?:ed|s|ing))\s+that\b",
    re.IGNORECASE,
)
_CLAIMED_BEFORE = re.compile(
    r"\bclaimed\s+(?:responsibility|credit)\s+for\s+(?:the|that|this|Monday's|Tuesday's"
    r"|Wednesday's|Thursday's|Friday's|Saturday's|Sunday's|last|latest)\s+(?:[\w'-]+\s+)?$"
    r"|\bclaimed\s+(?:the|that|this)\s+$",
    re.IGNORECASE,
)
# Words that number an occurrence among others of its kind, just before its trigger.
_ANOTHER_BEFORE = re.compile(
    r"\b(?:second|third|another|(?:a|one)\s+separate)\s+(?:[\w-]+\s+)?$", re.IGNORECASE
)
_SEVERAL_BEFORE = re.compile(
    r"\b(?:two|three|(?:two|three|several)\s+separate|series\s+of)\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
_PASSIVE_ASSAULT = re.compile(r"\b(?:came|coming|come)\s+under\b|\b(?:were|was)\s+attacked\b", re.I)
_INTERVENTION = re.compile(
    r"\b(?:tear\s*gas|rubber\s+bullets|water\s+cannon|pepper\s+spray|dispersed|baton|cordon"
    r"|blocked)\b",
    re.IGNORECASE,
)


@dataclass
class Mention:
    """One sentence's report of one event."""

    sentence: Sentence
    family: Family
    triggers: list[Trigger]
    ranges: list[tuple[int, int]] = field(default_factory=list)  # owned text of the sentence
    date: DateMention | None = None
    deaths: list[DeathReport] = field(default_factory=list)
    event_type: EventType | None = None
    sub_event_type: str | None = None
    # "the second attack", "another blast": an occurrence of its own, not the one before.
    another: bool = False
    # "two separate attacks killed five": a figure for several events at once.
    several: bool = False
    # "X claimed responsibility for the attack": the attack already reported.
    claimed: bool = False
    # "said he was told that students threw rocks": an allegation, not the reporter's account.
    alleged: bool = False

    @property
    def has_toll(self) -> bool:
        return any(trigger.role is Role.TOLL for trigger in self.triggers)

    def owns(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.ranges)

    def distance(self, offset: int) -> int:
        """Characters from the nearest trigger; text after a trigger is nearer than before."""
        return min(
            (offset - trigger.end) if offset >= trigger.end else 2 * (trigger.start - offset)
            for trigger in self.triggers
        )


def sentence_dates(sentence: Sentence, published: dt.date | None) -> list[DateMention]:
    """The sentence's date expressions, resolved against the publication date."""
    return find_dates(sentence.masked, sentence.words, published)


def trigger_rules(sentence: Sentence) -> set[Rule]:
    """A cheap screen: the trigger rules that could match the sentence (none: it reports
    nothing). The sentence's mentions are then read with them."""
    return candidate_rules(sentence.words)


def sentence_mentions(
    sentence: Sentence, rules: set[Rule], dates: list[DateMention]
) -> list[Mention]:
    """The mentions of one sentence, in order, with their dates and death figures.

    `rules` are the sentence's `trigger_rules`; `dates` its dates, relative ones ("a day
    earlier") already resolved.
    """
    triggers = find_triggers(sentence, rules)
    if not triggers:
        return []
    background = _background_clauses(sentence, dates)
    record = _record_start(sentence)
    if record is not None:
        after = sentence.clause_at(record) + 1
        background[after:] = [True] * (len(background) - after)
    kept, cuts = _live_triggers(sentence, triggers, background, record)
    if not kept:
        return []
    mentions = _group(sentence, kept)
    _assign_ranges(sentence, mentions, cuts, background)
    for date in dates:
        if date.vague_past or date.future or not date.resolved:
            continue
        owner = _nearest_owner(mentions, date.start)
        if owner is not None and _better_date(date, owner, owner.date):
            owner.date = date
    may_report_deaths = not _DEATH_WORDS.isdisjoint(sentence.words)
    for mention in mentions:
        deadly = mention.family in DEADLY_FAMILIES or mention.family is Family.DEATHS
        if deadly and may_report_deaths:
            for start, end in mention.ranges:
                mention.deaths.extend(death_reports(sentence.masked[start:end]))
        mention.event_type, mention.sub_event_type = _resolve_type(mention)
        if mention.sub_event_type == "security measure" and DISEASE.search(
            sentence.masked, mention.triggers[0].end
        ):
            # An emergency or a lockdown over a disease is a health measure.
            mention.event_type, mention.sub_event_type = EventType.HEALTH, "health measure"
            mention.family = Family.HEALTH
        mention.another, mention.several = _counted_occurrence(sentence, mention)
        mention.claimed = "claimed" in sentence.words and any(
            _CLAIMED_BEFORE.search(sentence.masked, max(0, trigger.start - 40), trigger.start)
            for trigger in mention.triggers
        )
        mention.alleged = bool(
            _ALLEGED_BEFORE.search(sentence.masked, 0, mention.triggers[0].start)
        )
    return [mention for mention in mentions if not _planned(mention, dates)]


def _counted_occurrence(sentence: Sentence, mention: Mention) -> tuple[bool, bool]:
    """Whether the mention's event is one more of its kind, and whether it counts several."""
    if _NUMBERING_WORDS.isdisjoint(sentence.words):
        return False, False
    another = several = False
    for trigger in mention.triggers:
        # "The second blast" of a twin bombing is part of it; "the second attack" is not.
        if sentence.lowered[trigger.start : trigger.end] not in _OCCURRENCE_NOUNS:
            continue
        before = sentence.masked[max(0, trigger.start - 30) : trigger.start]
        another = another or bool(_ANOTHER_BEFORE.search(before))
        several = several or bool(_SEVERAL_BEFORE.search(before))
    return another and not several, several


def _planned(mention: Mention, dates: list[DateMention]) -> bool:
    """Whether the mention's nearest date is one still to come ("a strike for Thursday")."""
    future = [date for date in dates if date.future and mention.owns(date.start)]
    if not future:
        return False
    if mention.date is None:
        return True
    nearest = min(future, key=lambda date: mention.distance(date.start))
    return mention.distance(nearest.start) < mention.distance(mention.date.start)


def _background_clauses(sentence: Sentence, dates: list[DateMention]) -> list[bool]:
    """Which clauses give background; the clauses after one do too, unless dated to the day.

    "...have stepped up attacks since 2015, killing hundreds of civilians": the killing
    is as old as the attacks.
    """
    flags: list[bool] = []
    text = sentence.masked
    phrases = [pattern for words, pattern in _BACKGROUND if not words.isdisjoint(sentence.words)]
    since = "since" in sentence.words
    if not (phrases or since or dates):
        return [False] * len(sentence.clauses)  # nothing that could mark background
    ongoing = since and "been" in sentence.words
    for start, end in sentence.clauses:
        in_clause = [date for date in dates if start <= date.start < end]
        if ongoing and _ONGOING.search(text, start, end):
            flags.append(True)
            continue
        if any(date.date is not None for date in in_clause):
            flags.append(False)
            continue
        flags.append(
            (bool(flags) and flags[-1])
            or any(date.vague_past for date in in_clause)
            or any(pattern.search(text, start, end) for pattern in phrases)
            or (since and sentence.paragraph > 0 and bool(_SINCE_MONTH.search(text, start, end)))
        )
    return flags


def _record_start(sentence: Sentence) -> int | None:
    """Where the sentence starts measuring the event against a record, if it does."""
    if _RECORD_WORDS.isdisjoint(sentence.words):
        return None
    record = _RECORD.search(sentence.masked)
    return record.start() if record else None


def _live_triggers(
    sentence: Sentence, triggers: list[Trigger], background: list[bool], record: int | None
) -> tuple[list[Trigger], dict[int, int]]:
    """The triggers that report an event, and per clause where embedded matter starts.

    From a record comparison (`record`) on, the sentence tells an earlier event.
    """
    kept: list[Trigger] = []
    cuts: dict[int, int] = {}
    text = sentence.masked
    if record is not None:
        cuts[sentence.clause_at(record)] = record
    for trigger in triggers:
        clause = sentence.clause_at(trigger.start)
        clause_start = sentence.clauses[clause][0]
        if background[clause] or (record is not None and trigger.start >= record):
            continue
        if _FUTURE_BEFORE.search(text[max(clause_start, trigger.start - 50) : trigger.start]):
            continue
        previous = kept[-1] if kept else None
        if previous is not None:
            same_clause = sentence.clause_at(previous.start) == clause
            since = previous.end if same_clause else clause_start
            guard = _nearby_guard(text, since, trigger.start)
            if (same_clause and guard) or (
                not same_clause and _GUARD_OPENING.match(text[clause_start : trigger.start])
            ):
                cut = guard.start() if same_clause and guard else clause_start
                cuts.setdefault(clause, cut)
                continue
        if clause in cuts and trigger.start > cuts[clause]:
            continue
        kept.append(trigger)
    return kept, cuts


def _nearby_guard(text: str, start: int, end: int) -> re.Match[str] | None:
    """The last guard word before a trigger, if at most a few words separate them."""
    guards = list(_GUARD.finditer(text, start, end))
    if not guards or len(text[guards[-1].end() : end].split()) > _GUARD_REACH_WORDS:
        return None
    return guards[-1]


def _family(trigger: Trigger) -> Family:
    if trigger.role in (Role.KILLING, Role.TOLL):
        return Family.DEATHS
    if trigger.role is Role.ASSAULT or trigger.event_type is None:
        return Family.VIOLENCE
    if trigger.role is Role.ARREST:
        return Family.LEGAL  # "arrested and charged": one case, told as one event
    if trigger.rule.sub_event_type == LOOTING:
        return Family.VIOLENCE  # looting joins the riot it is part of
    return _FAMILY[trigger.event_type]


def _group(sentence: Sentence, triggers: list[Trigger]) -> list[Mention]:
    """One mention per family; deaths join the sentence's deadly mention if it has one."""
    by_family: dict[Family, Mention] = {}
    deaths: list[Trigger] = []
    for trigger in triggers:
        family = _family(trigger)
        if trigger.rule.sub_event_type == VOTE and _other_family_in_clause(
            sentence, trigger, triggers
        ):
            continue  # "the committee voted 5-3-1 to lift Bank Rate": the vote is how it decided
        if family is Family.DEATHS:
            deaths.append(trigger)
            continue
        mention = by_family.get(family)
        if mention is None:
            by_family[family] = Mention(sentence, family, [trigger])
        else:
            mention.triggers.append(trigger)
    mentions = sorted(by_family.values(), key=lambda mention: mention.triggers[0].start)
    deadly = [mention for mention in mentions if mention.family in DEADLY_FAMILIES]
    if deaths:
        if deadly:
            for trigger in deaths:
                min(deadly, key=lambda m: _gap(m, trigger)).triggers.append(trigger)
        else:
            mentions.append(Mention(sentence, Family.DEATHS, deaths))
    for mention in mentions:
        mention.triggers.sort(key=lambda trigger: trigger.start)
    return sorted(mentions, key=lambda mention: mention.triggers[0].start)


def _other_family_in_clause(sentence: Sentence, trigger: Trigger, triggers: list[Trigger]) -> bool:
    clause = sentence.clause_at(trigger.start)
    return any(
        sentence.clause_at(other.start) == clause
        and _family(other) not in (_family(trigger), Family.DEATHS)
        for other in triggers
    )


def _gap(mention: Mention, trigger: Trigger) -> int:
    return min(abs(trigger.start - other.start) for other in mention.triggers)


def _assign_ranges(
    sentence: Sentence, mentions: list[Mention], cuts: dict[int, int], background: list[bool]
) -> None:
    """Give each mention its clauses: those of its triggers and the trigger-less ones after."""
    owners: list[list[Mention]] = [[] for _ in sentence.clauses]
    for mention in mentions:
        for trigger in mention.triggers:
            clause = sentence.clause_at(trigger.start)
            if mention not in owners[clause]:
                owners[clause].append(mention)
    current: list[Mention] = []
    for index, found in enumerate(owners):
        start, end = sentence.clauses[index]
        if found:
            current = [max(found, key=lambda m: m.triggers[-1].start)]
        elif _DETOUR.match(sentence.masked, start, end):
            current = []  # "including murder...", "who ...": about something else from here on
        elif current and not background[index]:
            owners[index] = current
    first = next((found for found in owners if found), [])
    for index, found in enumerate(owners):
        if found:
            break
        if not background[index]:
            owners[index] = first[:1]
    for index, found in enumerate(owners):
        start, end = sentence.clauses[index]
        end = min(end, cuts.get(index, end))
        for mention in found:
            mention.ranges.append((start, end))


def _nearest_owner(mentions: list[Mention], offset: int) -> Mention | None:
    owners = [mention for mention in mentions if mention.owns(offset)]
    if not owners:
        return None
    return min(owners, key=lambda mention: mention.distance(offset))


def _better_date(candidate: DateMention, mention: Mention, current: DateMention | None) -> bool:
    """An event's own date beats the date of a report; then the date nearer the trigger."""
    if current is None:
        return True
    if current.weak != candidate.weak:
        return current.weak
    return mention.distance(candidate.start) < mention.distance(current.start)


def _resolve_type(mention: Mention) -> tuple[EventType | None, str | None]:
    """The event type a mention reports, and a finer sub-type where the rules know one."""
    if mention.family is Family.DEATHS:
        return None, None
    triggers = mention.triggers
    text = " ".join(mention.sentence.masked[start:end] for start, end in mention.ranges)
    typed = [t for t in triggers if t.role is Role.EVENT or t.role is Role.ARREST]
    if mention.family is not Family.VIOLENCE:
        best = max(typed, key=lambda t: t.rule.priority)
        return best.event_type, best.rule.sub_event_type
    kinds = {t.event_type for t in typed}
    violent = any(
        t.role in (Role.ASSAULT, Role.KILLING)
        or t.event_type in (EventType.BATTLE, EventType.RIOT, EventType.VIOLENCE_AGAINST_CIVILIANS)
        for t in triggers
    )
    # A crowd turns a protest into a riot by its own violence; deaths, or security
    # forces firing on the marchers, leave it a protest that was met with force.
    crowd_violent = any(
        t.event_type is EventType.RIOT
        or (
            (t.role is Role.ASSAULT or t.event_type in _ARMED_TYPES)
            and not _by_security_forces(mention.sentence, t)
        )
        for t in triggers
    )
    explosion = [t for t in typed if t.event_type is EventType.EXPLOSION_REMOTE_VIOLENCE]
    if explosion:
        best = max(explosion, key=lambda t: t.rule.priority)
        return EventType.EXPLOSION_REMOTE_VIOLENCE, best.rule.sub_event_type
    if EventType.PROTEST in kinds or EventType.RIOT in kinds:
        if EventType.RIOT in kinds or crowd_violent:
            return EventType.RIOT, "violent demonstration"
        intervention = violent or _INTERVENTION.search(text)
        return (
            EventType.PROTEST,
            "protest with intervention" if intervention else "peaceful protest",
        )
    assaults = [t for t in triggers if t.role is Role.ASSAULT]
    if assaults and not any(t.event_type is EventType.BATTLE for t in typed):
        return _assault_type(mention, assaults[0])
    if typed:
        best = max(typed, key=lambda t: t.rule.priority)
        return best.event_type, best.rule.sub_event_type or "armed clash"
    return _assault_type(mention, triggers[0])


def _by_security_forces(sentence: Sentence, trigger: Trigger) -> bool:
    clause_start = sentence.clauses[sentence.clause_at(trigger.start)][0]
    return bool(_SECURITY_AGENT.search(sentence.masked, clause_start, trigger.start))


def _assault_type(mention: Mention, trigger: Trigger) -> tuple[EventType, str]:
    """An attack is a battle, a riot or violence against civilians by whom it hit."""
    text = mention.sentence.masked
    end = max(end for _, end in mention.ranges)
    if _PASSIVE_ASSAULT.search(text, max(0, trigger.start - 20), trigger.end):
        start = min(start for start, _ in mention.ranges)
        target = text[start : trigger.start]
    else:
        after = trigger.end
        agent = _AGENT_PHRASE.match(text, after, end)
        if agent:
            after = agent.end()
        target = text[after : min(end, after + 80)]
    if _CROWD_WORDS.search(target):
        return EventType.RIOT, "mob violence"
    security = _SECURITY_TARGETS.search(target)
    civilian = _CIVILIAN_TARGETS.search(target)
    if security and (not civilian or security.start() < civilian.start()):
        return EventType.BATTLE, "armed clash"
    return EventType.VIOLENCE_AGAINST_CIVILIANS, "attack"
