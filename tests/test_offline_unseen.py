"""Offline rules about news language, each checked on sentences written for the test.

These rules came from reading real wire copy the extractor had not seen (issue 23);
no sentence here is taken from an article, and no rule names an article's entity.
"""

from __future__ import annotations

from summarizer import ArticleSummary, EventType, summarize


def offline(text: str) -> ArticleSummary:
    return summarize(text, backend="offline", cache=False)


def types(text: str) -> list[EventType]:
    return [event.event_type for event in offline(text).events]


# A strike is a protest however the wire puts it.


def test_a_workforce_gone_on_strike_or_that_struck_is_a_protest() -> None:
    assert types(
        "date 2021-04-02 Lagos: More than 500 bakery workers in Lagos have gone on strike, "
        "union officials said on Friday."
    ) == [EventType.PROTEST]
    assert types(
        "date 2021-04-02 Lagos: Dockers at the port of Apapa struck on Wednesday over pay."
    ) == [EventType.PROTEST]


def test_workers_struck_by_something_are_no_strike() -> None:
    assert EventType.PROTEST not in types(
        "date 2021-04-02 Lagos: Two workers were struck by a falling crane in Lagos on Thursday."
    )
