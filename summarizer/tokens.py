"""The tokens a request will spend, known before it is sent.

Two ways, and every figure says which it used:

- counted: with `bpe-openai` installed (the `tokens` extra), the texts of the
  request, exactly as the backend will send them (`LLMBackend.request_body`:
  the rendered messages and the schema for the mode, `tools`,
  `response_format` or the schema written into a message), are encoded with
  the model's tokenizer (o200k_base or
  cl100k_base, for OpenAI's models). Only the few tokens the chat format wraps
  around each message, and the provider's own rendering of a tool schema, are
  OpenAI's published rule of thumb rather than a count;
- approximated: otherwise (no tokenizer installed, or a model whose tokenizer
  is not OpenAI's), four characters a token, as for English wire copy.

A reply's length cannot be counted before it exists: `EXPECTED_OUTPUT_TOKENS`
is the mean reply of the gold loopback run on the seed articles (two events an
article, each with its summary and a sentence of evidence; python -m
evals.seed_cost). A model that quotes less, or finds fewer events, writes less.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from summarizer.article import Article
from summarizer.schema import Usage

if TYPE_CHECKING:
    from summarizer.backends.llm import LLMBackend

# English wire copy averages about four characters per token.
CHARS_PER_TOKEN = 4
# Completion tokens of one reply: the mean of the gold replies to the 20 seed
# articles, counted with o200k_base (821; python -m evals.seed_cost).
EXPECTED_OUTPUT_TOKENS = 820
# Prompt tokens of a request besides the article: the system message, the
# response schema and the message framing, counted with o200k_base for the
# `tools` mode (a mean of 900 over the seeds; python -m evals.seed_cost).
PROMPT_OVERHEAD_TOKENS = 900
# Request fields that are not the structured-output schema.
_NOT_SCHEMA = frozenset({"messages", "model", "temperature"})
# OpenAI's chat format: each message is wrapped in a few tokens, and the reply is
# primed with a few more.
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING_TOKENS = 3


def rough_usage(article: Article) -> Usage:
    """A quick guess at one request's usage: the prompt overhead, the article at four
    characters a token, and the expected reply. For limits that must not wait for a
    tokenizer; `TokenCounter` counts."""
    return Usage(
        prompt_tokens=PROMPT_OVERHEAD_TOKENS + len(article.body) // CHARS_PER_TOKEN,
        completion_tokens=EXPECTED_OUTPUT_TOKENS,
    )


@dataclass(frozen=True)
class TokenCounter:
    """Counts text in a model's tokens, with its tokenizer or by the approximation."""

    encoding_name: str | None = None
    _encoding: Any = None

    @property
    def exact(self) -> bool:
        return self._encoding is not None

    @property
    def method(self) -> str:
        if self.exact:
            return f"counted with {self.encoding_name} (bpe-openai)"
        return f"approximated at {CHARS_PER_TOKEN} characters a token"

    def count(self, text: str) -> int:
        if self._encoding is None:
            return -(-len(text) // CHARS_PER_TOKEN)
        return len(self._encoding.encode_ordinary(text))


@cache
def token_counter(model: str) -> TokenCounter:
    """The counter for `model`: its tokenizer when bpe-openai is installed and knows
    the model's encoding, else the approximation."""
    try:
        import bpe_openai
    except ImportError:
        return TokenCounter()
    try:
        name = bpe_openai.encoding_name_for_model(model)
    except (KeyError, ValueError, bpe_openai.TokenizerError):
        return TokenCounter()
    return TokenCounter(name, bpe_openai.get_encoding(name))


def request_texts(article: Article, backend: LLMBackend) -> tuple[list[str], str]:
    """The message texts of `article`'s request, and the schema JSON the mode sends
    besides them (tools, response_format; empty when the schema is in a message)."""
    body = backend.request_body(article)
    messages = [str(message["content"]) for message in body["messages"]]
    fields = {key: value for key, value in body.items() if key not in _NOT_SCHEMA}
    return messages, json.dumps(fields, sort_keys=True) if fields else ""


def request_tokens(article: Article, backend: LLMBackend, counter: TokenCounter) -> int:
    """The prompt tokens of `article`'s first request (a re-ask sends more)."""
    messages, schema = request_texts(article, backend)
    return (
        sum(counter.count(text) + TOKENS_PER_MESSAGE for text in messages)
        + counter.count(schema)
        + REPLY_PRIMING_TOKENS
    )
