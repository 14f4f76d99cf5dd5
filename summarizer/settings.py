"""Typed settings: which backend answers, and how the LLM is called.

>>> settings = LLMSettings(model="llama3.1", base_url="http://localhost:11434/v1")
>>> settings.mode
<Mode.TOOLS: 'tools'>

The environment is read only by `LLMSettings.from_env` and `llm_configured`,
at call time, never on import. Options given by name (to `summarize`,
`open_pipeline`, `get_backend`) are checked against the chosen backend: an
unknown one, or one the backend does not use, is a `ConfigurationError` naming it.
This module imports nothing heavy: the CLI reads its choices from here at start-up.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

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
    def from_env(cls, **options: Any) -> LLMSettings:
        """Options given first, then `SUMMARIZER_MODEL`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`.

        An option given as None counts as not given.
        """
        given = {name: value for name, value in options.items() if value is not None}
        check_options("openai", given)
        given.setdefault("model", os.environ.get(MODEL_ENV) or DEFAULT_MODEL)
        given.setdefault("base_url", os.environ.get(BASE_URL_ENV) or None)
        given.setdefault("api_key", os.environ.get(API_KEY_ENV) or None)
        return cls(**given)

    @property
    def configured(self) -> bool:
        """Whether these settings name an endpoint: a key for OpenAI, or a base URL."""
        return bool(self.api_key or self.base_url)


def parse_mode(value: Mode | str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(mode.value for mode in Mode)
        raise ConfigurationError(f"unknown mode {value!r}; choose one of {choices}") from None


def llm_configured() -> bool:
    """Whether the environment names an LLM endpoint: a key for OpenAI, or a base URL.

    The one place that decides it; `choose_backend` asks it for the default backend.
    """
    return bool(os.environ.get(API_KEY_ENV) or os.environ.get(BASE_URL_ENV))


# Each backend by name, with the options it takes by name.
BACKEND_OPTIONS: Mapping[str, frozenset[str]] = {
    "openai": frozenset(f.name for f in dataclasses.fields(LLMSettings)),
    "offline": frozenset(),
}
BACKEND_NAMES = tuple(BACKEND_OPTIONS)


def choose_backend(
    name: str | None, *, settings: LLMSettings | None = None, options: Mapping[str, Any]
) -> str:
    """The backend that answers: the one named; else an LLM when settings, an LLM option
    or the environment ask for one; else the offline extractor."""
    if name is not None:
        check_backend_name(name)
        return name
    wants_llm = settings is not None or any(value is not None for value in options.values())
    return "openai" if wants_llm or llm_configured() else "offline"


def check_backend_name(name: str) -> None:
    if name not in BACKEND_OPTIONS:
        choices = ", ".join(BACKEND_NAMES)
        raise ConfigurationError(f"unknown backend {name!r}; choose one of {choices}")


def check_options(backend: str, options: Mapping[str, Any]) -> None:
    """Refuse options the backend does not take, naming each."""
    check_backend_name(backend)
    taken = BACKEND_OPTIONS[backend]
    every = frozenset().union(*BACKEND_OPTIONS.values())
    unknown = sorted(name for name in options if name not in every)
    if unknown:
        raise ConfigurationError(
            f"unknown option {', '.join(map(repr, unknown))}; the {backend} backend takes "
            + (", ".join(sorted(taken)) or "none")
        )
    foreign = sorted(name for name in options if name not in taken)
    if foreign:
        raise ConfigurationError(
            f"option {', '.join(map(repr, foreign))} does not apply to the {backend} backend"
        )
