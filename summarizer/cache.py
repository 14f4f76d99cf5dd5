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
from typing import Any

from pydantic import ValidationError

from summarizer.article import Article
from summarizer.backends.base import Backend
from summarizer.paths import user_dir
from summarizer.schema import ArticleSummary, ValidationContext, schema_version

CACHE_DIR_ENV = "SUMMARIZER_CACHE_DIR"


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).expanduser() if override else user_dir() / "cache"


def cache_key(article: Article, backend: Backend) -> str:
    material = {
        "article": article.text,
        # Told to the model apart from the text (a feed's dateline without a date, a
        # title, the language asked for), so part of what the answer depends on.
        "facts": [article.dateline, article.title, article.brief_language],
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
    """Validated results in a diskcache folder, safe to share between processes."""

    def __init__(self, directory: Path | str | None = None) -> None:
        import diskcache

        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._store = diskcache.Cache(str(self.directory))

    def get(self, key: str, context: ValidationContext) -> ArticleSummary | None:
        stored = self._store.get(key)
        if not isinstance(stored, str):
            return None
        try:
            return ArticleSummary.model_validate_json(stored, context=dict(context))
        except ValidationError:
            return None

    def put(self, key: str, summary: ArticleSummary) -> None:
        self._store.set(key, summary.model_dump_json())

    def __contains__(self, key: str) -> bool:
        return key in self._store

    def info(self) -> CacheInfo:
        return CacheInfo(self.directory, len(self._store), int(self._store.volume()))

    def clear(self) -> int:
        return int(self._store.clear())

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
