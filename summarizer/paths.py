"""The one user directory where the cache and eval reports live.

Only named here, never created: whatever first writes into it makes it, so a
command that only looks (`summarize cache info`) or fails early leaves no trace.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "summarizer"
HOME_ENV = "SUMMARIZER_HOME"


def user_dir() -> Path:
    """`$SUMMARIZER_HOME`, else the platform's per-user data folder for summarizer.

    That folder is `$XDG_DATA_HOME/summarizer` (by default `~/.local/share/summarizer`)
    on Linux, `~/Library/Application Support/summarizer` on macOS and
    `%LOCALAPPDATA%\\summarizer` on Windows.
    """
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)
