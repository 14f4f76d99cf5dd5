"""Backends: the interchangeable parts that turn an article into an extraction.

Each is a plugin (`summarizer.backends.plugins`), found through the
`summarizer.backends` entry-point group.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from summarizer.backends.base import Backend, Draft
from summarizer.backends.plugins import BackendPlugin, choose_plugin
from summarizer.settings import LLMOptions, LLMSettings

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


def get_backend(
    name: str | None = None,
    *,
    settings: LLMSettings | None = None,
    codebook: Codebook | str | Path | None = None,
    **options: Unpack[LLMOptions],
) -> Backend:
    """The backend called `name`, configured from `settings`, `options` and the environment.

    >>> get_backend("offline").name
    'offline'

    With no name: of the installed backends that take the given settings and
    options, the one whose plugin ranks itself highest; of the built-in ones, the
    LLM backend when `settings` or options are given or the environment names an
    endpoint (`OPENAI_API_KEY`, `OPENAI_BASE_URL`), else the offline extractor.
    `options` are `LLMSettings` fields by name; with `settings` they replace its
    fields, without they are completed from the environment. An unknown backend,
    an unknown option, or one the backend does not take is a ConfigurationError
    naming it. `codebook` is what to extract (a `Codebook`, a file or a built-in's
    name; None: $SUMMARIZER_CODEBOOK, else `news`); a backend whose plugin takes
    no codebooks is refused any but `news`.
    """
    from summarizer.codebook import load_codebook_or_fail

    wanted = load_codebook_or_fail(codebook)
    plugin = choose_plugin(name, settings=settings, options=options)
    return plugin.build(settings, options, wanted)


__all__ = ["Backend", "BackendPlugin", "Draft", "get_backend"]
