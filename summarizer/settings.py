"""Typed settings: how an LLM is called, and the options that name them.

>>> settings = LLMSettings(model="llama3.1", base_url="http://localhost:11434/v1")
>>> settings.mode
<Mode.TOOLS: 'tools'>

The environment is read only by `LLMSettings.from_env` and `llm_configured`,
at call time, never on import. `LLMOptions` are the same fields given by name
(to `summarize`, `open_pipeline`, `get_backend`); which backend takes which is
each backend plugin's to say (`summarizer.backends.plugins`). This module imports
nothing heavy: the CLI reads its choices from here at start-up.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypedDict, cast

from typing_extensions import Unpack

from summarizer.errors import ConfigurationError

DEFAULT_MODEL = "gpt-4o-mini"
MODEL_ENV = "SUMMARIZER_MODEL"
BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"


class Mode(str, Enum):
    """How the model is asked for structured output; local servers often lack `tools`."""

    TOOLS = "tools"
    TOOLS_STRICT = "tools_strict"
    JSON_SCHEMA = "json_schema"
    JSON = "json"
    MD_JSON = "md_json"


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """Where and how to call the model; the API key is never shown in its repr.

    >>> LLMSettings(model="gpt-4o", api_key="sk-secret")
    LLMSettings(model='gpt-4o', base_url=None, mode=<Mode.TOOLS: 'tools'>, temperature=0.0, max_reasks=2, max_attempts=4, max_retry_seconds=120.0, retry_backoff=0.5, timeout=120.0, prompt_dir=None)
    """  # noqa: E501

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: Mode = Mode.TOOLS
    temperature: float = 0.0
    max_reasks: int = 2
    max_attempts: int = 4
    max_retry_seconds: float = 120.0
    # The first backoff between transient failures; it doubles per attempt, plus up
    # to as much again in jitter, capped by the retry policy.
    retry_backoff: float = 0.5
    timeout: float = 120.0
    # A folder of prompt templates to use instead of the packaged ones (or
    # $SUMMARIZER_PROMPTS); the prompt's version, not this path, is in cache keys.
    prompt_dir: Path | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.mode, Mode):
            object.__setattr__(self, "mode", parse_mode(self.mode))

    @classmethod
    def from_env(cls, **options: Unpack[LLMOptions]) -> LLMSettings:
        """Options given first, then `SUMMARIZER_MODEL`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`.

        An option given as None counts as not given.
        """
        given: dict[str, Any] = dict(given_options(options))
        given.setdefault("model", os.environ.get(MODEL_ENV) or DEFAULT_MODEL)
        given.setdefault("base_url", os.environ.get(BASE_URL_ENV) or None)
        given.setdefault("api_key", os.environ.get(API_KEY_ENV) or None)
        return cls(**given)

    def replaced(self, **options: Unpack[LLMOptions]) -> LLMSettings:
        """These settings with each option given (not None) in place of its field."""
        given: dict[str, Any] = dict(given_options(options))
        return dataclasses.replace(self, **given)

    @property
    def configured(self) -> bool:
        """Whether these settings name an endpoint: a key for OpenAI, or a base URL."""
        return bool(self.api_key or self.base_url)


class LLMOptions(TypedDict, total=False):
    """`LLMSettings`' fields given by name, each None for "not given".

    `summarize(text, model="llama3.1", base_url=...)` and the other entry points
    take them; a misspelt one is a type error in an editor, and a
    ConfigurationError at run time, as is one the chosen backend does not take.
    """

    model: str | None
    base_url: str | None
    api_key: str | None
    mode: Mode | str | None
    temperature: float | None
    max_reasks: int | None
    max_attempts: int | None
    max_retry_seconds: float | None
    retry_backoff: float | None
    timeout: float | None
    prompt_dir: Path | None


# Every option that can be given by name.
OPTION_NAMES = frozenset(LLMOptions.__annotations__)


def given_options(options: Mapping[str, object]) -> LLMOptions:
    """The options given (not None), after refusing a name that is no option."""
    unknown = sorted(name for name in options if name not in OPTION_NAMES)
    if unknown:
        raise ConfigurationError(
            f"unknown option {', '.join(map(repr, unknown))}; the options are "
            + ", ".join(sorted(OPTION_NAMES))
        )
    return cast(LLMOptions, {name: value for name, value in options.items() if value is not None})


def parse_mode(value: Mode | str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(mode.value for mode in Mode)
        raise ConfigurationError(f"unknown mode {value!r}; choose one of {choices}") from None


def llm_configured() -> bool:
    """Whether the environment names an LLM endpoint: a key for OpenAI, or a base URL.

    The one place that decides it; the openai backend plugin asks it whether to
    answer when no backend is named.
    """
    return bool(os.environ.get(API_KEY_ENV) or os.environ.get(BASE_URL_ENV))
