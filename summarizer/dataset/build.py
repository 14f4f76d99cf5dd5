"""From results to an event dataset: read, place, merge, one row per event."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from summarizer.dataset.geo import UNKNOWN, Place, load_gazetteer
from summarizer.dataset.merge import (
    DEFAULT_DISTANCE_KM,
    DEFAULT_WINDOW_DAYS,
    Group,
    Located,
    MergeRule,
    locate,
    merge,
)
from summarizer.dataset.results import Mention, read_results
from summarizer.dataset.rows import (
    FatalityRule,
    Row,
    build_rows,
    columns,
    event_ids,
    extra_field_names,
)
from summarizer.errors import ConfigurationError
from summarizer.schema import EVIDENCE_MAX_QUOTES
from summarizer.text import AliasTable

MENTION_COLUMNS: tuple[str, ...] = (
    "event_id",
    "mention_id",
    "article_id",
    "published",
    "dateline",
    "event_date",
    "location",
    "fatalities",
    *(
        f"{name}_{number}"
        for number in range(1, EVIDENCE_MAX_QUOTES + 1)
        for name in ("evidence", "start", "end")
    ),
)


@dataclass
class EventDataset:
    """One row per real-world event, one mention per event-article pair, and how
    each merged row was formed.

    `geo` says whether the gazetteer (the `geo` extra) placed the events. `articles`,
    `failed_articles` and `problems` come from reading the results files.
    """

    columns: list[str]
    rows: list[Row]
    groups: list[Group]
    ids: list[str]
    merges: list[dict[str, Any]]
    event_of: dict[str, str]  # mention id -> event id
    geo: bool
    articles: int = 0
    failed_articles: int = 0
    problems: list[str] = field(default_factory=list)

    def mention_rows(self) -> Iterator[Row]:
        """One row per event-article pair (MENTION_COLUMNS), by event id, then in the
        fixed mention order; made as they are read, as there may be many."""
        for group, event_id in sorted(zip(self.groups, self.ids, strict=True), key=_by_id):
            for item in group.members:
                yield _mention_row(event_id, item)


def build_dataset(
    results: Iterable[str | os.PathLike[str]],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    distance_km: float = DEFAULT_DISTANCE_KM,
    fatalities: str = FatalityRule.MIN.value,
    aliases: Mapping[str, Sequence[str]] | None = None,
    geo: bool = True,
    extra_fields: Sequence[str] | None = None,
    previous: Mapping[str, str] | None = None,
) -> EventDataset:
    """The event dataset of results files (the JSON Lines of `summarize --jsonl`/`-o`).

    Merging follows summarizer.dataset.merge (`window_days`, `distance_km`, and
    `aliases`: canonical name -> other spellings, for places, countries and
    actors); `fatalities` is "min", "max" or "median". With `geo` and the geo extra
    installed the gazetteer places the events. `extra_fields` orders the extra
    columns (default: the names found, sorted). `previous` maps the mention ids of
    an earlier build to its event ids (its mentions.csv), so events keep their ids.

    >>> data = build_dataset([], geo=False)
    >>> data.columns[:3], data.rows
    (['event_id', 'event_date', 'year'], [])
    """
    read = read_results(results)
    built = build_from_mentions(
        read.mentions,
        window_days=window_days,
        distance_km=distance_km,
        fatalities=fatalities,
        aliases=aliases,
        geo=geo,
        extra_fields=extra_fields,
        previous=previous,
    )
    built.articles, built.failed_articles, built.problems = (
        read.articles,
        read.failed_articles,
        read.problems,
    )
    return built


def build_from_mentions(
    mentions: Sequence[Mention],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    distance_km: float = DEFAULT_DISTANCE_KM,
    fatalities: str = FatalityRule.MIN.value,
    aliases: Mapping[str, Sequence[str]] | None = None,
    geo: bool = True,
    extra_fields: Sequence[str] | None = None,
    previous: Mapping[str, str] | None = None,
) -> EventDataset:
    """`build_dataset` of mentions already in memory."""
    if window_days < 0:
        raise ConfigurationError(f"window of {window_days} days: give 0 or more")
    if distance_km < 0:
        raise ConfigurationError(f"distance of {distance_km} km: give 0 or more")
    try:
        rule_of_fatalities = FatalityRule(fatalities)
    except ValueError:
        choices = ", ".join(rule.value for rule in FatalityRule)
        raise ConfigurationError(
            f"unknown fatalities rule {fatalities!r} (one of: {choices})"
        ) from None
    rule = MergeRule(window_days, distance_km, AliasTable(aliases))
    gazetteer = load_gazetteer() if geo else None

    @cache
    def resolve(name: str | None, country: str | None) -> Place:
        return gazetteer.resolve(name, country) if gazetteer is not None else UNKNOWN

    located = [
        locate(
            mention,
            rule,
            lambda m: resolve(m.event.location.name, m.event.location.country),
        )
        for mention in mentions
    ]
    groups = merge(located, rule)
    ids = event_ids(groups, previous)
    fields = list(extra_fields) if extra_fields is not None else extra_field_names(groups)
    rows = build_rows(groups, ids, rule_of_fatalities, fields)
    event_of = {
        item.mention.id: event_id
        for group, event_id in zip(groups, ids, strict=True)
        for item in group.members
    }
    return EventDataset(
        columns=columns(fields),
        rows=rows,
        groups=groups,
        ids=ids,
        merges=_explanations(groups, ids),
        event_of=event_of,
        geo=gazetteer is not None,
    )


def _by_id(pair: tuple[Group, str]) -> str:
    return pair[1]


def _mention_row(event_id: str, item: Located) -> Row:
    mention, event = item.mention, item.mention.event
    fatalities = event.fatalities
    row: Row = {
        "event_id": event_id,
        "mention_id": mention.id,
        "article_id": mention.article_id,
        "published": mention.published.isoformat() if mention.published else None,
        "dateline": mention.dateline,
        "event_date": event.date.isoformat() if event.date else None,
        "location": event.location.name,
        "fatalities": (
            f"{fatalities.min}-{fatalities.max}"
            if fatalities is not None and not isinstance(fatalities, int)
            else fatalities
        ),
    }
    for number, quote in enumerate(event.evidence, start=1):
        row[f"evidence_{number}"] = quote.text
        row[f"start_{number}"] = quote.start
        row[f"end_{number}"] = quote.end
    return row


def _explanations(groups: Sequence[Group], ids: Sequence[str]) -> list[dict[str, Any]]:
    """For every row of more than one mention: its mentions and why each joined."""
    explained = []
    for group, event_id in sorted(zip(groups, ids, strict=True), key=_by_id):
        if len(group.members) < 2:
            continue
        explained.append(
            {
                "event_id": event_id,
                "event_type": group.members[0].mention.event.event_type.value,
                "mentions": [item.mention.id for item in group.members],
                "joins": [
                    {
                        "mention": join.mention,
                        "joined": join.joined,
                        "date": join.date,
                        "place": join.place,
                        "actors": join.actors,
                    }
                    for join in group.joins
                ],
            }
        )
    return explained
