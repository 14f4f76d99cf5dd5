"""Events: mentions merged into one event per occurrence, and each event's fields.

Mentions are read in order. A mention joins an earlier event of a compatible type
when nothing tells them apart: the same date, or no date of its own; the same place,
or none. It starts a new event when its date, its place or its country differs, so
that "on Tuesday ... liberated al-Qairwan" and "on Thursday ... advance on Baaj"
stay two events while the paragraphs describing each join them. A mention with no
date and no earlier event to join only starts one in the lead paragraph, where an
article states its news; further down, an unattached undated mention is background.

The weekday of a report ("the toll rose to 34 on Wednesday") gives way to the
event's own date when a later sentence states it ("on Monday evening").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from summarizer.article import Article
from summarizer.backends.offline import actors, roles
from summarizer.backends.offline.dates import DateMention, shifted
from summarizer.backends.offline.fatalities import DeathReport, Shape, Side, event_fatalities
from summarizer.backends.offline.mentions import (
    DEADLY_FAMILIES,
    Family,
    Mention,
    sentence_dates,
    sentence_mentions,
    trigger_rules,
)
from summarizer.backends.offline.places import (
    COUNTRY_RANK,
    SPECIFIC_RANK,
    Gazetteer,
    KnownNames,
    PlaceMention,
    countries_named,
    find_places,
    gazetteer,
    place_key,
)
from summarizer.backends.offline.reading import Sentence, read_sentences, words
from summarizer.backends.offline.triggers import ARRESTS, VOTE, Role, Trigger
from summarizer.schema import EVIDENCE_MAX_QUOTES, EventType, Fatalities, Location

_VIOLENT_TYPES = frozenset(
    {
        EventType.BATTLE,
        EventType.EXPLOSION_REMOTE_VIOLENCE,
        EventType.VIOLENCE_AGAINST_CIVILIANS,
        EventType.RIOT,
    }
)
_CROWD_TYPES = frozenset({EventType.PROTEST, EventType.RIOT})
# Triggers that say people died, not what happened.
_DEATH_ROLES = frozenset({Role.KILLING, Role.TOLL})
# Types an "attack" or a killing gets before anyone says how it was carried out.
_METHOD_OPEN_TYPES = frozenset({EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.BATTLE})
# Events whose victims are named among the parties as "civilians".
_CIVILIAN_VICTIM_TYPES = frozenset(
    {EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.EXPLOSION_REMOTE_VIOLENCE}
)
# Families whose events are told apart by where they happen.
_PLACED_FAMILIES = frozenset({Family.VIOLENCE, Family.DISASTER, Family.ACCIDENT})
# Paragraphs in which an undated arrest, charge or ruling is news, not background.
_ANNOUNCEMENT_PARAGRAPHS = 2
# How many days after an event a report of it may be dated ("said on Thursday").
_REPORT_LAG_DAYS = 3
# "it began Thursday", "the blaze broke out on Monday": the day a disaster started.
_STARTED = words("began started broke erupted ignited sparked")
_STARTED_AT = re.compile(
    r"\b(?:it|fire|blaze|flood|flooding|floods|storm|eruption|wildfire)\s+(?:first\s+)?"
    r"(?:began|started|broke\s+out|erupted|ignited|was\s+sparked)\b",
    re.IGNORECASE,
)
# Where crowds gather: a named building or square after "outside the", "marched on the".
_SITE = re.compile(
    r"\b(?:outside|in\s+front\s+of|at|marched\s+(?:on|to)|gathered\s+(?:at|outside))\s+the\s+"
    r"(?P<site>(?:[A-Z][\w'\u2019-]*\s+){1,4}(?:Court|Parliament|Embassy|Consulate|Ministry"
    r"|Palace|Buildings?|House|Hall|Stadium|Square|Headquarters|Assembly))\b"
)
# How many days before publication a scene-setting lead may be dated.
_SCENE_DAYS = 7
# How many days apart two reports of one natural disaster may be dated.
_DISASTER_DAYS = 7
# "the city's Ajegunle township", "the city's central square": a place inside the one the
# article named before.
_PART_OF_PREVIOUS = re.compile(
    r"\b(?:the|that|this)\s+(?:city|town|capital|district|province|region)(?:'s|\u2019s)\s+"
    r"(?:[a-z-]+\s+)?$"
)
_POLICY_WORDS = words(
    "sanctions embargo position policy pressure restrictions tariffs ban stance relations"
)
_POLICY_BEFORE = re.compile(
    r"\b(?:sanctions|embargo|position|policy|pressure|restrictions|tariffs|ban|stance"
    r"|relations)\s+(?:on|against|toward|towards|with)\s+(?:the\s+)?$"
)
_ANAPHORIC_PLACE = re.compile(r"\b(?:the|that|this)\s+(?:city|town|village|area|district)\b")
_INSTITUTION_AFTER = re.compile(
    r"^\s+(?:government|authorities|parliament|cabinet|president|prime\s+minister|ministry"
    r"|central\s+bank|police|army|military|court)\b",
    re.IGNORECASE,
)
# A country's weight as the article's country: a place in the lead counts most.
_NAMED_WEIGHT = 2.0
_PASSING_WEIGHT = 1.0
_LEAD_FACTOR = 2.0
_DATELINE_WEIGHT = 1.5
# How many distinct words (places, adjectives, the dateline) must point at a country
# before it outweighs a lone gazetteer name of another, or a country named in passing.
_ESTABLISHED_SIGNS = 2
_DATELINE_SIGN = "\0dateline"  # the dateline's sign: a key no word of the text has
# The opening sentences say what country an article is about; the rest adds little.
_COUNTRY_SENTENCES = 8


@dataclass(frozen=True)
class ArticleContext:
    """What every event of one article is read against, and what its sentences name.

    The places and parties of a sentence are found once per article, however many
    mentions and events ask for them.
    """

    published: dt.date | None
    country: str | None  # the country the article is mostly about
    # Per country, the distinct words anywhere in the article that point at it.
    country_signs: dict[str, frozenset[str]]
    dateline: PlaceMention | None
    places: Gazetteer
    names: KnownNames
    sentences: list[Sentence]
    _places_of: dict[int, list[PlaceMention]] = field(default_factory=dict)
    _parties_of: dict[int, list[actors.ActorMention]] = field(default_factory=dict)
    _persons: list[str] | None = None
    _text: str | None = None

    def sentence_places(self, sentence: Sentence) -> list[PlaceMention]:
        found = self._places_of.get(sentence.index)
        if found is None:
            found = [
                self._localised(self._spelt(place))
                for place in find_places(sentence, self.names, actors.is_known_party)
            ]
            self._places_of[sentence.index] = found
        return found

    @property
    def dateline_country(self) -> str | None:
        """The dateline's country, if the gazetteer places it in exactly one."""
        countries = self.dateline.countries if self.dateline else ()
        return countries[0] if len(countries) == 1 else None

    def _spelt(self, place: PlaceMention) -> PlaceMention:
        """The dateline's place, where the text writes it in capitals ("BAMAKO, June 1
        (Xinhua) --"), under the article's dateline, which spells it as a name."""
        dateline = self.dateline
        if (
            dateline is None
            or not place.name.isupper()
            or place_key(place.name) != place_key(dateline.name)
        ):
            return place
        return place._replace(name=dateline.name)

    def _localised(self, place: PlaceMention) -> PlaceMention:
        """A place the article calls a town or province of its own, in the article's country.

        "Santander, a province in the north-east" in a story datelined Bogota and full of
        "Colombian" is Colombia's, though the gazetteer only lists Spain's city: a lone
        name must not outweigh every other sign of the country, unless something else in
        the article points at the gazetteer's country too. The lone name may even have
        made its country the article's, so the home country is chosen without it.
        """
        if not place.kind_named or place.is_country or not place.countries:
            return place
        key = place_key(place.name)
        if any(self.country_signs.get(country, frozenset()) - {key} for country in place.countries):
            return place
        others = [country for country in self.country_signs if country not in place.countries]
        home = max(
            others,
            key=lambda country: (len(self.country_signs[country]), country == self.country),
            default=None,
        )
        if home is None or len(self.country_signs[home]) < _ESTABLISHED_SIGNS:
            return place
        return place._replace(countries=(home,))

    @property
    def persons(self) -> list[str]:
        """The people the article names in full and again by surname, most mentioned first."""
        found = self._persons
        if found is None:
            found = actors.introduced_persons(self.sentences, self.is_place)
            object.__setattr__(self, "_persons", found)
        return found

    @property
    def text(self) -> str:
        """The article's text as the rules read it, quotes masked."""
        found = self._text
        if found is None:
            found = " ".join(sentence.masked for sentence in self.sentences)
            object.__setattr__(self, "_text", found)
        return found

    def is_demonym(self, word: str) -> bool:
        """Whether a word is a country's adjective or people ("Kenyan", "Malians")."""
        return self.places.country_of_demonym(word) is not None

    def is_place(self, word: str) -> bool:
        """Whether a word names a place the gazetteer knows, or a country's people."""
        return self.places.entry(word) is not None or self.is_demonym(word)

    def sentence_parties(self, sentence: Sentence) -> list[actors.ActorMention]:
        found = self._parties_of.get(sentence.index)
        if found is None:
            found = actors.named_parties(sentence, 0, len(sentence.masked))
            self._parties_of[sentence.index] = found
        return found


