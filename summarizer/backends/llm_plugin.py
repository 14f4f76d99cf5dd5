"""The openai backend's plugin: any OpenAI-compatible chat-completions endpoint.

Registered under the `summarizer.backends` entry-point group by this package's
pyproject.toml, as a third-party backend registers its own. Light on purpose:
instructor and openai are imported only when a backend is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.backends.base import Backend
from summarizer.backends.plugins import BackendPlugin
from summarizer.settings import OPTION_NAMES, LLMOptions, LLMSettings, llm_configured

if TYPE_CHECKING:
    from summarizer.codebook import Codebook

# Above the offline extractor's 0 when an endpoint is asked for or configured; below
# it otherwise, so that a command that needs this backend still gets it and says
# what is missing.
CONFIGURED_RANK = 100
UNCONFIGURED_RANK = -100


def create(settings: LLMSettings | None, options: LLMOptions, codebook: Codebook) -> Backend:
    """With `settings`, the options replace its fields; without, they are completed
    from the environment (`LLMSettings.from_env`)."""
    from summarizer.backends.llm import LLMBackend

    resolved = LLMSettings.from_env(**options) if settings is None else settings.replaced(**options)
    return LLMBackend(resolved, codebook=codebook)


def default_rank(settings: LLMSettings | None, options: LLMOptions) -> int:
    """Settings or an option given, or an endpoint in the environment, ask for a model."""
    asked = settings is not None or bool(options) or llm_configured()
    return CONFIGURED_RANK if asked else UNCONFIGURED_RANK


plugin = BackendPlugin(
    name="openai",
    create=create,
    options=OPTION_NAMES,
    codebooks=True,
    spends_tokens=True,
    batch_jobs=True,
    default_rank=default_rank,
)
