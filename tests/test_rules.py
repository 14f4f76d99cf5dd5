"""Each rule in one place: a validator and the eval check that audits it give one answer.

The grounding of evidence and of place names, the numbers a headline or brief may
state and the brief's length are asked twice, when a result is validated and when the
eval measures it;
the date and place of an event are compared twice, when events are matched and when
matched pairs are scored. These tests ask both places the same questions.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer import summarize
from summarizer.backends.llm import LLMBackend
from summarizer.evaluation import Dataset, LabelledArticle, aggregate, load_dataset, score_article
from summarizer.evaluation.agreement import DateAgreement, PlaceAgreement, field_agreement
from summarizer.evaluation.matching import (
    DATE_WEIGHT,
    LOCATION_WEIGHT,
    PLACE_CREDIT,
    event_similarity,
)
from summarizer.evaluation.metrics import ArticleResult
from summarizer.readers import read_article
from summarizer.rules import (
    BRIEF_MAX_WORDS,
    brief_problem,
    headline_problem,
    is_blank_quote,
    location_problem,
    place_is_grounded,
    quote_is_grounded,
    unsupported_numbers,
)
from summarizer.schema import ArticleSummary, Event, Evidence, Extraction, Location
from tests.conftest import SEED_ARTICLE, SEEDS
from tests.eval_support import gold_payload, gold_summary
from tests.llm_support import chat_requests, llm_settings, messages, seed_payload, with_evidence
from tests.loopback import LoopbackServer, Reply

ARTICLE_IDS = [
    "iraq-baaj-offensive",
    "poland-abortion-ruling-protests",
    "greece-tempi-train-collision",
]
# Quotes with no letter or digit; "—" and "-" were found in any article with a hyphen.
BLANK_QUOTES = ["", "   ", "...", "\u2026", '"..."', "\u201c\u201d", "\u2014", "-", ".,;:", "!?"]


@pytest.fixture(scope="module")
def seeds() -> Dataset:
    return load_dataset(SEEDS)


def seed(seeds: Dataset, article_id: str) -> LabelledArticle:
    (item,) = [item for item in seeds if item.id == article_id]
    return item


def validator_accepts(item: LabelledArticle, quote: str) -> bool:
    """Whether the schema takes the article's first gold event with this quote as evidence."""
    payload = gold_payload(item)["events"][0]
    try:
        Event.model_validate(
            {**payload, "evidence": [quote]}, context=item.article.validation_context()
        )
    except ValidationError:
        return False
    return True


def evidence_replaced(prediction: ArticleSummary, quotes: list[str]) -> ArticleSummary:
    """The prediction with its first event's evidence replaced, unvalidated (as the eval sees
    a result it did not make)."""
    evidence = [Evidence(text=quote) for quote in quotes]
    first = prediction.events[0].model_copy(update={"evidence": evidence})
    return prediction.model_copy(update={"events": [first, *prediction.events[1:]]})


def metric_counts_grounded(item: LabelledArticle, quote: str) -> bool:
    score = score_article(item, evidence_replaced(gold_summary(item), [quote]))
    return quote not in score.ungrounded


# -- evidence ------------------------------------------------------------------------------


@pytest.mark.parametrize("quote", BLANK_QUOTES)
def test_a_blank_quote_is_rejected_with_or_without_the_article(seeds: Dataset, quote: str) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    payload = {**gold_payload(item)["events"][0], "evidence": [quote]}

    assert is_blank_quote(quote)
    with pytest.raises(ValidationError, match="evidence quotes have no words"):
        Event.model_validate(payload, context=item.article.validation_context())
    with pytest.raises(ValidationError, match="evidence quotes have no words"):
        Event.model_validate(payload)


@pytest.mark.parametrize("quote", BLANK_QUOTES)
def test_a_blank_quote_is_not_counted_grounded(seeds: Dataset, quote: str) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    real = gold_summary(item).events[0].evidence[0].text

    score = score_article(item, evidence_replaced(gold_summary(item), [real, quote]))

    assert not quote_is_grounded(quote, item.article.text)
    assert score.ungrounded == (quote,)
    assert score.metrics()["evidence_grounded"] == pytest.approx(1 - 1 / score.quotes)