@dataclass
class MentionPlaces:
    """The most precise place a mention names, and the country it points at.

    `anchor` is the most precise place named next to the mention's triggers (in their
    clauses, or in the clauses leading up to them): the place that says where the
    mention happened, as opposed to a place named further on in the sentence.
    """

    best: PlaceMention | None
    anchor: PlaceMention | None
    country: str | None
    # "in the city's Ajegunle township": the place lies within one already named.
    part_of_previous: bool = False

    @property
    def anchor_key(self) -> str | None:
        return _specific_key(self.anchor)


@dataclass
class EventDraft:
    """An event while mentions are still being merged into it."""

    mentions: list[Mention]
    event_type: EventType
    sub_event_type: str | None
    date: dt.date | None = None
    date_end: dt.date | None = None
    date_weak: bool = False
    place: PlaceMention | None = None
    country: str | None = None
    scene: Sentence | None = None  # the lead sentence that set the scene (see _set_scene)

    @property
    def family(self) -> Family:
        # Deaths with no event named start an attack or a clash (see _deaths_type), so the
        # attack's own description ("a truck bomb opened the attack") may join it.
        first = self.mentions[0].family
        return Family.VIOLENCE if first is Family.DEATHS else first

    @property
    def place_key(self) -> str | None:
        return _specific_key(self.place)

    def add(self, mention: Mention, where: MentionPlaces, *, adopt_date: bool = False) -> None:
        if (
            mention.event_type is EventType.EXPLOSION_REMOTE_VIOLENCE
            and self.event_type in _METHOD_OPEN_TYPES
            and not self._method_stated()
        ):
            # "Gunmen attacked the base ... A car bomb opened the attack": the method, once
            # stated, types the attack.
            self.event_type, self.sub_event_type = mention.event_type, mention.sub_event_type
        self.mentions.append(mention)
        if (
            mention.event_type is EventType.RIOT
            and self.event_type is EventType.PROTEST
            and not mention.alleged
        ):
            self.event_type, self.sub_event_type = EventType.RIOT, mention.sub_event_type
        if adopt_date and mention.date is not None:
            self._set_date(mention.date)
        if where.best is not None and (
            self.place is None
            or (_specific_key(self.place) is None and _specific_key(where.best) is not None)
            # A region says more than its country: "the Bahamas" then "the Abaco Islands".
            or (self.place.is_country and where.best.rank > self.place.rank)
            or (where.part_of_previous and where.best.rank > self.place.rank)
        ):
            self.place = where.best
        self.country = self.country or where.country

    def extend_to(self, day: dt.date) -> None:
        """Stretch the event's days to cover `day`."""
        if self.date is None:
            self.date = day
            return
        first, last = min(self.date, day), max(self.date_end or self.date, day)
        self.date, self.date_end = first, (last if last > first else None)

    def _method_stated(self) -> bool:
        """Whether a mention so far named how the violence was done, not just that it was."""
        return any(
            trigger.role is Role.EVENT for mention in self.mentions for trigger in mention.triggers
        )

    def _set_date(self, date: DateMention) -> None:
        self.date, self.date_end, self.date_weak = date.date, date.date_end, date.weak


