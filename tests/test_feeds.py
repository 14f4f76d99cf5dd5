"""Real feeds: record fields, --published/--dateline, wire datelines and leftovers.

The wire-style texts are written for these tests in the forms agencies use.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article, ArticleFacts
from summarizer.backends.llm import LLMBackend
from summarizer.backends.offline import OfflineBackend
from summarizer.cache import cache_key
from summarizer.errors import InputError, InvalidOutputError
from summarizer.pipeline import Pipeline
from summarizer.readers import iter_inputs
from summarizer.wire import read_dateline, remove_leftovers
from tests.llm_support import (
    article_block,
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    use_loopback,
)
from tests.loopback import LoopbackServer

STORY = (
    "Troops retook the town of Baaj on Thursday after two days of fighting, "
    "the army said.\n\nAt least 12 fighters were killed, a police source said."
)


def _jsonl(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def _articles(path: Path, facts: ArticleFacts | None = None) -> list[Any]:
    with open(path, "rb") as stdin:
        return list(iter_inputs([str(path)], stdin, facts))


# -- JSON Lines records ---------------------------------------------------------


def test_record_fields_are_used_as_a_header_would_be(tmp_path: Path) -> None:
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {
            "id": "a1",
            "text": STORY,
            "published": "2017-05-25",
            "dateline": "Baghdad",
            "title": "Troops retake Baaj",
            "url": "https://example.org/a1",
        },
    )
    (article,) = _articles(feed)
    assert (article.published, article.dateline) == (dt.date(2017, 5, 25), "Baghdad")
    assert (article.title, article.url) == ("Troops retake Baaj", "https://example.org/a1")
    # The text reads as if it had the header: checks and cache keys see the date.
    assert article.text == "date 2017-05-25 Baghdad: " + STORY
    assert article.body == STORY
    same = Article.from_text("date 2017-05-25 Baghdad: " + STORY)
    assert (same.text, same.published, same.dateline) == (
        article.text,
        article.published,
        article.dateline,
    )


def test_record_fields_win_over_the_header(tmp_path: Path) -> None:
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {"id": "a1", "text": "date 2016-01-01 Mosul: " + STORY, "published": "2017-05-25"},
        {"id": "a2", "text": "date 2016-01-01 Mosul: " + STORY, "dateline": "Baghdad"},
    )
    first, second = _articles(feed)
    assert (first.published, first.dateline) == (dt.date(2017, 5, 25), "Mosul")
    assert first.text == "date 2017-05-25 Mosul: " + STORY
    assert (second.published, second.dateline) == (dt.date(2016, 1, 1), "Baghdad")


@pytest.mark.parametrize(
    ("published", "day"),
    [
        ("2017-05-25", dt.date(2017, 5, 25)),
        ("2017-05-25T23:30:00Z", dt.date(2017, 5, 25)),
        ("2017-05-25T23:30:00+03:00", dt.date(2017, 5, 25)),
        ("2017-05-25 08:00", dt.date(2017, 5, 25)),
    ],
)
def test_published_is_an_iso_date_or_datetime(tmp_path: Path, published: str, day: dt.date) -> None:
    feed = _jsonl(tmp_path / "feed.jsonl", {"id": "a", "text": STORY, "published": published})
    (article,) = _articles(feed)
    assert article.published == day


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("published", "25/05/2017", "published '25/05/2017' is not an ISO date"),
        ("published", 20170525, '"published" must be a non-empty string'),
        ("dateline", "", '"dateline" must be a non-empty string'),
        ("dateline", "Baghdad: Iraq", '"dateline" must be a place name'),
    ],
)
def test_a_bad_field_makes_that_record_unreadable_and_says_why(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {"id": "bad", "text": STORY, field: value},
        {"id": "good", "text": STORY},
    )
    bad, good = _articles(feed)
    assert bad.id == "bad"
    assert str(bad.error) == f"{feed}:1: {message}" or message in str(bad.error)
    assert isinstance(bad.error, InputError)
    assert good.id == "good"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "b", "text": "a\tb"}', "Invalid control character at column 23"),
        ('{"id": "b", "text": "x"} extra', "Extra data at column 26"),
        ('{"id": "b" "text": "x"}', "Expecting ',' delimiter at column 12"),
    ],
)
def test_a_line_that_is_not_json_gets_the_parsers_whole_message(
    tmp_path: Path, line: str, message: str
) -> None:
    feed = tmp_path / "broken.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": STORY}) + "\n" + line + "\n", encoding="utf-8")
    _, broken = _articles(feed)
    assert str(broken.error) == f"{feed}:2: not valid JSON ({message})"


def test_the_url_is_the_id_of_a_record_without_one(tmp_path: Path) -> None:
    feed = _jsonl(tmp_path / "feed.jsonl", {"text": STORY, "url": "https://example.org/x"})
    (article,) = _articles(feed)
    assert article.id == "https://example.org/x"


def test_feed_fields_reach_the_result_records(tmp_path: Path) -> None:
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {"id": "a1", "text": STORY, "published": "2017-05-25T10:00:00Z", "dateline": "Baghdad"},
        {"id": "a2", "text": STORY, "published": "not a date"},
    )
    result = run_cli(["--backend", "offline", "--jsonl", "--ordered", str(feed)])

    assert result.exit_code == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["published"], first["dateline"]) == ("2017-05-25", "Baghdad")
    assert first["events"][0]["date"] == "2017-05-25"  # "Thursday", read against the date
    assert second["id"] == "a2"
    assert "not an ISO date" in second["error"]["message"]


# -- --published and --dateline ---------------------------------------------------


def test_options_give_files_and_stdin_a_date_and_place(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    for inputs, stdin in (([str(story)], None), (["-"], STORY)):
        result = run_cli(
            [
                "--backend",
                "offline",
                "--json",
                "--published",
                "2017-05-25",
                "--dateline",
                "Baghdad",
                *inputs,
            ],
            stdin=stdin,
        )
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.stdout)
        assert (document["published"], document["dateline"]) == ("2017-05-25", "Baghdad")
        assert document["events"][0]["date"] == "2017-05-25"


def test_a_records_own_fields_win_over_the_options(tmp_path: Path) -> None:
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {"id": "own", "text": STORY, "published": "2017-05-24"},
        {"id": "none", "text": STORY},
    )
    own, none = _articles(feed, ArticleFacts(published=dt.date(2017, 5, 25), dateline="Baghdad"))
    assert (own.published, own.dateline) == (dt.date(2017, 5, 24), "Baghdad")
    assert (none.published, none.dateline) == (dt.date(2017, 5, 25), "Baghdad")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--published", "May 25", "is not an ISO date"),
        ("--dateline", "a: b", "give a place name"),
    ],
)
def test_a_bad_option_is_one_line(option: str, value: str, message: str) -> None:
    result = run_cli(["--backend", "offline", option, value, "-"], stdin=STORY)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# -- wire datelines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "published", "place", "date"),
    [
        ("BAGHDAD, May 25 (Reuters) - ", dt.date(2017, 5, 26), "Baghdad", dt.date(2017, 5, 25)),
        ("KABUL (AP) \u2014 ", dt.date(2017, 5, 26), "Kabul", dt.date(2017, 5, 26)),
        ("WASHINGTON, Dec. 30 -- ", dt.date(2018, 1, 2), "Washington", dt.date(2017, 12, 30)),
        ("RIO DE JANEIRO, Feb 3 (AFP) - ", dt.date(2020, 2, 3), "Rio de Janeiro", None),
        ("CHICAGO, Illinois (AP) - ", None, "Chicago", None),
        ("BAGHDAD, May 25 (Reuters) - ", None, "Baghdad", None),
    ],
)
def test_a_wire_dateline_gives_place_and_day(
    opening: str, published: dt.date | None, place: str, date: dt.date | None
) -> None:
    facts = ArticleFacts(published=published) if published else None
    article = Article.from_text(opening + STORY, facts=facts)
    assert article.dateline == place
    # The dateline's day when its year is known; the feed's date otherwise.
    assert article.published == (date or published)
    assert article.body.startswith(opening.rstrip())


@pytest.mark.parametrize(
    ("opening", "story", "place"),
    [
        # The story's own spelling, where it names the place in ordinary case.
        ("BAMAKO, June 1 (Xinhua) -- ", "Gunmen attacked, officials in Bamako said.", "Bamako"),
        ("MCALLEN, Texas (AP) \u2014 ", "Agents in McAllen said the crossing was shut.", "McAllen"),
        ("BAMAKO, June 1 (Xinhua) -- ", "Gunmen attacked, BAMAKO officials said.", "Bamako"),
        # Else title-cased, particles and elisions as names write them.
        ("PORT-AU-PRINCE (AP) \u2014 ", "Gangs blocked the port.", "Port-au-Prince"),
        ("N'DJAMENA, May 2 (AFP) - ", "Troops moved north.", "N'Djamena"),
        ("DAR ES SALAAM, May 2 (Reuters) - ", "Floods hit the coast.", "Dar es Salaam"),
        ("MCALLEN, Texas (AP) \u2014 ", "Agents said the crossing was shut.", "Mcallen"),
    ],
)
def test_a_dateline_in_capitals_is_spelt_as_a_name(opening: str, story: str, place: str) -> None:
    assert Article.from_text(opening + story).dateline == place


def test_the_offline_extractor_places_an_event_at_the_dateline_spelt_as_a_name() -> None:
    article = Article.from_text(
        "BAMAKO, June 1 (Xinhua) -- Gunmen killed 12 villagers on Saturday, officials said."
    )

    (event,) = Pipeline(OfflineBackend()).run(article).summary.events

    assert event.location.name == "Bamako"


def test_the_dateline_day_resolves_the_story_not_the_feed_stamp() -> None:
    # Stamped a day later in UTC: "Thursday" is the dateline's day.
    article = Article.from_text(
        "BAGHDAD, May 25 (Reuters) - " + STORY,
        facts=ArticleFacts(published=dt.date(2017, 5, 26)),
    )
    summary = Pipeline(OfflineBackend()).run(article).summary
    assert summary.published == dt.date(2017, 5, 25)
    assert summary.events[0].date == dt.date(2017, 5, 25)


@pytest.mark.parametrize(
    "opening",
    [
        "Officials - said the town fell. ",
        "The army said on Thursday - after a long siege - that ",
        "Baghdad is calm. ",
    ],
)
def test_an_opening_that_is_not_a_dateline_is_left_alone(opening: str) -> None:
    assert read_dateline(opening + STORY, dt.date(2017, 5, 25)) is None
    assert Article.from_text(opening + STORY).dateline is None


def test_a_header_wins_over_a_wire_dateline() -> None:
    article = Article.from_text("date 2017-05-25 Mosul: BAGHDAD (Reuters) - " + STORY)
    assert (article.published, article.dateline) == (dt.date(2017, 5, 25), "Mosul")


# -- leftovers -----------------------------------------------------------------------


REUTERS = """BAGHDAD, May 25 (Reuters) - Troops retook the town of Baaj on Thursday, the army said.

