"""summarizer-echo: a backend that answers with each article's first sentence.

Deterministic and offline: one event of type `other` whose evidence is the first
sentence of the article's body, a brief that is that sentence (cut to the word
limit), and a headline of its first words. Everything is copied from the article,
so every result passes the pipeline's checks against it.
"""

from __future__ import annotations

import re
from typing import Any

from summarizer import Article, BackendPlugin, Draft, Extraction, LLMOptions, LLMSettings, Usage

# Up to the first full stop, question or exclamation mark that ends a sentence.
FIRST_SENTENCE = re.compile(r"\S.*?[.!?](?=\s|$)", re.DOTALL)
HEADLINE_WORDS = 10
BRIEF_WORDS = 50


def first_sentence(text: str) -> str:
    found = FIRST_SENTENCE.search(text)
    return found.group() if found else text.strip()


class EchoBackend:
    """The `Backend` protocol: a name, a model, a prompt version, settings, and the
    two extract methods."""

    name = "echo"
    model: str | None = None
    # Part of every cache key: change it whenever the answers change.
    prompt_version = "echo-1"

    @property
    def settings(self) -> dict[str, Any]:
        return {}

    def extract(self, article: Article) -> Draft:
        sentence = first_sentence(article.body or article.text)
        words = sentence.split()
        extraction = Extraction.model_validate(
            {
                "headline": " ".join(words[:HEADLINE_WORDS]),
                "brief": " ".join(words[:BRIEF_WORDS]),
                "events": [{"event_type": "other", "summary": sentence, "evidence": [sentence]}],
            }
        )
        return Draft(extraction, Usage())

    async def aextract(self, article: Article) -> Draft:
        return self.extract(article)


def create(settings: LLMSettings | None, options: LLMOptions) -> EchoBackend:
    return EchoBackend()


plugin = BackendPlugin(name="echo", create=create)