@pytest.mark.parametrize("quote", ["...", "\u2014"])
def test_a_model_giving_a_blank_quote_is_asked_again(
    loopback_server: LoopbackServer, quote: str
) -> None:
    real = seed_payload()["events"][0]["evidence"]
    loopback_server.script(
        Reply(with_evidence(seed_payload(), [*real, quote])), Reply(seed_payload())
    )

    summary = summarize(
        read_article(SEED_ARTICLE), backend=LLMBackend(llm_settings(loopback_server)), cache=False
    )

    _, second = chat_requests(loopback_server)
    feedback = messages(second)[-1]["content"]
    assert f"these evidence quotes have no words: {quote!r}" in feedback
    assert [quote.text for quote in summary.events[0].evidence] == real


def quote_variants(text: str, generator: random.Random) -> list[str]:
    """Spans of the article as a model might copy them, well and badly."""
    words = text.split()
    variants = list(BLANK_QUOTES)
    for _ in range(40):
        start = generator.randrange(len(words))
        span = " ".join(words[start : start + generator.randint(1, 12)])
        variants += [
            span,
            span.replace(" ", "\n  "),
            span.replace("'", "\u2019").replace('"', "\u201c").replace("-", "\u2014"),
            f"\u201c{span}\u201d",
            f"...{span}...",
            span.upper(),
            span + " and then some",
            span.replace(" ", "", 1),
        ]
    return variants


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_the_validator_and_the_metric_ground_the_same_quotes(
    seeds: Dataset, article_id: str
) -> None:
    item = seed(seeds, article_id)
    quotes = quote_variants(item.article.text, random.Random(article_id))

    verdicts = {quote: validator_accepts(item, quote) for quote in quotes}

    assert {quote: metric_counts_grounded(item, quote) for quote in quotes} == verdicts
    assert verdicts == {quote: quote_is_grounded(quote, item.article.text) for quote in quotes}
    # Both kinds occur, so the agreement is not that of two functions answering one way.
    assert sum(verdicts.values()) > 40
    assert sum(not accepted for accepted in verdicts.values()) > 40


def test_grounding_tolerates_typography_but_not_rewording() -> None:
    article = (
        "He said: \u201cThe army\u2019s 3rd brigade \u2014 backed by jets \u2014 "
        "took the town.\u201d"
    )

    assert quote_is_grounded("The army's 3rd brigade - backed by jets", article)
    assert not quote_is_grounded('"The town."', article)  # case is kept
    assert quote_is_grounded("\u201cThe army\u2019s 3rd\n brigade\u201d...", article)
    assert not quote_is_grounded("The army's third brigade", article)


# -- places --------------------------------------------------------------------------------

PLACES_ARTICLE = (
    "Gunmen attacked a market in the city of Gao on Monday, while in Diyala, troops "
    "massed near the border of Kidal region. Protesters gathered in Krak\u00f3w and "
    "in \u201cNew\u00a0York\u201d. \u0627\u0644\u0645\u0648\u0635\u0644 "
    "\u0647\u0627\u062f\u0626\u0629. \u7518\u8083\u7701\u79ef\u77f3\u5c71"
    "\u53bf\u53d1\u751f\u5730\u9707\u3002"
)


@pytest.mark.parametrize(
    "name",
    [
        "Gao",
        "Gao region",  # a generic word added
        "city of Gao",
        "Diyala province",
        "Province of Diyala",
        "Diyala Governorate",
        "Kidal",  # a generic word dropped
        "KIDAL REGION",  # case
        "Krakow",  # accents, either way
        "Krako\u0301w",  # decomposed
        "New York",  # a no-break space in the article
        "Gao, Kidal",  # each part named
        "\u0627\u0644\u0645\u0648\u0635\u0644",  # Arabic
        "\u0627\u0644\u0645\u064e\u0648\u0635\u0650\u0644",  # the same, vowel marks added
        "\u79ef\u77f3\u5c71",  # Chinese, inside a longer run of characters
        "\u7518\u8083\u7701",
    ],
)
def test_a_place_the_article_names_is_grounded(name: str) -> None:
    assert place_is_grounded(name, PLACES_ARTICLE)
    assert location_problem(name, PLACES_ARTICLE) is None


@pytest.mark.parametrize(
    "name",
    [
        "Timbuktu",
        "Ga",  # a word the article has only inside a longer one
        "Gao, Mopti",  # one part not named
        "province",  # generic words name no place
        "city of",
        "Diyala Timbuktu",
        "\u5317\u4eac",  # Beijing, in Chinese
        "",
    ],
)
def test_a_place_the_article_does_not_name_is_not_grounded(name: str) -> None:
    assert not place_is_grounded(name, PLACES_ARTICLE)
    problem = location_problem(name, PLACES_ARTICLE)
    assert problem is not None
    assert f"the location name {name!r} does not occur in the article" in problem


