"""Typed settings, one way to assemble a pipeline, errors that keep their cause."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer import (
    LLMSettings,
    Mode,
    Pipeline,
    asummarize_many,
    open_pipeline,
    summarize,
    summarize_many,
)
from summarizer.article import Article
from summarizer.backends import get_backend
from summarizer.backends.llm import LLMBackend
from summarizer.backends.plugins import installed_backends
from summarizer.cache import ResultCache
from summarizer.errors import ConfigurationError, UsageError
from summarizer.run import ErrorRecord, ResultRecord
from summarizer.schema import ArticleSummary, ValidationContext
from tests.conftest import SEED_ARTICLE
from tests.llm_support import chat_requests, llm_settings, run_cli, seed_reply
from tests.loopback import LoopbackServer
from tests.test_batch import ScriptedBackend, articles

TEXT = "date 2017-05-25 Baghdad: Iraqi troops retook the town of Baaj on Thursday."


def test_a_misspelt_option_is_a_configuration_error_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="unknown option 'temprature'"):
        summarize(TEXT, temprature=0.3)


def test_an_option_the_chosen_backend_does_not_take_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'model' does not apply to the offline backend"):
        summarize(TEXT, backend="offline", model="gpt-4o")
    with pytest.raises(ConfigurationError, match="do not apply to the offline backend"):
        get_backend("offline", settings=LLMSettings(model="gpt-4o"))


def test_an_llm_option_without_an_endpoint_says_how_to_configure_one() -> None:
    with pytest.raises(ConfigurationError, match="no LLM endpoint configured"):
        summarize(TEXT, model="gpt-4o")


def test_an_unknown_mode_or_backend_lists_the_choices() -> None:
    choices = "choose one of tools, tools_strict, json_schema, json, md_json"
    with pytest.raises(ConfigurationError, match=choices):
        LLMSettings(mode="xml")  # type: ignore[arg-type]
    with pytest.raises(
        ConfigurationError, match=r"unknown backend 'gpt'; installed: offline, openai$"
    ):
        get_backend("gpt")


def test_settings_are_typed_and_keyword_only(loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(seed_reply)
    settings = llm_settings(loopback_server, mode="json")

    result = summarize(SEED_ARTICLE.read_text(), settings=settings, cache=False)

    assert settings.mode is Mode.JSON
    assert result.backend == "openai"
    body = chat_requests(loopback_server)[0].body
    assert body is not None and body["response_format"] == {"type": "json_object"}
    with pytest.raises(TypeError):
        LLMSettings("gpt-4o")  # type: ignore[misc]


def test_options_by_name_replace_fields_of_given_settings(loopback_server: LoopbackServer) -> None:
    backend = get_backend(settings=llm_settings(loopback_server), model="other-model")

    assert isinstance(backend, LLMBackend)
    assert backend.config.model == "other-model"
    assert backend.config.base_url == loopback_server.base_url


def test_a_backend_instance_takes_no_options() -> None:
    with pytest.raises(ConfigurationError, match="configure a backend given by name"):
        open_pipeline(get_backend("offline"), model="gpt-4o")


def test_the_cli_choices_come_from_the_settings_and_the_installed_backends() -> None:
    mode = run_cli(["--mode", "xml", str(SEED_ARTICLE)])
    backend = run_cli(["--backend", "gpt", str(SEED_ARTICLE)])

    assert mode.exit_code == backend.exit_code == 2
    assert all(choice.value in mode.stderr for choice in Mode)
    assert backend.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--backend': unknown backend 'gpt'; installed: "
        + ", ".join(installed_backends())
    )


def test_the_cli_refuses_an_option_the_backend_does_not_take() -> None:
    result = run_cli(["--backend", "offline", "--model", "gpt-4o", str(SEED_ARTICLE)])

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: option 'model' does not apply to the offline backend"
    ]


class CountingCache(ResultCache):
    """A real cache that counts its reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: Counter[str] = Counter()

    def get(
        self, key: str, context: ValidationContext, model: type[BaseModel] = ArticleSummary
    ) -> ArticleSummary | None:
        self.reads[key] += 1
        return super().get(key, context, model)


@pytest.mark.parametrize("limits", [{}, {"rpm": 6000, "tpm": 10**7}])
def test_each_article_reads_the_cache_once(limits: dict[str, int], tmp_path: Any) -> None:
    with CountingCache(tmp_path) as cache:
        first = list(summarize_many(articles(5), Pipeline(ScriptedBackend(), cache), **limits))
        again = list(summarize_many(articles(5), Pipeline(ScriptedBackend(), cache), **limits))

    assert all(isinstance(record, ResultRecord) for record in first + again)
    assert all(isinstance(record, ResultRecord) and record.cached for record in again)
    assert sorted(cache.reads.values()) == [2] * 5  # once per article per run


def test_an_error_record_keeps_its_exception_and_a_bug_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="summarizer")

    records = list(summarize_many(articles(2), Pipeline(ScriptedBackend(crash={"a-1"}))))

    (error,) = (record for record in records if isinstance(record, ErrorRecord))
    assert isinstance(error.error, ValueError)
    assert error.error.__traceback__ is not None
    logged = [r for r in caplog.records if r.name == "summarizer.run.engine"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and logged[0].exc_info[1] is error.error


def test_a_bug_is_raised_under_summarizer_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_DEBUG", "1")

    with pytest.raises(ValueError, match="a bug in the backend"):
        list(summarize_many(articles(2), Pipeline(ScriptedBackend(crash={"a-1"}))))


def test_a_run_iterated_twice_is_a_usage_error() -> None:
    batch = asummarize_many(articles(1), Pipeline(ScriptedBackend()))

    async def twice() -> None:
        [record async for record in batch]
        [record async for record in batch]

    with pytest.raises(UsageError, match="only once"):
        asyncio.run(twice())


def test_the_cli_restores_the_log_levels_it_quietened() -> None:
    loggers = [logging.getLogger(name) for name in ("instructor", "summarizer.run.engine")]
    before = [logger.level for logger in loggers]

    run_cli(["--backend", "offline", "--no-cache", str(SEED_ARTICLE)])

    assert [logger.level for logger in loggers] == before


def test_a_pipeline_article_through_the_public_api() -> None:
    with open_pipeline("offline", cache=False) as pipeline:
        outcome = pipeline.run(Article.from_text(TEXT))

    assert not outcome.cached
    assert outcome.summary.events[0].location.name == "Baaj"
