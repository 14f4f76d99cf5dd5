"""Backends: the interchangeable parts that turn an article into an extraction."""

from __future__ import annotations

import dataclasses
from typing import Any

from summarizer.backends.base import Backend, Draft
from summarizer.errors import ConfigurationError
from summarizer.settings import LLMSettings, check_options, choose_backend


def get_backend(
    name: str | None = None, *, settings: LLMSettings | None = None, **options: Any
) -> Backend:
    """The backend called `name`, configured from `settings`, `options` and the environment.

    >>> get_backend("offline").name
    'offline'

    With no name: the LLM backend when `settings` or options are given or the
    environment names an endpoint (`OPENAI_API_KEY`, `OPENAI_BASE_URL`), else the
    offline extractor. `options` are `LLMSettings` fields by name; with `settings`
    they replace its fields, without they are completed from the environment. An
    option the backend does not take is a ConfigurationError naming it.
    """
    given = {key: value for key, value in options.items() if value is not None}
    name = choose_backend(name, settings=settings, options=given)
    check_options(name, given)
    if name == "offline":
        if settings is not None:
            raise ConfigurationError("LLM settings do not apply to the offline backend")
        from summarizer.backends.offline import OfflineBackend

        return OfflineBackend()
    from summarizer.backends.llm import LLMBackend

    resolved = (
        LLMSettings.from_env(**given)
        if settings is None
        else dataclasses.replace(settings, **given)
    )
    return LLMBackend(resolved)


__all__ = ["Backend", "Draft", "get_backend"]