def _specific_key(place: PlaceMention | None) -> str | None:
    """The key of a place precise enough to tell events apart: not a country, not a
    reference point ("25 km west of Mosul")."""
    if place is None or place.rank < SPECIFIC_RANK or place.reference:
        return None
    return place_key(place.name)


@dataclass(frozen=True)
class ExtractedEvent:
    """An event's fields, ready for the output model."""

    event_type: EventType
    sub_event_type: str | None
    date: dt.date | None
    date_end: dt.date | None
    location: Location
    actors: list[str]
    fatalities: Fatalities
    sentences: list[Sentence]  # the first holds the event's main report
    report_clauses: list[frozenset[int]]  # per sentence, the clauses that name the event
    evidence: list[str]


def extract_events(article: Article) -> tuple[list[Sentence], list[ExtractedEvent]]:
    """The article's sentences, and the events they report, in the order reported."""
    sentences = read_sentences(article.body)
    places = gazetteer()
    names = KnownNames(places)
    country, country_signs = _article_country(sentences, names, article.dateline)
    context = ArticleContext(
        published=article.published,
        country=country,
        country_signs=country_signs,
        dateline=_dateline_place(article.dateline, places),
        places=places,
        names=names,
        sentences=sentences,
    )
    drafts = _merge(sentences, context)
    for draft in drafts:
        if draft.family is Family.DISASTER and (draft.date is None or draft.date_weak):
            _date_from_start(draft, context)
    naming = _naming_drafts(drafts)
    events = [_finish(draft, context, drafts, naming) for draft in drafts]
    return sentences, events


def _article_country(
    sentences: list[Sentence], names: KnownNames, dateline: str | None
) -> tuple[str | None, dict[str, frozenset[str]]]:
    """The country the article is mostly about, and per country the words pointing at it.

    Only the opening sentences weigh in the choice, but a country named anywhere has a
    sign: "In neighbouring Belgium ... the province of Liege" far down a German story.
    """
    weights: dict[str, float] = {}
    signs: dict[str, set[str]] = {}
    for position, sentence in enumerate(sentences):
        factor = _LEAD_FACTOR if sentence.paragraph == 0 else 1.0
        for sign in countries_named(sentence, names):
            signs.setdefault(sign.country, set()).add(sign.key)
            if position < _COUNTRY_SENTENCES:
                weight = _PASSING_WEIGHT if sign.in_passing else _NAMED_WEIGHT
                weights[sign.country] = weights.get(sign.country, 0.0) + weight * factor
    entry = names.places.entry(dateline) if dateline else None
    if entry is not None and len(entry.countries) == 1:
        country = entry.countries[0]
        weights[country] = weights.get(country, 0.0) + _DATELINE_WEIGHT
        signs.setdefault(country, set()).add(_DATELINE_SIGN)
    best = max(weights, key=lambda country: weights[country]) if weights else None
    return best, {country: frozenset(keys) for country, keys in signs.items()}


def _dateline_place(dateline: str | None, places: Gazetteer) -> PlaceMention | None:
    if not dateline:
        return None
    entry = places.entry(dateline)
    countries = entry.countries if entry else ()
    return PlaceMention(dateline, 0, 0, SPECIFIC_RANK, countries)


