"""One row per merged group, in ACLED's column names and order, then ours.

Columns (ACLED's where a field maps; see docs/datasets.md):
`event_id`, `event_date` (the earliest date), `year`, `time_precision` (1 one day,
2 within a week, 3 longer), `event_type`, `sub_event_type` (the most reported),
`actor1`, `assoc_actor_1`, `actor2`, `assoc_actor_2` (actors ranked by how many
mentions name them, then where they stand in them: the first two are actor1 and
actor2, the rest associated with actor1; the results do not say sides), `country`,
`iso`, `admin1`, `location`, `latitude`, `longitude`, `geo_precision` (1 town, 2
region, 3 country only; empty when unresolved), `source` (the article ids),
`notes` (the first mention's summary, and any disagreement on deaths), `fatalities`
(by the chosen rule), `timestamp` (the Unix time of the latest publication date,
so a rebuild writes the same bytes); then the extra fields found on the events,
`fatalities_min`, `fatalities_max`, `articles` (mentions: event-article pairs) and
`n_sources` (distinct articles).

`event_id` is a hash of the type, the earliest date, the place and the country of
the group's first mention (name keys, so the geo extra does not change it): the
same event keeps its id when more articles are added. Two groups with the same hash
(same type, day and place, but no shared actor) are told apart by the id of their
first mention, in order of it. A mention that cannot merge (no date or place)
hashes its own id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from summarizer.dataset.merge import Group, Located
from summarizer.schema import FatalityRange

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "country",
    "iso",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "timestamp",
)
OWN_COLUMNS: tuple[str, ...] = ("fatalities_min", "fatalities_max", "articles", "n_sources")
# Several names in one cell, as ACLED joins them.
CELL_SEPARATOR = "; "

Row = dict[str, Any]


class FatalityRule(str, Enum):
    """Which figure `fatalities` takes when sources give different ones."""

    MIN = "min"  # the most conservative: ACLED's rule
    MAX = "max"
    MEDIAN = "median"


def columns(extra_fields: Sequence[str]) -> list[str]:
    """The column order: ACLED's, the extra fields, then ours."""
    return [*ACLED_COLUMNS, *extra_fields, *OWN_COLUMNS]


def extra_field_names(groups: Sequence[Group]) -> list[str]:
    """The extra fields found on any event, sorted by name (the order must not depend on
    which article came first)."""
    return sorted(
        {name for group in groups for item in group.members for name in item.mention.extra}
    )


def build_rows(
    groups: Sequence[Group],
    ids: Sequence[str],
    rule: FatalityRule,
    extra_fields: Sequence[str],
) -> list[Row]:
    """One row per group (with its id), in order of event date, then event id."""
    rows = [_row(group, rule, extra_fields) for group in groups]
    for row, event_id in zip(rows, ids, strict=True):
        row["event_id"] = event_id
    return sorted(rows, key=lambda row: (row["event_date"] or "9999", row["event_id"]))


def event_ids(groups: Sequence[Group], previous: Mapping[str, str] | None = None) -> list[str]:
    """Each group's id, by the module's rule.

    `previous` maps mention ids to the event ids of a previous build: a group keeps
    the previous id that most of its mentions had (ties: the smaller id), when no
    other group holds more of that id's mentions. So an event keeps its id even when
    a new article moves its earliest date or its first mention.
    """
    bases = [_digest(_identity(group)) for group in groups]
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for index, base in enumerate(bases):
        holders[base].append(index)
    ids = list(bases)
    for indices in holders.values():
        ordered = sorted(indices, key=lambda index: groups[index].members[0].mention.sort_key)
        for index in ordered[1:]:
            ids[index] = _digest(f"{bases[index]}|{groups[index].members[0].mention.id}")
    if previous:
        _keep_previous_ids(groups, ids, previous)
    return ids


def _keep_previous_ids(
    groups: Sequence[Group], ids: list[str], previous: Mapping[str, str]
) -> None:
    claims: list[tuple[int, str, int]] = []  # (-shared mentions, previous id, group index)
    for index, group in enumerate(groups):
        held = Counter(
            previous[item.mention.id] for item in group.members if item.mention.id in previous
        )
        claims.extend((-count, event_id, index) for event_id, count in held.items())
    given: set[str] = set()
    settled: set[int] = set()
    for _, event_id, index in sorted(claims):
        if event_id in given or index in settled:
            continue
        ids[index] = event_id
        given.add(event_id)
        settled.add(index)
    # A fresh id may equal one handed back to another group; the fresh one yields.
    for index, event_id in enumerate(ids):
        if index not in settled and event_id in given:
            ids[index] = _digest(f"{event_id}|{groups[index].members[0].mention.id}")