FILE PHOTO: Soldiers ride in a vehicle near Baaj, Iraq, May 20, 2017. REUTERS/Staff

At least 12 fighters were killed, a police source said.

Get the Daily Briefing newsletter delivered to your inbox.

Advertisement

The army said its advance would continue. (Reporting by Jane Roe; Additional reporting by \
Sam Poe in Erbil; Editing by John Doe)

Our Standards: The Thomson Reuters Trust Principles."""

AP = """KABUL, Afghanistan (AP) \u2014 A bomb exploded near a mosque in Kabul on Friday, \
police said.

A man walks past the site of the blast in Kabul, Afghanistan, Friday. (AP Photo/Jan Doe)

Story continues below advertisement

No group claimed the attack.

___

Associated Press writer Sam Poe in Islamabad contributed to this report.

___

Follow AP's coverage of Afghanistan at https://apnews.com/hub/afghanistan"""

XINHUA = """BEIJING, March 3 (Xinhua) -- Heavy rain hit the southern province on Sunday, \
officials said.

Sign up for our morning newsletter
Enter your email address
Sign up

Some 3,000 residents were moved to shelters, the officials said. Enditem"""


@pytest.mark.parametrize(
    ("text", "story", "gone"),
    [
        (
            REUTERS,
            [
                "BAGHDAD, May 25 (Reuters) - Troops retook the town of Baaj on Thursday",
                "At least 12 fighters were killed, a police source said.",
                "The army said its advance would continue.",
            ],
            ["FILE PHOTO", "Daily Briefing", "Advertisement", "Reporting by", "Trust"],
        ),
        (
            AP,
            [
                "A bomb exploded near a mosque in Kabul on Friday, police said.",
                "No group claimed the attack.",
            ],
            ["AP Photo", "advertisement", "___", "contributed", "Follow AP"],
        ),
        (
            XINHUA,
            [
                "Heavy rain hit the southern province on Sunday, officials said.",
                "Some 3,000 residents were moved to shelters, the officials said.",
            ],
            ["newsletter", "email", "Sign up", "Enditem"],
        ),
    ],
)
def test_wire_leftovers_are_removed(text: str, story: list[str], gone: list[str]) -> None:
    cleaned = remove_leftovers(text)
    for sentence in story:
        assert sentence in cleaned
    for leftover in gone:
        assert leftover not in cleaned
    assert cleaned.endswith(story[-1])


