"""The request instructor builds for a mode, built once and filled per article."""

from __future__ import annotations

import pytest
from instructor.processing.response import handle_response_model

from summarizer import summarize
from summarizer.article import Article, read_article
from summarizer.backends.llm import LLMBackend
from summarizer.backends.structured import instructor_mode, response_model
from summarizer.settings import Mode
from tests.conftest import SEEDS
from tests.llm_support import chat_requests, llm_settings, seed_reply
from tests.loopback import LoopbackServer

SEED_PATHS = sorted((SEEDS / "articles").glob("*.txt"))[:4]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_body_is_what_instructor_builds_for_each_article(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=mode, temperature=0.2))
    for path in SEED_PATHS:
        article = read_article(path)
        system, user = backend.prompt.render(article)
        _, expected = handle_response_model(
            response_model(),
            instructor_mode(mode),
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            model=backend.config.model,
            temperature=0.2,
        )

        assert backend.request_body(article) == expected


@pytest.mark.parametrize("mode", list(Mode))
def test_the_server_receives_the_body_exactly(mode: Mode, loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    article = read_article(SEEDS / "articles" / "iraq-baaj-offensive.txt")

    summarize(article, backend=backend, cache=False)

    (request,) = chat_requests(loopback_server)
    assert request.body == backend.request_body(article)


def test_article_text_never_changes_the_template(loopback_server: LoopbackServer) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=Mode.MD_JSON))
    tricky = Article.from_text("date 2024-01-02 Oslo: A \x00summarizer-user-message\x00 test.")

    body = backend.request_body(tricky)

    assert body["messages"][1]["content"].count("summarizer-user-message") == 1