def _merge(sentences: list[Sentence], context: ArticleContext) -> list[EventDraft]:
    drafts: list[EventDraft] = []
    anchor = context.published
    scene: Sentence | None = None
    for sentence in sentences:
        rules = trigger_rules(sentence)
        if not rules:
            # A quotation sets no scene: what it says is a claim, not the reporter's account.
            if not drafts and sentence.paragraph == 0 and sentence.masked.strip():
                scene = sentence
            continue
        dates = []
        for date in sentence_dates(sentence, context.published):
            date = shifted(anchor, date)
            if date.date is not None and context.published and date.date > context.published:
                date = DateMention(date.start, date.end, future=True)
            dates.append(date)
        for mention in sentence_mentions(sentence, rules, dates):
            if _may_matter(mention, drafts, context):
                _place_mention(mention, _mention_places(mention, context), drafts, context)
                if scene is not None and drafts and drafts[0].mentions == [mention]:
                    _set_scene(drafts[0], scene, context)
        scene = None
        strong = [d.date for d in dates if d.date is not None and not d.weak and not d.date_end]
        anchor = strong[-1] if strong else anchor
    return drafts


def _date_from_start(draft: EventDraft, context: ArticleContext) -> None:
    """A fire or a flood dated only by a report ("officials said Saturday") is dated by its
    start where the article gives it: "since it began Thursday, the fire has burned..."."""
    first = draft.mentions[0].sentence.index
    for sentence in context.sentences[first:]:
        if _STARTED.isdisjoint(sentence.words):
            continue
        for start in _STARTED_AT.finditer(sentence.masked):
            days = [
                date
                for date in sentence_dates(sentence, context.published)
                if start.end() <= date.start <= start.end() + 4
                and date.date is not None
                and not date.future
            ]
            if days:
                draft.date, draft.date_end, draft.date_weak = days[0].date, None, False
                return


def _set_scene(draft: EventDraft, scene: Sentence, context: ArticleContext) -> None:
    """The lead's first sentence may only set the scene ("Yesterday, a flight tried to land
    at X airport."), and the next one say what happened ("The aircraft overshot the runway"):
    the scene's day and place are the event's, where its own sentence names none."""
    if draft.mentions[0].sentence.index != scene.index + 1:
        return
    draft.scene = scene
    published = context.published
    if draft.date is None and published is not None:
        # A lead sets the scene in the week of the story; an older date there is background.
        days = [
            date
            for date in sentence_dates(scene, published)
            if date.date is not None
            and not date.future
            and not date.date_end
            and 0 <= (published - date.date).days <= _SCENE_DAYS
        ]
        if days:
            draft.date, draft.date_weak = days[0].date, days[0].weak
    if draft.place is None or draft.place.rank <= COUNTRY_RANK:
        named = [
            place
            for place in context.sentence_places(scene)
            if place.rank > COUNTRY_RANK and not place.reference
        ]
        best = max(named, key=lambda place: (place.rank, -place.start), default=None)
        if best is not None:
            draft.place = best
            if best.countries and draft.country not in best.countries:
                in_article = context.country in best.countries
                draft.country = context.country if in_article else best.countries[0]


def _may_matter(mention: Mention, drafts: list[EventDraft], context: ArticleContext) -> bool:
    """Whether the mention could join or start an event; its places cost time to find."""
    lead = context.published is None or mention.sentence.paragraph == 0
    if mention.family is Family.DEATHS:
        if any(draft.family in DEADLY_FAMILIES for draft in drafts):
            return True
        return (mention.date is not None or lead) and _counts_deaths(mention)
    if mention.date is not None or any(_compatible(draft, mention) for draft in drafts):
        return True
    return lead or (
        mention.family is Family.LEGAL and mention.sentence.paragraph <= _ANNOUNCEMENT_PARAGRAPHS
    )


def _counts_deaths(mention: Mention) -> bool:
    """Whether the mention gives a death figure (not just "dozens dead", nor "nobody died")."""
    return any(report.shape is not Shape.NONE_DIED for report in mention.deaths)


def _mention_places(mention: Mention, context: ArticleContext) -> MentionPlaces:
    sentence = mention.sentence
    parties = [(party.start, party.end) for party in context.sentence_parties(sentence)]
    named = [
        place
        for place in context.sentence_places(sentence)
        if mention.owns(place.start)
        and place.rank > 0
        # "Bank of England", "Tigray People's Liberation Front" name parties, not places.
        and not any(start <= place.start < end for start, end in parties)
        and not _passing_country(place, context)
        and not _policy_target(sentence, place)
    ]
    # Of two reference points as precise ("the border between A and B"), the one the
    # article is about; otherwise the first named ("the Sivrice district of Elazig").
    best = max(
        named,
        key=lambda place: (
            place.rank,
            context.text.count(place.name) if place.reference else 0,
            -place.start,
        ),
        default=None,
    )
    trigger_clauses = {sentence.clause_at(trigger.start) for trigger in mention.triggers}
    near = [
        place
        for place in named
        if sentence.clause_at(place.start) <= min(trigger_clauses)
        or sentence.clause_at(place.start) in trigger_clauses
    ]
    anchor = max(near, key=lambda place: (place.rank, -place.start), default=None)
    known = [place for place in named if len(place.countries) == 1]
    country = None
    if best is not None and best.countries:
        country = context.country if context.country in best.countries else best.countries[0]
    elif known:
        # An unknown village lies in the article's country if the sentence names it,
        # else in the country of the place named nearest to it.
        countries = [place.countries[0] for place in known]
        if context.country in countries:
            country = context.country
        else:
            around = best.start if best is not None else 0
            country = min(known, key=lambda place: abs(place.start - around)).countries[0]
    else:
        country = _institution_country(mention, context.places)
    part_of_previous = best is not None and bool(
        _PART_OF_PREVIOUS.search(sentence.lowered, max(0, best.start - 24), best.start)
    )
    return MentionPlaces(best, anchor, country, part_of_previous)