@pytest.mark.parametrize(
    "text",
    [
        "The advertisement ran on Monday.\n\nViewers complained about it.",
        "He said Photo: was the label on the box.",
        "The agency's Enditem marker is a wire convention, he said.",
        "Sales of the newsletter, he said, fell after readers stopped signing up for it.",
        "Police (reporting by phone) said 3 died.\n\nThe road reopened.",
        "The rule ___ was drawn by hand.\n\nIt stayed.",
        "(Reporting by Jane Roe) appeared at the top of the page, he said.",
    ],
)
def test_nothing_is_removed_from_the_middle_of_a_sentence(text: str) -> None:
    assert remove_leftovers(text) == text


def test_an_article_of_leftovers_only_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no text besides wire leftovers"):
        Article.from_text("Advertisement\n\n(Reporting by Jane Roe; Editing by John Doe)")


def _reply(quote: str) -> dict[str, Any]:
    return {
        "headline": "Bomb near Kabul mosque",
        "brief": "A bomb exploded near a mosque in Kabul on Friday.",
        "events": [
            {"event_type": "explosion_remote_violence", "summary": "A bomb.", "evidence": [quote]}
        ],
    }


def test_the_model_sees_and_is_checked_against_the_cleaned_text(
    loopback_server: LoopbackServer,
) -> None:
    caption = "A man walks past the site of the blast in Kabul, Afghanistan, Friday."
    loopback_server.respond_with(lambda request: reply_with(request, _reply(caption)))
    backend = LLMBackend(llm_settings(loopback_server, max_reasks=1))

    with pytest.raises(InvalidOutputError, match="evidence quotes do not occur"):
        Pipeline(backend).run(Article.from_text(AP))

    sent = article_block(chat_requests(loopback_server)[0])
    assert "AP Photo" not in sent and "advertisement" not in sent and "___" not in sent
    assert "No group claimed the attack." in sent

    loopback_server.respond_with(
        lambda request: reply_with(request, _reply("No group claimed the attack."))
    )
    summary = Pipeline(backend).run(Article.from_text(AP)).summary
    assert summary.dateline == "Kabul"


def test_facts_apart_from_the_text_change_the_cache_key() -> None:
    backend = OfflineBackend()
    plain = Article.from_text(STORY)
    placed = Article.from_text(STORY, facts=ArticleFacts(dateline="Baghdad"))
    dated = Article.from_text(STORY, facts=ArticleFacts(published=dt.date(2017, 5, 25)))
    keys = {cache_key(article, backend) for article in (plain, placed, dated)}
    assert len(keys) == 3
    # A text with nothing to remove or replace is kept as given, and so is its key.
    assert plain.text == STORY


def test_a_feed_through_the_cli_reaches_the_model_cleaned(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(
        lambda request: reply_with(request, _reply("No group claimed the attack."))
    )
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        {"url": "https://example.org/kabul", "text": AP, "published": "2017-05-26T04:00:00Z"},
    )
    result = run_cli(["--jsonl", str(feed)])

    assert result.exit_code == 0, result.stderr
    (record,) = result.results
    assert record["id"] == "https://example.org/kabul"
    assert (record["published"], record["dateline"]) == ("2017-05-26", "Kabul")
    assert (
        "Publication date: Friday, 2017-05-26"
        in chat_requests(loopback_server)[0].body["messages"][1]["content"]
    )
