"""The seam every backend plugs into: an article in, a validated extraction out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel

from summarizer.article import Article
from summarizer.schema import Usage

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


@dataclass(frozen=True)
class Draft:
    """A backend's answer for one article, before the pipeline adds where it came from."""

    # An instance of its codebook's `extraction_model` (`schema.Extraction` for `news`).
    extraction: BaseModel
    usage: Usage
    attempts: int = 1


@runtime_checkable
class Backend(Protocol):
    """What the pipeline needs of a backend.

    `settings` names everything that can change the answer for the same article
    (model, endpoint, mode, temperature...): it goes into the cache key. It must
    never hold a secret.

    A backend is made for one codebook (`BackendPlugin.codebooks`): it holds it as
    `codebook`, extracts its types and fields, and puts its hash in its
    `prompt_version` (`Codebook.versioned`). A backend without a `codebook`
    attribute extracts `news` (`backend_codebook`).

    A backend whose model reads a limited context says how many tokens of a
    document's text one request may carry, as `chunk_tokens` (an int): a longer
    document is read in chunks (`summarizer.documents`). A backend without it
    reads any document whole (`backend_chunk_tokens`).
    """

    name: str
    model: str | None
    prompt_version: str

    @property
    def settings(self) -> dict[str, Any]: ...

    def extract(self, article: Article) -> Draft: ...

    async def aextract(self, article: Article) -> Draft: ...


class BackendWrapper:
    """A backend in front of another (rate limits, a budget, worker processes).

    Name, model, settings and prompt version are the wrapped backend's own, so the
    cache key stays its key. A synchronous `extract` goes straight through: what
    the wrappers add is asynchronous, and only the realtime engine uses it.
    Subclasses define `aextract`.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.codebook = backend_codebook(backend)
        self.chunk_tokens = backend_chunk_tokens(backend)
        self.name = backend.name
        self.model = backend.model
        self.prompt_version = backend.prompt_version

    @property
    def settings(self) -> dict[str, Any]:
        return self.backend.settings

    def extract(self, article: Article) -> Draft:
        return self.backend.extract(article)


def backend_codebook(backend: Backend) -> Codebook:
    """The codebook `backend` extracts: its `codebook`, or `news` for a backend that
    holds none (a plugin's that takes no codebook)."""
    from summarizer.codebook import DEFAULT_CODEBOOK, Codebook

    codebook = getattr(backend, "codebook", None)
    return codebook if isinstance(codebook, Codebook) else Codebook.load(DEFAULT_CODEBOOK)


def backend_chunk_tokens(backend: Backend) -> int | None:
    """The tokens of a document's text `backend` reads in one request: its
    `chunk_tokens`, or None for a backend that reads any document whole."""
    value = getattr(backend, "chunk_tokens", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