def test_a_place_is_checked_only_with_the_article_and_the_country_never() -> None:
    assert location_problem(None, PLACES_ARTICLE) is None
    assert location_problem("Timbuktu", None) is None
    event = {
        "event_type": "riot",
        "location": {"name": "Gao", "country": "Mali"},  # the article never names Mali
        "summary": "A market was attacked.",
        "evidence": ["Gunmen attacked a market"],
    }
    context = {"article_text": PLACES_ARTICLE}
    assert Event.model_validate(event, context=context).location.country == "Mali"
    with pytest.raises(ValidationError, match="'Timbuktu' does not occur in the article"):
        Event.model_validate({**event, "location": {"name": "Timbuktu"}}, context=context)
    # A result built by hand, or a label, has no article to check against.
    assert Event.model_validate({**event, "location": {"name": "Timbuktu"}}).location.name


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_the_validator_and_the_metric_ground_the_same_places(
    seeds: Dataset, article_id: str
) -> None:
    item = seed(seeds, article_id)
    gold = gold_summary(item)
    names = ["Timbuktu", "Baaj province", "Warsaw", "city of Larissa", "Tempi", "the Mosul"]
    verdicts = []
    for name in names:
        moved = gold.events[0].model_copy(update={"location": Location(name=name, country=None)})
        prediction = gold.model_copy(update={"events": [moved, *gold.events[1:]]})
        try:
            ArticleSummary.model_validate(
                prediction.model_dump(), context=item.article.validation_context()
            )
            accepted = True
        except ValidationError:
            accepted = False
        score = score_article(item, prediction)
        assert (name not in score.ungrounded_places) is accepted, name
        assert place_is_grounded(name, item.article.text) is accepted, name
        verdicts.append(accepted)
    # Both kinds occur, so the agreement is not that of two functions answering one way.
    assert True in verdicts and False in verdicts


# -- numbers and length --------------------------------------------------------------------


def test_the_validator_rejects_exactly_the_numbers_the_metric_counts(seeds: Dataset) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    payload = gold_payload(item)
    article = item.article.text
    headline = "Forces free 4 villages, 1,200 flee, 37 killed"

    unsupported = unsupported_numbers(headline, article)
    with pytest.raises(ValidationError) as raised:
        Extraction.model_validate(
            {**payload, "headline": headline}, context=item.article.validation_context()
        )
    accepted = gold_summary(item).model_copy(update={"headline": headline})
    score = score_article(item, accepted)

    assert unsupported, "the headline was meant to state a figure the article does not"
    assert f"numbers the article does not state: {', '.join(unsupported)}." in str(raised.value)
    assert list(score.unsupported) == unsupported
    assert score.metrics()["unsupported_numbers"] == len(unsupported)


@pytest.mark.parametrize(
    "brief",
    [
        "One short sentence.",
        " ".join(["word"] * BRIEF_MAX_WORDS) + ".",
        " ".join(["word"] * (BRIEF_MAX_WORDS + 1)),
        "One. Two. Three.",
        "One. Two. Three. Four.",
        "  ",
        "Gen. Smith met Mr. Jones in the U.S. on Monday.",
    ],
)
def test_the_validator_and_the_metric_apply_one_brief_length_rule(
    seeds: Dataset, brief: str
) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    problem = brief_problem(brief)
    try:
        Extraction.model_validate({**gold_payload(item), "brief": brief})
    except ValidationError as error:
        assert problem is not None and problem in str(error)
    else:
        assert problem is None
    score = score_article(item, gold_summary(item).model_copy(update={"brief": brief}))

    assert score.length_ok is (problem is None)
    assert aggregate([ArticleResult(score)])["brief_length_ok"] == float(problem is None)


def test_headline_problems() -> None:
    assert headline_problem("Troops retake Baaj") is None
    assert headline_problem(" ") == "the headline is empty; write a headline of at most 15 words"
    assert headline_problem(" ".join(["word"] * 16)) == (
        "the headline has 16 words; shorten it to at most 15"
    )


# -- date and place agreement ------------------------------------------------------------


