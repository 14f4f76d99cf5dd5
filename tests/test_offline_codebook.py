"""The offline extractor with a codebook: the rules find the events, the codebook types them."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article
from summarizer.backends.offline import OfflineBackend, extract
from summarizer.backends.offline.coding import as_key, keyword_pattern, word_forms
from summarizer.codebook import Codebook
from summarizer.errors import ConfigurationError
from summarizer.readers import read_article
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent
PROTEST = Codebook.load(ROOT / "examples" / "codebooks" / "protest.yaml")
ACLED = Codebook.load("acled")
NEWS = Codebook.load("news")

MARCH = (
    "date 2024-04-12 Porto: Several thousand nurses marched through central Porto on "
    "Wednesday to demand higher wages, the organisers said. The march ended outside the "
    "regional health office without incident."
)


def coded(text: str | Article, codebook: Codebook) -> Any:
    """The result for an article, validated as `codebook`'s result with the article."""
    article = text if isinstance(text, Article) else Article.from_text(text)
    draft = OfflineBackend(codebook=codebook).extract(article)
    return codebook.result_model.model_validate(
        {
            **draft.extraction.model_dump(),
            "id": article.id,
            "published": article.published,
            "dateline": article.dateline,
            "backend": "offline",
            "model": None,
            "prompt_version": "test",
            "usage": draft.usage,
            "attempts": draft.attempts,
        },
        context=article.validation_context(),
    )


def _codebook(tmp_path: Path, text: str) -> Codebook:
    path = tmp_path / "book.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Codebook.load(path)


def test_the_protest_codebook_finds_a_march_with_its_date_and_place() -> None:
    result = coded(MARCH, PROTEST)
    assert len(result.events) == 1
    event = result.events[0]
    assert event.event_type.value == "demonstration"
    assert event.sub_event_type == "march"  # the subtype's key, "marched" in the report
    assert event.date == dt.date(2024, 4, 10)
    assert (event.location.name, event.location.country) == ("Porto", "Portugal")
    # Extra fields the rules cannot read are left empty, not guessed.
    assert event.crowd_size is None and event.claims == [] and event.police_response == []
    assert event.organizer is None and event.protester_violence is None


def test_a_violent_crowd_keeps_the_rules_reading_when_the_codebook_has_the_type() -> None:
    # "Protesters" is a keyword of demonstration; the rules read the bottles thrown.
    text = "date 2024-04-12 Porto: Protesters threw bottles at police in Porto on Thursday."
    assert [event.event_type.value for event in coded(text, PROTEST).events] == ["riot"]


def test_events_of_no_codebook_type_are_left_out() -> None:
    text = "date 2024-04-12 Porto: A magnitude 5.1 earthquake shook Porto on Thursday."
    assert extract(Article.from_text(text)).events  # the rules find a disaster
    assert coded(text, PROTEST).events == []


def test_acled_finds_a_battle_and_an_air_strike() -> None:
    text = (
        "date 2023-09-14 Goma: Soldiers clashed with M23 rebels near Kibumba on Tuesday, "
        "killing 12 fighters, the army said. On Wednesday a drone strike hit a market in "
        "Rutshuru, killing five civilians."
    )
    events = [(event.event_type.value, event.sub_event_type) for event in coded(text, ACLED).events]
    assert events == [
        ("battle", "armed_clash"),
        ("explosion_remote_violence", "air_drone_strike"),
    ]


def test_a_type_the_rules_do_not_name_is_found_by_its_keywords(tmp_path: Path) -> None:
    codebook = _codebook(
        tmp_path,
        """\
        name: unrest
        types:
          labour_action:
            definition: Workers stop work or picket.
            keywords: [walkout, picket]
          street_action:
            definition: A crowd in the street.
            subtypes: {blockade: A road is blocked.}
            keywords: [march, blockade]
        core: {actors: false, fatalities: false}
        """,
    )
    text = (
        "date 2024-04-12 Lyon: Bus drivers picketed the main depot in Lyon on Monday. "
        "On Tuesday farmers marched in Dijon and blockaded the ring road."
    )
    events = coded(text, codebook).events
    assert [(event.event_type.value, event.sub_event_type) for event in events] == [
        ("labour_action", None),
        ("street_action", "blockade"),
    ]
    assert "actors" not in events[0].model_dump() and "fatalities" not in events[0].model_dump()


