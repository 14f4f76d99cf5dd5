"""Evidence spans: every quote of a result located in its article, in any script."""

# Cyrillic test text is Cyrillic on purpose, however much its letters look Latin.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from typing import Any, ClassVar

import diskcache
import pytest
from pydantic import ValidationError

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.cache import ResultCache, cache_key
from summarizer.evidence import locate_quote, span_matches
from summarizer.pipeline import Pipeline
from summarizer.schema import ArticleSummary, Extraction, Usage, schema_version
from summarizer.text import grounding_form
from tests.llm_support import run_cli


@pytest.mark.parametrize(
    ("article", "quote", "expected"),
    [
        # Chinese: no spaces between words; offsets count characters, not bytes.
        (
            "新华社北京5月25日电 伊拉克军队周四收复了巴阿杰镇。当地居民表示欢迎。",
            "伊拉克军队周四收复了巴阿杰镇",
            "伊拉克军队周四收复了巴阿杰镇",
        ),
        # Arabic, right to left, with a line break inside the quoted words.
        (
            "بغداد: استعادت القوات العراقية\nبلدة البعاج يوم الخميس. "
            "وقال مسؤولون إن المعارك انتهت.",
            "استعادت القوات العراقية بلدة البعاج",
            "استعادت القوات العراقية\nبلدة البعاج",
        ),
        # Cyrillic with typographic quotes and an em dash in the article.
        (
            "Москва — «Войска освободили город», сказал представитель.",
            '"Войска освободили город"',
            "Войска освободили город",
        ),
        (
            "Kyiv \u2014 officials said the\u00a0strike hit\n\n  a depot.",
            "officials said the strike hit a depot",
            "officials said the\u00a0strike hit\n\n  a depot",
        ),
        (
            "He said \u201cwe will return\u201d \u2013 and left.",
            "\u201cwe will return\u201d - and left",
            "we will return\u201d \u2013 and left",
        ),
    ],
)
def test_a_quote_is_located_in_any_script(article: str, quote: str, expected: str) -> None:
    span = locate_quote(quote, article)

    assert span is not None
    start, end = span
    assert article[start:end] == expected
    assert grounding_form(article[start:end]) == grounding_form(quote)
    assert span_matches(quote, article, start, end)


@pytest.mark.parametrize(
    "quote", ["Troops retook Baaj", "troops retook the town", "Baaj fell", "", "   ", '""']
)
def test_locating_agrees_with_the_grounding_check(quote: str) -> None:
    article = "date 2017-05-25 Baghdad: Troops retook the town of Baaj on Thursday."
    grounded = bool(grounding_form(quote)) and grounding_form(quote) in grounding_form(article)

    assert (locate_quote(quote, article) is not None) == grounded


def test_the_first_occurrence_is_taken() -> None:
    article = "A blast hit. Police came. A blast hit."

    assert locate_quote("A blast hit", article) == (0, 11)


def _draft(quotes: list[str]) -> Draft:
    extraction = Extraction.model_validate(
        {
            "headline": "Troops retake a town",
            "brief": "Troops retook a town.",
            "events": [
                {"event_type": "battle", "summary": "Troops retook a town.", "evidence": quotes}
            ],
        }
    )
    return Draft(extraction, Usage())


class _NoBackend:
    name = "test"
    model = None
    prompt_version = "test-1"
    settings: ClassVar[dict[str, Any]] = {}

    def extract(self, article: Article) -> Draft:
        raise AssertionError("the cache should have answered")

    async def aextract(self, article: Article) -> Draft:
        raise AssertionError("the cache should have answered")


def test_the_pipeline_gives_every_quote_its_span() -> None:
    article = Article.from_text(
        "date 2024-03-01 Киев: Войска  освободили\nгород. Жители вернулись."
    )
    with Pipeline(_NoBackend()) as pipeline:
        summary = pipeline.accept(
            article, _draft(["Войска освободили город", "Жители вернулись"])
        ).summary

    quotes = summary.events[0].evidence
    assert [(quote.text, article.text[quote.start : quote.end]) for quote in quotes] == [
        ("Войска освободили город", "Войска  освободили\nгород"),
        ("Жители вернулись", "Жители вернулись"),
    ]


def test_offsets_that_no_longer_select_the_quote_are_located_again() -> None:
    article = Article.from_text("Fire broke out. Two people died.")
    record = {
        "headline": "Fire",
        "brief": "Fire broke out.",
        "id": "fire",
        "backend": "test",
        "prompt_version": "test",
        "events": [
            {
                "event_type": "accident",
                "summary": "A fire.",
                "evidence": [{"text": "Two people died", "start": 0, "end": 5}],
            }
        ],
    }

    summary = ArticleSummary.model_validate(record, context=article.validation_context())

    quote = summary.events[0].evidence[0]
    assert article.text[quote.start : quote.end] == "Two people died"