def _policy_target(sentence: Sentence, place: PlaceMention) -> bool:
    """ "Sanctions on Sudan", "its position on Iran": the country a policy is about is not
    where the policy is made."""
    return (
        place.is_country
        and not _POLICY_WORDS.isdisjoint(sentence.words)
        and bool(_POLICY_BEFORE.search(sentence.lowered, max(0, place.start - 40), place.start))
    )


def _passing_country(place: PlaceMention, context: ArticleContext) -> bool:
    """A foreign country named only as context, in an article about the dateline's country.

    "A budget to fight Russia" from Kyiv, "the rupee fell against the US dollar" from
    New Delhi: nothing says the event happened in the country named ("in Russia" would),
    so the dateline's country, which the article is about, stays the event's country.
    """
    home = context.dateline_country
    return (
        place.is_country
        and not place.cued
        and home is not None
        and home not in place.countries
        # More than the dateline says the article is about its country ("Ukrainian").
        and len(context.country_signs.get(home, ())) >= _ESTABLISHED_SIGNS
    )


def _institution_country(mention: Mention, places: Gazetteer) -> str | None:
    """ "The Belgian government declared...": the country whose institution acted."""
    text = mention.sentence.masked
    for start, end in mention.ranges:
        for match in re.finditer(r"\b[A-Z][a-z]+\b", text[start:end]):
            country = places.country_of_demonym(match.group())
            if country and _INSTITUTION_AFTER.match(text[start + match.end() : end]):
                return country
    return None


def _place_mention(
    mention: Mention, where: MentionPlaces, drafts: list[EventDraft], context: ArticleContext
) -> None:
    """Join the mention to the event it reports, start a new event, or drop it."""
    if mention.family is Family.DEATHS:
        _place_deaths(mention, where, drafts, context)
        return
    assert mention.event_type is not None
    date = mention.date
    compatible = [draft for draft in drafts if _compatible(draft, mention)]
    last = compatible[-1] if compatible else None
    if mention.claimed and last is not None:
        # "On Tuesday X claimed responsibility for the attack": the attack reported before,
        # whatever the date of the claim.
        last.add(mention, where)
        return
    if mention.another and last is not None:
        # "The second attack, on a convoy, killed four": the same day, unless
        # it says otherwise, and a separate event.
        inherited = DateMention(0, 0, date=last.date) if last.date else None
        _start(mention, where, drafts, date if date is not None and date.date else inherited)
        if where.best is None:
            drafts[-1].place, drafts[-1].country = last.place, last.country
        return
    if date is not None and date.date is not None:
        same_day = [
            d for d in compatible if d.date == date.date and _agree(d, where, by_name=False)
        ]
        if same_day:
            same_day[-1].add(mention, where)
            return
        if last is not None and _agree(last, where):
            if last.date is None or (last.date_weak and not date.weak):
                last.add(mention, where, adopt_date=True)
                return
            lag = (date.date - last.date).days
            if date.weak and 0 <= lag <= _REPORT_LAG_DAYS:
                last.add(mention, where)
                return
            if last.family is Family.DISASTER and abs(lag) <= _DISASTER_DAYS and not date.weak:
                # A storm or a flood lasts days: "made landfall on Sunday ... cleared the
                # islands on Wednesday" is one disaster, from its first day to its last.
                last.add(mention, where)
                last.extend_to(date.date)
                return
        _start(mention, where, drafts, date)
        return
    key = where.anchor_key
    same_place = [d for d in compatible if key is not None and d.place_key == key]
    if same_place:
        same_place[-1].add(mention, where)
        return
    if last is not None and _agree(last, where):
        last.add(mention, where)
        return
    if (
        last is not None
        and key is not None
        and last.event_type is mention.event_type
        and last.family in _PLACED_FAMILIES
    ):
        # The same kind of event in another place: "In Kraków, about 3,000 people gathered".
        same_country = not where.country or not last.country or where.country == last.country
        inherited = DateMention(0, 0, date=last.date) if same_country and last.date else None
        _start(mention, where, drafts, inherited)
        return
    lead_limit = _ANNOUNCEMENT_PARAGRAPHS if mention.family is Family.LEGAL else 0
    if last is None and (context.published is None or mention.sentence.paragraph <= lead_limit):
        _start(mention, where, drafts, None)


def _place_deaths(
    mention: Mention, where: MentionPlaces, drafts: list[EventDraft], context: ArticleContext
) -> None:
    """Deaths or a toll with no event named: they belong to the latest deadly event."""
    deadly = [draft for draft in drafts if draft.family in DEADLY_FAMILIES]
    last = deadly[-1] if deadly else None
    if last is not None and (
        not where.country or not last.country or where.country == last.country
    ):
        last.add(mention, where)
        return
    if last is not None and mention.has_toll:
        # "In neighbouring Belgium, the toll rose to at least 20": the same disaster, elsewhere.
        draft = EventDraft([mention], last.event_type, last.sub_event_type)
        draft.place, draft.country = where.best, where.country
        drafts.append(draft)
        return
    if (
        last is None
        and _counts_deaths(mention)
        and (
            mention.date is not None or mention.sentence.paragraph == 0 or context.published is None
        )
    ):
        event_type, sub_event_type = _deaths_type(mention)
        mention.event_type, mention.sub_event_type = event_type, sub_event_type
        _start(mention, where, drafts, mention.date)