def variant(item: LabelledArticle, **fields: Any) -> ArticleSummary:
    """The gold prediction with its first event changed (unvalidated, as a user's output)."""
    prediction = gold_summary(item)
    first = prediction.events[0].model_copy(update=fields)
    return prediction.model_copy(update={"events": [first, *prediction.events[1:]]})


BAAJ_DATE = dt.date(2017, 5, 25)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (BAAJ_DATE, DateAgreement.SAME),
        (BAAJ_DATE - dt.timedelta(days=1), DateAgreement.NEAR),
        (BAAJ_DATE + dt.timedelta(days=1), DateAgreement.NEAR),
        (BAAJ_DATE - dt.timedelta(days=2), DateAgreement.DIFFERENT),
        (None, DateAgreement.DIFFERENT),
    ],
)
def test_matching_and_metrics_agree_on_the_date(
    seeds: Dataset, date: dt.date | None, expected: DateAgreement
) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    gold = item.label.events[0]
    assert gold.date == BAAJ_DATE
    prediction = variant(item, date=date)

    # Matching: the date's share of the similarity.
    lost = event_similarity(gold, gold, item.label) - event_similarity(
        prediction.events[0], gold, item.label
    )
    # Scoring: the pair's date metrics.
    score = score_article(item, prediction)
    (pair,) = [pair for pair in score.pairs if pair.gold == 0]
    metrics = aggregate([ArticleResult(score)])
    others = len(score.pairs) - 1  # every other pair is gold and dated right

    assert pair.predicted == 0
    assert field_agreement(prediction.events[0], gold, item.label).date is expected
    assert pair.agreement.date is expected
    assert (lost == pytest.approx(0)) is (metrics["date_accuracy"] == 1.0)
    assert (lost < DATE_WEIGHT - 1e-9) is (metrics["date_within_1d"] == 1.0)
    assert metrics["date_accuracy"] == pytest.approx(
        (others + (expected is DateAgreement.SAME)) / len(score.pairs)
    )


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (Location(name="Baaj", country="Iraq"), PlaceAgreement.SAME),
        (Location(name="al-Baaj", country="Iraq"), PlaceAgreement.SAME),  # an alias
        (Location(name="THE BA\u2019AJ", country="iraq"), PlaceAgreement.SAME),
        (Location(name="Baaj", country=None), PlaceAgreement.SAME),  # the name decides
        (Location(name="Mosul", country="Iraq"), PlaceAgreement.SAME_COUNTRY),
        (Location(name=None, country="Iraq"), PlaceAgreement.SAME_COUNTRY),
        (Location(name="Raqqa", country="Syria"), PlaceAgreement.DIFFERENT),
    ],
)
def test_matching_and_metrics_agree_on_the_place(
    seeds: Dataset, location: Location, expected: PlaceAgreement
) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    gold = item.label.events[0]
    prediction = variant(item, location=location)

    lost = event_similarity(gold, gold, item.label) - event_similarity(
        prediction.events[0], gold, item.label
    )
    score = score_article(item, prediction)
    (pair,) = [pair for pair in score.pairs if pair.gold == 0]
    metrics = aggregate([ArticleResult(score)])

    assert pair.predicted == 0
    assert pair.agreement.place is expected
    assert lost == pytest.approx(LOCATION_WEIGHT * (1 - PLACE_CREDIT[expected]))
    assert (metrics["location_accuracy"] == 1.0) is (expected is PlaceAgreement.SAME)
    assert ("location" in pair.agreement.wrong_fields) is (expected is not PlaceAgreement.SAME)


def test_a_gold_event_without_a_place_name_agrees_on_its_country(seeds: Dataset) -> None:
    item = seed(seeds, "iraq-baaj-offensive")
    label = item.label
    nameless = Location(name=None, country="Iraq")
    base = label.events[0]

    def place(predicted: Location) -> PlaceAgreement:
        return field_agreement(
            base.model_copy(update={"location": predicted}),
            base.model_copy(update={"location": nameless}),
            label,
        ).place

    assert place(Location(name=None, country="Iraq")) is PlaceAgreement.SAME
    assert place(Location(name="", country="iraq")) is PlaceAgreement.SAME
    assert place(Location(name="Baaj", country="Iraq")) is PlaceAgreement.SAME_COUNTRY
    assert place(Location(name=None, country="Syria")) is PlaceAgreement.DIFFERENT
