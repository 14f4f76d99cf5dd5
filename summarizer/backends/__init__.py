"""Backends: the interchangeable parts that turn an article into an extraction."""

from __future__ import annotations

from typing import Any

from summarizer.backends.base import Backend, Draft
from summarizer.errors import ConfigurationError

BACKEND_NAMES = ("openai", "offline")


def get_backend(name: str | None = None, **options: Any) -> Backend:
    """The backend called `name`, configured from `options` and the environment.

    With no name, the LLM backend when an endpoint is configured (`OPENAI_API_KEY`
    or `OPENAI_BASE_URL`), else the offline extractor.
    """
    from summarizer.backends.llm import LLMBackend, LLMSettings, is_llm_configured

    if name is None:
        name = "openai" if is_llm_configured() or options.get("base_url") else "offline"
    if name == "openai":
        return LLMBackend(LLMSettings.from_env(**options))
    if name == "offline":
        from summarizer.backends.offline import OfflineBackend

        return OfflineBackend()
    raise ConfigurationError(f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")


__all__ = ["BACKEND_NAMES", "Backend", "Draft", "get_backend"]