def _deaths_type(mention: Mention) -> tuple[EventType, str]:
    """Deaths with no attack named: a battle if combatants died, else an attack on civilians."""
    sides = {report.side for report in mention.deaths}
    if Side.SECURITY in sides or Side.MILITANTS in sides:
        return EventType.BATTLE, "armed clash"
    return EventType.VIOLENCE_AGAINST_CIVILIANS, "attack"


def _start(
    mention: Mention, where: MentionPlaces, drafts: list[EventDraft], date: DateMention | None
) -> None:
    assert mention.event_type is not None
    draft = EventDraft([mention], mention.event_type, mention.sub_event_type)
    if date is not None and date.date is not None:
        draft.date, draft.date_end, draft.date_weak = date.date, date.date_end, date.weak
    draft.place, draft.country = where.best, where.country
    drafts.append(draft)


def _compatible(draft: EventDraft, mention: Mention) -> bool:
    """Whether the mention may report the same occurrence as the event, by type."""
    kind = mention.event_type
    if _is_arrest(mention.sub_event_type):
        if _is_arrest(draft.sub_event_type) or draft.event_type is EventType.LEGAL:
            return True
        return mention.date is None and draft.event_type in _CROWD_TYPES
    if _blast_of_accident(draft, mention):
        return True
    if mention.family is not draft.family:
        return False
    if kind is EventType.PROTEST and draft.event_type not in _CROWD_TYPES:
        return False  # a peaceful crowd is no part of an attack, whatever the day
    if kind is draft.event_type or mention.date is None:
        return True
    if {kind, draft.event_type} <= _CROWD_TYPES:
        return True
    assault_only = all(trigger.rule.event_type is None for trigger in mention.triggers)
    return assault_only and draft.event_type in _VIOLENT_TYPES


def _blast_of_accident(draft: EventDraft, mention: Mention) -> bool:
    """ "The cause of the blast" after a gas explosion at a mine: the same explosion, named
    without its cause, not a bombing."""
    return (
        draft.sub_event_type == "industrial accident"
        and mention.event_type is EventType.EXPLOSION_REMOTE_VIOLENCE
        and mention.sub_event_type is None
    )


def _is_arrest(sub_event_type: str | None) -> bool:
    return sub_event_type == ARRESTS


def _agree(draft: EventDraft, where: MentionPlaces, *, by_name: bool = True) -> bool:
    """Nothing in the mention's places says it is somewhere else than the event.

    On the same day, only events that happen in places (clashes, floods, marches) are
    told apart by the place's name: a ministry confirming an outbreak from the capital
    reports the outbreak in the district.
    """
    if where.country and draft.country and where.country != draft.country:
        return False
    if where.part_of_previous or (not by_name and draft.family not in _PLACED_FAMILIES):
        return True
    key = where.anchor_key
    return key is None or draft.place_key is None or key == draft.place_key


def _naming_drafts(drafts: list[EventDraft]) -> dict[int, set[int]]:
    """Per sentence index, the drafts (by position) that the sentence names by more than a death."""
    naming: dict[int, set[int]] = {}
    for position, draft in enumerate(drafts):
        for mention in draft.mentions:
            if any(trigger.role not in _DEATH_ROLES for trigger in mention.triggers):
                naming.setdefault(mention.sentence.index, set()).add(position)
    return naming


def _finish(
    draft: EventDraft,
    context: ArticleContext,
    drafts: list[EventDraft],
    naming: dict[int, set[int]],
) -> ExtractedEvent:
    """The event's fields, from all the mentions merged into it.

    `naming`: per sentence, the drafts it names (see _naming_drafts).
    """
    own = drafts.index(draft)
    sentences: list[Sentence] = []
    for mention in draft.mentions:
        if mention.sentence not in sentences:
            sentences.append(mention.sentence)
    if draft.scene is not None:
        # The scene's day and place are the event's: it is evidence, second to the report.
        sentences.insert(1, draft.scene)
    deadly = draft.family in DEADLY_FAMILIES
    fatalities = event_fatalities(_own_reports(draft)) if deadly else None
    location = _location(draft, context, drafts)
    site = _protest_site(draft) if draft.event_type in _CROWD_TYPES else None
    if site is not None:
        location = Location(name=site, country=location.country or context.country)
    adjective = context.places.adjective(location.country)
    # "Five people were killed, police said on Monday": Monday dates the report. An
    # announcement ("said on Thursday it had suspended operations") is its own date.
    date = None if deadly and draft.date_weak else draft.date
    date_end = draft.date_end if date and draft.date_end and draft.date_end > date else None
    return ExtractedEvent(
        event_type=draft.event_type,
        sub_event_type=draft.sub_event_type,
        date=date,
        date_end=date_end,
        location=location,
        actors=[
            actor
            for actor in _actors(draft, context, adjective, _claimants(draft, drafts, context))
            if actor != site
        ],
        fatalities=fatalities,
        sentences=sentences,
        report_clauses=[
            _report_clauses(
                draft, sentence, named_elsewhere=bool(naming.get(sentence.index, set()) - {own})
            )
            for sentence in sentences
        ],
        evidence=[sentence.text for sentence in sentences[:EVIDENCE_MAX_QUOTES]],
    )


def _own_reports(draft: EventDraft) -> list[DeathReport]:
    """The death reports stated for this event: a total of several attacks ("two separate
    attacks killed five") gives way to any figure stated for this one alone."""
    own = [report for mention in draft.mentions if not mention.several for report in mention.deaths]
    if any(report.shape is not Shape.NONE_DIED for report in own):
        return own
    return [report for mention in draft.mentions for report in mention.deaths]