def _identity(group: Group) -> str:
    first = group.members[0]
    if not first.mergeable:
        return f"mention|{first.mention.id}"
    earliest = min(item.mention.event.date for item in group.members if item.mention.event.date)
    event_type = first.mention.event.event_type.value
    return f"{event_type}|{earliest.isoformat()}|{first.place_key}|{first.country_key or ''}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _row(group: Group, rule: FatalityRule, extra_fields: Sequence[str]) -> Row:
    members = group.members
    first = members[0]
    events = [item.mention.event for item in members]
    starts = [event.date for event in events if event.date]
    ends = [event.date_end or event.date for event in events if event.date]
    start, end = (min(starts), max(ends)) if starts else (None, None)
    actors = _ranked_actors(members)
    place = _most_located(members)
    article_ids = list(dict.fromkeys(item.mention.article_id for item in members))
    low, high, chosen, disagreement = _fatalities(members, rule)
    notes = [events[0].summary, *([disagreement] if disagreement else [])]
    published = [item.mention.published for item in members if item.mention.published]
    return {
        "event_id": "",
        "event_date": start.isoformat() if start else None,
        "year": start.year if start else None,
        "time_precision": _time_precision(start, end),
        "event_type": first.mention.event.event_type.value,
        "sub_event_type": _most_common([e.sub_event_type for e in events if e.sub_event_type]),
        "actor1": actors[0] if actors else None,
        "assoc_actor_1": CELL_SEPARATOR.join(actors[2:]) or None,
        "actor2": actors[1] if len(actors) > 1 else None,
        "assoc_actor_2": None,
        "country": place.place.country
        or _most_common([e.location.country for e in events if e.location.country]),
        "iso": place.place.iso,
        "admin1": place.place.admin1,
        "location": place.mention.event.location.name,
        "latitude": place.place.latitude,
        "longitude": place.place.longitude,
        "geo_precision": place.place.precision,
        "source": CELL_SEPARATOR.join(article_ids),
        "notes": " ".join(notes),
        "fatalities": chosen,
        "timestamp": _unix_day(max(published)) if published else None,
        **{name: _extra_value(members, name) for name in extra_fields},
        "fatalities_min": low,
        "fatalities_max": high,
        "articles": len(members),
        "n_sources": len(article_ids),
    }


def _time_precision(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    days = (end - start).days
    return 1 if days == 0 else 2 if days < 7 else 3


def _most_common(values: Sequence[str]) -> str | None:
    """The value given most often; a tie goes to the one given first."""
    if not values:
        return None
    counts = Counter(values)
    return max(counts, key=lambda value: (counts[value], -values.index(value)))


def _ranked_actors(members: Sequence[Located]) -> list[str]:
    """Actors by mentions naming them (most first), then mean position, then name;
    each shown in its most frequent spelling."""
    spellings: defaultdict[str, list[str]] = defaultdict(list)
    positions: defaultdict[str, list[int]] = defaultdict(list)
    for item in members:
        seen: set[str] = set()
        for position, (key, actor) in enumerate(item.actors):
            if key in seen:
                continue
            seen.add(key)
            spellings[key].append(actor)
            positions[key].append(position)
    ranked = sorted(
        spellings,
        key=lambda key: (-len(positions[key]), statistics.fmean(positions[key]), key),
    )
    return [_most_common(spellings[key]) or key for key in ranked]


def _most_located(members: Sequence[Located]) -> Located:
    """The member whose place the row shows: the most precise the gazetteer resolved,
    else the first; among equals, the first in the fixed order."""
    return min(members, key=lambda item: item.place.precision or 4)


def _fatalities(
    members: Sequence[Located], rule: FatalityRule
) -> tuple[int | None, int | None, int | None, str | None]:
    """(lowest, highest, the rule's figure, a note when sources disagree)."""
    figures: list[tuple[str, int, int]] = []
    for item in members:
        value = item.mention.event.fatalities
        if isinstance(value, FatalityRange):
            figures.append((item.mention.article_id, value.min, value.max))
        elif value is not None:
            figures.append((item.mention.article_id, value, value))
    if not figures:
        return None, None, None, None
    low = min(figure[1] for figure in figures)
    high = max(figure[2] for figure in figures)
    chosen = {
        FatalityRule.MIN: low,
        FatalityRule.MAX: high,
        FatalityRule.MEDIAN: int(statistics.median_low([(a + b) // 2 for _, a, b in figures])),
    }[rule]
    if low == high:
        return low, high, chosen, None
    reported = ", ".join(f"{a if a == b else f'{a}-{b}'} ({article})" for article, a, b in figures)
    note = f"Fatalities reported differently: {reported}; {rule.value} taken."
    return low, high, chosen, note


def _unix_day(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def _extra_value(members: Sequence[Located], name: str) -> Any:
    """One value when the mentions agree (or only one gives it); else the distinct values,
    lists flattened, joined by the cell separator in the fixed order."""
    distinct: dict[str, Any] = {}
    for item in members:
        if name not in item.mention.extra:
            continue
        value = item.mention.extra[name]
        for part in value if isinstance(value, list) else [value]:
            distinct.setdefault(json.dumps(part, sort_keys=True, ensure_ascii=False), part)
    values = list(distinct.values())
    if not values:
        return None
    if len(values) == 1 and not any(
        isinstance(item.mention.extra.get(name), list) for item in members
    ):
        return values[0]
    return CELL_SEPARATOR.join(
        part if isinstance(part, str) else json.dumps(part, ensure_ascii=False) for part in values
    )
