"""Every test runs offline, with its own user directory and no LLM settings from the host."""

from __future__ import annotations

from pathlib import Path

import pytest

# Our OpenAI-compatible server on 127.0.0.1, scripted per test.
from tests.loopback import loopback_server  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
SEED_ARTICLE = SEEDS / "articles" / "iraq-baaj-offensive.txt"

_HOST_SETTINGS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_CACHE_DIR",
    "SUMMARIZER_DEBUG",
)


@pytest.fixture(autouse=True)
def isolated_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SUMMARIZER_HOME (so a fresh cache) and no endpoint or key from the host."""
    for name in _HOST_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "summarizer-home"
    monkeypatch.setenv("SUMMARIZER_HOME", str(home))
    return home
