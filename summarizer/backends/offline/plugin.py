"""The offline extractor's plugin: no model, no key, no network.

Registered under the `summarizer.backends` entry-point group by this package's
pyproject.toml, as a third-party backend registers its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.backends.base import Backend
from summarizer.backends.offline import OfflineBackend, language_notice
from summarizer.backends.plugins import BackendPlugin
from summarizer.settings import LLMOptions, LLMSettings

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


def create(settings: LLMSettings | None, options: LLMOptions, codebook: Codebook) -> Backend:
    # The rules take no settings; the plugin has refused any before this is called.
    return OfflineBackend(codebook)


def default_rank(settings: LLMSettings | None, options: LLMOptions) -> int:
    """Always willing, below any model that is configured: the fallback."""
    return 0


plugin = BackendPlugin(
    name="offline",
    create=create,
    codebooks=True,
    default_rank=default_rank,
    default_notice=(
        "Using the offline extractor: no LLM configured. Set OPENAI_API_KEY, or "
        "OPENAI_BASE_URL / --base-url for a local server, to use a model."
    ),
    article_notice=language_notice,
)
