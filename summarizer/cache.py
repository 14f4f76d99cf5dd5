"""The result cache: validated results on disk, keyed by everything that shapes them.

A key covers the article text, the backend and its settings (model, endpoint,
mode, generation settings), the prompt version and the schema version; never an
API key. Results are stored as the model's JSON and validated again on the way
out, so a result that today's validators reject is a miss, not a wrong answer.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from summarizer.article import Article
from summarizer.backends.base import Backend
from summarizer.paths import user_dir
from summarizer.schema import ArticleSummary, ValidationContext, schema_version

if TYPE_CHECKING:
    import diskcache

CACHE_DIR_ENV = "SUMMARIZER_CACHE_DIR"


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).expanduser() if override else user_dir() / "cache"


def cache_key(article: Article, backend: Backend) -> str:
    material = {
        "article": article.text,
        "backend": backend.name,
        "settings": backend.settings,
        "prompt_version": backend.prompt_version,
        "schema_version": schema_version(),
    }
    encoded = json.dumps(material, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    entries: int
    size_bytes: int


class ResultCache:
    """Validated results in a diskcache folder, safe to share between processes.

    The folder is opened on first use and created by the first result stored:
    looking into a cache that does not exist yet finds it empty and creates nothing.
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._opened: diskcache.Cache | None = None

    def _open(self) -> diskcache.Cache:
        """The diskcache, opened (and its folder created) on first use."""
        if self._opened is None:
            import diskcache

            self._opened = diskcache.Cache(str(self.directory))
        return self._opened

    def _existing(self) -> diskcache.Cache | None:
        """The diskcache, or None while its folder does not exist: reading creates nothing."""
        if self._opened is None and not self.directory.is_dir():
            return None
        return self._open()

    def get(self, key: str, context: ValidationContext) -> ArticleSummary | None:
        store = self._existing()
        stored = store.get(key) if store is not None else None
        if not isinstance(stored, str):
            return None
        try:
            return ArticleSummary.model_validate_json(stored, context=dict(context))
        except ValidationError:
            return None

    def put(self, key: str, summary: ArticleSummary) -> None:
        self._open().set(key, summary.model_dump_json())

    def __contains__(self, key: str) -> bool:
        store = self._existing()
        return store is not None and key in store

    def info(self) -> CacheInfo:
        store = self._existing()
        if store is None:
            return CacheInfo(self.directory, 0, 0)
        return CacheInfo(self.directory, len(store), int(store.volume()))

    def clear(self) -> int:
        store = self._existing()
        return int(store.clear()) if store is not None else 0

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