def _report_clauses(
    draft: EventDraft, sentence: Sentence, *, named_elsewhere: bool
) -> frozenset[int]:
    """The clauses of a sentence that name the event: where its triggers are.

    A death names the event when nothing else in the sentence names any event ("Rosa
    Quispe, who led a campaign, was murdered on Wednesday"); next to an event's name ("said it
    had opened an investigation into the killings") it is a detail.
    """
    naming = _sentence_triggers(draft, sentence, naming=True)
    if not naming and not named_elsewhere:
        naming = _sentence_triggers(draft, sentence, naming=False)
    return frozenset(sentence.clause_at(trigger.start) for trigger in naming)


def _sentence_triggers(draft: EventDraft, sentence: Sentence, *, naming: bool) -> list[Trigger]:
    """The event's triggers in the sentence; with `naming`, only those that name an event."""
    return [
        trigger
        for mention in draft.mentions
        if mention.sentence is sentence
        for trigger in mention.triggers
        if not naming or trigger.role not in _DEATH_ROLES
    ]


def _protest_site(draft: EventDraft) -> str | None:
    """The building a crowd gathered at or marched on: "outside the Supreme Court",
    "marched on the Union Buildings". An institution there is where, not who."""
    for mention in draft.mentions:
        site = _SITE.search(mention.sentence.masked)
        if site is not None:
            return site["site"]
    return None


def _location(draft: EventDraft, context: ArticleContext, drafts: list[EventDraft]) -> Location:
    country = draft.country or context.country
    place = draft.place
    if place is None or place.rank <= COUNTRY_RANK:
        place = _referred_place(draft, drafts) or place
    if (place is None or place.rank <= COUNTRY_RANK) and context.dateline is not None:
        # Announcements are made where the dateline is; violence happens where it happens.
        dateline_country = (
            context.dateline.countries[0] if context.dateline.countries else context.country
        )
        announcement = draft.family not in DEADLY_FAMILIES and draft.country is None
        if announcement or dateline_country == country:
            place = context.dateline
            country = dateline_country
    if place is None or place.rank <= COUNTRY_RANK:
        if place is not None and place.is_country and place.countries:
            country = place.countries[0]
        return Location(name=None, country=country)
    if place.countries:
        country = country if country in place.countries else place.countries[0]
    return Location(name=place.name, country=country)


def _referred_place(draft: EventDraft, drafts: list[EventDraft]) -> PlaceMention | None:
    """ "Aircraft pounded positions inside the city": the city of the event before."""
    mentioned = any(_ANAPHORIC_PLACE.search(mention.sentence.lowered) for mention in draft.mentions)
    if not mentioned:
        return None
    earlier = drafts[: drafts.index(draft)]
    for previous in reversed(earlier):
        if previous.place is not None and previous.place.rank >= SPECIFIC_RANK:
            return previous.place
    return None


# "Israel indicted", "Russia bombed": a state acting in its own name.
_STATE_ACTS = re.compile(
    r"\s+(?:(?:on\s+\w+day|has|have|had|also|then|later)\s+)*(?!said\b|says\b|based\b)"
    r"(?:[a-z]+ed|sent|struck|shot|hit|held|took|froze|began|won|lost|sold|bought)\b"
)
# "Rosa Quispe, who led a campaign, was murdered": the person named is the victim.
_VICTIM_AFTER = re.compile(
    r"[^.;]{0,120}?\b(?:was|has\s+been)\s+(?:\w+\s+)?(?:killed|murdered|shot|assassinated"
    r"|slain|stabbed|kidnapped|abducted|beheaded)\b"
)
_SUBJECT_OPENING = re.compile(r"\s*(?:the\s+)?", re.IGNORECASE)
_CLAIM = re.compile(
    r"\bclaimed\s+(?:responsibility|credit)\s+for\b|\bclaimed\s+(?:the|that|this)\s+"
    r"(?:attack|bombing|blast|killing|ambush|raid)",
    re.IGNORECASE,
)
_NO_CLAIMANT = re.compile(r"\b(?:no|nobody|none)\b[^,;]*$", re.IGNORECASE)
_VOTERS = re.compile(
    r"\bvoters\b|\b(?:thousands|millions|hundreds|people|citizens|residents)\b[^.;,]{0,60}?"
    r"\bvot(?:ed|ing)\b",
    re.IGNORECASE,
)
# "charged a young woman", "the man was sentenced": a defendant the event leaves unnamed.
_UNNAMED_PERSON = re.compile(
    r"\b(?:a|an|the)\s+(?:[\w'-]+\s+){0,3}?(?:girl|boy|man|woman|teenager|youth|activist"
    r"|journalist|mother|father|lawyer|politician|businessman|businesswoman|suspect|defendant)\b",
    re.IGNORECASE,
)


def _acting_countries(
    sentence: Sentence, start: int, end: int, context: ArticleContext
) -> list[actors.ActorMention]:
    text = sentence.masked
    return [
        actors.ActorMention(place.countries[0], place.start, place.end, actors.PartyKind.OFFICIAL)
        for place in context.sentence_places(sentence)
        if place.is_country
        and place.countries
        and start <= place.start < end
        # The subject of its clause: "Israel indicted", not "police in Kenya fired".
        and _SUBJECT_OPENING.fullmatch(
            text, sentence.clauses[sentence.clause_at(place.start)][0], place.start
        )
        and _STATE_ACTS.match(text, place.end, end)
    ]


