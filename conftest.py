"""What every test and doctest shares: offline, with a user directory of its own.

This file sits at the repository root so that it also covers the `>>>` examples in
the package's docstrings, which `pytest` collects with `--doctest-modules`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

REPO_ROOT = Path(__file__).resolve().parent

_HOST_SETTINGS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_CACHE_DIR",
    "SUMMARIZER_DEBUG",
)


@pytest.fixture(autouse=True)
def isolated_user_dir(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh SUMMARIZER_HOME (so a fresh cache) and no endpoint or key from the host."""
    for name in _HOST_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "summarizer-home"
    monkeypatch.setenv("SUMMARIZER_HOME", str(home))
    if isinstance(request.node, DoctestItem):
        # The examples name files such as seeds/articles/... as a reader in a checkout would.
        monkeypatch.chdir(REPO_ROOT)
    return home