def test_a_quote_not_in_the_article_is_refused() -> None:
    article = Article.from_text("Fire broke out. Two people died.")
    with Pipeline(_NoBackend()) as pipeline, pytest.raises(Exception, match="do not occur"):
        pipeline.accept(article, _draft(["Three people died"]))


def test_without_the_article_a_plain_quote_has_no_offsets() -> None:
    summary = ArticleSummary.model_validate(
        {
            "headline": "Fire",
            "brief": "Fire broke out.",
            "id": "fire",
            "backend": "test",
            "prompt_version": "test",
            "events": [{"event_type": "accident", "summary": "A fire.", "evidence": ["Fire"]}],
        }
    )

    assert summary.events[0].evidence[0].model_dump() == {
        "text": "Fire",
        "start": None,
        "end": None,
    }


def test_evidence_must_be_quotes() -> None:
    with pytest.raises(ValidationError, match="evidence"):
        ArticleSummary.model_validate(
            {
                "headline": "Fire",
                "brief": "Fire.",
                "id": "fire",
                "backend": "test",
                "prompt_version": "test",
                "events": [{"event_type": "accident", "summary": "A fire.", "evidence": [7]}],
            }
        )


def test_the_model_is_asked_for_quotes_and_the_result_schema_has_spans() -> None:
    asked = Extraction.model_json_schema()["$defs"]["ExtractedEvent"]["properties"]["evidence"]
    shown = json.loads(run_cli(["schema"]).stdout)
    result = shown["$defs"]["Event"]["properties"]["evidence"]

    assert asked["items"] == {"type": "string"}
    assert result["items"] == {"$ref": "#/$defs/Evidence"}
    assert set(shown["$defs"]["Evidence"]["properties"]) == {"text", "start", "end", "page"}


def test_a_result_cached_before_spans_is_upgraded_not_a_crash(tmp_path: Any) -> None:
    """An entry stored with plain-string evidence (the old shape) under today's key."""
    article = Article.from_text("date 2024-03-01 Kyiv: A drone hit a depot. Nobody was hurt.")
    old_shape = {
        "headline": "Drone hits depot",
        "brief": "A drone hit a depot.",
        "events": [
            {
                "event_type": "explosion_remote_violence",
                "summary": "A drone hit a depot.",
                "evidence": ["A drone hit a depot"],
            }
        ],
        "id": article.id,
        "backend": "test",
        "prompt_version": "test-1",
    }
    backend = _NoBackend()
    with diskcache.Cache(str(tmp_path / "cache")) as store:  # as an older release stored it
        store.set(cache_key(article, backend), json.dumps(old_shape))
    with ResultCache(tmp_path / "cache") as cache, Pipeline(backend, cache) as pipeline:
        outcome = pipeline.run(article)

    quote = outcome.summary.events[0].evidence[0]
    assert outcome.cached
    assert article.text[quote.start : quote.end] == "A drone hit a depot"


def test_the_schema_version_covers_the_result() -> None:
    """Results stored before spans were keyed by a hash of the extraction schema alone."""
    import hashlib

    extraction_only = json.dumps(Extraction.model_json_schema(), sort_keys=True)
    assert schema_version() != hashlib.sha256(extraction_only.encode()).hexdigest()[:12]


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_located_exactly_when_grounded_over_many_mixed_texts() -> None:
    """Random texts of spaces, line breaks, typographic marks and letters, and quotes
    cut from them or made up: found iff the grounding check accepts, and the span's
    grounding form is the quote's."""
    import random

    generator = random.Random(12)
    alphabet = "ab c\n\t\u00a0\u201c\u201d\u2014-.x'`\u2019\u00ab"
    for _ in range(5000):
        article = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 40)))
        start = generator.randint(0, len(article))
        quote = article[start : generator.randint(start, len(article))]
        if generator.random() < 0.2:
            quote = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 6)))
        wanted = grounding_form(quote)

        span = locate_quote(quote, article)

        assert (span is not None) == (bool(wanted) and wanted in grounding_form(article))
        if span is not None:
            assert grounding_form(article[span[0] : span[1]]) == wanted


@pytest.mark.parametrize(
    ("article", "quote", "written"),
    [
        # Arabic with its vowel marks and a tatweel; the quote without them.
        ("قال المسؤول: قُتِلَ ١٢ شخصاً في حلــب أمس.", "قتل ١٢ شخصا في حلب", "قُتِلَ ١٢ شخصاً في حلــب"),
        # A decomposed accent in the article, a composed one in the quote.
        ("El gobierno informo\u0301 de 131 muertos.", "informó de 131", "informo\u0301 de 131"),
        # Full-width digits and spaces beside ideographs.
        (
            "甘肃省积石山县１８日发生 6.2 级地震。",
            "积石山县18日发生6.2级地震",
            "积石山县１８日发生 6.2 级地震",
        ),
    ],
)
def test_what_only_normalisation_tells_apart_is_located_in_the_text_as_written(
    article: str, quote: str, written: str
) -> None:
    span = locate_quote(quote, article)

    assert span is not None
    assert article[span[0] : span[1]] == written
    assert span_matches(quote, article, *span)
