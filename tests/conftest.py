"""Paths the tests share; ../conftest.py gives every test its own user directory, offline."""

from __future__ import annotations

from pathlib import Path

# Our OpenAI-compatible server on 127.0.0.1, scripted per test.
from tests.loopback import loopback_server  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
SEED_ARTICLE = SEEDS / "articles" / "iraq-baaj-offensive.txt"

# tests/plugins/ holds packages the tests install (a backend plugin), not tests.
collect_ignore = ["plugins"]
