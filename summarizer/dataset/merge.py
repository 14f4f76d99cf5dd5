"""Which mentions are one real-world event: blocking, the pair rule, and why.

Two mentions are the same event when all of these hold (the pair rule):

- the same event type;
- dates within the window: the days between the end of the earlier one and the
  start of the later one (`date` to `date_end`, a span) are at most `window_days`;
  overlapping spans are 0 apart;
- the same place: the same name after `text.name_key` and the alias table, or the
  same gazetteer place (one town under two spellings), or, when both have
  coordinates, at most `distance_km` apart;
- compatible actors: they share an actor (after the alias table), or one of them
  names none;
- and they are in the same country (the same name, or the same ISO code from the
  gazetteer), or both name none.

A mention without a date or without a place name is a row of its own: it is
never merged on a guess.

Mentions are taken in one fixed order (date, article id, event number). Each joins
the first earlier group (in order of creation) whose every member it matches under
the pair rule, else starts a group: complete linkage, so a chain of near-misses
(day 1 ~ day 2 ~ day 3) cannot pull far-apart mentions into one row. The outcome
depends only on the mentions, never on the order of files or lines.

Blocking keeps this near-linear: a group is filed under (type, country, date
bucket) for every bucket its dates cover, buckets `window_days + 1` days wide, and
a mention is compared only with the groups filed in the buckets its window reaches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarizer.dataset.geo import UNKNOWN, Place, distance_km
from summarizer.dataset.results import Mention
from summarizer.text import AliasTable

DEFAULT_WINDOW_DAYS = 1
DEFAULT_DISTANCE_KM = 10.0


@dataclass(frozen=True)
class MergeRule:
    """The pair rule's settings and the name table it compares through."""

    window_days: int = DEFAULT_WINDOW_DAYS
    distance_km: float = DEFAULT_DISTANCE_KM
    names: AliasTable = field(default_factory=AliasTable)


@dataclass(frozen=True)
class Located:
    """A mention with what merging compares: its name keys, its days, its place."""

    mention: Mention
    place_key: str | None
    country_key: str | None
    actor_keys: frozenset[str]
    # (key, spelling) of each actor the mention names, in its order.
    actors: tuple[tuple[str, str], ...] = ()
    place: Place = UNKNOWN
    # The first and last day (proleptic ordinals), None without a date.
    start: int | None = None
    end: int | None = None

    @property
    def mergeable(self) -> bool:
        return self.start is not None and self.place_key is not None


@dataclass(frozen=True)
class Join:
    """Why a mention joined a group: the pair rule against the group's first mention."""

    mention: str
    joined: str
    date: str
    place: str
    actors: str


@dataclass
class Group:
    """Mentions merged into one row, in the fixed order, and how each joined."""

    members: list[Located]
    joins: list[Join] = field(default_factory=list)


def locate(mention: Mention, rule: MergeRule, place_of: Callable[[Mention], Place]) -> Located:
    """The mention in the form merging compares; `place_of` asks the gazetteer."""
    event = mention.event
    place = place_of(mention)
    country = rule.names.canonical(event.location.country)
    actors = tuple(
        (key, actor) for actor in event.actors if (key := rule.names.canonical(actor)) is not None
    )
    return Located(
        mention,
        place_key=rule.names.canonical(event.location.name),
        # The gazetteer's code when it has one: "USA" and "United States" are one country.
        country_key=place.iso.lower() if place.iso else country,
        actor_keys=frozenset(key for key, _ in actors),
        actors=actors,
        place=place,
        start=event.date.toordinal() if event.date else None,
        end=(event.date_end or event.date).toordinal() if event.date else None,
    )


def merge(located: Sequence[Located], rule: MergeRule) -> list[Group]:
    """Groups of mentions that are one event, by the module's rule, in order of creation."""
    groups: list[Group] = []
    filed: defaultdict[tuple[str, str | None, int], list[int]] = defaultdict(list)
    width = rule.window_days + 1
    for item in sorted(located, key=lambda item: item.mention.sort_key):
        if not item.mergeable:
            groups.append(Group([item]))
            continue
        assert item.start is not None and item.end is not None
        event_type, country = item.mention.event.event_type.value, item.country_key
        reach = range(
            (item.start - rule.window_days) // width, (item.end + rule.window_days) // width + 1
        )
        candidates = sorted(
            {index for bucket in reach for index in filed[(event_type, country, bucket)]}
        )
        chosen: int | None = None
        for index in candidates:
            members = groups[index].members
            reason = pair_reasons(members[0], item, rule)
            if reason is not None and all(
                pair_reasons(member, item, rule) is not None for member in members[1:]
            ):
                chosen = index
                members.append(item)
                groups[index].joins.append(reason)
                break
        if chosen is None:
            chosen = len(groups)
            groups.append(Group([item]))
        for bucket in range(item.start // width, item.end // width + 1):
            if chosen not in filed[(event_type, country, bucket)]:
                filed[(event_type, country, bucket)].append(chosen)
    return groups


def pair_reasons(first: Located, second: Located, rule: MergeRule) -> Join | None:
    """Why the two mentions are one event under the pair rule, or None when they are not."""
    if not (first.mergeable and second.mergeable):
        return None
    if first.mention.event.event_type != second.mention.event.event_type:
        return None
    if first.country_key != second.country_key:
        return None
    date = _date_reason(first, second, rule.window_days)
    place = _place_reason(first, second, rule.distance_km)
    actors = _actor_reason(first, second)
    if date is None or place is None or actors is None:
        return None
    return Join(second.mention.id, first.mention.id, date, place, actors)


def _date_reason(first: Located, second: Located, window: int) -> str | None:
    assert first.start is not None and first.end is not None
    assert second.start is not None and second.end is not None
    gap = max(first.start, second.start) - min(first.end, second.end)
    if gap > window:
        return None
    if gap <= 0:
        return "same day" if first.start == first.end == second.start else "dates overlap"
    return f"{gap} day{'s' if gap > 1 else ''} apart (window {window})"


def _place_reason(first: Located, second: Located, limit: float) -> str | None:
    if first.place_key == second.place_key:
        return f"same place name {first.place_key!r}"
    if (
        first.place.gazetteer_id is not None
        and first.place.gazetteer_id == second.place.gazetteer_id
    ):
        return f"same gazetteer place {first.place.gazetteer_id}"
    a, b = first.place, second.place
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        assert a.latitude is not None and a.longitude is not None
        assert b.latitude is not None and b.longitude is not None
        apart = distance_km((a.latitude, a.longitude), (b.latitude, b.longitude))
        if apart <= limit:
            return f"{apart:.1f} km apart (limit {limit:g} km)"
    return None


def _actor_reason(first: Located, second: Located) -> str | None:
    if not first.actor_keys or not second.actor_keys:
        return "one names no actor"
    shared = sorted(first.actor_keys & second.actor_keys)
    if not shared:
        return None
    return "share " + ", ".join(repr(key) for key in shared)