def _targeted_governments(
    sentence: Sentence, start: int, end: int, context: ArticleContext
) -> list[actors.ActorMention]:
    """ "Lift sanctions on Sudan": the government a policy is aimed at is a party to it."""
    found = []
    for place in context.sentence_places(sentence):
        if start <= place.start < end and place.countries and _policy_target(sentence, place):
            adjective = context.places.adjective(place.countries[0])
            if adjective:
                name = f"{adjective} government"
                found.append(actors.ActorMention(name, place.start, place.end, None))
    return found


def _voters(sentence: Sentence, start: int, end: int) -> list[actors.ActorMention]:
    match = _VOTERS.search(sentence.masked, start, end)
    if match is None:
        return []
    return [actors.ActorMention("voters", match.start(), match.end(), None)]


def _role_parties(
    draft: EventDraft,
    sentence: Sentence,
    start: int,
    end: int,
    adjective: str | None,
    context: ArticleContext,
) -> list[actors.ActorMention]:
    """The parties the event's own phrasing gives a role (see `roles`)."""
    is_place = context.is_place
    if draft.family is Family.LEGAL:
        return [
            *roles.court_parties(sentence, start, end, adjective, context.is_demonym),
            *roles.sentenced_groups(sentence, start, end),
            *roles.chinese_defendants(sentence, start, end, context.text),
        ]
    if draft.event_type in _CROWD_TYPES:
        return [
            *roles.employers(sentence, start, end, is_place),
            *roles.organisers(sentence, start, end, is_place),
        ]
    if draft.event_type is EventType.ACCIDENT:
        return [
            *roles.operators(sentence, start, end, is_place),
            *roles.mine_workers(sentence, start, end),
        ]
    if draft.family is Family.VIOLENCE:
        return roles.target_owners(sentence, start, end, is_place)
    if draft.family is Family.ECONOMIC:
        return roles.companies(sentence, start, end, is_place)
    return []


def _unnamed_defendant(draft: EventDraft, context: ArticleContext) -> list[actors.ActorMention]:
    """The person the article names, for a ruling or charge against someone it describes."""
    for mention in draft.mentions:
        text = mention.sentence.masked
        if any(_UNNAMED_PERSON.search(text, start, end) for start, end in mention.ranges):
            named = context.persons
            if named:
                return [actors.ActorMention(named[0], 0, 0, None)]
    return []


def _claimants(
    draft: EventDraft, drafts: list[EventDraft], context: ArticleContext
) -> list[actors.ActorMention]:
    """ "Al Qaeda's branch claimed responsibility for the attack": who claims an attack is
    its party, though the claim is a sentence of its own, after the report."""
    if draft.family is not Family.VIOLENCE:
        return []
    violent = [other for other in drafts if other.family is Family.VIOLENCE]
    first = draft.mentions[0].sentence.index
    later = [other.mentions[0].sentence.index for other in violent if other is not draft]
    until = min((index for index in later if index > first), default=len(context.sentences))
    found = []
    for sentence in context.sentences[first:until]:
        if "claimed" not in sentence.words:
            continue
        claim = _CLAIM.search(sentence.masked)
        if claim is None or _NO_CLAIMANT.search(sentence.masked, 0, claim.start()):
            continue
        found += [
            party
            for party in context.sentence_parties(sentence)
            if party.kind is actors.PartyKind.ARMED and party.end <= claim.start()
        ][-1:]
    return found


def _actors(
    draft: EventDraft,
    context: ArticleContext,
    adjective: str | None,
    claimants: list[actors.ActorMention],
) -> list[str]:
    found: list[actors.ActorMention] = list(claimants)
    for mention in draft.mentions:
        sentence = mention.sentence
        parties = context.sentence_parties(sentence)
        for start, end in mention.ranges:
            found += [party for party in parties if start <= party.start < end]
            found += actors.described_parties(sentence, start, end, adjective, context.is_demonym)
            # Named people: the victim of a killing as much as the subject of a ruling;
            # who reports deaths is left out below.
            found += [
                person
                for person in actors.persons(sentence, start, end)
                if draft.family not in DEADLY_FAMILIES
                or _VICTIM_AFTER.match(sentence.masked, person.end)
            ]
            if draft.family not in DEADLY_FAMILIES:
                found += actors.surnamed_persons(sentence, start, end, context.persons)
            found += _acting_countries(sentence, start, end, context)
            found += _targeted_governments(sentence, start, end, context)
            if draft.sub_event_type == VOTE:
                found += _voters(sentence, start, end)
            found += _role_parties(draft, sentence, start, end, adjective, context)
    if draft.scene is not None and draft.event_type is EventType.ACCIDENT:
        found += roles.operators(draft.scene, 0, len(draft.scene.masked), context.is_place)
    if draft.family is Family.LEGAL and not any(
        mention.kind is None and " " in mention.name for mention in found
    ):
        found += _unnamed_defendant(draft, context)
    return actors.choose_actors(
        found,
        crowd_event=draft.event_type in _CROWD_TYPES,
        civilian_victims=draft.event_type in _CIVILIAN_VICTIM_TYPES,
        # Who reports deaths, disasters or accidents is a source, not a party to them.
        reporters_excluded=draft.family in DEADLY_FAMILIES and draft.family is not Family.HEALTH,
        accident=draft.event_type is EventType.ACCIDENT,
    )