def test_a_codebook_without_keywords_is_refused_in_one_line(tmp_path: Path) -> None:
    codebook = _codebook(
        tmp_path,
        """\
        name: cyber
        types:
          intrusion:
            definition: Someone breaks into a computer system.
        """,
    )
    with pytest.raises(ConfigurationError) as raised:
        OfflineBackend(codebook=codebook)
    message = str(raised.value)
    assert "\n" not in message
    assert "offline extractor needs keywords" in message and "'cyber'" in message
    assert "LLM" in message


def test_news_is_the_default_and_unchanged() -> None:
    article = read_article(sorted((SEEDS / "articles").glob("*.txt"))[0])
    default = OfflineBackend()
    assert default.codebook == NEWS and default.settings == {}
    assert default.extract(article).extraction.model_dump() == (
        OfflineBackend(codebook=NEWS).extract(article).extraction.model_dump()
    )
    acled = OfflineBackend(codebook=ACLED)
    assert acled.settings == {"codebook": f"acled@{ACLED.hash}"}
    # Worker processes get a copy.
    copy = pickle.loads(pickle.dumps(acled))
    assert copy.codebook == ACLED
    assert copy.extract(article).extraction.model_dump() == (
        acled.extract(article).extraction.model_dump()
    )


def test_keywords_match_as_written_and_with_simple_endings() -> None:
    assert set(word_forms("march")) >= {"march", "marches", "marched", "marching", "marchers"}
    assert word_forms("rally") == ["rally", "rallies", "rallied", "rallying"]
    assert set(word_forms("blockade")) >= {"blockades", "blockaded", "blockading"}
    assert word_forms("IED") == ["IED", "IEDs"]
    assert word_forms("sit-in") == ["sit-in"]
    pattern = re.compile(keyword_pattern("set fire"), re.IGNORECASE)
    assert pattern.fullmatch("set  fire") and pattern.fullmatch("Set fires")
    assert not pattern.fullmatch("sets fire")  # only the last word takes an ending
    assert as_key("remote explosive/landmine/IED") == "remote_explosive_landmine_ied"


def test_a_lower_case_keyword_does_not_match_a_name_inside_a_sentence(tmp_path: Path) -> None:
    codebook = _codebook(
        tmp_path,
        """\
        name: marches
        types:
          demonstration:
            definition: People gather in public for a cause.
            keywords: [march]
          assembly:
            definition: A meeting in public.
            keywords: [protest]
        """,
    )
    # The month is no march; the protest that follows it is what the keywords find.
    text = "date 2024-03-20 Lyon: On 18 March hundreds of students protested in Lyon."
    assert [event.event_type.value for event in coded(text, codebook).events] == ["assembly"]


def test_only_the_clauses_reporting_an_event_type_it() -> None:
    # The resignation is no ACLED event; the protests named beside it are its cause.
    text = (
        "date 2024-04-12 Lyon: The regional governor resigned on Wednesday, bowing to "
        "three weeks of protests over water cuts in the province."
    )
    assert [event.event_type for event in extract(Article.from_text(text)).events]
    assert coded(text, ACLED).events == []


def test_the_brief_keeps_the_codebook_word_limit(tmp_path: Path) -> None:
    codebook = _codebook(
        tmp_path,
        """\
        name: short
        types:
          demonstration:
            definition: People gather in public for a cause.
            keywords: [march]
        brief: {max_words: 12}
        """,
    )
    result = coded(MARCH, codebook)
    assert result.events and 0 < len(result.brief.split()) <= 12


@pytest.mark.parametrize("codebook", [ACLED, PROTEST], ids=lambda codebook: codebook.name)
def test_every_seed_article_gives_a_valid_result_in_another_codebook(codebook: Codebook) -> None:
    found = 0
    for path in sorted((SEEDS / "articles").glob("*.txt")):
        found += len(coded(read_article(path), codebook).events)
    assert found > 0
