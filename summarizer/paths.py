"""The one user directory where the cache and eval reports live."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "SUMMARIZER_HOME"


def user_dir() -> Path:
    """`$SUMMARIZER_HOME`, else the platform's per-user data folder for summarizer."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "summarizer"
